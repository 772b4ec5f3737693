// What the runner watches of one machine while its task sequence runs, for the live console view and the
// HTML report: the step under way (from smsts.log's "Start executing an instruction" line, the line an
// administrator watches in the field), the machine operation in progress, the content it downloaded, what its
// cache held over time and its restarts. It sits between the engine and the machine and changes nothing.
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
  RestartOutcome,
  RunCommandRequest,
  RunEnvironment,
  SettingsRequest,
  StateStoreRequest,
  TaskSequenceMachine,
  UserStateRequest,
} from '../machine.js';
import { SmstsLog, type CmtraceSeverity, type SmstsLogOptions } from '../smsts-log.js';

/** What a machine is doing, in the words of the machine contract. */
export type MachinePhase =
  | 'starting'
  | 'running'
  | 'partitioning disk'
  | 'downloading content'
  | 'applying image'
  | 'applying drivers'
  | 'running command'
  | 'state store'
  | 'user state'
  | 'writing settings'
  | 'capturing image'
  | 'restarting'
  | 'finished';

/** One change of a machine's activity (a new step, a new operation, a finished download). */
export interface MachineActivity {
  machine: string;
  /** The task-sequence step under way; absent before the first. */
  step?: string;
  phase: MachinePhase;
  /** Content bytes the machine has downloaded so far (counted as each download completes). */
  bytesDownloaded: number;
  /** Lab clock (ms since the epoch). */
  at: number;
}

/** A package the machine fetched (or accessed in place on a distribution point). */
export interface DownloadRecording {
  packageId: string;
  /** Distribution point, when the content was accessed in place (\\DP01\SMSPKGC$\…). */
  source?: string;
  bytes: number;
  /** ISO 8601 on the machine's clock. */
  start: string;
  end: string;
}

/** What the HTML report draws per machine (reports' MachineReportData has this shape). */
export interface MachineRecording {
  disks?: DiskFacts[];
  downloads: DownloadRecording[];
  /** Bytes in the task-sequence or client cache after each change, from the downloads and the evictions the machine reported. */
  cache: { at: string; usedBytes: number }[];
  cacheLimitBytes?: number;
  reboots: { at: string; target: RunEnvironment }[];
}

const INSTRUCTION = /^Start executing an instruction\. Instruction name: (.*)\. Instruction pointer: \d+$/;
const EVICTED = /^evicted (\S+) from the cache$/;
/** In place on a distribution point (\\DP01\SMSPKGC$\…) or on media (…\SMS\PKG\…): not in the cache. */
const DP_SHARE = /^\\\\([^\\]+)\\/;
const MEDIA_PACKAGES = /\\SMS\\PKG\\/i;

/** smsts.log that also tells the recorder which step started. */
export class WatchedLog extends SmstsLog {
  constructor(
    options: SmstsLogOptions,
    private readonly onStep: (step: string) => void,
  ) {
    super(options);
  }

  override write(message: string, type: CmtraceSeverity, file: string, component = 'TSManager'): void {
    const step = INSTRUCTION.exec(message)?.[1];
    if (step !== undefined) this.onStep(step);
    super.write(message, type, file, component);
  }
}

/**
 * The cache as its downloads and evictions show it: package → bytes. Repartitioning a disk wipes the cache
 * that lived on it; the contract does not say which disk held it, so any repartition empties the record.
 */
class CacheLedger {
  private readonly held = new Map<string, number>();

  add(packageId: string, bytes: number): void {
    this.held.set(packageId, bytes);
  }
  evict(packageId: string): void {
    this.held.delete(packageId);
  }
  clear(): void {
    this.held.clear();
  }
  get usedBytes(): number {
    let used = 0;
    for (const b of this.held.values()) used += b;
    return used;
  }
}

export class MachineRecorder implements TaskSequenceMachine {
  private step?: string;
  private phase: MachinePhase = 'running';
  private bytesDownloaded = 0;
  private readonly ledger = new CacheLedger();
  readonly recording: MachineRecording = { downloads: [], cache: [], reboots: [] };

  constructor(
    private readonly inner: TaskSequenceMachine,
    private readonly onActivity: ((activity: MachineActivity) => void) | undefined,
    cacheLimitBytes: number | undefined,
  ) {
    if (cacheLimitBytes !== undefined) this.recording.cacheLimitBytes = cacheLimitBytes;
  }

  get name(): string {
    return this.inner.name;
  }
  get clock(): MachineClock {
    return this.inner.clock;
  }

