// An in-memory machine for the engine's own tests and for `osdlab ts run` (the dry-run machine):
// disks, volumes, an applied OS and the firmware's boot decision as plain data, time on a virtual clock.
// It is not the twin: no network, no content sizes worth planning with, no calibration.
import { setImmediate } from 'node:timers';
import type {
  ActionOutcome,
  ApplyDriversRequest,
  ApplyImageRequest,
  CaptureImageRequest,
  ContentOutcome,
  ContentRequest,
  DiskFacts,
  FileInfo,
  MachineClock,
  MachineFacts,
  PartitionDiskRequest,
  PartitionFacts,
  RestartOutcome,
  RunCommandRequest,
  RunEnvironment,
  SettingsRequest,
  StateStoreRequest,
  TaskSequenceMachine,
  UserStateRequest,
} from './machine.js';

/** A virtual clock: sleeps resolve in time order as soon as nothing else is runnable. */
export class VirtualClock implements MachineClock {
  private current: number;
  private timers: { at: number; seq: number; resolve: () => void }[] = [];
  private seq = 0;
  private scheduled = false;

  constructor(start: number) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.timers = this.timers.filter((t) => t !== timer);
        reject(signal?.reason);
      };
      const timer = {
        at: this.current + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.timers.push(timer);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate runs after every pending promise job: all sleeps that will race are registered by then.
    setImmediate(() => {
      this.scheduled = false;
      if (this.timers.length === 0) return;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift()!;
      this.current = Math.max(this.current, next.at);
      next.resolve();
      if (this.timers.length > 0) this.schedule();
    });
  }
}

/** A scripted answer for command lines containing `match` (case-insensitive) or matching the expression. */
export interface ScriptedCommand {
  match: string | RegExp;
  outcome: ActionOutcome;
  seconds?: number;
  /** Power the machine off instead of answering: a fault, as a power cut mid-step. */
  powerOff?: boolean;
}

export interface InMemoryMachineOptions {
  facts?: Partial<MachineFacts>;
  /** Epoch milliseconds the virtual clock starts at. */
  start?: number;
  commands?: ScriptedCommand[];
  /** Packages the distribution point does not have. */
  missingPackages?: string[];
  /** Answer of the n-th restart (0-based) instead of the firmware model's. */
  restartOverrides?: Record<number, RestartOutcome>;
  /**
   * For dry-runs of control flow: effects the model cannot see (a script that partitions the disk or applies
   * the image, as OSDCloud does) are assumed done, so Setup Windows needs no applied image and a restart
   * into the full OS always comes back.
   */
  controlFlowOnly?: boolean;
}

export interface MachineCall {
  operation: string;
  request?: unknown;
  at: number;
}

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const ESP_GUID = 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b';
const BASIC_DATA_GUID = 'ebd0a0a2-b9e5-4433-87c0-68b6b72699c7';
const MSR_GUID = 'e3c9e316-0b5c-4db8-817d-f92df00215ae';
const RECOVERY_GUID = 'de94bba4-06d1-4d40-a16a-bfd50179d6ac';

/** Disk 0 as a previous Windows install on UEFI left it: EFI, MSR and an NTFS C: volume. */
export function installedDisk(sizeBytes = 128 * GiB): DiskFacts {
  const part = (number: number, type: string, typeId: string, offsetBytes: number, size: number, extra: Partial<PartitionFacts> = {}): PartitionFacts => ({
    number, type, typeId, sizeBytes: size, offsetBytes, active: false, ...extra,
  });
  return {
    index: 0, sizeBytes, model: 'QEMU HARDDISK', controller: 'ahci', style: 'gpt', dynamic: false,
    partitions: [
      part(1, 'efi', ESP_GUID, MiB, 100 * MiB, { fileSystem: 'fat32', label: 'System' }),
      part(2, 'msr', MSR_GUID, 101 * MiB, 16 * MiB),
      part(3, 'primary', BASIC_DATA_GUID, 117 * MiB, sizeBytes - 118 * MiB, { fileSystem: 'ntfs', label: 'Windows', driveLetter: 'C:', freeBytes: sizeBytes / 2 }),
    ],
  };
}

