// The scenario file format, defined once: zod validates and fills defaults; scenarioJsonSchema()
// derives the JSON Schema shipped for editors. Cross-field rules (references, duplicates, files)
// live in cross-checks.ts, matrix rules in matrix.ts.
import { z } from 'zod';
import type { Architecture, Firmware, PartitionStyle, StepStatus } from '../harness/index.js';
import { bandwidth, duration, partitionSize, percent, size } from './quantities.js';
import { checkMatrix } from './matrix-axes.js';

export const FIRMWARES = ['bios', 'uefi'] as const satisfies readonly Firmware[];
export const ARCHITECTURES = ['x86', 'x64'] as const satisfies readonly Architecture[];
export const PARTITION_STYLES = ['mbr', 'gpt'] as const satisfies readonly PartitionStyle[];
export const STEP_STATUSES = ['success', 'failed', 'skipped', 'disabled', 'notRun'] as const satisfies readonly StepStatus[];
export const DISK_TYPES = ['basic', 'dynamic'] as const;

const name = (what: string) => z.string().min(1).describe(what);
const ref = (what: string) => z.string().min(1).describe(`Name of ${what} defined in this file.`);
const packageId = z
  .string()
  .regex(/^[A-Z0-9]{3}[0-9A-F]{5}$/, { error: (iss) => `"${String(iss.input)}" is not a package ID; allowed: a 3-character site code and 5 hex digits, e.g. LAB00012` })
  .describe('ConfigMgr package ID: 3-character site code and 5 hex digits, e.g. LAB00012.');
const mac = z
  .string()
  .regex(/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/, { error: (iss) => `"${String(iss.input)}" is not a MAC address; allowed: six hex pairs separated by colons, e.g. 52:54:00:12:34:56` })
  .transform((s) => s.toUpperCase())
  .describe('MAC address, six hex pairs separated by colons, e.g. 52:54:00:12:34:56.');
const guid = z
  .string()
  .regex(/^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/, {
    error: (iss) => `"${String(iss.input)}" is not a GUID; allowed: 8-4-4-4-12 hex digits, e.g. 4C4C4544-0042-3510-8052-B4C04F384D32`,
  })
  .transform((s) => s.toUpperCase())
  .describe('SMBIOS GUID, 8-4-4-4-12 hex digits.');
const cidr = z
  .string()
  .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d|[12]\d|3[0-2])$/, { error: (iss) => `"${String(iss.input)}" is not an IPv4 subnet; allowed: address/prefix, e.g. 198.18.10.0/24` })
  .describe('IPv4 subnet as address/prefix. The lab uses 198.18.0.0/15.');

/** Task-sequence variable values: YAML scalars, kept as the strings the task-sequence environment holds. */
const variableValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const variables = (what: string) =>
  z
    .record(z.string().regex(/^[^\s=]{1,256}$/, { error: 'a task-sequence variable name has 1 to 256 characters, without spaces or "="' }), variableValue)
    .default({})
    .describe(`${what}: task-sequence variable name → value. Default: none.`);

// ── site ────────────────────────────────────────────────────────────────────

const boundary = z
  .strictObject({
    name: name('Boundary name (an IP subnet boundary of the site).'),
    subnet: cidr,
    type: z.enum(['fast', 'slow']).default('fast').describe('Fast (LAN) or slow (unreliable/WAN) boundary. Default: fast.'),
  })
  .describe('An IP subnet boundary: where machines and site systems sit.');

const link = z
  .strictObject({
    between: z.tuple([ref('a boundary'), ref('a boundary')]).describe('The two boundaries the link joins.'),
    bandwidth: bandwidth(),
    latency: duration().prefault('0ms').describe('One-way latency. Default: 0ms.'),
    loss: percent().prefault('0%').describe('Packet loss. Default: 0%.'),
  })
  .describe('A WAN link between two boundaries, shaped by tc in the lab and modelled in the twin.');

