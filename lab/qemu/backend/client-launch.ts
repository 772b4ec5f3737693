// Existing machines on the QEMU lab (refresh scenarios): the machine's disks are built before the
// run from the scenario's description (existing-disk.ts) and the machine starts from its own disk
// into the installed full OS, where the ConfigMgr client asks the management point for its policy
// over the lab network and starts the deployment it finds there (launch "client").
// Its content comes from a content disk the lab attaches, which also carries the task sequence's
// boot image for a restart into Windows PE (staged on the disk: staged-boot-image.ts).
import { execa } from 'execa';
import type { MachinePlan, MachineStart } from '../../../harness/index.js';
import { EnvironmentError, type Machine } from '../../../scenarios/index.js';
import type { AgentChannel } from '../agent-channel.js';
import { timeoutScale, type Accelerator } from '../machine-command.js';
import type { QemuMachine } from '../machine-process.js';
import { bringUpGuestNetwork, consoleEvidence, GuestShell, MediaContentSource, QemuTaskSequenceMachine, watchForBootFailure } from '../machine/index.js';
import type { MediaPackage } from '../media/index.js';
import { buildExistingDisk, diskOverlay, generatedProfiles, type ExistingDiskSpec, type InstalledWindowsSpec } from './existing-disk.js';
import type { RunContent } from './content.js';
import { requestPolicy } from './mp-policy.js';
import type { SiteServices } from './site-services.js';

/** The pseudo step a machine that never reached its task sequence fails at. */
export const CLIENT_START_STEP = '(start from disk)';
/** KVM-speed budget from power-on to the full OS's hello; scaled for TCG. */
const DISK_BOOT_MS = 30_000;
/** PackageID the staged boot image gets when the deployment names none. */
const DEFAULT_BOOT_IMAGE_ID = 'OSDLABPE';

/** Why a machine cannot start as an existing client on the QEMU lab, or undefined. */
export function clientLaunchProblem(machine: Machine): string | undefined {
  if (!machine.installedOs) return `machine ${machine.name}: a deployment through the ConfigMgr client needs the machine's installed OS (installedOs)`;
  if (!machine.installedOs.configMgrClient) return `machine ${machine.name}: installedOs.configMgrClient is false, so no client starts the deployment`;
  if (!machine.disks[0]?.layout) return `machine ${machine.name}: disks[0] needs a layout holding the installed OS`;
  return undefined;
}

/** The existing-disk description of disk `index` of the scenario machine. */
export function existingDiskSpec(machine: Machine, index: number, packages: MediaPackage[]): ExistingDiskSpec | undefined {
  const disk = machine.disks[index]!;
  if (!disk.layout) return undefined;
  const MIB = 1024 * 1024;
  const layout: ExistingDiskSpec['layout'] = {
    style: disk.layout.style,
    diskType: 'basic',
    partitions: disk.layout.partitions.map((p) => ({
      type: p.type,
      size: 'bytes' in p.size ? { value: p.size.bytes / MIB, unit: 'MB' as const } : p.size.percent >= 1 ? ('remaining' as const) : { value: p.size.percent * 100, unit: 'PERCENT' as const },
      ...(p.fileSystem ? { fileSystem: p.fileSystem } : {}),
      ...(p.label !== undefined ? { label: p.label } : {}),
      quickFormat: true,
      bootable: p.active,
    })),
  };
  const os = index === 0 ? machine.installedOs : undefined;
  return { sizeBytes: disk.size, layout, firmware: machine.firmware, ...(os ? { windows: installedWindows(machine, packages) } : {}) };
}

function installedWindows(machine: Machine, packages: MediaPackage[]): InstalledWindowsSpec {
  const os = machine.installedOs!;
  const image = os.image ? packages.find((p) => p.id === os.image!.id) : packages.find((p) => Object.keys(p.files).some((f) => /\.wim$/i.test(f)));
  const wim = image && Object.entries(image.files).find(([f]) => /\.wim$/i.test(f))?.[1];
  if (!wim) throw new EnvironmentError(`machine ${machine.name}: no OS image${os.image ? ` ${os.image.id}` : ''} in the scenario's content to build the installed OS from`, 'add an OS image to content.osImages');
  const cache = os.clientCache.map((id) => {
    const pkg = packages.find((p) => p.id === id);
    if (!pkg) throw new EnvironmentError(`machine ${machine.name}: installedOs.clientCache names ${id}, which is not in the scenario's content`);
    return pkg;
  });
  return {
    wimPath: wim,
    imageIndex: os.image?.index ?? 1,
    partition: os.partition,
    caption: os.caption,
    version: os.version,
    architecture: machine.arch,
    configMgrClient: os.configMgrClient,
    profiles: os.userState ? generatedProfiles(os.userState.users, os.userState.size) : [],
    clientCache: cache,
  };
}

/** Disk `index` of the machine as the scenario describes it, at `path` (a blank disk without a layout). */
export async function createMachineDisk(plan: MachinePlan, index: number, path: string, content: RunContent, log: (line: string) => void, signal: AbortSignal): Promise<void> {
  const disk = plan.machine.disks[index]!;
  if (disk.type !== 'basic') throw new EnvironmentError(`machine ${plan.machine.name}: disks[${index}] starts as a dynamic disk; the QEMU lab builds basic disks only so far`, 'leave out "type", or run on the twin');
  const spec = existingDiskSpec(plan.machine, index, content.packages);
  if (!spec) {
    await execa('qemu-img', ['create', '-q', '-f', 'qcow2', path, String(disk.size)], { cancelSignal: signal });
    return;
  }
  const built = await buildExistingDisk(spec, { signal });
  if (!built.ok) throw new EnvironmentError(`machine ${plan.machine.name}: disks[${index}].layout: ${built.message}`);
  log(`${plan.machine.name}: disk ${index} built from its description ${built.disk.path}${built.disk.cached ? ' (cached)' : ''}: ${built.disk.notes.join('; ')}`);
  await diskOverlay(built.disk, path, signal);
}

