// A scenario machine as the QEMU lab builds it: NIC and disk controller models, memory, SMBIOS and
// the firmware's boot order as boot indexes. Models QEMU has no counterpart for in the lab raise.
import { EnvironmentError, type Machine } from '../../../scenarios/index.js';
import type { DiskController, NicBackend, NicModel, QemuMachineSpec } from '../machine-command.js';

const NIC_MODELS: Record<Machine['nic']['model'], NicModel> = { e1000: 'e1000', e1000e: 'e1000e', rtl8139: 'rtl8139', virtio: 'virtio-net', vmxnet3: 'vmxnet3' };
const DISK_CONTROLLERS: Partial<Record<Machine['diskController'], DiskController>> = { sata: 'ahci', nvme: 'nvme', 'virtio-blk': 'virtio-blk' };

/** The boot image's driver names (images/boot-image/drivers.ts) for a machine's NIC and disk controller. */
export function machineDrivers(machine: Machine): string[] {
  return [nicModel(machine), diskController(machine)];
}

export function nicModel(machine: Machine): NicModel {
  return NIC_MODELS[machine.nic.model];
}

export function diskController(machine: Machine): DiskController {
  const controller = DISK_CONTROLLERS[machine.diskController];
  if (!controller) {
    throw new EnvironmentError(
      `machine ${machine.name}: the QEMU lab has no ${machine.diskController} disk controller yet (it builds ${Object.keys(DISK_CONTROLLERS).join(', ')})`,
      'use diskController: sata, nvme or virtio-blk, or run on the twin',
    );
  }
  return controller;
}

export interface MachineSpecInputs {
  machine: Machine;
  diskPaths: string[];
  /** The media image and how it is attached; absent when the machine has none. */
  media?: { kind: 'cd' | 'usb'; path: string };
  nicBackend: NicBackend;
}

/** Boot indexes follow the scenario's boot order; "pxe" makes the NIC a boot device. */
export function machineSpec({ machine, diskPaths, media, nicBackend }: MachineSpecInputs): QemuMachineSpec {
  const position = (device: 'media' | 'disk' | 'pxe'): number | undefined => {
    const i = machine.bootOrder.indexOf(device);
    return i < 0 ? undefined : i;
  };
  const controller = diskController(machine);
  const diskBoot = position('disk');
  const mediaBoot = position('media');
  const pxeBoot = position('pxe');
  return {
    name: machine.name,
    firmware: machine.firmware,
    architecture: machine.arch,
    memoryMB: Math.round(machine.memory / 2 ** 20),
    cpus: machine.cpus,
    smbios: { manufacturer: machine.smbios.manufacturer, product: machine.smbios.product, serial: machine.smbios.serial, uuid: machine.smbios.uuid },
    nics: [{ model: nicModel(machine), mac: machine.nic.mac, backend: nicBackend, ...(pxeBoot !== undefined ? { bootIndex: pxeBoot } : {}) }],
    // Only the first disk is a boot device, as the firmware's "hard disk" entry is.
    disks: diskPaths.map((path, i) => ({ controller, path, format: 'qcow2' as const, ...(i === 0 && diskBoot !== undefined ? { bootIndex: diskBoot } : {}) })),
    media: media ? [{ kind: media.kind, path: media.path, ...(mediaBoot !== undefined ? { bootIndex: mediaBoot } : {}) }] : [],
  };
}
