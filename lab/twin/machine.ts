// TwinMachine: the machine contract (harness/machine.ts) backed by the twin's models. Every
// operation changes the model and takes virtual time; its promise resolves when the
// simulator's clock reaches the operation's end.

import type {
  ActionOutcome,
  ApplyDriversRequest,
  ApplyImageRequest,
  CaptureImageRequest,
  ContentOutcome,
  ContentRequest,
  FileInfo,
  MachineClock,
  MachineFacts,
  PartitionDiskRequest,
  RestartOutcome,
  RunCommandRequest,
  RunEnvironment,
  SettingsRequest,
  StateStoreRequest,
  TaskSequenceMachine,
  UserStateRequest,
} from '../../harness/index.js';
import { literalExitCode } from '../../harness/index.js';
import { planDriverStep } from '../../drivers/index.js';
import { ClientCache } from './cache.js';
import { NIC_PCI, STORAGE_PCI } from './devices.js';
import { Disk, type Partition } from './disk/disk.js';
import type { Volume, WriteResult } from './disk/volume.js';
import { bootLoaderFiles, systemPartition, WINDOWS_MARKER } from './disk/boot.js';
import { MIB } from './disk/partition-types.js';
import { noNetworkMessage, stageOnVolume } from './drivers.js';
import { EXIT } from './exit-codes.js';
import type { TwinPhase } from './observer.js';
import { firmwareBoot, type BootState, type FirmwareOutcome } from './firmware.js';
import { DEFAULT_TIMINGS, type TwinMachineConfig, type TwinTimings } from './machine-config.js';
import { tcpFlowCeiling } from './network/goodput.js';
import { contentLocations, downloadAllRefusal, type DistributionPoint } from './site/dp.js';
import type { StateMigrationPoint } from './site/smp.js';
import type { TwinContentConfig, TwinWorld } from './world.js';
import { assertValid, machineConfigProblems } from './validate.js';

const fail = (exitCode: number, ...output: string[]): ActionOutcome => ({ exitCode, output });

/** Folders Capture Operating System Image leaves out of the image: the task sequence's cache and logs. */
const CAPTURE_EXCLUDED = ['\\_smstasksequence', '\\smstslog'];

/** Writes a captured image's files onto a volume; the first that does not fit fails the apply. */
function writeFiles(volume: Volume, files: ReadonlyMap<string, number>): WriteResult {
  for (const [path, size] of files) {
    const written = volume.writeFile(path, size);
    if (!written.ok) return written;
  }
  return { ok: true };
}

/** The deployment phase a download of each kind of content belongs to (capacity plans). */
const CONTENT_PHASE: Record<TwinContentConfig['kind'], TwinPhase> = { bootImage: 'bootImage', osImage: 'osImage', driverPackage: 'drivers', package: 'packages' };

/** A DHCP lease in the lab range 198.18.0.0/15, stable per MAC. */
function leaseFor(mac: string): string {
  const bytes = mac.split(':').map((h) => parseInt(h, 16) || 0);
  return `198.${18 + ((bytes[3] ?? 0) & 1)}.${bytes[4] ?? 0}.${Math.max(1, bytes[5] ?? 1)}`;
}

export class TwinMachine implements TaskSequenceMachine {
  readonly name: string;
  readonly clock: MachineClock;
  readonly node: string;
  readonly disks: Disk[];
  readonly timings: TwinTimings;
  state: BootState = { environment: 'WinPE', bootedFrom: 'disk', architectureMismatch: false, poweredOn: false };
  private ccmCache?: ClientCache;
  private tsCache?: ClientCache;
  private downloadAllDisk?: Disk;
  private lastStateOperation?: 'capture' | 'restore';
  /** What the last Capture Operating System Image wrote: the step's request and the captured files. */
  lastCapture?: { request: CaptureImageRequest; files: ReadonlyMap<string, number> };
  private readonly registry = new Map<string, string>();

