// The one module that owns the QEMU command line (STYLE.md: kola's QemuBuilder). Everything else
// describes a machine as a QemuMachineSpec and asks this module for the argument list; nobody
// else assembles QEMU arguments. The rules below are the ones verified on this machine kind
// (docs/qemu-lab.md): firmware files, ROM choice per NIC and firmware, AHCI ports on q35.
import { InputError } from '../../scenarios/index.js';
import type { Architecture, Firmware } from '../../harness/index.js';
import { firmwareImages } from './firmware.js';

export type Accelerator = 'kvm' | 'tcg';
/** `virtio-net-modern`: virtio-net without the legacy interface (PCI 1AF4:1041), as driver tests need it. */
export type NicModel = 'e1000' | 'e1000e' | 'virtio-net' | 'virtio-net-modern' | 'rtl8139' | 'vmxnet3';
export type DiskController = 'ahci' | 'virtio-blk' | 'nvme';

/** The virtio-serial port name the in-guest agent opens (docs/agent-protocol.md). */
export const AGENT_PORT_NAME = 'org.osdlab.agent';

/** Where a NIC's frames go: a tap inside the run's namespace, or nowhere (the device exists, no link). */
export type NicBackend = { kind: 'tap'; ifname: string } | { kind: 'none' };

export interface NicSpec {
  model: NicModel;
  /** 52:54:00:xx:xx:xx style, lower or upper case. */
  mac: string;
  backend: NicBackend;
  /** Position in the firmware's boot order; absent = not a boot device. */
  bootIndex?: number;
}

export interface DiskSpec {
  controller: DiskController;
  path: string;
  format: 'qcow2' | 'raw';
  bootIndex?: number;
}

export type MediaSpec =
  | { kind: 'cd'; path: string; bootIndex?: number }
  /** A raw image attached as a USB mass-storage stick on an xHCI controller. */
  | { kind: 'usb'; path: string; bootIndex?: number };

export interface SmbiosSpec {
  manufacturer: string;
  product: string;
  serial: string;
  uuid: string;
}

export interface DirectKernelBoot {
  kernel: string;
  initrd?: string;
  append?: string;
}

export interface QemuMachineSpec {
  name: string;
  firmware: Firmware;
  architecture: Architecture;
  memoryMB: number;
  cpus: number;
  smbios?: SmbiosSpec;
  nics: NicSpec[];
  disks: DiskSpec[];
  media: MediaSpec[];
  /** Tests and the boot-overhead bench boot the boot image directly, without PXE or media. */
  directKernel?: DirectKernelBoot;
}

/** Files and sockets of one running machine; chosen by the launcher (unix socket paths must stay under 108 bytes). */
export interface MachinePaths {
  consoleLog: string;
  consoleSocket: string;
  qmpSocket: string;
  agentSocket: string;
  /** The per-machine copy of the UEFI variable store; unused for BIOS machines. */
  firmwareVars: string;
  pidFile: string;
}

export interface QemuCommand {
  binary: 'qemu-system-x86_64' | 'qemu-system-i386';
  args: string[];
  /** A UEFI machine's variable store must be copied from this template to paths.firmwareVars before start. */
  firmwareVarsTemplate?: string;
}

const NIC_DEVICE: Record<NicModel, { device: string }> = {
  e1000: { device: 'e1000' },
  e1000e: { device: 'e1000e' },
  'virtio-net': { device: 'virtio-net-pci' },
  'virtio-net-modern': { device: 'virtio-net-pci,disable-legacy=on' },
  rtl8139: { device: 'rtl8139' },
  vmxnet3: { device: 'vmxnet3' },
};

/** q35's built-in ich9-ahci controller has six ports, ide.0 … ide.5; disks and CDs share them. */
const AHCI_PORTS = 6;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Which option ROM a NIC gets: '' for none, undefined for QEMU's own default (the model's combined
 * iPXE ROM, efi-<model>.rom, carrying both the BIOS PXE image and the EFI driver). Not a boot device:
 * none (faster, and nothing for the firmware to try). UEFI + virtio-net: none, so OVMF's own
 * virtio-net driver and PXE stack run (≈10–16 s to PXE instead of ≈34 s through iPXE). Otherwise
 * QEMU's default, never the same file by path: QEMU patches only its default ROM to the device's PCI
 * IDs, and SeaBIOS does not run the unpatched virtio ROM (verified: `romfile=…/efi-virtio.rom` never
 * starts iPXE, the default does).
 */
export function nicRomFile(nic: NicSpec, firmware: Firmware): string | undefined {
  if (nic.bootIndex === undefined) return '';
  if (firmware === 'uefi' && nic.model === 'virtio-net') return '';
  return undefined;
}

