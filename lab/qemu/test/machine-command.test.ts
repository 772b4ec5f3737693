import { expect } from 'chai';
import { InputError } from '../../../scenarios/index.js';
import { buildMachineCommand, nicRomFile, timeoutScale, type MachinePaths, type QemuMachineSpec } from '../machine-command.js';

const paths: MachinePaths = {
  consoleLog: '/runs/r1/pc1/console.log',
  consoleSocket: '/tmp/o/pc1/console.sock',
  qmpSocket: '/tmp/o/pc1/qmp.sock',
  agentSocket: '/tmp/o/pc1/agent.sock',
  firmwareVars: '/tmp/o/pc1/vars.fd',
  pidFile: '/tmp/o/pc1/qemu.pid',
};

function spec(over: Partial<QemuMachineSpec> = {}): QemuMachineSpec {
  return { name: 'pc1', firmware: 'bios', architecture: 'x64', memoryMB: 512, cpus: 2, nics: [], disks: [], media: [], ...over };
}

/** The value following each occurrence of an option. */
function values(args: string[], option: string): string[] {
  return args.flatMap((a, i) => (a === option ? [args[i + 1]] : []));
}

describe('lab/qemu machine command', () => {
  it('BIOS x64: qemu-system-x86_64, SeaBIOS, q35, RAM, CPUs, TCG', () => {
    const c = buildMachineCommand(spec(), paths, 'tcg');
    expect(c.binary).to.equal('qemu-system-x86_64');
    expect(values(c.args, '-bios')).to.deep.equal(['/usr/share/seabios/bios-256k.bin']);
    expect(values(c.args, '-machine')).to.deep.equal(['q35']);
    expect(values(c.args, '-accel')).to.deep.equal(['tcg']);
    expect(values(c.args, '-m')).to.deep.equal(['512']);
    expect(values(c.args, '-smp')).to.deep.equal(['2']);
    expect(c.args).to.include('-nodefaults');
    expect(c.args).not.to.include('-cpu');
    expect(c.firmwareVarsTemplate).to.equal(undefined);
    expect(values(c.args, '-drive').filter((d) => d.startsWith('if=pflash'))).to.deep.equal([]);
  });

  it('UEFI x64: OVMF_CODE_4M read-only plus the per-machine copy of OVMF_VARS_4M', () => {
    const c = buildMachineCommand(spec({ firmware: 'uefi' }), paths, 'kvm');
    expect(c.args).not.to.include('-bios');
    expect(values(c.args, '-drive').filter((d) => d.startsWith('if=pflash'))).to.deep.equal([
      'if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd',
      'if=pflash,format=raw,unit=1,file=/tmp/o/pc1/vars.fd',
    ]);
    expect(c.firmwareVarsTemplate).to.equal('/usr/share/OVMF/OVMF_VARS_4M.fd');
    expect(values(c.args, '-accel')).to.deep.equal(['kvm']);
  });

  it('UEFI x86: qemu-system-i386, 32-bit CPU, ia32 Secure Boot OVMF with SMM and a secure pflash', () => {
    const c = buildMachineCommand(spec({ firmware: 'uefi', architecture: 'x86' }), paths, 'tcg');
    expect(c.binary).to.equal('qemu-system-i386');
    expect(values(c.args, '-cpu')).to.deep.equal(['pentium3']);
    expect(values(c.args, '-machine')).to.deep.equal(['q35,smm=on']);
    expect(values(c.args, '-global')).to.deep.equal(['driver=cfi.pflash01,property=secure,value=on']);
    expect(values(c.args, '-drive')[0]).to.equal('if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF32_CODE_4M.secboot.fd');
    expect(c.firmwareVarsTemplate).to.equal('/usr/share/OVMF/OVMF32_VARS_4M.fd');
  });

  it('BIOS x86: qemu-system-i386 with SeaBIOS and a 32-bit CPU', () => {
    const c = buildMachineCommand(spec({ architecture: 'x86' }), paths, 'tcg');
    expect(c.binary).to.equal('qemu-system-i386');
    expect(values(c.args, '-cpu')).to.deep.equal(['pentium3']);
    expect(values(c.args, '-machine')).to.deep.equal(['q35']);
  });

  it('SMBIOS type 1 and -uuid, with commas in values doubled', () => {
    const smbios = { manufacturer: 'Contoso, Ltd', product: 'Latitude 7490', serial: 'SN123', uuid: '11111111-2222-3333-4444-555555555555' };
    const c = buildMachineCommand(spec({ smbios }), paths, 'tcg');
    expect(values(c.args, '-smbios')).to.deep.equal([
      'type=1,manufacturer=Contoso,, Ltd,product=Latitude 7490,serial=SN123,uuid=11111111-2222-3333-4444-555555555555',
    ]);
    expect(values(c.args, '-uuid')).to.deep.equal(['11111111-2222-3333-4444-555555555555']);
  });

  it('NICs: tap backend in the namespace, model, MAC, boot index and the ROM rules', () => {
    const c = buildMachineCommand(
      spec({
        firmware: 'uefi',
        nics: [
          { model: 'virtio-net', mac: '52:54:00:AA:BB:01', backend: { kind: 'tap', ifname: 'tap0' }, bootIndex: 1 },
          { model: 'e1000', mac: '52:54:00:aa:bb:02', backend: { kind: 'tap', ifname: 'tap1' }, bootIndex: 2 },
          { model: 'e1000e', mac: '52:54:00:aa:bb:03', backend: { kind: 'none' } },
        ],
      }),
      paths,
      'tcg',
    );
    expect(values(c.args, '-netdev')).to.deep.equal([
      'tap,id=nic0,ifname=tap0,script=no,downscript=no',
      'tap,id=nic1,ifname=tap1,script=no,downscript=no',
    ]);
    const nics = values(c.args, '-device').filter((d) => /^(virtio-net-pci|e1000)/.test(d));
    expect(nics).to.deep.equal([
      'virtio-net-pci,mac=52:54:00:aa:bb:01,romfile=,netdev=nic0,bootindex=1',
      'e1000,mac=52:54:00:aa:bb:02,netdev=nic1,bootindex=2',
      'e1000e,mac=52:54:00:aa:bb:03,romfile=',
    ]);
  });

  it('NIC ROM rules: boot NICs keep QEMU\'s default iPXE ROM, except virtio-net on UEFI; non-boot NICs get none', () => {
    const boot = { model: 'virtio-net' as const, mac: '52:54:00:00:00:01', backend: { kind: 'none' as const }, bootIndex: 1 };
    expect(nicRomFile(boot, 'bios')).to.equal(undefined);
    expect(nicRomFile({ ...boot, model: 'e1000' }, 'uefi')).to.equal(undefined);
    expect(nicRomFile(boot, 'uefi')).to.equal('');
    expect(nicRomFile({ ...boot, bootIndex: undefined }, 'bios')).to.equal('');
    const c = buildMachineCommand(spec({ nics: [boot] }), paths, 'tcg');
    expect(values(c.args, '-device').find((d) => d.startsWith('virtio-net-pci'))).to.equal('virtio-net-pci,mac=52:54:00:00:00:01,bootindex=1');
  });

  it('disks on AHCI ports, virtio-blk and NVMe; CD on the next AHCI port; USB stick on xHCI', () => {
    const c = buildMachineCommand(
      spec({
        disks: [
          { controller: 'ahci', path: '/d/disk0.qcow2', format: 'qcow2', bootIndex: 2 },
          { controller: 'virtio-blk', path: '/d/disk1.qcow2', format: 'qcow2' },
          { controller: 'nvme', path: '/d/disk2.qcow2', format: 'qcow2' },
        ],
        media: [
          { kind: 'cd', path: '/m/boot.iso', bootIndex: 1 },
          { kind: 'usb', path: '/m/stick.img', bootIndex: 3 },
        ],
      }),
      paths,
      'tcg',
    );
    expect(values(c.args, '-drive')).to.deep.equal([
      'if=none,id=disk0,format=qcow2,file=/d/disk0.qcow2',
      'if=none,id=disk1,format=qcow2,file=/d/disk1.qcow2',
      'if=none,id=disk2,format=qcow2,file=/d/disk2.qcow2',
      'if=none,id=media0,media=cdrom,readonly=on,format=raw,file=/m/boot.iso',
      'if=none,id=media1,format=raw,file=/m/stick.img',
    ]);
    expect(values(c.args, '-device').filter((d) => /drive=/.test(d) || d.startsWith('qemu-xhci'))).to.deep.equal([
      'ide-hd,drive=disk0,bus=ide.0,bootindex=2',
      'virtio-blk-pci,drive=disk1',
      'nvme,drive=disk2,serial=OSDLAB0002',
      'ide-cd,drive=media0,bus=ide.1,bootindex=1',
      'qemu-xhci,id=xhci',
      'usb-storage,bus=xhci.0,drive=media1,removable=on,bootindex=3',
    ]);
  });

  it('direct kernel boot, agent virtio-serial port, logged serial console and QMP socket', () => {
    const c = buildMachineCommand(spec({ directKernel: { kernel: '/k/vmlinuz', initrd: '/k/initrd', append: 'console=ttyS0' } }), paths, 'tcg');
    expect(values(c.args, '-kernel')).to.deep.equal(['/k/vmlinuz']);
    expect(values(c.args, '-initrd')).to.deep.equal(['/k/initrd']);
    expect(values(c.args, '-append')).to.deep.equal(['console=ttyS0']);
    expect(values(c.args, '-chardev')).to.deep.equal([
      'socket,id=agent,path=/tmp/o/pc1/agent.sock,server=on,wait=off',
      'socket,id=console,path=/tmp/o/pc1/console.sock,server=on,wait=off,logfile=/runs/r1/pc1/console.log,logappend=on',
      'socket,id=qmp,path=/tmp/o/pc1/qmp.sock,server=on,wait=off',
    ]);
    expect(values(c.args, '-device')).to.include.members(['virtio-serial-pci,id=vser0', 'virtserialport,bus=vser0.0,chardev=agent,name=org.osdlab.agent']);
    expect(values(c.args, '-serial')).to.deep.equal(['chardev:console']);
    expect(values(c.args, '-mon')).to.deep.equal(['chardev=qmp,mode=control']);
    expect(values(c.args, '-pidfile')).to.deep.equal(['/tmp/o/pc1/qemu.pid']);
  });

  it('rejects a bad MAC, a bad UUID, duplicate boot indexes and too many AHCI devices with InputError', () => {
    const nic = { model: 'e1000' as const, mac: '52:54:00:zz:00:01', backend: { kind: 'none' as const } };
    expect(() => buildMachineCommand(spec({ nics: [nic] }), paths, 'tcg')).to.throw(InputError, /nics\[0\]\.mac.*52:54:00:zz:00:01/);
    const smbios = { manufacturer: 'a', product: 'b', serial: 'c', uuid: 'not-a-uuid' };
    expect(() => buildMachineCommand(spec({ smbios }), paths, 'tcg')).to.throw(InputError, /smbios\.uuid/);
    const disks = [1, 2].map(() => ({ controller: 'virtio-blk' as const, path: '/d', format: 'qcow2' as const, bootIndex: 1 }));
    expect(() => buildMachineCommand(spec({ disks }), paths, 'tcg')).to.throw(InputError, /boot index 1/);
    const many = Array.from({ length: 7 }, () => ({ controller: 'ahci' as const, path: '/d', format: 'qcow2' as const }));
    expect(() => buildMachineCommand(spec({ disks: many }), paths, 'tcg')).to.throw(InputError, /at most 6/);
    expect(() => buildMachineCommand(spec({ memoryMB: 12 }), paths, 'tcg')).to.throw(InputError, /memoryMB/);
  });

  it('scales timeouts for TCG only', () => {
    expect(timeoutScale('kvm')).to.equal(1);
    expect(timeoutScale('tcg')).to.be.greaterThan(1);
  });
});