  constructor(
    readonly world: TwinWorld,
    readonly config: TwinMachineConfig,
  ) {
    assertValid(machineConfigProblems(config, world.config));
    this.name = config.name;
    this.clock = world.sim;
    this.node = `machine:${config.name}`;
    this.timings = { ...DEFAULT_TIMINGS, ...config.timings };
    world.topology.addLink({ id: this.node, from: config.site, to: this.node, bandwidthBps: config.nic.speedBps ?? 1e9, latencyMs: config.nic.latencyMs ?? 0.25 });
    this.disks = config.disks.map((d, i) => {
      const disk = new Disk(i, d.sizeBytes, d.controller, d.model ?? `QEMU ${d.controller} disk`);
      if (d.initial) {
        disk.partition(d.initial.layout);
        disk.biosBootCode = d.initial.biosBootCode ?? false;
        if (d.initial.volumeLayout) for (const p of disk.partitions) p.layout = d.initial.volumeLayout;
        for (const [n, files] of Object.entries(d.initial.files ?? {})) {
          const volume = disk.partitions[Number(n) - 1]?.volume;
          for (const [path, size] of Object.entries(files)) volume?.writeFile(path, size);
        }
      }
      return disk;
    });
    this.assignLetters();
  }

  /** Power on: the firmware walks the boot order (PXE, media, disk). */
  async powerOn(signal?: AbortSignal): Promise<RestartOutcome> {
    return this.boot(signal);
  }

  async facts(): Promise<MachineFacts> {
    const c = this.config;
    const winpe = this.state.environment === 'WinPE';
    const cache = winpe ? this.tsCache : this.ccmCache;
    const osVolume = this.osPartition();
    const offline = this.winpeWithoutNetwork() !== undefined;
    return {
      name: c.name,
      firmware: c.firmware,
      architecture: c.architecture,
      memoryMB: c.memoryMB,
      cpus: c.cpus ?? 2,
      processorSpeedMHz: 2400,
      smbios: {
        manufacturer: c.smbios?.manufacturer ?? 'QEMU',
        product: c.smbios?.product ?? 'Standard PC',
        serial: c.smbios?.serial ?? c.name,
        uuid: c.smbios?.uuid ?? '00000000-0000-0000-0000-000000000000',
      },
      pciDevices: [
        { ...NIC_PCI[c.nic.model], driverLoaded: !offline },
        ...[...new Set(this.disks.map((d) => d.controller))].map((m) => ({ ...STORAGE_PCI[m], driverLoaded: true })),
      ],
      networkAdapters: [{ mac: c.nic.mac, model: c.nic.model, ipAddress: this.state.poweredOn && !offline ? leaseFor(c.nic.mac) : undefined }],
      disks: this.disks.map((d) => d.facts()),
      environment: this.state.environment,
      bootedFrom: this.state.bootedFrom,
      operatingSystem:
        !winpe && osVolume ? { caption: 'Microsoft Windows', version: '10.0', architecture: c.architecture } : undefined,
      cachePath: cache?.intact ? cache.location.path : undefined,
    };
  }

  async fileInfo(path: string): Promise<FileInfo> {
    const letter = /^([a-z]):/i.exec(path)?.[1]?.toUpperCase();
    const partition = this.partitions().find((p) => p.driveLetter === `${letter}:`);
    return partition?.volume ? partition.volume.info(path) : { exists: false, directory: false };
  }

  async registryValue(keyPath: string, value: string): Promise<string | undefined> {
    return this.registry.get(`${keyPath.toLowerCase()}\\${value.toLowerCase()}`);
  }

