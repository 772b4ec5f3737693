// QemuTaskSequenceMachine: the machine contract (harness/machine.ts) on a running QEMU machine.
// Every operation is a command to the in-guest agent with real tools (sfdisk, sgdisk, mkntfs,
// wimlib-imagex, dd); restarts go through the real firmware. Verdicts (exit codes) are the twin's
// for the same situations (lab/twin/exit-codes.ts). docs/qemu-machine.md has the whole picture.
import { setTimeout as sleep } from 'node:timers/promises';
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
  TaskSequenceMachine,
  UserStateRequest,
} from '../../../harness/index.js';
import type { DriverCatalog } from '../../../drivers/index.js';
import { FULL_OS_FILES, OS_VERSION_MARKER } from '../../../images/index.js';
import { EXIT } from '../../twin/index.js';
import { AgentError, type AgentChannel, type AgentFacts } from '../agent-channel.js';
import { timeoutScale, type Accelerator } from '../machine-command.js';
import type { QemuMachine } from '../machine-process.js';
import { bootLoaderPlan } from './boot-loader.js';
import { cacheListing, evictionPlan, parseCacheListing } from './cache-eviction.js';
import { captureImage, type CaptureSite } from './capture.js';
import type { ContentSource } from './content-source.js';
import { applyDriversInGuest } from './driver-steps.js';
import { convertGuestDisk, isDynamicDisk } from './dynamic-disk.js';
import { bootFailure, consoleEvidence } from './firmware-console.js';
import { assignLetters, fixedDisks, parseVolumes, volumesScript, type GuestPartition, type GuestVolumes } from './guest-disks.js';
import { GuestCommandError, GuestShell, guestCommandLine, guestPath, lettersIn, mountPoint, shellQuote } from './guest-shell.js';
import { planPartitions } from './partition-plan.js';
import { stageWinPe, type StagingOutcome } from './winpe-staging.js';
import { LocalStateStores, type UserStateComparison, type UserStateHost } from './user-state.js';
import { formatSettings, mergeSettings, parseSettings, SETTINGS_FILE, settingsKey, UNATTEND_FILE, unattendXml } from './settings-file.js';

const MIB = 1024 * 1024;
const fail = (exitCode: number, ...output: string[]): ActionOutcome => ({ exitCode, output });

/** Folders Apply Operating System keeps when it wipes the volume (ConfigMgr's own control files). */
const KEPT_ON_WIPE = ['_SMSTaskSequence', 'SMSTSLog', 'StateStore'];
const TS_CACHE = '_SMSTaskSequence\\Packages';
const CCM_CACHE = 'Windows\\ccmcache';

export interface QemuTaskSequenceMachineOptions {
  machine: QemuMachine;
  /** The agent channel, connected (its hello tells the environment that is running). */
  agent: AgentChannel;
  accel: Accelerator;
  content: ContentSource;
  /** How WinPE was started on this machine (PXE, boot media …); the full OS always comes from the disk. */
  winpeBootedFrom: MachineFacts['bootedFrom'];
  /**
   * Called before the guest reboots: make the firmware reach `target` (the backend ejects the boot
   * media for the hard disk, or re-attaches the boot image for WinPE on a bare-metal run).
   */
  prepareBoot?: (target: RunEnvironment, signal?: AbortSignal) => Promise<void>;
  /** Client cache size in the full OS (ConfigMgr 2007 default 5,120 MB). */
  ccmCacheSizeBytes?: number;
  /** KVM-speed budget for a restart to report in; scaled for TCG. Default 90 s. */
  bootTimeoutSeconds?: number;
  /**
   * The task sequence's boot image package: a restart from the full OS to WinPE stages it on the disk
   * and boots it from there (winpe-staging.ts), for machines started without boot media.
   */
  bootImagePackageId?: string;
  /** The site's driver catalog (Auto Apply Drivers, Apply Driver Package); default: empty. */
  drivers?: DriverCatalog;
  /** The site's capture share and this machine's disk images (Capture Operating System Image); none: no destination is reachable. */
  captureSite?: CaptureSite;
}

/** The volume a drive letter names, mounted in the guest. */
interface MountedVolume {
  partition: GuestPartition;
  letter: string;
  mount: string;
}

