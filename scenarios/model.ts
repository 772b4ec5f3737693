// The loaded scenario: what loadScenario() returns. Quantities are numbers (bytes, bits per
// second, milliseconds, fractions 0…1), defaults are filled in, matrices are expanded,
// references are checked and paths are absolute.
import type { Locator } from './errors.js';
import type { MachineFields, ScenarioDocument, Expectation } from './schema.js';
import type { FieldPath } from './yaml-source.js';

type Document = ScenarioDocument;

export type Site = Document['site'];
export type Boundary = Site['boundaries'][number];
export type Link = Site['links'][number];
export type DistributionPoint = Site['distributionPoints'][number];
export type ManagementPoint = NonNullable<Site['managementPoint']>;
export type StateMigrationPoint = Site['stateMigrationPoints'][number];
export type PxeSettings = NonNullable<DistributionPoint['pxe']>;
export type MulticastSettings = NonNullable<DistributionPoint['multicast']>;

/** Content with its size known (from the file or from `source`) and `source` made absolute. */
type Resolved<T extends { size?: number; source?: string; distributionPoints?: string[] }> = Omit<T, 'size' | 'source' | 'distributionPoints'> & {
  /** Bytes. */
  size: number;
  /** Absolute path, when the scenario names one. */
  source?: string;
  /** Distribution points holding the content at the start (default: all of them). */
  distributionPoints: string[];
};
export type BootImage = Resolved<Document['content']['bootImages'][number]>;
export type OsImage = Resolved<Document['content']['osImages'][number]>;
export type DriverPackage = Resolved<Document['content']['driverPackages'][number]>;
export type SoftwarePackage = Resolved<Document['content']['packages'][number]>;
export interface Content {
  bootImages: BootImage[];
  osImages: OsImage[];
  driverPackages: DriverPackage[];
  packages: SoftwarePackage[];
}

export type Collection = Document['collections'][number];
export type ComputerRecord = Document['computers'][number];
export type Media = Document['media'][number];
export type { Expectation };

/** A deployment's task sequence: a file for the importers, or inline YAML content. */
export type TaskSequenceRef =
  | { kind: 'file'; /** Absolute path. */ file: string; /** As written in the scenario. */ written: string; sourcePath: FieldPath }
  | { kind: 'inline'; content: Record<string, unknown>; /** Where it sits in the scenario, for the scenario's Locator. */ sourcePath: FieldPath };

export type Deployment = Omit<Document['deployments'][number], 'taskSequence'> & { taskSequence: TaskSequenceRef };

export type Disk = MachineFields['disks'][number];

export interface Machine extends Omit<MachineFields, 'nic' | 'smbios'> {
  name: string;
  /** Name of the machine entry it came from: the matrix template, or the machine itself. */
  template: string;
  /** Matrix axis → value as written, e.g. {firmware: "uefi", partitionStyle: "gpt"}. */
  axes?: Record<string, string>;
  nic: { model: MachineFields['nic']['model']; mac: string };
  smbios: Omit<MachineFields['smbios'], 'serial' | 'uuid'> & { serial: string; uuid: string };
  expect?: Expectation;
  /** Where the machine entry sits in the scenario, for the scenario's Locator. */
  sourcePath: FieldPath;
}

type ClientGroupDocument = Document['clients'][number];
export type ClientArrival = ClientGroupDocument['arrival'];
export interface ClientGroup extends Omit<ClientGroupDocument, 'template'> {
  template: MachineFields;
  sourcePath: FieldPath;
}

/** What happens at `at` milliseconds after the start. */
export type ScenarioEvent = { at: number; sourcePath: FieldPath } & (
  | { action: 'distributeContent'; packageId: string; distributionPoint: string }
  | { action: 'removeContent'; packageId: string; distributionPoint: string }
  | { action: 'clearLastPxeDeployment'; machine: string }
  | { action: 'powerOn'; machine: string }
  | { action: 'powerOff'; machine: string }
);

export interface Scenario {
  /** Absolute path of the scenario file. */
  file: string;
  name: string;
  description?: string;
  site: Site;
  content: Content;
  collections: Collection[];
  computers: ComputerRecord[];
  deployments: Deployment[];
  media: Media[];
  /** Machines after matrix expansion, in file order. */
  machines: Machine[];
  clients: ClientGroup[];
  events: ScenarioEvent[];
  /** Maps a field path of the file (e.g. ["deployments", 0, "taskSequence", "steps", 2]) to line and column. */
  locator: Locator;
}