  async partitionDisk(request: PartitionDiskRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    const disk = this.disks[request.diskIndex];
    if (!disk) return fail(EXIT.invalidParameter, `osddiskpart: disk ${request.diskIndex} does not exist`);
    if (this.downloadAllDisk === disk) {
      return fail(EXIT.generalFailure, 'content was downloaded before the task sequence started into the client cache on this disk; repartitioning it erases the cache (Download all contents locally before starting)');
    }
    const result = disk.partition(request);
    if (!result.ok) return fail(EXIT.invalidParameter, `osddiskpart: ${result.message}`);
    this.assignLetters();
    const formatted = request.partitions.filter((p) => p.fileSystem).length;
    await this.world.sim.sleep(formatted * this.timings.formatMsPerVolume, signal);
    const variables: Record<string, string> = {};
    request.partitions.forEach((spec, i) => {
      const letter = disk.partitions[i]?.driveLetter;
      if (spec.letterVariable && letter) variables[spec.letterVariable] = letter;
    });
    return { exitCode: EXIT.success, variables, output: [`disk ${disk.index}: ${request.style.toUpperCase()}, ${disk.partitions.length} partition(s)`] };
  }

  async convertDiskToDynamic(diskIndex: number): Promise<ActionOutcome> {
    const disk = this.disks[diskIndex];
    const result = disk ? disk.convertToDynamic() : { ok: false as const, message: `disk ${diskIndex} does not exist` };
    return result.ok ? { exitCode: EXIT.success } : fail(EXIT.invalidParameter, result.message);
  }

  async downloadContent(request: ContentRequest, signal?: AbortSignal): Promise<ContentOutcome> {
    const kind = this.world.content.get(request.packageId)?.kind;
    return this.inPhase(kind && CONTENT_PHASE[kind], this.download(request, signal));
  }

  private async download(request: ContentRequest, signal?: AbortSignal): Promise<ContentOutcome> {
    const content = this.world.content.get(request.packageId);
    if (!content) return { ...fail(EXIT.contentNotFound, `package ${request.packageId} is not known to the site`) };
    if (content.capturedBy !== undefined && !content.capturedFiles) return { ...fail(EXIT.contentNotFound, `content location request for ${request.packageId} failed: ${content.capturedBy} has not captured it`) };
    if (this.state.bootedFrom === 'standaloneMedia' || this.state.bootedFrom === 'prestagedMedia') {
      if (this.config.media?.packages?.includes(request.packageId)) {
        return { exitCode: EXIT.success, location: `${this.mediaRoot()}\\${request.packageId}`, bytes: content.bytes };
      }
      if (this.state.bootedFrom === 'standaloneMedia') {
        return { ...fail(EXIT.generalFailure, `stand-alone media does not carry ${request.packageId} and has no distribution point to get it from`) };
      }
    }
    const offline = this.winpeWithoutNetwork();
    if (offline) return { ...fail(EXIT.generalFailure, ...noNetworkMessage(offline)) };
    if (request.mode === 'downloadAll' && this.state.bootedFrom !== 'disk') {
      return { ...fail(EXIT.generalFailure, downloadAllRefusal(this.state.bootedFrom === 'pxe' ? 'pxe' : 'media', false)!) };
    }
    const dp = await this.locate(request.packageId, signal);
    if (!dp) return { ...fail(EXIT.contentNotFound, `content location request for ${request.packageId} failed: no usable distribution point has it`) };
    if (request.mode === 'accessFromDp') {
      return { exitCode: EXIT.success, location: `\\\\${dp.id}\\SMSPKGC$\\${request.packageId}`, bytes: content.bytes };
    }
    const cache = this.cacheFor();
    if (!cache) return { ...fail(EXIT.pathNotFound, 'no formatted volume for the task-sequence cache (local data path)') };
    const placed = cache.place(request.packageId, content.bytes, this.world.sim.now());
    if (!placed.ok) {
      this.world.observer?.cacheFailure(this.name, request.packageId, this.world.sim.now(), placed.message);
      return { ...fail(EXIT.diskFull, `failed to download ${request.packageId}: ${placed.message}`, 'the client cache is too small for the content') };
    }
    cache.setLocked(request.packageId, true);
    try {
      await this.fetch(dp, request.packageId, content.bytes, content.kind === 'osImage', signal);
    } finally {
      cache.setLocked(request.packageId, false);
    }
    if (request.mode === 'downloadAll') this.downloadAllDisk = cache.location.disk;
    return { exitCode: EXIT.success, location: placed.path, bytes: content.bytes, output: placed.evicted.map((p) => `evicted ${p} from the cache`) };
  }