/** A UEFI x64 virtual machine with one blank 128 GiB disk, started from PXE into WinPE. */
export function defaultFacts(): MachineFacts {
  return {
    name: 'MININT-LAB0001',
    firmware: 'uefi',
    architecture: 'x64',
    memoryMB: 8192,
    cpus: 2,
    processorSpeedMHz: 2400,
    smbios: { manufacturer: 'QEMU', product: 'Standard PC (Q35 + ICH9, 2009)', serial: 'LAB0001', uuid: '4C4C4544-0000-1000-8000-000000000001' },
    pciDevices: [{ vendorId: '1AF4', deviceId: '1041', subsystemVendorId: '1AF4', subsystemId: '1100', revision: '01', classCode: '020000', driverLoaded: true }],
    networkAdapters: [{ mac: '52:54:00:12:34:56', model: 'Red Hat VirtIO Ethernet Adapter', ipAddress: '198.18.0.100' }],
    disks: [{ index: 0, sizeBytes: 128 * GiB, model: 'QEMU HARDDISK', controller: 'ahci', style: 'raw', dynamic: false, partitions: [] }],
    environment: 'WinPE',
    bootedFrom: 'pxe',
  };
}

export class InMemoryMachine implements TaskSequenceMachine {
  readonly clock: VirtualClock;
  readonly calls: MachineCall[] = [];
  private state: MachineFacts;
  private poweredOff = false;
  private restarts = 0;
  /** Volume the OS image went to, and whether setup has run (a boot loader is on the system partition). */
  private os?: { disk: number; partition: number; bootLoader: boolean };
  private computerName?: string;

  constructor(private readonly options: InMemoryMachineOptions = {}) {
    this.state = { ...defaultFacts(), ...structuredClone(options.facts ?? {}) };
    this.clock = new VirtualClock(options.start ?? Date.UTC(2026, 0, 5, 9, 0, 0));
    // A machine that starts in the full OS boots that OS from its first NTFS volume.
    if (this.state.environment === 'FullOS') {
      const disk = this.state.disks.find((d) => d.partitions.some((p) => p.fileSystem === 'ntfs'));
      const volume = disk?.partitions.find((p) => p.fileSystem === 'ntfs');
      if (disk && volume) this.os = { disk: disk.index, partition: volume.number, bootLoader: true };
    }
  }

  get name(): string {
    return this.state.name;
  }

  private async op(operation: string, request: unknown, seconds: number, signal?: AbortSignal): Promise<void> {
    if (this.poweredOff) throw new Error(`${this.state.name} is powered off`);
    this.calls.push({ operation, request, at: this.clock.now() });
    await this.clock.sleep(seconds * 1000, signal);
  }

  async facts(signal?: AbortSignal): Promise<MachineFacts> {
    await this.op('facts', undefined, 0, signal);
    return structuredClone(this.state);
  }

  async fileInfo(path: string, signal?: AbortSignal): Promise<FileInfo> {
    await this.op('fileInfo', path, 0, signal);
    const windows = this.os && this.state.environment === 'FullOS' && /^c:\\windows(\\|$)/i.test(path);
    return { exists: Boolean(windows), directory: Boolean(windows) };
  }

  async registryValue(keyPath: string, value: string, signal?: AbortSignal): Promise<string | undefined> {
    await this.op('registryValue', { keyPath, value }, 0, signal);
    return undefined;
  }