const pxe = z
  .strictObject({
    enabled: z.boolean().default(true).describe('"Enable PXE support for clients". Default: true.'),
    unknownComputerSupport: z.boolean().default(false).describe('"Enable unknown computer support". Default: false (only imported computers are answered).'),
    responseDelay: duration().prefault('0s').describe('PXE response delay. Default: 0s (respond immediately).'),
    password: z.string().optional().describe('"Require a password when computers use PXE". Default: none.'),
    tftpBlockSize: z.number().int().min(512).max(65464).default(4096).describe('RamDiskTFTPBlockSize in bytes. Default: 4096 (ConfigMgr).'),
    tftpWindowSize: z.number().int().min(1).max(64).default(1).describe('RamDiskTFTPWindowSize in blocks. Default: 1 (ConfigMgr).'),
  })
  .describe('PXE responder on this distribution point.');

const multicast = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Default: true.'),
    maxClients: z.number().int().min(1).default(100).describe('Maximum multicast clients, summed over sessions. Default: 100 (a model parameter; ConfigMgr documents none).'),
    transferRate: bandwidth().optional().describe('Rate of one multicast session. Default: the distribution point\'s bandwidth.'),
    scheduled: z
      .strictObject({
        minClients: z.number().int().min(1).describe('Start when this many clients have joined…'),
        timeout: duration().describe('…or when this long has passed since the first one joined.'),
      })
      .optional()
      .describe('"Enable scheduled multicast". Default: sessions start at once.'),
  })
  .describe('Multicast on this distribution point (OS images only).');

const distributionPoint = z
  .strictObject({
    name: name('Distribution point name, e.g. DP01.'),
    boundary: ref('the boundary the distribution point sits in').optional(),
    bandwidth: bandwidth().prefault('1Gbit').describe('Network interface speed of the distribution point. Default: 1Gbit.'),
    pxe: pxe.optional().describe('PXE responder settings. Default: no PXE.'),
    multicast: multicast.optional().describe('Multicast settings. Default: no multicast.'),
  })
  .describe('A distribution point.');

const managementPoint = z.strictObject({
  name: name('Management point name, e.g. MP01.'),
  boundary: ref('the boundary the management point sits in').optional(),
});

const stateMigrationPoint = z
  .strictObject({
    name: name('State migration point name, e.g. SMP01.'),
    boundary: ref('the boundary the state migration point sits in').optional(),
    folders: z
      .array(
        z.strictObject({
          path: z.string().min(1).describe('Storage folder, e.g. D:\\USMTStore.'),
          maxClients: z.number().int().min(1).default(100).describe('Maximum clients. Default: 100.'),
          minFreeSpace: size().prefault('5GB').describe('Minimum free space. Default: 5GB.'),
          capacity: size().prefault('500GB').describe('Space of the folder\'s drive. Default: 500GB.'),
        }),
      )
      .min(1)
      .prefault([{ path: 'D:\\USMTStore' }])
      .describe('Storage folders. Default: one folder D:\\USMTStore.'),
    retention: duration().prefault('1d').describe('How long released user state is kept ("Delete after"); 0s means immediately. Default: 1d.'),
    restoreOnly: z.boolean().default(false).describe('"Enable restore-only mode". Default: false.'),
  })
  .describe('A state migration point (USMT store).');

const site = z
  .strictObject({
    code: z.string().regex(/^[A-Z0-9]{3}$/, { error: 'a site code has three letters or digits, e.g. LAB' }).default('LAB').describe('Site code. Default: LAB.'),
    managementPoint: managementPoint.optional().describe('Default: none (stand-alone media only).'),
    distributionPoints: z.array(distributionPoint).default([]).describe('Default: none.'),
    stateMigrationPoints: z.array(stateMigrationPoint).default([]).describe('Default: none.'),
    boundaries: z.array(boundary).default([]).describe('Default: none.'),
    links: z.array(link).default([]).describe('Default: none.'),
  })
  .describe('Site systems and the network they sit on.');

// ── content ─────────────────────────────────────────────────────────────────

const contentFields = {
  id: packageId,
  name: name('Package name as the console shows it.'),
  size: size().optional().describe('Size of the content. Default: the size of source, which is then required.'),
  source: z.string().min(1).optional().describe('Path of the content (file or folder), relative to this file.'),
  distributionPoints: z.array(ref('a distribution point')).optional().describe('Where the content is distributed. Default: every distribution point.'),
};