export class QemuTaskSequenceMachine implements TaskSequenceMachine {
  readonly name: string;
  readonly clock: MachineClock = { now: () => Date.now(), sleep: (ms, signal) => sleep(ms, undefined, { signal }) };
  private readonly shell: GuestShell;
  private readonly scale: number;
  private hello: AgentFacts;
  /** Device of the Windows volume once an OS image was applied or the full OS found it. */
  private windowsDevice?: string;
  private windowsPartUuid?: string;
  /** Disk holding content downloaded with "Download all content locally before starting". */
  private downloadAllDisk?: number;
  /** Local and hard-link user state stores on this machine's disks (user-state.ts). */
  private readonly stateStores = new LocalStateStores();

  private constructor(private readonly options: QemuTaskSequenceMachineOptions) {
    this.name = options.machine.name;
    this.scale = timeoutScale(options.accel);
    this.shell = new GuestShell(options.agent, this.scale);
    this.hello = options.agent.helloFacts;
  }

  /** Takes over a machine whose agent has said hello (WinPE, or a full OS booted from its disk). */
  static async attach(options: QemuTaskSequenceMachineOptions, signal?: AbortSignal): Promise<QemuTaskSequenceMachine> {
    const m = new QemuTaskSequenceMachine(options);
    await m.settleEnvironment(signal);
    return m;
  }

  private get environment(): RunEnvironment {
    return this.hello.environment;
  }

  /** After a boot: in the full OS, find the Windows volume and mount it as C:, as Windows would have it. */
  private async settleEnvironment(signal?: AbortSignal): Promise<void> {
    if (this.environment !== 'FullOS') return;
    const volumes = await this.volumes(signal);
    const ntfs = volumes.partitions.filter((p) => p.fileSystem === 'ntfs');
    const known = ntfs.find((p) => p.partUuid !== undefined && p.partUuid === this.windowsPartUuid);
    const probe = ntfs.map((p) => `ntfs-3g -o ro ${p.device} /run/osdlab-probe 2>/dev/null && { [ -f /run/osdlab-probe/${FULL_OS_FILES.kernel} ] && echo ${p.device}; umount /run/osdlab-probe; }`);
    const found = known ? [known.device] : await this.shell.must(`mkdir -p /run/osdlab-probe; ${probe.join('; ')}; true`, 60, signal);
    this.windowsDevice = found.find((l) => l.startsWith('/dev/'));
    const c = await this.volumeFor('C:', signal);
    if (c) this.windowsPartUuid = c.partition.partUuid;
  }

  /** Disks and volumes as the running environment sees them, with drive letters. */
  private async volumes(signal?: AbortSignal): Promise<GuestVolumes & { cpuMHz?: number }> {
    const facts = await this.options.agent.facts({ timeoutMs: 30_000 * this.scale, signal });
    this.hello = { ...this.hello, ...facts, bootId: facts.bootId };
    const disks = fixedDisks(facts);
    const output = await this.shell.must(volumesScript(disks), 60, signal);
    const volumes = parseVolumes(disks, output);
    assignLetters(volumes, this.environment, this.windowsDevice);
    return volumes;
  }

  /** Mounts the volume of `letter` at /mnt/<letter> (ntfs-3g or vfat); undefined when no volume has it. */
  private async volumeFor(letter: string, signal?: AbortSignal, volumes?: GuestVolumes): Promise<MountedVolume | undefined> {
    const all = volumes ?? (await this.volumes(signal));
    const partition = all.partitions.find((p) => p.driveLetter?.toUpperCase() === letter.toUpperCase());
    if (!partition) return undefined;
    const mount = mountPoint(letter);
    const fs = partition.fileSystem === 'ntfs' ? `ntfs-3g ${partition.device} ${mount}` : `mount -t vfat ${partition.device} ${mount}`;
    await this.shell.must(`grep -q ' ${mount} ' /proc/mounts || { mkdir -p ${mount} && ${fs}; }`, 60, signal);
    return { partition, letter: partition.driveLetter!, mount };
  }

  /** Unmounts every volume the machine mounted (before raw-device work and restarts). */
  private async unmountAll(signal?: AbortSignal): Promise<void> {
    await this.shell.must(`for m in $(awk '$2 ~ /^\\/mnt\\/[a-z]$|^\\/run\\/osdlab-/ && $2 != "/run/osdlab-content" { print $2 }' /proc/mounts); do umount "$m"; done; sync`, 60, signal);
  }

