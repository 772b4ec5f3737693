// A PXE-started machine on the QEMU lab: the firmware (disk first, NIC second, so a blank disk falls
// through to PXE as on bare metal) gets an address from the subnet's DHCP server, the boot file from
// the DP's proxyDHCP and TFTP, and the boot image from the DP over HTTP. Once the agent says hello the
// boot image brings its NIC up (udhcpc), asks the management point for its policy, and the task
// sequence runs with its content from the DP. What happened goes to smsts.log (component TSPxe).
import type { DriverCatalog } from '../../../drivers/index.js';
import { parseCmtrace, type MachinePlan, type MachineStart } from '../../../harness/index.js';
import type { AgentChannel } from '../agent-channel.js';
import { timeoutScale, type Accelerator } from '../machine-command.js';
import type { QemuMachine } from '../machine-process.js';
import { bringUpGuestNetwork, consoleEvidence, DistributionPointContentSource, GuestShell, QemuTaskSequenceMachine, watchForBootFailure } from '../machine/index.js';
import { plainConsole } from '../machine/firmware-console.js';
import { ARCHITECTURE_MISMATCH } from '../media/index.js';
import { requestPolicy } from './mp-policy.js';
import { PXE_LAUNCH_ARG } from './pxe-boot-files.js';
import type { SiteServices } from './site-services.js';

/** The pseudo step a machine that never reached its task sequence fails at. */
const PXE_START_STEP = '(PXE boot)';
/** KVM-speed budget from power-on to the agent's hello over PXE (firmware PXE, GRUB, 20 MB over HTTP); scaled for TCG. */
const PXE_BOOT_MS = 60_000;
/** What the firmware's PXE client (OVMF's own, or iPXE) and the netboot loader say on the console. */
const PXE_EVIDENCE = /NBP filename|NBP filesize|Station IP address|Server IP address|PXE-E\d+|Start PXE over|osdlab PXE|No more network devices|^Filename:|^Next server:|^tftp:\/\/|^net\d+: \d+\.\d+|^SMSBoot\\/;

export interface PxeStartInputs {
  plan: MachinePlan;
  qemu: QemuMachine;
  accel: Accelerator;
  site: SiteServices;
  poweredOnAt: number;
  log: (line: string) => void;
  ccmCacheSizeBytes?: number;
  /** The site's driver catalog for the driver steps; default: empty. */
  drivers?: DriverCatalog;
  signal: AbortSignal;
}

export interface PxeStarted {
  start: MachineStart;
  machine?: QemuTaskSequenceMachine;
  agent?: AgentChannel;
}

/** The PXE client's and loader's lines of the console (firmware text without escapes). */
export function pxeConsoleLines(text: string): string[] {
  return plainConsole(text)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => PXE_EVIDENCE.test(l));
}