  async partitionDisk(request: PartitionDiskRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    await this.op('partitionDisk', request, 5, signal);
    const disk = this.state.disks.find((d) => d.index === request.diskIndex);
    if (!disk) return { exitCode: 0x80070002, output: [`Disk ${request.diskIndex} does not exist`] };
    const partitions: PartitionFacts[] = [];
    const variables: Record<string, string> = {};
    let offset = MiB;
    const letters = ['C', 'D', 'E', 'F', 'G', 'H'];
    for (const [i, spec] of request.partitions.entries()) {
      const free = disk.sizeBytes - offset;
      const size =
        spec.size === 'remaining'
          ? free
          : Math.min(free, spec.size.unit === 'PERCENT' ? Math.floor((free * spec.size.value) / 100) : spec.size.value * (spec.size.unit === 'GB' ? GiB : MiB));
      if (size <= 0) return { exitCode: 0x80070070, output: [`No space left on disk ${disk.index} for partition ${i + 1}`] };
      const lettered = spec.fileSystem !== undefined && spec.type !== 'efi' && spec.type !== 'msr' && spec.type !== 'recovery';
      const letter = lettered ? `${letters.shift()}:` : undefined;
      partitions.push({
        number: i + 1,
        type: spec.type,
        typeId: request.style === 'gpt' ? gptType(spec.type) : spec.type === 'efi' ? 'EF' : spec.fileSystem === 'fat32' ? '0C' : '07',
        sizeBytes: size,
        offsetBytes: offset,
        fileSystem: spec.fileSystem,
        label: spec.label,
        active: request.style === 'mbr' && spec.bootable,
        driveLetter: letter,
        freeBytes: spec.fileSystem ? size : undefined,
      });
      if (spec.letterVariable && letter) variables[spec.letterVariable] = letter;
      offset += size;
    }
    const updated: DiskFacts = { ...disk, style: request.style, dynamic: request.diskType === 'dynamic', partitions };
    this.state.disks = this.state.disks.map((d) => (d.index === disk.index ? updated : d));
    if (this.os?.disk === disk.index) this.os = undefined;
    return { exitCode: 0, variables, output: [`Disk ${disk.index}: ${partitions.length} partition(s) created, ${request.style.toUpperCase()}`] };
  }

  async convertDiskToDynamic(diskIndex: number, signal?: AbortSignal): Promise<ActionOutcome> {
    await this.op('convertDiskToDynamic', diskIndex, 2, signal);
    const disk = this.state.disks.find((d) => d.index === diskIndex);
    if (!disk) return { exitCode: 0x80070002, output: [`Disk ${diskIndex} does not exist`] };
    disk.dynamic = true;
    return { exitCode: 0 };
  }

  async downloadContent(request: ContentRequest, signal?: AbortSignal): Promise<ContentOutcome> {
    await this.op('downloadContent', request, 10, signal);
    if ((this.options.missingPackages ?? []).some((p) => p.toLowerCase() === request.packageId.toLowerCase())) {
      return { exitCode: 0x80070002, output: [`Package ${request.packageId} is not on any distribution point`] };
    }
    const location = request.destination === 'custom' && request.customPath ? request.customPath : `C:\\_SMSTaskSequence\\Packages\\${request.packageId}`;
    return { exitCode: 0, location, bytes: 0 };
  }

  async applyImage(request: ApplyImageRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    await this.op('applyImage', request, 60, signal);
    const target = this.findVolume(request);
    if (!target) return { exitCode: 0x80004005, output: ['Unable to find a formatted NTFS volume to apply the image to'] };
    if (request.kind === 'os') {
      this.os = { disk: target.disk.index, partition: target.partition.number, bootLoader: false };
      return { exitCode: 0, variables: { _OSDDetectedWinDir: `${target.partition.driveLetter ?? 'C:'}\\WINDOWS\\` } };
    }
    return { exitCode: 0 };
  }

  private findVolume(request: ApplyImageRequest): { disk: DiskFacts; partition: PartitionFacts } | undefined {
    const { target } = request;
    for (const disk of this.state.disks) {
      if (target.diskIndex !== undefined && disk.index !== target.diskIndex) continue;
      for (const partition of disk.partitions) {
        if (partition.fileSystem !== 'ntfs') continue;
        if (target.partitionNumber !== undefined && partition.number !== target.partitionNumber) continue;
        if (target.logicalDrive && partition.driveLetter?.toUpperCase() !== target.logicalDrive.toUpperCase().slice(0, 2)) continue;
        return { disk, partition };
      }
    }
    return undefined;
  }

  async applyDrivers(request: ApplyDriversRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    await this.op('applyDrivers', request, 10, signal);
    return { exitCode: 0 };
  }

  async runCommand(request: RunCommandRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    const scripted = (this.options.commands ?? []).find((c) =>
      typeof c.match === 'string' ? request.commandLine.toLowerCase().includes(c.match.toLowerCase()) : c.match.test(request.commandLine),
    );
    await this.op('runCommand', request, scripted?.seconds ?? 1, signal);
    if (scripted?.powerOff) {
      await this.powerOff();
      throw new Error(`${this.state.name} lost power while running "${request.commandLine}"`);
    }
    return structuredClone(scripted?.outcome ?? { exitCode: 0 });
  }