const bootImage = z
  .strictObject({
    ...contentFields,
    arch: z.enum(ARCHITECTURES).describe('Boot image architecture.'),
    drivers: z
      .array(z.string().min(1))
      .optional()
      .describe(
        'Drivers added to the boot image: driver package IDs (all their drivers) or INF file names (e.g. netkvm.inf) of the driver packages\' sources; mass storage and network drivers only, as ConfigMgr advises. Inbox drivers are always there. Default: the drivers of every machine\'s NIC and disk controller.',
      ),
  })
  .describe('A boot image (Windows PE).');
const osImage = z
  .strictObject({
    ...contentFields,
    imageIndex: z.number().int().min(1).default(1).describe('Image index in the WIM. Default: 1.'),
    arch: z.enum(ARCHITECTURES).default('x64').describe('Default: x64.'),
    multicast: z.boolean().default(false).describe('"Allow this package to be transferred via multicast". Default: false.'),
    capturedBy: z
      .strictObject({
        machine: ref('the machine whose task sequence captures the image'),
        step: z.string().min(1).optional().describe('Name of its Capture Operating System Image step. Default: any.'),
      })
      .optional()
      .describe('The image is the WIM a machine of this run captures (build and capture); machines applying it start once it is captured. Default: none.'),
  })
  .describe('An operating system image (WIM).');
const driverPackage = z
  .strictObject({
    ...contentFields,
    source: z
      .string()
      .min(1)
      .optional()
      .describe('Folder of the package\'s drivers, relative to this file: INF files with their files, found in subfolders too (as Import Driver finds them); what the distribution points serve. Default: none (the drivers are known only by hardwareIds).'),
    hardwareIds: z.array(z.string().min(1)).default([]).describe('PnP hardware IDs the package has drivers for, e.g. PCI\\VEN_8086&DEV_10D3, when it has no source. Default: none.'),
  })
  .describe('A driver package.');
const softwarePackage = z
  .strictObject({
    ...contentFields,
    kind: z.enum(['client', 'usmt', 'software']).default('software').describe('Configuration Manager client package, USMT package, or other software. Default: software.'),
  })
  .describe('A package: the ConfigMgr client, USMT, or software.');

const content = z
  .strictObject({
    bootImages: z.array(bootImage).default([]),
    osImages: z.array(osImage).default([]),
    driverPackages: z.array(driverPackage).default([]),
    packages: z.array(softwarePackage).default([]),
  })
  .describe('Content the site holds. Package IDs are unique across all kinds.');

// ── collections, computer records, deployments, media ──────────────────────

const collection = z
  .strictObject({
    name: name('Collection name.'),
    members: z.array(ref('a computer record')).default([]).describe('Computer records in the collection. Default: none.'),
    unknownComputers: z.boolean().default(false).describe('Whether unknown computers (no record) are members, as in "All Unknown Computers". Default: false.'),
    variables: variables('Collection variables'),
  })
  .describe('A device collection.');

const computer = z
  .strictObject({
    name: name('Computer name as imported.'),
    mac: mac.optional(),
    smbiosGuid: guid.optional(),
    variables: variables('Per-computer variables'),
  })
  .describe('A computer record (Import Computer Information): name with a MAC address and/or SMBIOS GUID.');

const taskSequenceRef = z
  .union([z.string().min(1), z.record(z.string(), z.unknown())])
  .describe('A path (relative to this file) to a ConfigMgr export .zip, object.xml, <sequence> XML, MDT ts.xml or .yaml; or the task sequence inline (docs/task-sequence-yaml.md).');

const deployment = z
  .strictObject({
    name: name('Deployment name.'),
    taskSequence: taskSequenceRef,
    collection: ref('a collection'),
    purpose: z.enum(['required', 'available']).default('available').describe('Required (mandatory) or available (optional). Default: available.'),
    availableTo: z
      .enum(['clients', 'clientsMediaAndPxe', 'mediaAndPxe', 'mediaAndPxeHidden'])
      .default('clients')
      .describe('"Make available to the following": only ConfigMgr clients; clients, media and PXE; only media and PXE; only media and PXE (hidden). Default: clients.'),
    bootImage: packageId.optional().describe('The task sequence\'s boot image. Default: none (needed for PXE and media).'),
    contentDownload: z
      .enum(['downloadOnDemand', 'downloadAll', 'accessFromDp'])
      .default('downloadOnDemand')
      .describe('Download content locally when needed; download all content before starting; access content directly from a distribution point. Default: downloadOnDemand.'),
    fallbackToRemoteDp: z.boolean().default(false).describe('"When no local distribution point is available, use a remote distribution point". Default: false.'),
  })
  .describe('A task-sequence deployment to a collection.');