/** Timeouts written for KVM are multiplied by this under TCG (perf-targets G8: budget ×10–20). */
export function timeoutScale(accel: Accelerator): number {
  return accel === 'kvm' ? 1 : 10;
}

/** QEMU option values separate fields with commas; a literal comma is written twice. */
function optionValue(value: string): string {
  return value.replaceAll(',', ',,');
}

function problem(spec: QemuMachineSpec, path: string, message: string): InputError {
  return new InputError({ path: `machines[${spec.name}].${path}`, message });
}

function validate(spec: QemuMachineSpec): void {
  if (!Number.isInteger(spec.memoryMB) || spec.memoryMB < 64) throw problem(spec, 'memoryMB', `found ${spec.memoryMB}; allowed: an integer ≥ 64`);
  if (!Number.isInteger(spec.cpus) || spec.cpus < 1 || spec.cpus > 64) throw problem(spec, 'cpus', `found ${spec.cpus}; allowed: an integer 1–64`);
  spec.nics.forEach((nic, i) => {
    if (!MAC.test(nic.mac)) throw problem(spec, `nics[${i}].mac`, `found "${nic.mac}"; allowed: six hex pairs separated by colons`);
    if (!(nic.model in NIC_DEVICE)) throw problem(spec, `nics[${i}].model`, `found "${nic.model}"; allowed: ${Object.keys(NIC_DEVICE).join(', ')}`);
  });
  if (spec.smbios && !UUID.test(spec.smbios.uuid)) throw problem(spec, 'smbios.uuid', `found "${spec.smbios.uuid}"; allowed: a UUID (8-4-4-4-12 hex digits)`);
  const ahciUsers = spec.disks.filter((d) => d.controller === 'ahci').length + spec.media.filter((m) => m.kind === 'cd').length;
  if (ahciUsers > AHCI_PORTS) throw problem(spec, 'disks', `${ahciUsers} AHCI disks and CDs; allowed: at most ${AHCI_PORTS} (the ports of q35's AHCI controller)`);
  const bootIndexes = [...spec.nics, ...spec.disks, ...spec.media].map((d) => d.bootIndex).filter((b) => b !== undefined);
  const duplicate = bootIndexes.find((b, i) => bootIndexes.indexOf(b) !== i);
  if (duplicate !== undefined) throw problem(spec, 'bootOrder', `boot index ${duplicate} is given to two devices; allowed: each device its own position`);
}

/** Accumulates the argument list concern by concern; `build()` returns it once. */
class QemuCommandBuilder {
  private readonly args: string[] = [];
  private ahciPort = 0;
  private varsTemplate?: string;

  constructor(
    private readonly spec: QemuMachineSpec,
    private readonly paths: MachinePaths,
    private readonly accel: Accelerator,
  ) {}

  private push(...a: string[]): this {
    this.args.push(...a);
    return this;
  }

  private withBootIndex(device: string, bootIndex: number | undefined): string {
    return bootIndex === undefined ? device : `${device},bootindex=${bootIndex}`;
  }

  base(): this {
    const fw = firmwareImages(this.spec.firmware, this.spec.architecture);
    const machine = fw.kind === 'uefi' && fw.secureSmm ? 'q35,smm=on' : 'q35';
    // -nographic (not -display none) makes QEMU hand SeaBIOS its serial-console port, so BIOS and iPXE
    // messages ("No bootable device.") reach the console log; -nodefaults keeps stdio unused.
    this.push('-name', optionValue(this.spec.name), '-nodefaults', '-no-user-config', '-nographic', '-vga', 'none');
    this.push('-machine', machine, '-accel', this.accel, '-m', String(this.spec.memoryMB), '-smp', String(this.spec.cpus));
    // A 32-bit-only CPU, so an x64 boot image really fails on an x86 machine ("requires an x86-64 CPU").
    if (this.spec.architecture === 'x86') this.push('-cpu', 'pentium3');
    return this.push('-pidfile', this.paths.pidFile);
  }

  firmware(): this {
    const fw = firmwareImages(this.spec.firmware, this.spec.architecture);
    if (fw.kind === 'bios') return this.push('-bios', fw.bios);
    this.varsTemplate = fw.varsTemplate;
    if (fw.secureSmm) this.push('-global', 'driver=cfi.pflash01,property=secure,value=on');
    return this.push(
      '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${optionValue(fw.code)}`,
      '-drive', `if=pflash,format=raw,unit=1,file=${optionValue(this.paths.firmwareVars)}`,
    );
  }