  async facts(signal?: AbortSignal): Promise<MachineFacts> {
    const volumes = await this.volumes(signal);
    const f = this.hello;
    const winpe = this.environment === 'WinPE';
    const cpu = await this.shell.run("awk -F': ' '/^cpu MHz/ { print int($2); exit }' /proc/cpuinfo", 30, signal);
    return {
      name: this.name,
      firmware: f.firmware,
      architecture: f.architecture === 'x86_64' && f.firmwarePlatformSize !== 32 ? 'x64' : 'x86',
      // MemTotal leaves out what the kernel keeps; round up to the 64 MB the machine was given in.
      memoryMB: Math.ceil(f.memoryKB / 1024 / 64) * 64,
      cpus: f.cpus,
      processorSpeedMHz: Number(cpu.output[0] ?? 0),
      smbios: f.smbios,
      pciDevices: f.pci.map((d) => ({
        vendorId: d.vendor.toUpperCase(),
        deviceId: d.device.toUpperCase(),
        subsystemVendorId: d.subsystemVendor.toUpperCase(),
        subsystemId: d.subsystem.toUpperCase(),
        revision: d.revision.toUpperCase(),
        classCode: d.class.toUpperCase(),
        driverLoaded: d.driver !== null,
      })),
      networkAdapters: f.nics.map((n) => ({ mac: n.mac.toUpperCase(), model: n.driver, ...(n.ipv4[0] ? { ipAddress: n.ipv4[0].split('/')[0] } : {}) })),
      // The contract's PartitionFacts only: device nodes and UUIDs are this machine's own business.
      disks: volumes.disks.map((d) => ({ ...d, partitions: (d.partitions as GuestPartition[]).map(({ device: _d, diskIndex: _i, partUuid: _u, ...p }) => p) })),
      environment: this.environment,
      bootedFrom: winpe ? this.options.winpeBootedFrom : 'disk',
      operatingSystem: winpe ? undefined : await this.installedOs(signal),
      cachePath: await this.existingCache(volumes, signal),
    };
  }

  /** Win32_OperatingSystem of the full OS: the version marker the OS image carries. */
  private async installedOs(signal?: AbortSignal): Promise<MachineFacts['operatingSystem']> {
    const r = await this.shell.run(`cat ${shellQuote(`${mountPoint('C:')}/${OS_VERSION_MARKER}`)}`, 30, signal);
    if (r.exitCode !== 0) return undefined;
    const os = JSON.parse(r.output.join('\n')) as { caption: string; version: string; architecture: 'x64' | 'x86' };
    return { caption: os.caption, version: os.version, architecture: os.architecture };
  }

  private async existingCache(volumes: GuestVolumes, signal?: AbortSignal): Promise<string | undefined> {
    const cache = this.cacheVolume(volumes);
    if (!cache) return undefined;
    const mounted = await this.volumeFor(cache.letter, signal, volumes);
    const r = await this.shell.run(`[ -d ${shellQuote(guestPath(cache.path))} ]`, 30, signal);
    return mounted && r.exitCode === 0 ? cache.path : undefined;
  }

  /** WinPE: the task-sequence cache on the largest NTFS volume; full OS: the client cache on C:. */
  private cacheVolume(volumes: GuestVolumes): { letter: string; path: string; partition: GuestPartition } | undefined {
    if (this.environment === 'FullOS') {
      const c = volumes.partitions.find((p) => p.driveLetter === 'C:');
      return c ? { letter: 'C:', path: `C:\\${CCM_CACHE}`, partition: c } : undefined;
    }
    const largest = volumes.partitions.filter((p) => p.fileSystem === 'ntfs' && p.driveLetter).sort((a, b) => b.sizeBytes - a.sizeBytes)[0];
    return largest ? { letter: largest.driveLetter!, path: `${largest.driveLetter}\\${TS_CACHE}`, partition: largest } : undefined;
  }

  async fileInfo(path: string, signal?: AbortSignal): Promise<FileInfo> {
    const letter = lettersIn(path)[0];
    if (!letter || !(await this.volumeFor(letter, signal))) return { exists: false, directory: false };
    const r = await this.shell.run(`stat -c '%F|%s|%Y' ${shellQuote(guestPath(path))}`, 30, signal);
    if (r.exitCode !== 0) return { exists: false, directory: false };
    const [kind, size, mtime] = (r.output[0] ?? '').split('|');
    const directory = kind === 'directory';
    return { exists: true, directory, ...(directory ? {} : { sizeBytes: Number(size) }), modified: new Date(Number(mtime) * 1000).toISOString() };
  }

  async registryValue(keyPath: string, value: string, signal?: AbortSignal): Promise<string | undefined> {
    const key = settingsKey(keyPath, value);
    return key === undefined ? undefined : (await this.storedSettings(signal))?.settings.get(key);
  }