export async function startByPxe(inputs: PxeStartInputs): Promise<PxeStarted> {
  const { plan, qemu, accel, site, log, signal } = inputs;
  const name = plan.machine.name;
  const boundary = plan.machine.boundary;
  const dp = boundary !== undefined ? site.distributionPointFor(boundary) : undefined;
  // The responder's messages about this machine (not its CMTrace lines: they go into smsts.log as messages).
  const pxeLog = (): string[] => (dp?.pxe ? parseCmtrace(dp.pxe.smspxeLog()).map((l) => l.message).filter((m) => m.toLowerCase().includes(plan.machine.nic.mac.toLowerCase())) : []);
  const notStarted = async (reason: string, extra: string[] = []): Promise<PxeStarted> => {
    const text = await qemu.consoleText();
    const console = [...pxeConsoleLines(text), ...consoleEvidence(text), ...extra];
    log(`${name}: not started by PXE: ${reason}`);
    await qemu.stop();
    return { start: { started: false, failedStep: PXE_START_STEP, reason, console: [...new Set(console)], poweredOnAt: inputs.poweredOnAt } };
  };

  const booted = await bootToAgent(qemu, accel, signal);
  if ('failure' in booted) return notStarted(`PXE boot: ${booted.failure}`, pxeLog().length > 0 ? ['SMSPXE.log of the distribution point:', ...pxeLog()] : []);
  const agent = booted.agent;
  const shell = new GuestShell(agent, timeoutScale(accel));
  const bootLog: string[] = pxeConsoleLines(await qemu.consoleText()).map((l) => `PXE: ${l}`);

  const cmdline = (await shell.run('cat /proc/cmdline', 30, signal)).output.join(' ');
  if (!cmdline.includes(PXE_LAUNCH_ARG)) return notStarted(`the machine did not start the boot image from PXE (kernel line: ${cmdline})`);
  bootLog.push(`Boot image started by PXE: ${cmdline.split(' ').filter((a) => a.startsWith('osdlab.')).join(' ')}`);

  bootLog.push(...(await bringUpGuestNetwork(shell, signal)));
  const mp = site.managementPoint;
  if (!mp) return notStarted('the scenario has no management point on the machine\'s network to ask for policy');
  const nic = agent.helloFacts.nics.find((n) => n.mac.toLowerCase() === plan.machine.nic.mac.toLowerCase()) ?? agent.helloFacts.nics[0];
  const identity = { mac: (nic?.mac ?? plan.machine.nic.mac).toUpperCase(), smbiosGuid: agent.helloFacts.smbios.uuid.toUpperCase() };
  bootLog.push(`Requesting policy from the management point ${mp.name} (${mp.url}) for MAC ${identity.mac}, SMBIOS GUID ${identity.smbiosGuid}`);
  const answer = await requestPolicy(shell, mp.url, identity, signal);
  if (!answer.ok) return notStarted(answer.reason, [...bootLog, ...answer.output]);
  const { computer, policy } = answer;
  bootLog.push(`Client identity: ${computer.name} (${computer.smsGuid}${computer.unknown ? ', unknown computer registered' : ''}); policy: ${policy.deployments.map((d) => `${d.id} (${d.mandatory ? 'required' : 'available'})`).join(', ') || 'no deployments'}`);
  for (const line of bootLog) log(`${name}: ${line}`);
  const deployment = policy.deployments.find((d) => d.id === plan.deployment.name);
  if (!deployment) {
    return notStarted(`there are no task sequences available for this computer: the management point's policy for ${computer.name} has no deployment "${plan.deployment.name}"`, bootLog);
  }
  // The responder offers a required deployment once; "clear required PXE deployments" re-offers it.
  if (deployment.mandatory) await dp?.pxe?.recordRequiredRun(plan.machine.nic.mac, deployment.id);
  // Content from the DP the MP's content locations name first (the PXE DP when they name none yet).
  const located = Object.values(deployment.contentLocations).flat()[0];
  const contentDp = site.distributionPoints.find((d) => located?.startsWith(`${d.url}/`)) ?? dp;
  if (!contentDp) return notStarted(`no distribution point on the machine's boundary ${boundary ?? '(none)'}`, bootLog);

  const machine = await QemuTaskSequenceMachine.attach(
    {
      machine: qemu,
      agent,
      accel,
      content: new DistributionPointContentSource({ url: contentDp.url, packages: contentDp.catalog }),
      winpeBootedFrom: 'pxe',
      // Disk first, NIC second: once Setup Windows put a loader on the disk, the firmware boots it.
      prepareBoot: async (target) => {
        if (target === 'WinPE') throw new Error('restarting a PXE-started machine into Windows PE again is not built on the QEMU lab yet');
      },
      ...(inputs.ccmCacheSizeBytes !== undefined ? { ccmCacheSizeBytes: inputs.ccmCacheSizeBytes } : {}),
      ...(inputs.drivers ? { drivers: inputs.drivers } : {}),
    },
    signal,
  );
  return { start: { started: true, machine, poweredOnAt: inputs.poweredOnAt, bootLog: bootLog.map((message) => ({ component: 'TSPxe', message })) }, machine, agent };
}

/** The agent's hello, or the firmware's (or kernel's) word that the boot failed. */
async function bootToAgent(qemu: QemuMachine, accel: Accelerator, signal: AbortSignal): Promise<{ agent: AgentChannel } | { failure: string }> {
  const stop = new AbortController();
  const both = AbortSignal.any([signal, stop.signal]);
  const timeoutMs = PXE_BOOT_MS * timeoutScale(accel);
  const never = () => new Promise<never>(() => undefined);
  try {
    return await Promise.race([
      qemu.agent({ helloTimeoutMs: timeoutMs, signal: both }).then((agent) => ({ agent })),
      qemu.waitForConsole(ARCHITECTURE_MISMATCH, { timeoutMs, signal: both }).then((text) => ({ failure: `the boot image does not start on this processor: "${ARCHITECTURE_MISMATCH.exec(text)![0].trim()}"` }), never),
      watchForBootFailure(() => qemu.consoleText(), both).then((failure) => ({ failure }), never),
    ]);
  } catch (err) {
    if (signal.aborted) throw err;
    return { failure: err instanceof Error ? err.message : String(err) };
  } finally {
    stop.abort();
  }
}