  /** The engine started a step. */
  stepStarted(step: string): void {
    this.step = step;
    this.phase = 'running';
    this.emit();
  }

  /** The task sequence ended; the lab observed these disks. */
  finished(disks: DiskFacts[]): MachineRecording {
    this.recording.disks = disks;
    this.phase = 'finished';
    this.emit();
    return this.recording;
  }

  private emit(): void {
    this.onActivity?.({ machine: this.inner.name, ...(this.step !== undefined ? { step: this.step } : {}), phase: this.phase, bytesDownloaded: this.bytesDownloaded, at: this.inner.clock.now() });
  }

  private iso(): string {
    return new Date(this.inner.clock.now()).toISOString();
  }

  /** Runs one operation under its phase; back to "running" (the step's own work) when it is done. */
  private async during<T>(phase: MachinePhase, work: () => Promise<T>): Promise<T> {
    this.phase = phase;
    this.emit();
    try {
      return await work();
    } finally {
      this.phase = 'running';
    }
  }

  private sampleCache(): void {
    const usedBytes = this.ledger.usedBytes;
    const last = this.recording.cache[this.recording.cache.length - 1];
    if (last?.usedBytes !== usedBytes) this.recording.cache.push({ at: this.iso(), usedBytes });
  }

  facts(signal?: AbortSignal): Promise<MachineFacts> {
    return this.inner.facts(signal);
  }
  fileInfo(path: string, signal?: AbortSignal): Promise<FileInfo> {
    return this.inner.fileInfo(path, signal);
  }
  registryValue(keyPath: string, value: string, signal?: AbortSignal): Promise<string | undefined> {
    return this.inner.registryValue(keyPath, value, signal);
  }

  partitionDisk(request: PartitionDiskRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    return this.during('partitioning disk', async () => {
      const outcome = await this.inner.partitionDisk(request, signal);
      if (outcome.exitCode === 0) {
        this.ledger.clear();
        this.sampleCache();
      }
      return outcome;
    });
  }
  convertDiskToDynamic(diskIndex: number, signal?: AbortSignal): Promise<ActionOutcome> {
    return this.during('partitioning disk', () => this.inner.convertDiskToDynamic(diskIndex, signal));
  }

  downloadContent(request: ContentRequest, signal?: AbortSignal): Promise<ContentOutcome> {
    return this.during('downloading content', async () => {
      const start = this.iso();
      const outcome = await this.inner.downloadContent(request, signal);
      if (outcome.exitCode !== 0 || outcome.bytes === undefined) return outcome;
      const location = outcome.location ?? '';
      const dp = DP_SHARE.exec(location)?.[1];
      this.recording.downloads.push({ packageId: request.packageId, ...(dp !== undefined ? { source: dp } : {}), bytes: outcome.bytes, start, end: this.iso() });
      if (dp === undefined && !MEDIA_PACKAGES.test(location)) {
        for (const line of outcome.output ?? []) {
          const evicted = EVICTED.exec(line)?.[1];
          if (evicted !== undefined) this.ledger.evict(evicted);
        }
        this.ledger.add(request.packageId, outcome.bytes);
        this.sampleCache();
      }
      this.bytesDownloaded += outcome.bytes;
      this.emit();
      return outcome;
    });
  }

  applyImage(request: ApplyImageRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    return this.during('applying image', () => this.inner.applyImage(request, signal));
  }
  applyDrivers(request: ApplyDriversRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    return this.during('applying drivers', () => this.inner.applyDrivers(request, signal));
  }
  runCommand(request: RunCommandRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    return this.during('running command', () => this.inner.runCommand(request, signal));
  }
  stateStore(request: StateStoreRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    return this.during('state store', () => this.inner.stateStore(request, signal));
  }
  userState(request: UserStateRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    return this.during('user state', () => this.inner.userState(request, signal));
  }
  writeSettings(request: SettingsRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    return this.during('writing settings', () => this.inner.writeSettings(request, signal));
  }
  captureImage(request: CaptureImageRequest, signal?: AbortSignal): Promise<ActionOutcome> {
    return this.during('capturing image', () => this.inner.captureImage(request, signal));
  }

  restart(target: RunEnvironment, signal?: AbortSignal): Promise<RestartOutcome> {
    this.recording.reboots.push({ at: this.iso(), target });
    return this.during('restarting', () => this.inner.restart(target, signal));
  }

  powerOff(): Promise<void> {
    return this.inner.powerOff();
  }
}