const media = z
  .strictObject({
    name: name('Media name, referenced by machines.'),
    type: z.enum(['boot', 'standalone', 'prestaged']).describe('Bootable media, stand-alone media or prestaged media.'),
    deployment: ref('a deployment').optional().describe('The deployment whose task sequence and content stand-alone or prestaged media carry.'),
    bootImage: packageId.optional().describe('Boot image on the media. Default: the deployment\'s boot image.'),
    format: z.enum(['iso', 'usb']).default('iso').describe('Default: iso.'),
    password: z.string().optional().describe('Media password. Default: none.'),
    variables: variables('Media variables'),
  })
  .describe('Task-sequence media.');

// ── machines ────────────────────────────────────────────────────────────────

const partitionLayout = z.strictObject({
  type: z.enum(['primary', 'extended', 'logical', 'efi', 'msr', 'recovery']),
  size: partitionSize(),
  fileSystem: z.enum(['ntfs', 'fat32']).optional().describe('Default: unformatted.'),
  label: z.string().optional(),
  active: z.boolean().default(false).describe('MBR active (bootable) flag. Default: false.'),
});

const disk = z
  .strictObject({
    size: size(),
    model: z.string().min(1).default('QEMU HARDDISK').describe('Default: QEMU HARDDISK.'),
    type: z.enum(DISK_TYPES).default('basic').describe('Basic or dynamic disk, as the machine starts. Default: basic.'),
    layout: z
      .strictObject({ style: z.enum(PARTITION_STYLES), partitions: z.array(partitionLayout).default([]) })
      .optional()
      .describe('Partitions the disk holds when the machine starts. Default: a blank (raw) disk.'),
  })
  .describe('A disk, in controller order (disk 0 first).');

const installedOs = z
  .strictObject({
    caption: z.string().min(1).describe('e.g. Microsoft Windows 10 Enterprise.'),
    version: z.string().regex(/^\d+\.\d+(\.\d+){0,2}$/, { error: 'allowed: a version such as 10.0.19045' }),
    partition: z.number().int().min(1).default(1).describe('1-based partition number on disk 0 holding the OS. Default: 1.'),
    configMgrClient: z.boolean().default(true).describe('Whether the ConfigMgr client is installed. Default: true.'),
    image: z
      .strictObject({ id: packageId.describe('PackageID of an OS image in content.osImages.'), index: z.number().int().min(1).default(1).describe('Image index. Default: 1.') })
      .optional()
      .describe('The OS image the installed OS was deployed from (the QEMU lab builds the disk from it). Default: the first OS image, index 1.'),
    clientCache: z.array(packageId).default([]).describe('PackageIDs already in the client cache (C:\\Windows\\ccmcache). Default: none.'),
    userState: z
      .strictObject({
        users: z.number().int().min(0).default(1).describe('User profiles on the machine. Default: 1.'),
        size: size().prefault('500MB').describe('User state USMT would capture. Default: 500MB.'),
      })
      .optional()
      .describe('User data on the machine. Default: none.'),
  })
  .describe('The operating system the machine already runs (refresh scenarios). Default: none (bare metal).');

const expectedPartition = z.strictObject({
  type: z.enum(['primary', 'extended', 'logical', 'efi', 'msr', 'recovery']).optional(),
  size: partitionSize().optional(),
  fileSystem: z.enum(['ntfs', 'fat32']).optional(),
  label: z.string().optional(),
  active: z.boolean().optional(),
});

