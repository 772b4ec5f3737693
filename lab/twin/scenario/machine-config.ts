// A scenario machine as a twin machine: hardware, disks with their starting layout and installed
// Windows, attached media, boot order, client cache and the deployment's content options.
// Hardware the twin has no model of is refused, naming the field, rather than quietly replaced.
import { EnvironmentError, InputError, type Machine, type Scenario } from '../../../scenarios/index.js';
import type { MachinePlan, PartitionDiskRequest, PartitionSpec, PciDevice } from '../../../harness/index.js';
import type { NicModel, StorageControllerModel } from '../devices.js';
import { Disk } from '../disk/disk.js';
import { bootLoaderFiles, WINDOWS_MARKER } from '../disk/boot.js';
import { GIB, MIB } from '../disk/partition-types.js';
import type { TwinDiskConfig, TwinMachineConfig } from '../machine-config.js';
import type { TwinMediaConfig } from '../site/media.js';
import { contentIds, NO_NETWORK } from './world-config.js';

type ScenarioNic = Machine['nic']['model'];
type ScenarioController = Machine['diskController'];

/**
 * NIC models: the twin's own where it has one; e1000e (QEMU's 82574L) rides on the e1000 model with
 * its real PCI IDs in the machine's facts, so driver matching sees 8086:10D3.
 */
const NICS: Partial<Record<ScenarioNic, { model: NicModel; pci?: Omit<PciDevice, 'driverLoaded'> }>> = {
  e1000: { model: 'e1000' },
  virtio: { model: 'virtio-net' },
  e1000e: { model: 'e1000', pci: { vendorId: '8086', deviceId: '10D3', subsystemVendorId: '8086', subsystemId: '0000', revision: '00', classCode: '020000' } },
};
const CONTROLLERS: Partial<Record<ScenarioController, StorageControllerModel>> = { sata: 'ahci', nvme: 'nvme', 'virtio-blk': 'virtio-blk' };

/** What the twin's config cannot carry and the scenario machine adds (see ScenarioTwinMachine). */
export interface MachineExtras {
  nicModel: ScenarioNic;
  nicPci?: Omit<PciDevice, 'driverLoaded'>;
  processorSpeedMHz: number;
  biosVersion?: string;
  assetTag?: string;
}

/** Bytes of the installed Windows beyond its marker files (a refresh's OS volume is not empty). */
const INSTALLED_WINDOWS_BYTES = 10 * GIB;

export function twinMachineConfig(scenario: Scenario, plan: MachinePlan): { config: TwinMachineConfig; extras: MachineExtras } {
  const m = plan.machine;
  // A client's fields sit under its group's template.
  const base = plan.group ? [...m.sourcePath, 'template'] : [...m.sourcePath];
  const at = (...path: (string | number)[]) => [...base, ...path];
  const nic = NICS[m.nic.model];
  if (!nic) throw unsupported(scenario, at('nic', 'model'), `NIC model "${m.nic.model}"`, Object.keys(NICS));
  const controller = CONTROLLERS[m.diskController];
  if (!controller) throw unsupported(scenario, at('diskController'), `disk controller "${m.diskController}"`, Object.keys(CONTROLLERS));
  const d = plan.deployment;
  const config: TwinMachineConfig = {
    name: m.name,
    site: m.boundary ?? NO_NETWORK,
    firmware: m.firmware,
    architecture: m.arch,
    memoryMB: Math.round(m.memory / MIB),
    cpus: m.cpus,
    nic: { model: nic.model, mac: m.nic.mac },
    disks: m.disks.map((_, i) => diskConfig(scenario, m, i, controller, at('disks', i, 'layout'))),
    bootOrder: m.bootOrder.filter((b) => b !== 'media' || plan.media).map((b) => (b === 'pxe' ? 'network' : b)),
    ...(plan.media ? { media: mediaConfig(scenario, plan) } : {}),
    // Someone at the machine presses F12 when its deployment is only available by PXE; nobody types passwords.
    pressesF12: plan.launch === 'pxe',
    cacheSizeBytes: m.clientCacheSize,
    deployment: {
      mandatory: d.purpose === 'required',
      download: d.contentDownload,
      allowRemoteDp: d.fallbackToRemoteDp,
      allowUnprotectedDp: false,
      // Multicast serves OS images marked for it, and only to "download content locally when needed".
      multicast: d.contentDownload === 'downloadOnDemand' && scenario.content.osImages.some((o) => o.multicast),
      ...(d.bootImage !== undefined ? { bootImage: d.bootImage } : {}),
    },
    userStateBytes: m.installedOs?.userState?.size ?? 0,
    smbios: { manufacturer: m.smbios.manufacturer, product: m.smbios.product, serial: m.smbios.serial, uuid: m.smbios.uuid },
  };
  const extras: MachineExtras = {
    nicModel: m.nic.model,
    ...(nic.pci ? { nicPci: nic.pci } : {}),
    processorSpeedMHz: m.processorSpeed,
    ...(m.smbios.biosVersion !== undefined ? { biosVersion: m.smbios.biosVersion } : {}),
    ...(m.smbios.assetTag !== undefined ? { assetTag: m.smbios.assetTag } : {}),
  };
  return { config, extras };
}