/** The boot image package ID a client machine stages for a restart into Windows PE. */
export function bootImagePackageId(plan: MachinePlan): string {
  return plan.deployment.bootImage ?? DEFAULT_BOOT_IMAGE_ID;
}

export interface ClientStartInputs {
  plan: MachinePlan;
  qemu: QemuMachine;
  accel: Accelerator;
  poweredOnAt: number;
  /** The run's site servers (the management point gives the client its policy). */
  site?: SiteServices;
  log: (line: string) => void;
  signal: AbortSignal;
}

export interface ClientStarted {
  start: MachineStart;
  machine?: QemuTaskSequenceMachine;
  agent?: AgentChannel;
}

/** Waits for the installed OS to report in from the disk and takes the machine over there. */
export async function startFromDisk(inputs: ClientStartInputs): Promise<ClientStarted> {
  const { plan, qemu, accel, signal } = inputs;
  const notStarted = async (reason: string, extra: string[] = []): Promise<ClientStarted> => {
    const start: MachineStart = { started: false, failedStep: CLIENT_START_STEP, reason, console: [...consoleEvidence(await qemu.consoleText()), ...extra], poweredOnAt: inputs.poweredOnAt };
    inputs.log(`${plan.machine.name}: not started from its disk: ${reason}`);
    await qemu.stop();
    return { start };
  };
  const booted = await bootToAgent(qemu, DISK_BOOT_MS * timeoutScale(accel), signal);
  if ('failure' in booted) return notStarted(`the installed OS did not start from the disk: ${booted.failure}`);
  if (booted.agent.helloFacts.environment !== 'FullOS') return notStarted(`the disk started ${booted.agent.helloFacts.environment}, not the installed OS`);
  const policy = await clientPolicy(inputs, booted.agent);
  if (!policy.ok) return notStarted(policy.reason, policy.output);
  const machine = await QemuTaskSequenceMachine.attach(
    {
      machine: qemu,
      agent: booted.agent,
      accel,
      content: new MediaContentSource(),
      winpeBootedFrom: 'disk',
      bootImagePackageId: bootImagePackageId(plan),
      ccmCacheSizeBytes: plan.machine.clientCacheSize,
    },
    signal,
  );
  return { start: { started: true, machine, poweredOnAt: inputs.poweredOnAt, bootLog: policy.log.map((message) => ({ component: 'PolicyAgent', message })) }, machine, agent: booted.agent };
}

/** The client's machine policy from the management point (as the twin, no management point: no policy, no deployment). */
async function clientPolicy(inputs: ClientStartInputs, agent: AgentChannel): Promise<{ ok: true; log: string[] } | { ok: false; reason: string; output: string[] }> {
  const { plan, site, signal } = inputs;
  const mp = plan.machine.boundary !== undefined ? site?.managementPoint : undefined;
  if (!mp) return { ok: false, reason: 'the site has no management point to give the machine its policy', output: [] };
  const shell = new GuestShell(agent, timeoutScale(inputs.accel));
  const log = await bringUpGuestNetwork(shell, signal);
  const nic = agent.helloFacts.nics.find((n) => n.mac.toLowerCase() === plan.machine.nic.mac.toLowerCase()) ?? agent.helloFacts.nics[0];
  const identity = { mac: (nic?.mac ?? plan.machine.nic.mac).toUpperCase(), smbiosGuid: agent.helloFacts.smbios.uuid.toUpperCase() };
  log.push(`Requesting machine policy from the management point ${mp.name} (${mp.url}) for MAC ${identity.mac}, SMBIOS GUID ${identity.smbiosGuid}`);
  const answer = await requestPolicy(shell, mp.url, identity, signal);
  if (!answer.ok) return { ok: false, reason: answer.reason, output: [...log, ...answer.output] };
  log.push(`Client identity: ${answer.computer.name} (${answer.computer.smsGuid}); policy: ${answer.policy.deployments.map((d) => `${d.id} (${d.mandatory ? 'required' : 'available'})`).join(', ') || 'no deployments'}`);
  for (const line of log) inputs.log(`${plan.machine.name}: ${line}`);
  if (!answer.policy.deployments.some((d) => d.id === plan.deployment.name)) {
    return { ok: false, reason: `the management point's policy for ${answer.computer.name} has no deployment "${plan.deployment.name}"`, output: log };
  }
  return { ok: true, log };
}

async function bootToAgent(qemu: QemuMachine, timeoutMs: number, signal: AbortSignal): Promise<{ agent: AgentChannel } | { failure: string }> {
  const stop = new AbortController();
  const both = AbortSignal.any([signal, stop.signal]);
  try {
    return await Promise.race([qemu.agent({ helloTimeoutMs: timeoutMs, signal: both }).then((agent) => ({ agent })), watchForBootFailure(() => qemu.consoleText(), both).then((failure) => ({ failure }))]);
  } catch (err) {
    if (signal.aborted) throw err;
    return { failure: err instanceof Error ? err.message : String(err) };
  } finally {
    stop.abort();
  }
}