  async applyImage(request: ApplyImageRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    if (this.state.architectureMismatch) return fail(EXIT.badArchitecture, 'the media architecture does not match this computer');
    const content = this.world.content.get(request.packageId);
    if (!content) return fail(EXIT.contentNotFound, `image package ${request.packageId} is not known`);
    const target = this.targetPartition(request);
    if (!target?.volume) return fail(EXIT.pathNotFound, 'the destination volume does not exist or is not formatted');
    const disk = this.diskOf(target);
    if (target.layout !== 'simple') return fail(EXIT.notSupported, `${target.layout} volumes are not supported by OS deployment (simple volumes only)`);
    if (disk.dynamic && !content.capturedFromDynamic) {
      return fail(EXIT.notSupported, 'an image captured from a basic disk cannot be applied to a dynamic disk');
    }
    if (content.architecture && content.architecture !== this.config.architecture && this.config.architecture === 'x86') {
      return fail(EXIT.badArchitecture, `${content.architecture} image on ${this.config.architecture} hardware`);
    }
    const applied = content.appliedBytes ?? Math.round(content.bytes * 2.5);
    // Access content directly from the DP: the image streams from the DP while it is applied.
    const server = request.contentLocation.startsWith('\\\\') ? request.contentLocation.slice(2).split('\\')[0] : undefined;
    const source = server === undefined ? undefined : this.world.distributionPoints.find((d) => d.id === server);
    if (server !== undefined && !source) return fail(EXIT.pathNotFound, `${request.contentLocation} is not reachable`);
    if (request.wipe) target.volume.wipe((p) => p.startsWith('\\_smstasksequence') || p.startsWith('\\smstslog') || p.startsWith('\\statestore'));
    const written = content.capturedFiles ? writeFiles(target.volume, content.capturedFiles) : target.volume.writeFile('\\windows\\image.data', applied);
    if (!written.ok) return fail(EXIT.diskFull, `the image needs ${applied} bytes; the volume has ${target.volume.freeBytes} free`);
    const work: Promise<void>[] = [this.world.sim.sleep((applied / this.timings.applyBytesPerSec) * 1000, signal)];
    if (source) work.push(this.fetch(source, request.packageId, content.bytes, false, signal));
    await this.inPhase('osImage', Promise.all(work));
    if (request.kind === 'os') {
      target.volume.writeFile(WINDOWS_MARKER, 8 * MIB);
      this.installBootLoader(disk);
    }
    return { exitCode: EXIT.success, variables: { _OSDDetectedWinDir: `${target.driveLetter ?? 'C:'}\\Windows\\` } };
  }

  async applyDrivers(request: ApplyDriversRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    if (this.state.architectureMismatch) return fail(EXIT.badArchitecture, 'the media architecture does not match this computer');
    if (request.mode === 'auto' && this.state.bootedFrom === 'standaloneMedia') {
      return fail(EXIT.generalFailure, 'Auto Apply Drivers needs the management point and is not supported on stand-alone media');
    }
    const os = this.osPartition();
    if (!os?.volume) return fail(EXIT.pathNotFound, 'no Windows installation to stage drivers into: apply an operating system image first');
    const catalog = this.config.drivers?.catalog ?? { drivers: [], packages: [] };
    const plan = planDriverStep(request, (await this.facts()).pciDevices, catalog, { architecture: this.config.architecture, available: (id) => this.contentReachable(id) });
    if (plan.failure) return fail(EXIT.contentNotFound, ...plan.log);
    const output = [...plan.log];
    const letter = os.driveLetter ?? 'C:';
    for (const { packageId, drivers } of plan.downloads) {
      const got = await this.downloadContent({ packageId, mode: 'downloadOnDemand', destination: 'tsCache' }, signal);
      if (got.exitCode !== EXIT.success) return fail(got.exitCode, ...output, `failed to download driver package ${packageId}`, ...(got.output ?? []));
      output.push(...stageOnVolume(os.volume, letter, drivers));
    }
    os.volume.writeFile('\\windows\\inf\\setupapi.offline.log', os.volume.sizeOf('\\windows\\inf\\setupapi.offline.log') + plan.record.join('\n').length + 64);
    output.push(`Windows Setup's choice per device recorded in ${letter}\\Windows\\INF\\setupapi.offline.log`, ...plan.record);
    await this.inPhase('drivers', this.world.sim.sleep(this.timings.commandMs, signal));
    return { exitCode: EXIT.success, output };
  }