function unsupported(scenario: Scenario, path: (string | number)[], what: string, supported: string[]): EnvironmentError {
  const pos = scenario.locator(path);
  const where = `${scenario.file}${pos ? `:${pos.line}:${pos.column}` : ''}`;
  return new EnvironmentError(`${where} ${fieldPath(path)}: the twin has no model of ${what}; it models ${supported.join(', ')}`, 'choose a modelled one for twin runs, or run the scenario with --backend qemu');
}

/** "machines[0].nic.model", as the loader writes field paths. */
function fieldPath(path: (string | number)[]): string {
  return path.map((seg) => (typeof seg === 'number' ? `[${seg}]` : `.${seg}`)).join('').replace(/^\./, '');
}

function diskConfig(scenario: Scenario, m: Machine, index: number, controller: StorageControllerModel, layoutPath: (string | number)[]): TwinDiskConfig {
  const disk = m.disks[index]!;
  const config: TwinDiskConfig = { sizeBytes: disk.size, controller, model: disk.model };
  if (!disk.layout) return config;
  const layout: PartitionDiskRequest = {
    diskIndex: index,
    style: disk.layout.style,
    diskType: disk.type,
    partitions: disk.layout.partitions.map(
      (p): PartitionSpec => ({
        type: p.type,
        size: 'bytes' in p.size ? { value: p.size.bytes / MIB, unit: 'MB' } : p.size.percent >= 1 ? 'remaining' : { value: p.size.percent * 100, unit: 'PERCENT' },
        ...(p.fileSystem ? { fileSystem: p.fileSystem } : {}),
        quickFormat: true,
        ...(p.label !== undefined ? { label: p.label } : {}),
        bootable: p.active,
      }),
    ),
  };
  // The twin builds the layout when the machine is created; check it here so a layout osddiskpart
  // would refuse is reported against the scenario.
  const check = new Disk(index, disk.size, controller, disk.model).partition(layout);
  if (!check.ok) {
    const pos = scenario.locator(layoutPath);
    throw new InputError({ file: scenario.file, line: pos?.line, column: pos?.column, path: fieldPath(layoutPath), message: `${m.name}: ${check.message}` });
  }
  const files = index === 0 && m.installedOs ? installedFiles(m, disk.layout) : undefined;
  config.initial = {
    layout,
    ...(files ? { files } : {}),
    ...(index === 0 && m.installedOs && m.firmware === 'bios' && disk.layout.style === 'gpt' ? { biosBootCode: true } : {}),
  };
  return config;
}

/** An installed Windows: its files on the OS partition and the boot files where the firmware looks for them. */
function installedFiles(m: Machine, layout: NonNullable<Machine['disks'][number]['layout']>): Record<number, Record<string, number>> {
  const os = m.installedOs!;
  const files: Record<number, Record<string, number>> = { [os.partition]: { [WINDOWS_MARKER]: 8 * MIB, '\\windows\\image.data': Math.min(INSTALLED_WINDOWS_BYTES, m.disks[0]!.size / 4) } };
  const system =
    m.firmware === 'uefi'
      ? layout.partitions.findIndex((p) => p.type === 'efi' && p.fileSystem === 'fat32')
      : layout.style === 'mbr'
        ? layout.partitions.findIndex((p) => p.active && p.fileSystem !== undefined)
        : -1;
  if (system >= 0) {
    const n = system + 1;
    files[n] = { ...files[n], ...Object.fromEntries(bootLoaderFiles(m.firmware, m.arch).map((f) => [f, 512 * 1024])) };
  }
  return files;
}

function mediaConfig(scenario: Scenario, plan: MachinePlan): TwinMediaConfig {
  const media = plan.media!;
  const bootImage = media.bootImage ?? plan.deployment.bootImage!;
  const arch = scenario.content.bootImages.find((b) => b.id === bootImage)?.arch ?? plan.machine.arch;
  return {
    kind: media.type,
    architecture: arch,
    bootImage,
    ...(media.password !== undefined ? { password: media.password } : {}),
    // Stand-alone and prestaged media carry the deployment's content: here, all of the scenario's.
    ...(media.type !== 'boot' ? { packages: contentIds(scenario) } : {}),
  };
}