  async partitionDisk(request: PartitionDiskRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    const volumes = await this.volumes(signal);
    const disk = fixedDisks(this.hello)[request.diskIndex];
    if (!disk) return fail(EXIT.invalidParameter, `osddiskpart: disk ${request.diskIndex} does not exist`);
    if (this.downloadAllDisk === request.diskIndex) {
      return fail(EXIT.generalFailure, 'content was downloaded before the task sequence started into the client cache on this disk; repartitioning it erases the cache (Download all contents locally before starting)');
    }
    const planned = planPartitions(request, disk.device, disk.sizeBytes);
    if (!planned.ok) return fail(EXIT.invalidParameter, `osddiskpart: ${planned.message}`);
    const lost = volumes.partitions.filter((p) => p.diskIndex === request.diskIndex).map((p) => p.device);
    if (this.windowsDevice && lost.includes(this.windowsDevice)) this.windowsDevice = undefined;
    this.stateStores.volumesLost(lost);
    await this.unmountAll(signal);
    const r = await this.shell.run(['set -e', ...planned.plan.commands].join('\n'), 120, signal);
    if (r.exitCode !== 0) return fail(EXIT.generalFailure, `osddiskpart failed on disk ${request.diskIndex} (${disk.device})`, ...r.output);
    const converted = request.diskType === 'dynamic' ? await convertGuestDisk(this.shell, disk, signal) : undefined;
    if (converted && converted.exitCode !== 0) return converted;
    const after = await this.volumes(signal);
    const variables: Record<string, string> = {};
    for (const p of planned.plan.partitions) {
      const letter = after.partitions.find((q) => q.diskIndex === request.diskIndex && q.number === p.number)?.driveLetter;
      if (p.spec.letterVariable && letter) variables[p.spec.letterVariable] = letter;
    }
    const layout = planned.plan.partitions.map((p) => `${p.number}: ${p.spec.type} ${p.sizeMiB} MB ${p.spec.fileSystem ?? 'raw'}${p.spec.label ? ` "${p.spec.label}"` : ''}${p.spec.bootable ? ' active' : ''}`);
    return { exitCode: EXIT.success, variables, output: [`disk ${request.diskIndex} (${disk.device}): ${request.style.toUpperCase()}, ${planned.plan.partitions.length} partition(s)`, ...layout, ...(converted?.output ?? [])] };
  }

  async convertDiskToDynamic(diskIndex: number, signal?: AbortSignal): Promise<ActionOutcome> {
    await this.volumes(signal);
    const disk = fixedDisks(this.hello)[diskIndex];
    if (!disk) return fail(EXIT.invalidParameter, `osddiskpart: disk ${diskIndex} does not exist`);
    await this.unmountAll(signal);
    return convertGuestDisk(this.shell, disk, signal);
  }

  async downloadContent(request: ContentRequest, signal?: AbortSignal): Promise<ContentOutcome> {
    const source = this.options.content;
    const found = await source.locate(request.packageId, this.shell, signal);
    if (!found) return fail(EXIT.contentNotFound, `content location request for ${request.packageId} failed: no content source has it`);
    if (request.mode === 'accessFromDp') return { exitCode: EXIT.success, location: found.location, bytes: found.bytes };
    if (request.mode === 'downloadAll' && this.environment === 'WinPE' && this.options.winpeBootedFrom !== 'disk') {
      return fail(EXIT.generalFailure, 'Download all contents locally before starting needs the client cache of a full OS; this task sequence started in Windows PE');
    }
    const volumes = await this.volumes(signal);
    const cache = this.cacheVolume(volumes);
    if (!cache) return fail(EXIT.pathNotFound, 'no formatted volume for the task-sequence cache (local data path)');
    const mounted = await this.volumeFor(cache.letter, signal, volumes);
    if (!mounted) return fail(EXIT.pathNotFound, `the cache volume ${cache.letter} cannot be mounted`);
    const dir = guestPath(cache.path);
    const target = `${dir}/${request.packageId}`;
    // The cache holds what its volume's free space allows (WinPE) or its configured size (full OS);
    // content already there counts as free again, since it is replaced.
    let limit = await this.cacheRoom(dir, target, signal);
    const evicted: string[] = [];
    if (found.bytes > limit && this.environment === 'FullOS') {
      const listing = await this.shell.must(cacheListing(shellQuote(dir)), 60, signal);
      const plan = evictionPlan(parseCacheListing(listing, request.packageId), found.bytes - limit);
      if (plan && plan.length > 0) {
        await this.shell.must(`cd ${shellQuote(dir)} && rm -rf ${plan.map(shellQuote).join(' ')} && sync`, 60, signal);
        evicted.push(...plan.map((p) => `evicted ${p} from the cache`));
        limit = await this.cacheRoom(dir, target, signal);
      }
    }
    if (found.bytes > limit) {
      return fail(EXIT.diskFull, `failed to download ${request.packageId}: it needs ${found.bytes} bytes; the cache at ${cache.path} has ${Math.max(0, limit)}`, 'the client cache is too small for the content');
    }
    await this.shell.must(`rm -rf ${shellQuote(target)} && mkdir -p ${shellQuote(target)}`, 60, signal);
    const fetched = await source.fetch(request.packageId, target, this.shell, signal);
    if (!fetched.ok) {
      await this.shell.run(`rm -rf ${shellQuote(target)}`, 60, signal);
      const full = fetched.output.some((l) => /no space/i.test(l));
      return fail(full ? EXIT.diskFull : EXIT.generalFailure, `failed to download ${request.packageId}`, ...fetched.output);
    }
    if (request.mode === 'downloadAll') this.downloadAllDisk = cache.partition.diskIndex;
    return { exitCode: EXIT.success, location: `${cache.path}\\${request.packageId}`, bytes: found.bytes, output: evicted };
  }