  async stateStore(request: StateStoreRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    await this.op('stateStore', request, 2, signal);
    if (request.operation === 'release') return { exitCode: 0 };
    return { exitCode: 0, variables: { OSDStateStorePath: `\\\\SMP01\\SMPSTORED_0001$\\${this.state.smbios.uuid}` } };
  }

  async userState(request: UserStateRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    await this.op('userState', request, 30, signal);
    return { exitCode: 0 };
  }

  async writeSettings(request: SettingsRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    await this.op('writeSettings', request, request.kind === 'setupWindows' ? 300 : 2, signal);
    if (request.kind === 'windows' && request.settings.OSDComputerName) this.computerName = request.settings.OSDComputerName;
    if (request.kind === 'setupWindows' && request.settings.phase === 'windowsSetup' && !this.options.controlFlowOnly) {
      if (!this.os) return { exitCode: 0x80004005, output: ['Windows setup found no applied operating system image'] };
      this.os.bootLoader = true;
    }
    return { exitCode: 0 };
  }

  async captureImage(request: CaptureImageRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    await this.op('captureImage', request, 120, signal);
    return { exitCode: 0 };
  }

  async restart(target: RunEnvironment, signal?: AbortSignal): Promise<RestartOutcome> {
    await this.op('restart', target, 60, signal);
    const override = this.options.restartOverrides?.[this.restarts++];
    const outcome = override ?? this.firmwareBoot(target);
    if (outcome.booted) this.state = structuredClone(outcome.facts);
    return structuredClone(outcome);
  }

  /** What the firmware finds: WinPE always comes back (boot image staged or PXE); the disk only when it is bootable. */
  private firmwareBoot(target: RunEnvironment): RestartOutcome {
    if (target === 'WinPE') return { booted: true, environment: 'WinPE', facts: { ...structuredClone(this.state), environment: 'WinPE', operatingSystem: undefined } };
    const problem = this.options.controlFlowOnly ? undefined : this.diskBootProblem();
    if (problem) return { booted: false, reason: problem.reason, console: [problem.console] };
    const facts: MachineFacts = {
      ...structuredClone(this.state),
      name: this.computerName ?? this.state.name,
      environment: 'FullOS',
      operatingSystem: { caption: 'Microsoft Windows 11 Enterprise', version: '10.0.22631', architecture: this.state.architecture },
      cachePath: 'C:\\_SMSTaskSequence',
    };
    return { booted: true, environment: 'FullOS', facts };
  }

  private diskBootProblem(): { reason: string; console: string } | undefined {
    const noDevice =
      this.state.firmware === 'uefi'
        ? { reason: 'the firmware found no bootable device', console: 'BdsDxe: No bootable option or device was found.' }
        : { reason: 'the firmware found no bootable device', console: 'No bootable device.' };
    if (!this.os?.bootLoader) return this.os ? { reason: 'no boot loader was installed on the disk (Setup Windows did not run)', console: noDevice.console } : noDevice;
    const disk = this.state.disks.find((d) => d.index === this.os!.disk)!;
    if (this.state.firmware === 'uefi') {
      const esp = disk.partitions.some((p) => (p.type === 'efi' || p.typeId === 'EF') && p.fileSystem === 'fat32');
      return esp ? undefined : { reason: `UEFI firmware found no EFI system partition on ${disk.style.toUpperCase()} disk ${disk.index}`, console: noDevice.console };
    }
    if (disk.style !== 'mbr') return { reason: `BIOS firmware cannot boot GPT disk ${disk.index}`, console: noDevice.console };
    return disk.partitions.some((p) => p.active) ? undefined : { reason: `disk ${disk.index} has no active partition`, console: noDevice.console };
  }

  async powerOff(): Promise<void> {
    this.poweredOff = true;
    this.calls.push({ operation: 'powerOff', at: this.clock.now() });
  }
}

function gptType(type: PartitionDiskRequest['partitions'][number]['type']): string {
  return type === 'efi' ? ESP_GUID : type === 'msr' ? MSR_GUID : type === 'recovery' ? RECOVERY_GUID : BASIC_DATA_GUID;
}
