// The machine contract (DESIGN.md "The machine contract"): the only way task-sequence
// actions touch a machine. lab/qemu implements it with a real VM and an in-guest agent,
// lab/twin with a model and a virtual clock, harness/test-backend for the engine's own tests.
// Operations resolve with what the field would observe (exit codes, messages); they reject
// only for faults that end the run (power lost, machine gone), never for a failed action.

export type Firmware = 'bios' | 'uefi';
export type Architecture = 'x86' | 'x64';
export type RunEnvironment = 'WinPE' | 'FullOS';
export type PartitionStyle = 'mbr' | 'gpt';
export type FileSystem = 'ntfs' | 'fat32';

export interface PciDevice {
  /** Four hex digits, upper case: "8086". */
  vendorId: string;
  deviceId: string;
  subsystemVendorId: string;
  subsystemId: string;
  revision: string;
  /** Six hex digits: base class, subclass, interface ("020000" = Ethernet). */
  classCode: string;
  /** Whether the running environment has a driver bound to it (no driver → no NIC/disk). */
  driverLoaded: boolean;
}

export interface NetworkAdapterFacts {
  mac: string;
  model: string;
  /** Address from DHCP; absent when the environment has no driver or no lease. */
  ipAddress?: string;
}

export interface PartitionFacts {
  /** 1-based, as diskpart and osddiskpart number them. */
  number: number;
  /** MBR: "primary" | "extended" | "logical"; GPT: "efi" | "msr" | "primary" | "recovery". */
  type: string;
  /** MBR type byte ("07", "0C", "EF", "42") or GPT type GUID. */
  typeId: string;
  sizeBytes: number;
  offsetBytes: number;
  fileSystem?: FileSystem;
  label?: string;
  active: boolean;
  /** Drive letter as the running environment assigns it ("C:"). */
  driveLetter?: string;
  freeBytes?: number;
}

export interface DiskFacts {
  /** 0-based, as OSDDiskIndex counts. */
  index: number;
  sizeBytes: number;
  model: string;
  controller: string;
  style: PartitionStyle | 'raw';
  dynamic: boolean;
  partitions: PartitionFacts[];
}

export interface MachineFacts {
  name: string;
  firmware: Firmware;
  architecture: Architecture;
  memoryMB: number;
  cpus: number;
  processorSpeedMHz: number;
  smbios: { manufacturer: string; product: string; serial: string; uuid: string; biosVersion?: string; assetTag?: string };
  pciDevices: PciDevice[];
  networkAdapters: NetworkAdapterFacts[];
  disks: DiskFacts[];
  environment: RunEnvironment;
  /** How this environment was started: PXE, boot media, stand-alone media, or the hard disk. */
  bootedFrom: 'pxe' | 'bootMedia' | 'standaloneMedia' | 'prestagedMedia' | 'disk';
  /** Full OS only: what the installed OS reports (Win32_OperatingSystem). */
  operatingSystem?: { caption: string; version: string; architecture: Architecture };
  /** Path of the task-sequence cache in this environment, when one exists. */
  cachePath?: string;
}

export interface FileInfo {
  exists: boolean;
  directory: boolean;
  sizeBytes?: number;
  /** File version resource when the file has one. */
  version?: string;
  modified?: string;
}

/** The answer of every operation: what the engine records as the step's return code. */
export interface ActionOutcome {
  exitCode: number;
  /** Lines for smsts.log: the action's own output or the backend's explanation. */
  output?: string[];
  /** Variables the action sets in the task-sequence environment (e.g. _OSDDetectedWinDir). */
  variables?: Record<string, string>;
  /** The action asks the engine for a reboot after the step (3010 and SMSTSRebootRequested). */
  rebootRequested?: boolean;
}

export interface PartitionSpec {
  type: 'primary' | 'extended' | 'logical' | 'efi' | 'msr' | 'recovery';
  /** Size as written in the step; "remaining" when the partition takes the rest. */
  size: { value: number; unit: 'MB' | 'GB' | 'PERCENT' } | 'remaining';
  fileSystem?: FileSystem;
  quickFormat: boolean;
  label?: string;
  bootable: boolean;
  /** Variable that receives the drive letter (OSDPartitions<n>VolumeLetterVariable). */
  letterVariable?: string;
}

export interface PartitionDiskRequest {
  diskIndex: number;
  style: PartitionStyle;
  /** DYNAMIC makes the disk dynamic after partitioning, as osddiskpart does. */
  diskType: 'basic' | 'dynamic';
  partitions: PartitionSpec[];
}