  /**
   * Bytes a package may take in the cache folder `dir`: the volume's free space (WinPE) or also the
   * client cache's configured size (full OS); the package's own earlier copy counts as room, since it is replaced.
   */
  private async cacheRoom(dir: string, target: string, signal?: AbortSignal): Promise<number> {
    const sizes = await this.shell.must(
      `mkdir -p ${shellQuote(dir)} && df -k ${shellQuote(dir)} | awk 'NR==2 { print $4 * 1024 }' && du -sk ${shellQuote(dir)} | awk '{ print $1 * 1024 }' && (du -sk ${shellQuote(target)} 2>/dev/null || echo 0) | awk '{ print $1 * 1024 }'`,
      60,
      signal,
    );
    const [free, used, previous] = sizes.map(Number) as [number, number, number];
    if (this.environment === 'WinPE') return free + previous;
    return Math.min(free + previous, (this.options.ccmCacheSizeBytes ?? 5120 * MIB) - used + previous);
  }

  private targetPartition(request: ApplyImageRequest, volumes: GuestVolumes): GuestPartition | undefined {
    const t = request.target;
    if (t.logicalDrive) return volumes.partitions.find((p) => p.driveLetter?.toUpperCase() === t.logicalDrive!.toUpperCase().slice(0, 2));
    if (t.diskIndex !== undefined && t.partitionNumber !== undefined) return volumes.partitions.find((p) => p.diskIndex === t.diskIndex && p.number === t.partitionNumber);
    return volumes.partitions.find((p) => p.fileSystem === 'ntfs' && p.type === 'primary');
  }

  async applyImage(request: ApplyImageRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    const volumes = await this.volumes(signal);
    const target = this.targetPartition(request, volumes);
    if (!target?.fileSystem) return fail(EXIT.pathNotFound, 'the destination volume does not exist or is not formatted');
    // The lab's images are captured from basic disks, which ConfigMgr cannot apply to a dynamic one (§2.18, §9).
    const targetDisk = fixedDisks(this.hello)[target.diskIndex];
    if (targetDisk && (await isDynamicDisk(this.shell, targetDisk, signal))) return fail(EXIT.notSupported, 'an image captured from a basic disk cannot be applied to a dynamic disk');
    const sourceLetter = lettersIn(request.contentLocation)[0];
    if (sourceLetter && !(await this.volumeFor(sourceLetter, signal, volumes))) return fail(EXIT.pathNotFound, `${request.contentLocation} is not reachable`);
    const located = request.contentLocation.startsWith('/') || sourceLetter ? guestPath(request.contentLocation) : (await this.options.content.locate(request.packageId, this.shell, signal))?.location;
    if (!located) return fail(EXIT.contentNotFound, `image package ${request.packageId} is not known`);
    const remote = !located.startsWith('/');
    const dir = remote ? await this.readRemoteContent(request.packageId, signal) : located;
    if (typeof dir !== 'string') return dir;
    try {
      return await this.applyImageFrom(dir, request, target, volumes, sourceLetter, signal);
    } finally {
      if (remote) await this.shell.run(`rm -rf ${shellQuote(dir)}`, 60, signal).catch(() => undefined);
    }
  }