  /** Whether the content is somewhere this machine gets content from now: the media it booted, or a usable DP. */
  private contentReachable(packageId: string): boolean {
    if ((this.state.bootedFrom === 'standaloneMedia' || this.state.bootedFrom === 'prestagedMedia') && this.config.media?.packages?.includes(packageId)) return true;
    // Without network in Windows PE the content is still listed; its download fails, as on the QEMU lab.
    if (this.state.bootedFrom === 'standaloneMedia') return false;
    const d = this.config.deployment;
    // Whether any DP qualifies, not which is nearest: no route look-ups (10^5 clients in a capacity plan).
    return contentLocations(packageId, this.config.site, this.world.distributionPoints, { allowRemote: d.allowRemoteDp, allowUnprotected: d.allowUnprotectedDp }, () => 0).length > 0;
  }

  /** Why Windows PE has no network on this machine (its boot image lacks the NIC's driver); undefined when it has. */
  private winpeWithoutNetwork(): string | undefined {
    if (this.state.environment !== 'WinPE') return undefined;
    const media = this.state.bootedFrom === 'bootMedia' || this.state.bootedFrom === 'standaloneMedia' || this.state.bootedFrom === 'prestagedMedia';
    const bootImage = (media ? this.config.media?.bootImage : undefined) ?? this.config.deployment.bootImage;
    return bootImage === undefined ? undefined : this.config.drivers?.noNetworkIn?.[bootImage];
  }

  async runCommand(request: RunCommandRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    if (this.state.architectureMismatch) return fail(EXIT.badArchitecture, `${request.commandLine}: not a valid application for this architecture`);
    const rule = this.config.commands?.find((r) => request.commandLine.includes(r.match));
    const duration = rule?.durationMs ?? this.timings.commandMs;
    const timeoutMs = request.timeoutSeconds !== undefined ? request.timeoutSeconds * 1000 : Infinity;
    if (duration > timeoutMs) {
      await this.world.sim.sleep(timeoutMs, signal);
      return fail(EXIT.timeout, `${request.commandLine}: timed out after ${request.timeoutSeconds} s`);
    }
    await this.world.sim.sleep(duration, signal);
    // A literal "cmd /c exit N" exits with N, as cmd (and the QEMU lab's shell) would.
    const exitCode = rule?.exitCode ?? (literalExitCode(request.commandLine) ?? EXIT.success) >>> 0;
    return { exitCode, output: rule?.output, rebootRequested: exitCode === EXIT.rebootRequired };
  }

  async stateStore(request: StateStoreRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    return this.inPhase('state', this.requestStateStore(request, signal));
  }

  private async requestStateStore(request: StateStoreRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    const smp = this.stateMigrationPoint();
    if (!smp) return fail(EXIT.stateStoreUnavailable, 'no state migration point in this site');
    if (request.operation === 'release') {
      smp.release(this.name, this.lastStateOperation === 'restore');
      return { exitCode: EXIT.success };
    }
    for (let attempt = 0; ; attempt++) {
      const answer = request.operation === 'capture' ? smp.requestCapture(this.name) : smp.requestRestore(this.name);
      if (answer.ok) {
        this.lastStateOperation = request.operation;
        return { exitCode: EXIT.success, variables: { OSDStateStorePath: answer.storePath } };
      }
      if (!answer.retryable || attempt >= request.retryCount) return fail(EXIT.stateStoreUnavailable, answer.reason);
      await this.world.sim.sleep(request.retryDelaySeconds * 1000, signal);
    }
  }