export interface ContentRequest {
  packageId: string;
  /** ConfigMgr's deployment option for this content. */
  mode: 'downloadAll' | 'downloadOnDemand' | 'accessFromDp';
  /** Where to place it: the task-sequence cache, the client cache, or a custom path. */
  destination: 'tsCache' | 'ccmCache' | 'custom';
  customPath?: string;
}

export interface ContentOutcome extends ActionOutcome {
  /** Path of the content on the machine (or the DP URL when accessed in place). */
  location?: string;
  bytes?: number;
}

export interface ImageTarget {
  diskIndex?: number;
  partitionNumber?: number;
  /** A drive letter or the variable that names one (DestinationLogicalDrive / DestinationVariable). */
  logicalDrive?: string;
}

export interface ApplyImageRequest {
  packageId: string;
  imageIndex: number;
  target: ImageTarget;
  /** Data images may keep the volume's files; OS images wipe all but ConfigMgr's control files. */
  wipe: boolean;
  kind: 'os' | 'data';
  contentLocation: string;
}

export interface ApplyDriversRequest {
  mode: 'auto' | 'package';
  packageId?: string;
  bestMatch: boolean;
  allowUnsigned: boolean;
  categories?: string[];
}

export interface RunCommandRequest {
  commandLine: string;
  workingDirectory?: string;
  /** Folder of the package the command runs from, when the step names one. */
  packageLocation?: string;
  timeoutSeconds?: number;
  disableWow64Redirection: boolean;
}

export interface UserStateRequest {
  operation: 'capture' | 'restore';
  storeLocation: 'stateMigrationPoint' | 'local';
  hardLinks: boolean;
  /** Local path or SMP URL from Request State Store. */
  storePath?: string;
  continueOnError: boolean;
}

export interface StateStoreRequest {
  operation: 'capture' | 'restore' | 'release';
  retryCount: number;
  retryDelaySeconds: number;
  fallbackToNetworkAccessAccount: boolean;
}

export interface SettingsRequest {
  kind: 'windows' | 'network' | 'join' | 'setupWindows';
  settings: Record<string, string>;
}

export interface CaptureImageRequest {
  destination: string;
  /** Image name in the WIM (OSDImageName, an osdlab variable: ConfigMgr's step has no name field). */
  name?: string;
  description?: string;
  version?: string;
  creator?: string;
}

/** What a restart resolved to: the environment that reported in, or the evidence of why none did. */
export type RestartOutcome =
  | { booted: true; environment: RunEnvironment; facts: MachineFacts }
  | { booted: false; reason: string; console?: string[] };

/** The task sequence's own clock: virtual on the twin, wall time on the QEMU lab. */
export interface MachineClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface TaskSequenceMachine {
  readonly name: string;
  readonly clock: MachineClock;
  facts(signal?: AbortSignal): Promise<MachineFacts>;
  fileInfo(path: string, signal?: AbortSignal): Promise<FileInfo>;
  /** Registry value as a string, or undefined when the key/value is absent. */
  registryValue(keyPath: string, value: string, signal?: AbortSignal): Promise<string | undefined>;
  partitionDisk(request: PartitionDiskRequest, signal?: AbortSignal): Promise<ActionOutcome>;
  convertDiskToDynamic(diskIndex: number, signal?: AbortSignal): Promise<ActionOutcome>;
  downloadContent(request: ContentRequest, signal?: AbortSignal): Promise<ContentOutcome>;
  applyImage(request: ApplyImageRequest, signal?: AbortSignal): Promise<ActionOutcome>;
  applyDrivers(request: ApplyDriversRequest, signal?: AbortSignal): Promise<ActionOutcome>;
  runCommand(request: RunCommandRequest, signal?: AbortSignal): Promise<ActionOutcome>;
  stateStore(request: StateStoreRequest, signal?: AbortSignal): Promise<ActionOutcome>;
  userState(request: UserStateRequest, signal?: AbortSignal): Promise<ActionOutcome>;
  writeSettings(request: SettingsRequest, signal?: AbortSignal): Promise<ActionOutcome>;
  captureImage(request: CaptureImageRequest, signal?: AbortSignal): Promise<ActionOutcome>;
  restart(target: RunEnvironment, signal?: AbortSignal): Promise<RestartOutcome>;
  /** A fault, never a cancel: the task sequence cannot be cancelled once started. */
  powerOff(): Promise<void>;
}