  smbios(): this {
    const s = this.spec.smbios;
    if (!s) return this;
    const fields = [`manufacturer=${s.manufacturer}`, `product=${s.product}`, `serial=${s.serial}`, `uuid=${s.uuid}`].map(optionValue);
    return this.push('-smbios', `type=1,${fields.join(',')}`, '-uuid', s.uuid);
  }

  nics(): this {
    this.spec.nics.forEach((nic, i) => {
      const id = `nic${i}`;
      const rom = nicRomFile(nic, this.spec.firmware);
      const device = [NIC_DEVICE[nic.model].device, `mac=${nic.mac.toLowerCase()}`, ...(rom === undefined ? [] : [`romfile=${rom}`])];
      if (nic.backend.kind === 'tap') {
        this.push('-netdev', `tap,id=${id},ifname=${optionValue(nic.backend.ifname)},script=no,downscript=no`);
        device.push(`netdev=${id}`);
      }
      this.push('-device', this.withBootIndex(device.join(','), nic.bootIndex));
    });
    return this;
  }

  private nextAhciPort(): string {
    return `ide.${this.ahciPort++}`;
  }

  disks(): this {
    this.spec.disks.forEach((disk, i) => {
      const id = `disk${i}`;
      this.push('-drive', `if=none,id=${id},format=${disk.format},file=${optionValue(disk.path)}`);
      const device =
        disk.controller === 'ahci'
          ? `ide-hd,drive=${id},bus=${this.nextAhciPort()}`
          : disk.controller === 'virtio-blk'
            ? `virtio-blk-pci,drive=${id}`
            : `nvme,drive=${id},serial=OSDLAB${String(i).padStart(4, '0')}`;
      this.push('-device', this.withBootIndex(device, disk.bootIndex));
    });
    return this;
  }

  media(): this {
    let usbController = false;
    this.spec.media.forEach((m, i) => {
      const id = `media${i}`;
      if (m.kind === 'cd') {
        this.push('-drive', `if=none,id=${id},media=cdrom,readonly=on,format=raw,file=${optionValue(m.path)}`);
        this.push('-device', this.withBootIndex(`ide-cd,drive=${id},bus=${this.nextAhciPort()}`, m.bootIndex));
        return;
      }
      if (!usbController) this.push('-device', 'qemu-xhci,id=xhci');
      usbController = true;
      this.push('-drive', `if=none,id=${id},format=raw,file=${optionValue(m.path)}`);
      this.push('-device', this.withBootIndex(`usb-storage,bus=xhci.0,drive=${id},removable=on`, m.bootIndex));
    });
    return this;
  }

  directKernel(): this {
    const k = this.spec.directKernel;
    if (!k) return this;
    this.push('-kernel', k.kernel);
    if (k.initrd) this.push('-initrd', k.initrd);
    if (k.append) this.push('-append', k.append);
    return this;
  }

  /** The agent's out-of-band channel: never the lab network (DESIGN.md). */
  agentChannel(): this {
    return this.push(
      '-device', 'virtio-serial-pci,id=vser0',
      '-chardev', `socket,id=agent,path=${optionValue(this.paths.agentSocket)},server=on,wait=off`,
      '-device', `virtserialport,bus=vser0.0,chardev=agent,name=${AGENT_PORT_NAME}`,
    );
  }

  /** The serial console is logged to a file whether or not anyone is attached to its socket. */
  console(): this {
    return this.push(
      '-chardev', `socket,id=console,path=${optionValue(this.paths.consoleSocket)},server=on,wait=off,logfile=${optionValue(this.paths.consoleLog)},logappend=on`,
      '-serial', 'chardev:console',
    );
  }

  qmp(): this {
    return this.push(
      '-chardev', `socket,id=qmp,path=${optionValue(this.paths.qmpSocket)},server=on,wait=off`,
      '-mon', 'chardev=qmp,mode=control',
    );
  }

  build(): QemuCommand {
    const binary = this.spec.architecture === 'x64' ? 'qemu-system-x86_64' : 'qemu-system-i386';
    return { binary, args: [...this.args], ...(this.varsTemplate ? { firmwareVarsTemplate: this.varsTemplate } : {}) };
  }
}

/** The QEMU command line of one machine. Throws InputError for a spec QEMU would reject or misread. */
export function buildMachineCommand(spec: QemuMachineSpec, paths: MachinePaths, accel: Accelerator): QemuCommand {
  validate(spec);
  return new QemuCommandBuilder(spec, paths, accel)
    .base()
    .firmware()
    .smbios()
    .nics()
    .disks()
    .media()
    .directKernel()
    .agentChannel()
    .console()
    .qmp()
    .build();
}
