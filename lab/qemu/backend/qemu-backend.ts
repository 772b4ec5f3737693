// The QEMU lab as a LabBackend (harness/lab-backend.ts): real machines started from real media or by
// PXE from the site servers (site-services.ts, pxe-launch.ts), their task sequence run by
// QemuTaskSequenceMachine (lab/qemu/machine), their disks read back from the qcow2 images
// afterwards. One withLabRun per scenario run holds everything the run creates (temp dir,
// namespaces, site servers, QEMU processes) and removes it on close, failure or interrupt.
import { access, copyFile, cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import type { Lab, LabBackend, MachineClock, MachineObservation, MachinePlan, MachineStart } from '../../../harness/index.js';
import { EnvironmentError, type Scenario } from '../../../scenarios/index.js';
import type { AgentChannel } from '../agent-channel.js';
import { timeoutScale, type Accelerator, type NicBackend, type QemuMachineSpec } from '../machine-command.js';
import { probeAccelerator } from '../accelerator.js';
import { launchMachine, type QemuMachine } from '../machine-process.js';
import { LabNetwork } from '../lab-network.js';
import { withLabRun, type LabRun } from '../lab-run.js';
import { sweepStaleRuns } from '../stale-runs.js';
import { shapeScenarioLinks } from '../scenario-links.js';
import { readDiskImage } from '../disk/index.js';
import { safeFileName } from '../../../reports/index.js';
import { consoleEvidence, DistributionPointContentSource, MediaContentSource, QemuTaskSequenceMachine, type ContentSource } from '../machine/index.js';
import { ARCHITECTURE_MISMATCH, buildContentDisk, buildMedia, MEDIA_PASSWORD_PROMPT, type BuiltImage } from '../media/index.js';
import { bootImageDriversForModules } from '../../../images/index.js';
import { bootImageLinuxModules, scenarioBootImageDriverLists, scenarioDriverCatalog, type DriverCatalog } from '../../../drivers/index.js';
import { CapturedImages } from './captured-images.js';
import { bootImageArchitecture, prepareContent, type RunContent } from './content.js';
import { diskController, machineDrivers, machineSpec } from './machine-spec.js';
import { MediaPackageSource } from './media-content.js';
import { installedOsFilesScript, presentPaths, systemDrivePath } from './installed-os-files.js';
import { startByPxe } from './pxe-launch.js';
import { bootImagePackageId, clientLaunchProblem, createMachineDisk, startFromDisk } from './client-launch.js';
import { stagedBootImagePackage } from './staged-boot-image.js';
import { startSiteServices, type SiteServices } from './site-services.js';

export interface QemuBackendOptions {
  /** Default: probed (KVM when it really works here, TCG otherwise). */
  accel?: Accelerator;
  /**
   * Where logs are written while the lab runs: each machine's console log to
   * <dir>/machines/<machine>/console.log, the site servers' logs (SMSPXE.log, access logs) to
   * <dir>/site/. Default: the run's temp dir.
   */
  outputDir?: string;
  /** How long password-protected media wait for someone to type (the twin's default: 15 min). */
  promptTimeoutMs?: number;
  /** The run log: what the lab built or made up for the scenario. Default: stderr. */
  log?: (line: string) => void;
  /** Install SIGINT/SIGTERM handlers for the run (the CLI does). Default true. */
  handleSignals?: boolean;
  /** Default: a fresh id per run. */
  runId?: string;
}

/** KVM-speed budget for a media boot to reach the agent's hello; scaled for TCG. */
const MEDIA_BOOT_MS = 30_000;
const PROMPT_TIMEOUT_MS = 15 * 60_000;
const START_STEP = '(media boot)';
/** An agent that answers at all gives its facts within this, even under TCG. */
const AGENT_CHECK_MS = 30_000;
/** KVM-speed budget of the final boot check from the disk; scaled for TCG. */
const FINAL_BOOT_CHECK_MS = 15_000;

export class QemuBackend implements LabBackend {
  readonly name = 'qemu' as const;
  private runFolder?: string;

  constructor(private readonly options: QemuBackendOptions = {}) {}

  /** The run folder the CLI leaves: console and site logs are copied there when the lab closes (not when interrupted). */
  keepLogsIn(runFolder: string): void {
    this.runFolder = runFolder;
  }

  async open(scenario: Scenario, plans: MachinePlan[], signal: AbortSignal): Promise<Lab> {
    for (const plan of plans) refuseUnsupported(plan);
    const log = this.options.log ?? ((line: string) => process.stderr.write(`qemu lab: ${line}\n`));
    const runId = this.options.runId ?? `run-${process.pid}-${Date.now().toString(36)}`;
    // What runs killed outright (SIGKILL, host crash) left behind goes before this run adds its own.
    const swept = await sweepStaleRuns();
    if (swept.length > 0) log(`removed the leftovers of ${swept.length} dead run(s): ${swept.join(', ')}`);
    let release!: () => void;
    const closed = new Promise<void>((resolve) => (release = resolve));
    let opened!: (run: LabRun) => void;
    const running = new Promise<LabRun>((resolve) => (opened = resolve));
    // The run ends only once the set-up below has settled: what it creates after an interrupt (a
    // site host half-started) registers with the run's cleanup and must still be removed by it.
    let setUp!: () => void;
    const setUpSettled = new Promise<void>((resolve) => (setUp = resolve));
    const done = withLabRun(
      runId,
      async (run) => {
        opened(run);
        await setUpSettled;
        await Promise.race([closed, new Promise((resolve) => run.signal.addEventListener('abort', resolve, { once: true }))]);
      },
      { signal, handleSignals: this.options.handleSignals ?? true, ...(this.runFolder !== undefined ? { runFolder: this.runFolder } : {}), onCleanupFailures: (f) => log(`cleanup: ${f.map((x) => `${x.label}: ${String(x.error)}`).join('; ')}`) },
    );
    const run = await Promise.race([running, done.then(() => Promise.reject(new EnvironmentError('the QEMU lab run ended before it opened')))]);
    const close = async (): Promise<void> => {
      release();
      await done;
    };
    try {
      const accel = this.options.accel ?? (await chooseAccelerator(scenario, plans, log, run.signal));
      const catalog = await scenarioDriverCatalog(scenario, run.signal);
      const lists = scenarioBootImageDriverLists(scenario, catalog);
      // A boot image with a driver list gets exactly those drivers (and the inbox ones); without one, every machine's NIC and disk controller.
      const drivers = plans.flatMap((p) => {
        const id = p.media?.bootImage ?? p.deployment.bootImage;
        const listed = lists.get(id ?? '');
        return listed ? bootImageDriversForModules(bootImageLinuxModules(listed, bootImageArchitecture(scenario, id))) : [...machineDrivers(p.machine), 'ahci', 'usb-storage'];
      });
      const booted = plans.map((p) => bootImageArchitecture(scenario, p.media?.bootImage ?? p.deployment.bootImage));
      const content = await prepareContent(scenario, booted, drivers, log, run.signal);
      const network = await labNetwork(scenario, plans, run, log);
      const outputDir = this.options.outputDir ?? join(run.tempDir, 'out');
      const site = network ? await startSiteServices({ scenario, run, net: network.net, subnets: network.subnets, content, outputDir, log }) : undefined;
      const runFolder = this.runFolder;
      const closeSite = async () => {
        await site?.writeLogs().catch((err: unknown) => log(`site logs: ${String(err)}`));
        // An interrupted run leaves no run folder behind.
        if (runFolder !== undefined && !run.signal.aborted) await copyLogs(outputDir, runFolder).catch((err: unknown) => log(`copying logs to ${runFolder}: ${String(err)}`));
        await close();
      };
      return new QemuScenarioLab(run, { accel, content, drivers: catalog, network, site, log, outputDir, promptTimeoutMs: this.options.promptTimeoutMs ?? PROMPT_TIMEOUT_MS, captured: new CapturedImages(scenario, run.tempDir) }, closeSite);
    } catch (err) {
      setUp();
      await close();
      throw err;
    } finally {
      setUp();
    }
  }
}

async function copyLogs(from: string, to: string): Promise<void> {
  for (const folder of ['machines', 'site']) {
    if (await access(join(from, folder)).then(() => true, () => false)) await cp(join(from, folder), join(to, folder), { recursive: true });
  }
}

function refuseUnsupported(plan: MachinePlan): void {
  const name = plan.machine.name;
  if (plan.launch === 'pxe' && plan.machine.boundary === undefined) throw new EnvironmentError(`machine ${name}: a PXE-started machine needs a network (its boundary)`, 'give the machine a boundary with a PXE-enabled distribution point');
  const client = plan.launch === 'client' ? clientLaunchProblem(plan.machine) : undefined;
  if (client) throw new EnvironmentError(client, 'describe the installed OS and disk 0\'s layout, or run on the twin');
  diskController(plan.machine);
}

async function chooseAccelerator(scenario: Scenario, plans: MachinePlan[], log: (line: string) => void, signal: AbortSignal): Promise<Accelerator> {
  const kernel = (await execa('sh', ['-c', 'ls /boot/vmlinuz-*-amd64 | sort -V | tail -n 1'], { cancelSignal: signal })).stdout.trim();
  const choice = await probeAccelerator({ kernel, signal });
  log(`accelerator ${choice.accel} (${choice.reason}) for ${plans.length} machine(s) of ${scenario.name}`);
  return choice.accel;
}

/** A namespace with a bridge per boundary when any machine has a network, the scenario's WAN links between them; none otherwise. */
async function labNetwork(scenario: Scenario, plans: MachinePlan[], run: LabRun, log: (line: string) => void): Promise<{ net: LabNetwork; subnets: Map<string, string> } | undefined> {
  const used = new Set(plans.map((p) => p.machine.boundary).filter((b) => b !== undefined));
  if (used.size === 0) return undefined;
  const boundaries = scenario.site.boundaries.filter((b) => used.has(b.name));
  const subnets = boundaries.map((b, i) => ({ name: `b${i}`, ...('subnet' in b && typeof b.subnet === 'string' ? { cidr: b.subnet } : {}) }));
  const net = await LabNetwork.create(run.runId, subnets, run.cleanup, run.signal);
  const names = new Map(boundaries.map((b, i) => [b.name, `b${i}`]));
  // Before the site hosts bind to the subnets: a branch's gateway moves behind its WAN link.
  await shapeScenarioLinks(net, scenario, names, join(run.tempDir, 'wan'), log, run.signal);
  return { net, subnets: names };
}

interface LabParts {
  accel: Accelerator;
  content: RunContent;
  drivers: DriverCatalog;
  network?: { net: LabNetwork; subnets: Map<string, string> };
  site?: SiteServices;
  log: (line: string) => void;
  outputDir: string;
  promptTimeoutMs: number;
  captured: CapturedImages;
}

interface RunningMachine {
  qemu: QemuMachine;
  machine?: QemuTaskSequenceMachine;
  agent?: AgentChannel;
  diskPaths: string[];
}

class QemuScenarioLab implements Lab {
  readonly clock: MachineClock = { now: () => Date.now(), sleep: (ms, signal) => sleep(ms, undefined, { signal }) };
  private readonly openedAt = Date.now();
  private readonly machines = new Map<MachinePlan, RunningMachine>();

  constructor(
    private readonly labRun: LabRun,
    private readonly parts: LabParts,
    readonly close: () => Promise<void>,
  ) {}

  private signal(signal: AbortSignal): AbortSignal {
    return AbortSignal.any([signal, this.labRun.signal]);
  }

  async start(plan: MachinePlan, outer: AbortSignal): Promise<MachineStart> {
    const signal = this.signal(outer);
    await sleep(Math.max(0, this.openedAt + plan.powerOnAtMs - Date.now()), undefined, { signal });
    if (plan.launch === 'pxe') return this.startByPxe(plan, signal);
    if (plan.launch === 'client') return this.startFromDisk(plan, signal);
    const media = plan.media!;
    const { content, accel, log } = this.parts;
    const carriesContent = media.type !== 'boot';
    const image = await buildMedia({
      kind: media.type,
      name: media.name,
      bootImage: content.bootImageFor(media.bootImage ?? plan.deployment.bootImage),
      variables: media.variables,
      ...(media.password !== undefined ? { password: media.password } : {}),
      ...(media.deployment !== undefined ? { deployment: media.deployment } : {}),
      ...(carriesContent ? { packages: this.parts.captured.withCaptured(content.packages) } : {}),
      signal,
    });
    log(`media "${media.name}" (${media.type}, ${media.format}) ${image.path}${image.cached ? ' (cached)' : ''}`);
    // Boot media take their content from the DP, as in the field; without a DP on the machine's network, from a content disk.
    const dp = plan.machine.boundary !== undefined ? this.parts.site?.distributionPointFor(plan.machine.boundary) : undefined;
    const contentDisk = carriesContent || dp ? undefined : await buildContentDisk({ packages: this.parts.captured.withCaptured(content.packages), signal });
    if (contentDisk) log(`content of boot media "${media.name}": content disk ${contentDisk.path} (interim until the distribution point serves it)`);

    const name = plan.machine.name;
    const stateDir = await this.stateDir(plan);
    const diskPaths = await this.createDisks(plan, stateDir, signal);
    const attached = await this.attachableMedia(media.format, image, stateDir);
    const spec = machineSpec({ machine: plan.machine, diskPaths, media: attached, nicBackend: await this.nicBackend(plan, signal) });
    if (contentDisk) spec.media.push({ kind: 'cd', path: contentDisk.path });
    const { qemu, poweredOnAt, running } = await this.launch(plan, spec, stateDir, diskPaths, signal);

    const notStarted = async (reason: string): Promise<MachineStart> => ({ started: false, failedStep: START_STEP, reason, console: consoleEvidence(await qemu.consoleText()), poweredOnAt });
    const booted = await this.bootToAgent(qemu, signal);
    if ('prompt' in booted) {
      log(`${name}: the media ask for their password; nobody is at the machine (waiting ${Math.round(this.parts.promptTimeoutMs / 1000)} s)`);
      await sleep(this.parts.promptTimeoutMs, undefined, { signal });
      const result = await notStarted('boot media: the media asks for its password and nobody is there to type it');
      await qemu.stop();
      return result;
    }
    if ('failure' in booted) {
      const result = await notStarted(`boot media: ${booted.failure}`);
      await qemu.stop();
      return result;
    }
    const source: ContentSource = carriesContent ? new MediaPackageSource() : dp ? new DistributionPointContentSource({ url: dp.url, packages: dp.catalog }) : new MediaContentSource();
    const machine = await QemuTaskSequenceMachine.attach(
      {
        machine: qemu,
        agent: booted.agent,
        accel,
        content: source,
        winpeBootedFrom: media.type === 'standalone' ? 'standaloneMedia' : media.type === 'prestaged' ? 'prestagedMedia' : 'bootMedia',
        prepareBoot: (target, s) => this.prepareBoot(qemu, target, image, attached.kind, s),
        ccmCacheSizeBytes: plan.machine.clientCacheSize,
        drivers: this.parts.drivers,
        captureSite: this.parts.captured.siteFor(plan, diskPaths),
      },
      signal,
    );
    running.machine = machine;
    running.agent = booted.agent;
    return { started: true, machine, poweredOnAt };
  }

  /** PXE: no media; the boot order (disk, then pxe) decides, so a blank disk falls through to PXE. */
  private async startByPxe(plan: MachinePlan, signal: AbortSignal): Promise<MachineStart> {
    const stateDir = await this.stateDir(plan);
    const diskPaths = await this.createDisks(plan, stateDir, signal);
    const spec = machineSpec({ machine: plan.machine, diskPaths, nicBackend: await this.nicBackend(plan, signal) });
    const { qemu, poweredOnAt, running } = await this.launch(plan, spec, stateDir, diskPaths, signal);
    if (!this.parts.site) throw new EnvironmentError(`machine ${plan.machine.name}: PXE needs the site servers of the machine's network`);
    const pxe = await startByPxe({ plan, qemu, accel: this.parts.accel, site: this.parts.site, poweredOnAt, log: this.parts.log, ccmCacheSizeBytes: plan.machine.clientCacheSize, drivers: this.parts.drivers, signal });
    if (pxe.machine) running.machine = pxe.machine;
    if (pxe.agent) running.agent = pxe.agent;
    return pxe.start;
  }

  private async stateDir(plan: MachinePlan): Promise<string> {
    const dir = join(this.labRun.tempDir, plan.machine.name.toLowerCase().replace(/[^a-z0-9-]/g, '-'));
    await mkdir(dir, { recursive: true });
    return dir;
  }

  private async launch(plan: MachinePlan, spec: QemuMachineSpec, stateDir: string, diskPaths: string[], signal: AbortSignal) {
    const poweredOnAt = Date.now();
    const outputDir = join(this.parts.outputDir, 'machines', safeFileName(plan.machine.name));
    const qemu = await launchMachine({ spec, accel: this.parts.accel, outputDir, stateDir, ...(this.parts.network ? { namespace: this.parts.network.net.namespace } : {}), cleanup: this.labRun.cleanup, signal });
    const running: RunningMachine = { qemu, diskPaths };
    this.machines.set(plan, running);
    return { qemu, poweredOnAt, running };
  }

  /** An existing client: its disks built from their description, started from the disk into its OS (client-launch.ts). */
  private async startFromDisk(plan: MachinePlan, signal: AbortSignal): Promise<MachineStart> {
    const stateDir = await this.stateDir(plan);
    const diskPaths = await this.createDisks(plan, stateDir, signal);
    const stagedBootImage = await stagedBootImagePackage(bootImagePackageId(plan), this.parts.content.bootImageFor(bootImagePackageId(plan)), { signal });
    const contentDisk = await buildContentDisk({ packages: [...this.parts.content.packages, stagedBootImage], signal });
    const spec = machineSpec({ machine: plan.machine, diskPaths, nicBackend: await this.nicBackend(plan, signal) });
    spec.media.push({ kind: 'cd', path: contentDisk.path });
    const { qemu, poweredOnAt, running } = await this.launch(plan, spec, stateDir, diskPaths, signal);
    const client = await startFromDisk({ plan, qemu, accel: this.parts.accel, poweredOnAt, site: this.parts.site, log: this.parts.log, signal });
    if (client.machine) running.machine = client.machine;
    if (client.agent) running.agent = client.agent;
    return client.start;
  }

  private async createDisks(plan: MachinePlan, stateDir: string, signal: AbortSignal): Promise<string[]> {
    const paths: string[] = [];
    for (const i of plan.machine.disks.keys()) {
      const path = join(stateDir, `disk${i}.qcow2`);
      await createMachineDisk(plan, i, path, this.parts.content, this.parts.log, signal);
      paths.push(path);
    }
    return paths;
  }

  /** A CD shares the cached image read-only; a USB stick is writable, so each machine gets its own copy. */
  private async attachableMedia(format: 'iso' | 'usb', image: BuiltImage, stateDir: string): Promise<{ kind: 'cd' | 'usb'; path: string }> {
    if (format === 'iso') return { kind: 'cd', path: image.path };
    const stick = join(stateDir, 'usb.img');
    await copyFile(image.path, stick);
    return { kind: 'usb', path: stick };
  }

  private async nicBackend(plan: MachinePlan, signal: AbortSignal): Promise<NicBackend> {
    const network = this.parts.network;
    const boundary = plan.machine.boundary;
    if (!network || boundary === undefined) return { kind: 'none' };
    return { kind: 'tap', ifname: await network.net.addTap(network.subnets.get(boundary)!, signal) };
  }

  /** The agent's hello, or the media's password prompt, or why neither came (the kernel's refusal at once). */
  private async bootToAgent(qemu: QemuMachine, signal: AbortSignal) {
    const stop = new AbortController();
    const both = AbortSignal.any([signal, stop.signal]);
    const timeoutMs = MEDIA_BOOT_MS * timeoutScale(this.parts.accel);
    try {
      return await Promise.race([
        qemu.agent({ helloTimeoutMs: timeoutMs, signal: both }).then((agent) => ({ agent })),
        qemu.waitForConsole(MEDIA_PASSWORD_PROMPT, { timeoutMs, signal: both }).then(
          () => ({ prompt: true as const }),
          () => new Promise<never>(() => undefined),
        ),
        qemu.waitForConsole(ARCHITECTURE_MISMATCH, { timeoutMs, signal: both }).then(
          (text) => ({ failure: `the boot image does not start on this processor: "${ARCHITECTURE_MISMATCH.exec(text)![0].trim()}"` }),
          () => new Promise<never>(() => undefined),
        ),
      ]);
    } catch (err) {
      if (signal.aborted) throw err;
      return { failure: err instanceof Error ? err.message : String(err) };
    } finally {
      stop.abort();
    }
  }

  /**
   * Before a restart: to the hard disk the media come out (CD ejected, USB stick unplugged), so the
   * firmware boots the disk; back to WinPE the CD goes in again.
   */
  private async prepareBoot(qemu: QemuMachine, target: 'WinPE' | 'FullOS', image: BuiltImage, kind: 'cd' | 'usb', signal?: AbortSignal): Promise<void> {
    const qmp = await qemu.qmp(signal);
    try {
      if (target === 'FullOS') {
        await qmp.execute('eject', { device: 'media0', force: true });
        return;
      }
      if (kind === 'usb') throw new EnvironmentError('restarting into WinPE from a USB stick that was unplugged is not built yet');
      await qmp.execute('blockdev-change-medium', { device: 'media0', filename: image.path, format: 'raw', 'read-only-mode': 'read-only' });
    } finally {
      qmp.close();
    }
  }

  async run(work: Promise<unknown>, signal: AbortSignal): Promise<void> {
    await Promise.race([work, new Promise((_, reject) => this.signal(signal).addEventListener('abort', () => reject(this.labRun.signal.reason ?? signal.reason), { once: true }))]);
  }

  async observe(plan: MachinePlan, files: string[], outer: AbortSignal): Promise<MachineObservation> {
    const signal = this.signal(outer);
    const running = this.machines.get(plan);
    if (!running) return { disks: [], files: Object.fromEntries(files.map((f) => [f, false])), userStateRestored: false, bootsToFullOs: false };
    const { machine, qemu } = running;
    let bootsToFullOs = false;
    let userStateRestored = false;
    const present: Record<string, boolean> = Object.fromEntries(files.map((f) => [f, false]));
    if (machine && (await this.agentAnswers(machine, qemu, signal))) {
      // Files first: the final boot check may leave the machine where no agent answers.
      Object.assign(present, await this.observeFiles(machine, running.agent!, files, signal));
      userStateRestored = await this.userStateRestored(plan, machine, signal);
      bootsToFullOs = await this.bootsToFullOs(machine, signal);
      if (bootsToFullOs) await machine.powerOff().catch(() => undefined);
    } else if (machine) {
      this.parts.log(`${plan.machine.name}: no agent answers at the end of the run; files and the boot check are not observed`);
    }
    await qemu.stop();
    const controller = diskController(plan.machine);
    const disks = await Promise.all(running.diskPaths.map((path, index) => readDiskImage(path, { index, controller, model: plan.machine.disks[index]!.model, signal })));
    const capturedImage = this.parts.captured.observe(plan);
    return { disks, files: present, userStateRestored, bootsToFullOs, ...(capturedImage ? { capturedImage } : {}) };
  }

  /** Whether the profiles at the end hold every file Capture User State saw, byte for byte (user-state.ts). */
  private async userStateRestored(plan: MachinePlan, machine: QemuTaskSequenceMachine, signal: AbortSignal): Promise<boolean> {
    const comparison = await machine.userStateComparison(signal).catch(() => undefined);
    if (!comparison) return false;
    const differences = [...comparison.missing.map((f) => `${f} missing`), ...comparison.changed.map((f) => `${f} changed`)];
    if (differences.length > 0) this.parts.log(`${plan.machine.name}: user state not restored as captured: ${differences.slice(0, 5).join(', ')}${differences.length > 5 ? ', …' : ''}`);
    return differences.length === 0;
  }

  /** C:\ paths on the installed OS's volume (whatever WinPE calls it), other drives as the machine maps them. */
  private async observeFiles(machine: QemuTaskSequenceMachine, agent: AgentChannel, files: string[], signal: AbortSignal): Promise<Record<string, boolean>> {
    const result: Record<string, boolean> = {};
    const onSystemDrive = files.filter((f) => systemDrivePath(f) !== undefined);
    const script = installedOsFilesScript(onSystemDrive.map((f) => systemDrivePath(f)!));
    const r = await agent.run(script, { timeoutMs: AGENT_CHECK_MS * timeoutScale(this.parts.accel), signal });
    presentPaths(r.output, onSystemDrive.length).forEach((found, i) => (result[onSystemDrive[i]!] = found));
    for (const f of files.filter((x) => systemDrivePath(x) === undefined)) result[f] = await machine.fileInfo(f, signal).then((i) => i.exists, () => false);
    return result;
  }

  /** Whether an agent still answers (the machine may sit in a firmware shell after a failed restart). */
  private async agentAnswers(machine: QemuTaskSequenceMachine, qemu: QemuMachine, signal: AbortSignal): Promise<boolean> {
    if (await exitedAlready(qemu)) return false;
    return machine.facts(AbortSignal.any([signal, AbortSignal.timeout(AGENT_CHECK_MS)])).then(
      () => true,
      () => false,
    );
  }

  /**
   * Whether the firmware boots the machine from its own disk into the full OS: already so when the
   * last restart came up there; otherwise the lab restarts it once without media and sees.
   */
  private async bootsToFullOs(machine: QemuTaskSequenceMachine, signal: AbortSignal): Promise<boolean> {
    const facts = await machine.facts(signal);
    if (facts.environment === 'FullOS' && facts.bootedFrom === 'disk') return true;
    // A disk with a partition table but no boot code makes the firmware hang without a word: the
    // check gets a bounded budget instead of the restart's full one.
    const budget = AbortSignal.timeout(FINAL_BOOT_CHECK_MS * timeoutScale(this.parts.accel));
    const outcome = await machine.restart('FullOS', AbortSignal.any([signal, budget])).catch((err: unknown) => {
      if (signal.aborted) throw err;
      return { booted: false as const, reason: `no full OS reported in within ${Math.round((FINAL_BOOT_CHECK_MS * timeoutScale(this.parts.accel)) / 1000)} s` };
    });
    if (!outcome.booted) this.parts.log(`${machine.name}: final boot check from its disk failed: ${outcome.reason}`);
    return outcome.booted && outcome.environment === 'FullOS';
  }
}

async function exitedAlready(qemu: QemuMachine): Promise<boolean> {
  return Promise.race([qemu.exited.then(() => true), sleep(0).then(() => false)]);
}