  /**
   * "Access content directly from a distribution point" with a source outside the machine (the DP
   * over HTTP): the image is read into memory for the apply, as Windows reads it off the DP's
   * share — the client cache is not used — and is gone afterwards.
   */
  private async readRemoteContent(packageId: string, signal?: AbortSignal): Promise<string | ActionOutcome> {
    const dir = `/tmp/osdlab-from-dp/${packageId}`;
    await this.shell.must(`rm -rf ${shellQuote(dir)} && mkdir -p ${shellQuote(dir)}`, 60, signal);
    const fetched = await this.options.content.fetch(packageId, dir, this.shell, signal);
    if (fetched.ok) return dir;
    await this.shell.run(`rm -rf ${shellQuote(dir)}`, 60, signal);
    return fail(EXIT.generalFailure, `failed to read ${packageId} from the distribution point`, ...fetched.output);
  }

  private async applyImageFrom(dir: string, request: ApplyImageRequest, target: GuestPartition, volumes: GuestVolumes, sourceLetter: string | undefined, signal?: AbortSignal): Promise<ActionOutcome> {
    const wims = await this.shell.run(`find ${shellQuote(dir)} -maxdepth 1 -type f -iname '*.wim' | sort | head -n 1`, 60, signal);
    const wim = wims.output[0];
    if (wims.exitCode !== 0 || !wim) return fail(EXIT.pathNotFound, `no .wim file in ${request.contentLocation}`);

    const letter = target.driveLetter ?? 'C:';
    const mount = mountPoint(letter);
    const onTarget = sourceLetter !== undefined && sourceLetter === target.driveLetter;
    const keep = [...KEPT_ON_WIPE, ...this.stateStores.keptOnWipe(target.device)].map((k) => `! -iname ${shellQuote(k)}`).join(' ');
    const steps = [
      'set -e',
      // The image comes off the target volume itself: read it from RAM while the volume is rewritten.
      ...(onTarget ? [`cp ${shellQuote(wim)} /tmp/osdlab-apply.wim`] : []),
      ...(request.wipe ? [`find ${mount} -mindepth 1 -maxdepth 1 ${keep} -exec rm -rf {} +`] : []),
    ];
    const image = onTarget ? '/tmp/osdlab-apply.wim' : wim;
    if (request.wipe || onTarget) {
      if (!(await this.volumeFor(letter, signal, volumes))) return fail(EXIT.pathNotFound, `${letter} cannot be mounted`);
      await this.shell.must(steps.join('\n'), 300, signal);
    }
    // NTFS: wimlib's NTFS-3G mode writes the volume directly (security descriptors, short names), so it must not be mounted.
    let apply: string;
    if (target.fileSystem === 'ntfs') {
      await this.unmountAll(signal);
      apply = `wimlib-imagex apply ${shellQuote(image)} ${request.imageIndex} ${target.device}`;
    } else {
      await this.volumeFor(letter, signal, volumes);
      apply = `wimlib-imagex apply ${shellQuote(image)} ${request.imageIndex} ${mount}`;
    }
    const r = await this.shell.run(`${apply} 2>&1; rc=$?; rm -f /tmp/osdlab-apply.wim; sync; exit $rc`, 900, signal);
    if (r.exitCode !== 0) {
      const text = r.output.join('\n');
      const code = /no space|disk full/i.test(text) ? EXIT.diskFull : /not a valid image|image .* does not exist|invalid image/i.test(text) ? EXIT.invalidParameter : EXIT.generalFailure;
      return fail(code, `wimlib-imagex apply failed (exit ${r.exitCode})`, ...r.output.slice(-10));
    }
    if (request.kind === 'os') {
      this.windowsDevice = target.device;
      this.windowsPartUuid = target.partUuid;
    }
    return {
      exitCode: EXIT.success,
      output: [`applied ${wim} index ${request.imageIndex} to ${target.device} (${letter})`],
      variables: request.kind === 'os' ? { _OSDDetectedWinDir: `${letter}\\Windows\\` } : {},
    };
  }

  async applyDrivers(request: ApplyDriversRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    const facts = await this.facts(signal);
    const windows = (await this.storedSettings(signal))?.windows;
    return applyDriversInGuest(
      request,
      {
        shell: this.shell,
        facts,
        catalog: this.options.drivers ?? { drivers: [], packages: [] },
        content: this.options.content,
        ...(windows ? { windows } : {}),
        download: (packageId, s) => this.downloadContent({ packageId, mode: 'downloadOnDemand', destination: 'tsCache' }, s),
      },
      signal,
    );
  }