const expectationFields = {
  outcome: z.enum(['success', 'failed']).optional().describe('How the task sequence ends.'),
  failedStep: z.string().min(1).optional().describe('Name of the step the task sequence fails at.'),
  steps: z.record(z.string(), z.enum(STEP_STATUSES)).optional().describe('Step name → status.'),
  variables: z.record(z.string(), variableValue).optional().describe('Task-sequence variables and their values at the end.'),
  disks: z
    .array(
      z.strictObject({
        index: z.number().int().min(0).default(0).describe('Default: 0.'),
        style: z.enum([...PARTITION_STYLES, 'raw']).optional(),
        type: z.enum(DISK_TYPES).optional(),
        partitions: z.array(expectedPartition).optional().describe('The partitions in order; each lists only what is checked.'),
      }),
    )
    .optional()
    .describe('Disk layout at the end.'),
  files: z.array(z.string().min(1)).optional().describe('Files present at the end, e.g. C:\\Windows\\System32\\ntoskrnl.exe.'),
  absentFiles: z.array(z.string().min(1)).optional().describe('Files absent at the end.'),
  userStateRestored: z.boolean().optional(),
  bootsToFullOs: z.boolean().optional().describe('Whether the machine boots from its disk into the full OS at the end.'),
  capturedImage: z
    .strictObject({
      imageCount: z.number().int().min(1).optional(),
      name: z.string().optional().describe('Name of image 1.'),
      description: z.string().optional().describe('Description of image 1 (OSDImageDescription).'),
      version: z.string().optional().describe('Version of image 1 (OSDImageVersion).'),
      files: z.array(z.string().min(1)).optional().describe('Files image 1 holds, by their path in the image, e.g. \\Windows\\System32\\ntoskrnl.exe.'),
    })
    .optional()
    .describe('The WIM the machine\'s last Capture Operating System Image step wrote to the capture share.'),
  duration: z
    .strictObject({ min: duration().optional(), max: duration().optional() })
    .optional()
    .describe('Bounds on the run time on the machine\'s clock.'),
};
const expectation = z.strictObject(expectationFields).describe('What the run must show. Only the fields given are checked.');
const expectationRule = z
  .strictObject({
    when: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional().describe('Matrix axis → value; the rule applies to the combinations that match. Default: all.'),
    ...expectationFields,
  })
  .describe('An expectation for the matrix combinations that match "when". Later rules override earlier ones field by field.');

/** The fields of a machine; client groups use them as their template. */
export const machineFields = z.strictObject({
  firmware: z.enum(FIRMWARES).default('uefi').describe('Default: uefi.'),
  arch: z.enum(ARCHITECTURES).default('x64').describe('Processor architecture. Default: x64.'),
  memory: size().prefault('4GB').describe('RAM. Default: 4GB.'),
  cpus: z.number().int().min(1).max(64).default(2).describe('Default: 2.'),
  processorSpeed: z.number().int().min(100).default(2400).describe('Processor speed in MHz. Default: 2400.'),
  disks: z.array(disk).prefault([{ size: '64GB' }]).describe('Default: one blank 64GB basic disk.'),
  diskController: z.enum(['ide', 'sata', 'nvme', 'virtio-blk', 'virtio-scsi', 'megasas']).default('sata').describe('Disk controller model. Default: sata.'),
  nic: z
    .strictObject({
      model: z.enum(['e1000', 'e1000e', 'rtl8139', 'virtio', 'vmxnet3']).default('e1000e').describe('Default: e1000e.'),
      mac: mac.optional().describe('Default: derived from the machine name (52:54:00:…); in a matrix, the template MAC plus the combination number.'),
    })
    .prefault({})
    .describe('Network adapter.'),
  smbios: z
    .strictObject({
      manufacturer: z.string().default('QEMU').describe('Default: QEMU.'),
      product: z.string().default('Standard PC').describe('Default: Standard PC.'),
      serial: z.string().optional().describe('Default: the machine name.'),
      uuid: guid.optional().describe('Default: derived from the machine name.'),
      biosVersion: z.string().optional(),
      assetTag: z.string().optional(),
    })
    .prefault({})
    .describe('SMBIOS system information.'),
  clientCacheSize: size().prefault('5GB').describe('ConfigMgr client cache size. Default: 5GB (5,120 MB, the ConfigMgr default).'),
  bootOrder: z
    .array(z.enum(['media', 'disk', 'pxe']))
    .min(1)
    .default(['media', 'disk', 'pxe'])
    .describe('Firmware boot order; "media" is skipped when none is attached. Default: media, disk, pxe.'),
  media: ref('task-sequence media attached to the machine').optional().describe('Attached media. Default: none.'),
  boundary: ref('the boundary the machine is on').optional().describe('Default: none (no network).'),
  installedOs: installedOs.optional(),
  partitionStyle: z
    .enum(PARTITION_STYLES)
    .optional()
    .describe('Partition style the deployment is to give disk 0; published as the per-computer variable OSDPartitionStyle (GPT/MBR). Default: not set.'),
  diskType: z
    .enum(DISK_TYPES)
    .optional()
    .describe('Disk type the deployment is to give disk 0; published as the per-computer variable OSDDiskType (BASIC/DYNAMIC). Default: not set.'),
  variables: variables('Variables the machine brings to its task sequence (applied like per-computer variables)'),
});