  async userState(request: UserStateRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    return this.inPhase('state', this.moveUserState(request, signal));
  }

  private async moveUserState(request: UserStateRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    const bytes = this.config.userStateBytes ?? 3e9;
    if (request.storeLocation === 'local') {
      const volume = this.osPartition()?.volume ?? this.partitions().find((p) => p.volume)?.volume;
      if (!volume) return fail(EXIT.pathNotFound, 'no local volume for the state store');
      if (request.operation === 'restore') {
        if (!volume.exists('\\statestore\\usmt.mig')) return fail(EXIT.pathNotFound, 'the local state store is gone (the disk was repartitioned)');
        await this.world.sim.sleep(bytes / this.timings.applyBytesPerSec * 1000, signal);
        volume.remove('\\statestore');
        return { exitCode: EXIT.success };
      }
      const wrote = volume.writeFile('\\statestore\\usmt.mig', request.hardLinks ? MIB : bytes);
      if (!wrote.ok) return fail(EXIT.diskFull, 'not enough space for the local state store');
      await this.world.sim.sleep(this.timings.commandMs, signal);
      return { exitCode: EXIT.success };
    }
    const smp = this.stateMigrationPoint();
    if (!smp) return fail(EXIT.stateStoreUnavailable, 'no state migration point in this site');
    const smpNode = `smp:${smp.config.id}`;
    if (request.operation === 'capture') {
      const stored = smp.writeState(this.name, bytes);
      if (!stored.ok) return fail(EXIT.stateStoreUnavailable, stored.reason);
      await this.world.transfer(this.node, smpNode, bytes, this.flowCap(smpNode), signal);
      return { exitCode: EXIT.success };
    }
    const found = smp.requestRestore(this.name);
    if (!found.ok) return fail(EXIT.stateStoreUnavailable, found.reason);
    await this.world.transfer(smpNode, this.node, found.bytes ?? 0, this.flowCap(smpNode), signal);
    return { exitCode: EXIT.success };
  }

  async writeSettings(request: SettingsRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    for (const [k, v] of Object.entries(request.settings)) this.registry.set(`settings\\${request.kind.toLowerCase()}\\${k.toLowerCase()}`, v);
    await this.world.sim.sleep(request.kind === 'setupWindows' ? this.timings.setupWindowsMs : this.timings.commandMs, signal);
    return { exitCode: EXIT.success };
  }

  async captureImage(request: CaptureImageRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    const os = this.osPartition();
    if (!os?.volume) return fail(EXIT.pathNotFound, 'no Windows installation to capture');
    if (os.layout !== 'simple') return fail(EXIT.notSupported, `capturing a ${os.layout} volume is not supported (simple volumes only)`);
    const dp = this.world.distributionPoints.find((d) => d.config.site === this.config.site) ?? this.world.distributionPoints[0];
    if (!dp) return fail(EXIT.pathNotFound, `capture destination ${request.destination} is not reachable`);
    const bytes = Math.round(os.volume.usedBytes * 0.4);
    await Promise.all([
      this.world.sim.sleep((os.volume.usedBytes / this.timings.applyBytesPerSec) * 1000, signal),
      this.world.transfer(this.node, dp.node, bytes, this.flowCap(dp.node), signal),
    ]);
    // The task sequence's own folders are not part of the image (the QEMU lab's capture leaves them out too).
    const files = new Map(os.volume.listFiles().filter(([p]) => !CAPTURE_EXCLUDED.some((x) => p === x || p.startsWith(`${x}\\`))));
    this.lastCapture = { request, files };
    for (const c of this.world.content.values()) {
      if (c.capturedBy !== this.name) continue;
      c.bytes = bytes;
      c.appliedBytes = [...files.values()].reduce((a, b) => a + b, 0);
      c.capturedFiles = files;
    }
    return { exitCode: EXIT.success, output: [`captured ${files.size} files, ${bytes} bytes to ${request.destination}`] };
  }