  async runCommand(request: RunCommandRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    const cwd = request.workingDirectory ?? request.packageLocation;
    const volumes = await this.volumes(signal);
    for (const letter of lettersIn(`${request.commandLine} ${cwd ?? ''}`)) await this.volumeFor(letter, signal, volumes);
    // `cmd /c …` as task sequences write it runs the rest in the guest's shell; drive paths name the mounted volumes.
    const body = `cmd() { case "$1" in /c|/C|/k|/K) shift ;; esac; "$@"; }\n${guestCommandLine(request.commandLine)}`;
    const limit = request.timeoutSeconds;
    const script = limit === undefined ? body : `timeout -s KILL ${limit} sh -c ${shellQuote(body)}`;
    const started = Date.now();
    try {
      const r = await this.options.agent.run(script, {
        timeoutMs: limit === undefined ? 24 * 3600_000 : (limit + 60) * 1000,
        signal,
        ...(cwd ? { cwd: guestPath(cwd) } : {}),
      });
      if (limit !== undefined && r.exitCode === 137 && Date.now() - started >= limit * 1000) {
        return fail(EXIT.timeout, ...r.output, `${request.commandLine}: timed out after ${limit} s`);
      }
      return { exitCode: r.exitCode, output: r.output, rebootRequested: r.exitCode === EXIT.rebootRequired };
    } catch (err) {
      if (err instanceof AgentError) return fail(EXIT.generalFailure, `${request.commandLine}: ${err.message}`);
      throw err;
    }
  }

  async stateStore(): Promise<ActionOutcome> {
    return fail(EXIT.notSupported, 'Request/Release State Store: the state migration point is not reachable from QEMU machines yet (the site servers are not wired into QEMU runs); a local store (OSDStateStorePath on the disk) needs no request');
  }

  async userState(request: UserStateRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    return this.stateStores.run(request, this.userStateHost(), signal);
  }

  /** How the user profiles at the end compare with what Capture User State saw; undefined when nothing was restored. */
  async userStateComparison(signal?: AbortSignal): Promise<UserStateComparison | undefined> {
    return this.stateStores.compare(this.userStateHost(), signal);
  }

  private userStateHost(): UserStateHost {
    return {
      shell: this.shell,
      volumeOf: async (letter, signal) => {
        const v = await this.volumeFor(letter, signal);
        return v && { device: v.partition.device, mount: v.mount };
      },
      windowsVolume: async (signal) => {
        const w = (await this.storedSettings(signal))?.windows;
        return w && { device: w.partition.device, mount: w.mount };
      },
    };
  }

  async captureImage(request: CaptureImageRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    const volumes = await this.volumes(signal);
    return captureImage({ qemu: this.options.machine, site: this.options.captureSite, volumes, windowsDevice: this.windowsDevice, release: () => this.unmountAll(signal) }, request, signal);
  }

  /** The Windows volume mounted, and the settings stored on it; undefined when no OS was applied. */
  private async storedSettings(signal?: AbortSignal): Promise<{ windows: MountedVolume; settings: Map<string, string> } | undefined> {
    const volumes = await this.volumes(signal);
    const partition = volumes.partitions.find((p) => p.device === this.windowsDevice);
    const windows = partition?.driveLetter ? await this.volumeFor(partition.driveLetter, signal, volumes) : undefined;
    if (!windows) return undefined;
    const r = await this.shell.run(`cat ${shellQuote(`${windows.mount}/${SETTINGS_FILE}`)} 2>/dev/null`, 30, signal);
    return { windows, settings: parseSettings(r.exitCode === 0 ? r.output : []) };
  }