const machine = machineFields
  .extend({
    name: name('Machine name; unique after matrix expansion.'),
    matrix: z
      .record(z.string(), z.array(z.unknown()).min(1))
      .optional()
      .describe('Machine field → values. The machine expands into one machine per combination, named e.g. PC01[uefi,x64,gpt,basic]. Fields nest with dots and [n], e.g. nic.model, disks[0].size.'),
    expect: z.union([expectation, z.array(expectationRule)]).optional().describe('One expectation, or a list of rules per matrix combination.'),
  })
  .superRefine(checkMatrix(machineFields), { when: () => true })
  .describe('A machine under test (with a matrix: a template for several).');

// ── capacity and timeline ───────────────────────────────────────────────────

const clientGroup = z
  .strictObject({
    name: name('Group name; its machines are named NAME-0001, NAME-0002, …'),
    count: z.number().int().min(1).max(1_000_000),
    template: machineFields.prefault({}).describe('Machine fields every client shares.'),
    boundary: ref('the boundary the clients are on'),
    collection: ref('the collection the clients are members of').optional().describe('Default: none (unknown computers).'),
    arrival: z
      .strictObject({
        pattern: z.enum(['allAtOnce', 'staggered', 'schedule']).describe('allAtOnce: all start at 0; staggered: one every "interval" (or evenly over "over"); schedule: per the "schedule" list.'),
        interval: duration().optional(),
        over: duration().optional(),
        schedule: z.array(z.strictObject({ at: duration(), count: z.number().int().min(1) })).optional(),
      })
      .prefault({ pattern: 'allAtOnce' })
      .describe('When the clients start. Default: all at once.'),
    expect: z
      .strictObject({
        outcome: z.enum(['success', 'failed']).optional().describe('Outcome of every client.'),
        makespan: z.strictObject({ min: duration().optional(), max: duration().optional() }).optional().describe('Bounds on the time until the last client finishes.'),
      })
      .optional(),
  })
  .describe('Many identical clients, for capacity planning (the twin runs them).');

const event = z
  .strictObject({
    at: duration().describe('Time from the start of the scenario.'),
    distributeContent: packageId.optional().describe('Distribute this package…'),
    to: ref('a distribution point').optional().describe('…to this distribution point.'),
    removeContent: packageId.optional().describe('Remove this package…'),
    from: ref('a distribution point').optional().describe('…from this distribution point.'),
    clearLastPxeDeployment: ref('a machine').optional().describe('"Clear Required PXE Deployments" for this machine.'),
    powerOn: ref('a machine').optional(),
    powerOff: ref('a machine').optional().describe('Pull the plug (a fault).'),
  })
  .describe('Something that happens during the run: exactly one action.');

export const EVENT_ACTIONS = ['distributeContent', 'removeContent', 'clearLastPxeDeployment', 'powerOn', 'powerOff'] as const;

export const scenarioSchema = z
  .strictObject({
    $schema: z.string().optional().describe('JSON Schema for editors; ignored by osdlab.'),
    name: z.string().min(1).optional().describe('Default: the file name without .yaml.'),
    description: z.string().optional(),
    site: site.prefault({}),
    content: content.prefault({}),
    collections: z.array(collection).default([]),
    computers: z.array(computer).default([]),
    deployments: z.array(deployment).default([]),
    media: z.array(media).default([]),
    machines: z.array(machine).default([]),
    clients: z.array(clientGroup).default([]),
    events: z.array(event).default([]),
  })
  .describe('An osdlab scenario: site, content, deployments, machines and what each run must show.');

export type ScenarioDocument = z.output<typeof scenarioSchema>;
export type MachineDocument = z.output<typeof machine>;
export type MachineFields = z.output<typeof machineFields>;
export type Expectation = z.output<typeof expectation>;
export type ExpectationRule = z.output<typeof expectationRule>;