  async restart(target: RunEnvironment, signal?: AbortSignal): Promise<RestartOutcome> {
    if (!this.partitions().some((p) => p.volume)) {
      return { booted: false, reason: 'no formatted partition: the task sequence cannot be staged for the restart' };
    }
    if (target === 'WinPE') {
      // The boot image is staged on the disk and booted from there (osd-behaviours §4.3); from the
      // full OS it comes through the client cache first, like any package.
      const staging = this.state.environment === 'FullOS' ? await this.stageBootImage(signal) : undefined;
      if (staging) return staging;
      const outcome = await firmwareBoot(this, signal, { stagedWinPE: true });
      return this.settle(outcome);
    }
    return this.boot(signal);
  }

  async powerOff(): Promise<void> {
    this.state = { ...this.state, poweredOn: false };
  }

  /** Downloads the deployment's boot image before a restart from the full OS to WinPE; the failure, or undefined. */
  private async stageBootImage(signal?: AbortSignal): Promise<RestartOutcome | undefined> {
    const bootImage = this.config.deployment.bootImage;
    if (bootImage === undefined) return undefined;
    const got = await this.downloadContent({ packageId: bootImage, mode: 'downloadOnDemand', destination: 'ccmCache' }, signal);
    if (got.exitCode === EXIT.success) return undefined;
    return { booted: false, reason: `the boot image ${bootImage} could not be staged for the restart to Windows PE: ${(got.output ?? []).join('; ')}` };
  }

  /** Reports the virtual time `work` takes as a phase, when a capacity plan observes the world. */
  private async inPhase<T>(phase: TwinPhase | undefined, work: Promise<T>): Promise<T> {
    const observer = this.world.observer;
    if (!observer || !phase) return work;
    const start = this.world.sim.now();
    try {
      return await work;
    } finally {
      observer.phase(this.name, phase, start, this.world.sim.now());
    }
  }

  /** Where the ccm cache (full OS) or task-sequence cache (WinPE) lives now. */
  cacheFor(): ClientCache | undefined {
    if (this.state.environment === 'FullOS') {
      const os = this.osPartition();
      if (!os?.volume) return undefined;
      if (!this.ccmCache?.intact || this.ccmCache.location.volume !== os.volume) {
        const letter = os.driveLetter ?? 'C:';
        this.ccmCache = new ClientCache(
          { disk: this.diskOf(os), volume: os.volume, folder: '\\windows\\ccmcache', path: `${letter}\\Windows\\ccmcache` },
          this.config.cacheSizeBytes ?? 5120 * MIB,
        );
      }
      return this.ccmCache;
    }
    const largest = this.partitions()
      .filter((p) => p.volume?.fileSystem === 'ntfs')
      .sort((a, b) => b.volume!.capacityBytes - a.volume!.capacityBytes)[0];
    if (!largest?.volume) return undefined;
    if (!this.tsCache?.intact || this.tsCache.location.volume !== largest.volume) {
      this.tsCache = new ClientCache(
        { disk: this.diskOf(largest), volume: largest.volume, folder: '\\_smstasksequence\\packages', path: `${largest.driveLetter ?? 'C:'}\\_SMSTaskSequence\\Packages` },
        largest.volume.capacityBytes,
      );
    }
    return this.tsCache;
  }

  partitions(): Partition[] {
    return this.disks.flatMap((d) => d.partitions);
  }

  diskOf(partition: Partition): Disk {
    return this.disks.find((d) => d.partitions.includes(partition))!;
  }