  async writeSettings(request: SettingsRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    const stored = await this.storedSettings(signal);
    if (!stored) return fail(EXIT.pathNotFound, 'no Windows installation on this computer: apply an operating system image first');
    const { windows } = stored;
    const merged = mergeSettings(stored.settings, request);
    const write = (file: string, text: string) =>
      `mkdir -p ${shellQuote(`${windows.mount}/${file.replace(/\/[^/]*$/, '')}`)} && echo ${Buffer.from(text).toString('base64')} | base64 -d > ${shellQuote(`${windows.mount}/${file}`)}`;
    const output: string[] = [];
    try {
      await this.shell.must(`${write(SETTINGS_FILE, formatSettings(merged))} && ${write(UNATTEND_FILE, unattendXml(merged))} && sync`, 60, signal);
      output.push(`settings written to ${windows.letter}\\${UNATTEND_FILE.replaceAll('/', '\\')}`);
      if (request.kind === 'setupWindows') output.push(...(await this.setupWindows(request, windows, signal)));
    } catch (err) {
      if (err instanceof GuestCommandError) return fail(EXIT.generalFailure, err.message, ...err.result.output);
      throw err;
    }
    return { exitCode: EXIT.success, output };
  }

  /** WinPE: the boot loader for the firmware (bcdboot's job); full OS: the ConfigMgr client's folder. */
  private async setupWindows(request: SettingsRequest, windows: MountedVolume, signal?: AbortSignal): Promise<string[]> {
    if (request.settings.phase === 'configMgrClient') {
      await this.shell.must(`mkdir -p ${shellQuote(`${windows.mount}/Windows/CCM`)} && date > ${shellQuote(`${windows.mount}/Windows/CCM/osdlab-client-installed.txt`)} && sync`, 60, signal);
      return ['Configuration Manager client installed'];
    }
    const volumes = await this.volumes(signal);
    const plan = bootLoaderPlan(this.hello.firmware, volumes, windows.partition, windows.mount);
    if (plan.script) await this.shell.must(plan.script, 120, signal);
    return [plan.note];
  }

  async restart(target: RunEnvironment, signal?: AbortSignal): Promise<RestartOutcome> {
    if (target === 'WinPE' && this.environment === 'FullOS' && this.options.bootImagePackageId) {
      const staged = await this.stageWinPe(this.options.bootImagePackageId, signal);
      if (!staged.ok) return { booted: false, reason: staged.output.join('; ') };
    }
    await this.unmountAll(signal);
    const previous = this.hello.bootId;
    const consoleFrom = (await this.options.machine.consoleText()).length;
    await this.options.prepareBoot?.(target, signal);
    await this.options.agent.reboot({ timeoutMs: 30_000 * this.scale, signal });
    const stop = new AbortController();
    const both = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
    const timeoutMs = (this.options.bootTimeoutSeconds ?? 90) * 1000 * this.scale;
    try {
      const outcome = await Promise.race([
        this.options.agent.waitForNewBoot(previous, { timeoutMs, signal: both }).then((facts) => ({ facts })),
        this.watchForBootFailure(consoleFrom, both),
        this.options.machine.exited.then((e) => ({ failure: `the machine stopped during the restart (exit ${e.exitCode ?? e.signal})` })),
      ]).catch((err: unknown) => {
        if (signal?.aborted) throw err;
        return { failure: err instanceof Error ? err.message : String(err) };
      });
      if ('failure' in outcome) {
        const text = (await this.options.machine.consoleText()).slice(consoleFrom);
        return { booted: false, reason: outcome.failure, console: consoleEvidence(text) };
      }
      this.hello = outcome.facts;
      await this.settleEnvironment(signal);
      return { booted: true, environment: this.environment, facts: await this.facts(signal) };
    } finally {
      stop.abort();
    }
  }

  private async stageWinPe(packageId: string, signal?: AbortSignal): Promise<StagingOutcome> {
    const windows = (await this.storedSettings(signal))?.windows;
    if (!windows) return { ok: false, output: ['no Windows volume to stage the boot image on'] };
    return stageWinPe({ shell: this.shell, content: this.options.content, firmware: this.hello.firmware, volumes: await this.volumes(signal), windows, bootImagePackageId: packageId }, signal);
  }

  /** Resolves with the firmware's reason once the console after `from` shows the boot failed. */
  private async watchForBootFailure(from: number, signal: AbortSignal): Promise<{ failure: string }> {
    for (;;) {
      await sleep(500, undefined, { signal });
      const reason = bootFailure((await this.options.machine.consoleText()).slice(from));
      if (reason) {
        // Let the firmware finish its message before the console is read as evidence.
        await sleep(2000, undefined, { signal });
        return { failure: reason };
      }
    }
  }

  async powerOff(): Promise<void> {
    await this.options.agent.poweroff({ timeoutMs: 30_000 * this.scale }).catch(() => undefined);
    const stopped = await Promise.race([this.options.machine.exited.then(() => true), sleep(10_000 * this.scale).then(() => false)]);
    if (!stopped) await this.options.machine.stop();
  }
}