  private async boot(signal?: AbortSignal): Promise<RestartOutcome> {
    return this.settle(await firmwareBoot(this, signal, { stagedWinPE: false }));
  }

  private async settle(outcome: FirmwareOutcome): Promise<RestartOutcome> {
    this.assignLetters();
    if (!outcome.booted) return outcome;
    return { booted: true, environment: outcome.environment, facts: await this.facts() };
  }

  private osPartition(): Partition | undefined {
    return this.partitions().find((p) => p.volume?.exists(WINDOWS_MARKER));
  }

  private stateMigrationPoint(): StateMigrationPoint | undefined {
    const smps = this.world.stateMigrationPoints;
    return smps.find((s) => s.config.site === this.config.site) ?? smps[0];
  }

  private mediaRoot(): string {
    return 'D:\\SMS\\PKG';
  }

  private targetPartition(request: ApplyImageRequest): Partition | undefined {
    const t = request.target;
    if (t.logicalDrive) return this.partitions().find((p) => p.driveLetter?.toUpperCase() === t.logicalDrive!.toUpperCase().slice(0, 2));
    if (t.diskIndex !== undefined && t.partitionNumber !== undefined) return this.disks[t.diskIndex]?.partitions[t.partitionNumber - 1];
    return this.partitions().find((p) => p.volume?.fileSystem === 'ntfs' && p.kind === 'primary');
  }

  /** What Apply Operating System's bcdboot does: boot files on the system partition, if there is one. */
  private installBootLoader(disk: Disk): void {
    const system = systemPartition(disk, this.config.firmware);
    if (!system?.volume) return;
    for (const f of bootLoaderFiles(this.config.firmware, this.config.architecture)) system.volume.writeFile(f, 512 * 1024);
  }

  /** Drive letters: C: onwards for data volumes in disk order; ESP, MSR and recovery get none. */
  private assignLetters(): void {
    let next = 'C'.charCodeAt(0);
    for (const p of this.partitions()) {
      p.driveLetter = p.volume && (p.kind === 'primary' || p.kind === 'logical') ? `${String.fromCharCode(next++)}:` : undefined;
    }
  }

  /** DPs to use for a package, waiting for distribution when the deployment is mandatory. */
  private async locate(packageId: string, signal?: AbortSignal): Promise<DistributionPoint | undefined> {
    const d = this.config.deployment;
    for (;;) {
      const route = (dp: DistributionPoint) => this.world.topology.route(dp.node, this.node)?.latencyMs ?? Infinity;
      const found = contentLocations(packageId, this.config.site, this.world.distributionPoints, { allowRemote: d.allowRemoteDp, allowUnprotected: d.allowUnprotectedDp }, route);
      if (found.length > 0 || !d.mandatory) return found[0];
      await this.world.nextDistribution(signal);
    }
  }

  /** Per-flow ceiling: client throttle and the TCP window/loss bounds of the route. */
  flowCap(serverNode: string): number {
    const route = this.world.topology.route(serverNode, this.node);
    const tcp = route ? tcpFlowCeiling(2 * route.latencyMs, route.loss, { windowBytes: this.config.tcpWindowBytes }) : Infinity;
    return Math.min(this.config.maxDownloadBytesPerSec ?? Infinity, tcp);
  }

  private async fetch(dp: DistributionPoint, packageId: string, bytes: number, image: boolean, signal?: AbortSignal): Promise<void> {
    const multicast = this.world.multicast.get(dp.id);
    if (image && this.config.deployment.multicast && multicast) {
      const joined = multicast.join(packageId, bytes);
      if (joined.ok) return joined.done;
    }
    const release = await dp.connect(this.world.sim, signal);
    try {
      const route = this.world.topology.route(dp.node, this.node);
      await this.world.sim.sleep(2 * 2 * (route?.latencyMs ?? 0), signal);
      await this.world.transfer(dp.node, this.node, bytes, this.flowCap(dp.node), signal);
    } finally {
      release();
    }
  }
}
