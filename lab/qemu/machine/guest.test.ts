import { expect } from 'chai';
import type { AgentFacts } from '../agent-channel.js';
import { bootFailure, consoleEvidence } from './firmware-console.js';
import { assignLetters, fixedDisks, parseVolumes } from './guest-disks.js';
import { guestCommandLine, guestPath, lettersIn } from './guest-shell.js';
import { formatSettings, mergeSettings, parseSettings, settingsKey, unattendXml } from './settings-file.js';

const disk = (name: string, device: string, removable = 0) => ({ name, sizeBytes: 2 ** 31, model: 'QEMU HARDDISK  ', removable, device });

describe('lab/qemu machine: guest disks, drive letters, paths, console, settings', () => {
  it('counts fixed disks in controller (PCI) order; CDs and removable media are not disks', () => {
    const facts = {
      disks: [
        disk('nvme0n1', '/sys/devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1'),
        disk('sda', '/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda'),
        disk('sr0', '/sys/devices/pci0000:00/0000:00:1f.2/ata2/host1/target1:0:0/1:0:0:0/block/sr0', 1),
        disk('sdb', '/sys/devices/pci0000:00/0000:00:05.0/usb1/1-1/block/sdb', 1),
        disk('vda', '/sys/devices/pci0000:00/0000:00:10.0/virtio3/block/vda'),
      ],
    } as unknown as AgentFacts;
    expect(fixedDisks(facts).map((d) => [d.index, d.device, d.controller, d.model])).to.deep.equal([
      [0, '/dev/nvme0n1', 'nvme', 'QEMU HARDDISK'],
      [1, '/dev/vda', 'virtio-blk', 'QEMU HARDDISK'],
      [2, '/dev/sda', 'ahci', 'QEMU HARDDISK'],
    ]);
  });

  const output = [
    '@disk /dev/sda',
    '{ "partitiontable": { "label": "gpt", "sectorsize": 512, "partitions": [',
    '{ "node": "/dev/sda1", "start": 2048, "size": 204800, "type": "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "name": "EFI system partition" },',
    '{ "node": "/dev/sda2", "start": 206848, "size": 32768, "type": "E3C9E316-0B5C-4DB8-817D-F92DF00215AE" },',
    '{ "node": "/dev/sda3", "start": 239616, "size": 1000000, "type": "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7" } ] } }',
    '@disk /dev/sdb',
    '{ "partitiontable": { "label": "dos", "partitions": [ { "node": "/dev/sdb1", "start": 2048, "size": 20480, "type": "7", "bootable": true }, { "node": "/dev/sdb2", "start": 22528, "size": 40960, "type": "c" } ] } }',
    '@disk /dev/sdc',
    '@blkid',
    'DEVNAME=/dev/sda1', 'LABEL=SYSTEM', 'UUID=1234-ABCD', 'TYPE=vfat', '',
    'DEVNAME=/dev/sda3', 'LABEL=Windows', 'UUID=0A1B2C', 'TYPE=ntfs', '',
    'DEVNAME=/dev/sdb1', 'LABEL=System\\ Reserved', 'TYPE=ntfs', 'PARTUUID=03ef899a-01', '',
    'DEVNAME=/dev/sdb2', 'TYPE=vfat',
    '@mounts',
  ];
  const disks = [0, 1, 2].map((index) => ({ index, device: `/dev/sd${'abc'[index]}`, sizeBytes: 2 ** 31, model: 'm', controller: 'ahci' }));

  it('reads partition tables and volumes; WinPE letters go to data volumes in disk order', () => {
    const v = parseVolumes(disks, output);
    expect(v.disks.map((d) => d.style)).to.deep.equal(['gpt', 'mbr', 'raw']);
    expect(v.disks[0]!.partitions.map((p) => [p.number, p.type, p.fileSystem, p.sizeBytes, p.offsetBytes])).to.deep.equal([
      [1, 'efi', 'fat32', 204800 * 512, 2048 * 512],
      [2, 'msr', undefined, 32768 * 512, 206848 * 512],
      [3, 'primary', 'ntfs', 1000000 * 512, 239616 * 512],
    ]);
    expect(v.partitions.filter((p) => p.diskIndex === 1).map((p) => [p.typeId, p.active, p.label, p.partUuid])).to.deep.equal([['07', true, 'System Reserved', '03ef899a-01'], ['0C', false, undefined, undefined]]);
    assignLetters(v, 'WinPE');
    expect(v.partitions.map((p) => p.driveLetter)).to.deep.equal([undefined, undefined, 'C:', 'D:', 'E:']);
    expect(v.disks[0]!.partitions[2]!.driveLetter).to.equal('C:');
  });

  it('the full OS gives its own volume C:', () => {
    const v = parseVolumes(disks, output);
    assignLetters(v, 'FullOS', '/dev/sdb1');
    expect(v.partitions.map((p) => p.driveLetter)).to.deep.equal([undefined, undefined, 'D:', 'C:', 'E:']);
  });

  it('maps Windows paths in command lines to the mounted volumes', () => {
    expect(guestPath('C:\\Windows\\Temp\\x.txt')).to.equal('/mnt/c/Windows/Temp/x.txt');
    expect(guestPath('D:')).to.equal('/mnt/d');
    expect(guestCommandLine('cmd /c echo deployed > C:\\Windows\\Temp\\osdlab-stamp.txt')).to.equal('cmd /c echo deployed > /mnt/c/Windows/Temp/osdlab-stamp.txt');
    expect(guestCommandLine('copy "D:\\a b\\c" E:\\ & echo http://x:80/y')).to.equal('copy "/mnt/d/a b\\c" /mnt/e/ & echo http://x:80/y');
    expect(lettersIn('x C:\\a d:\\b C:\\c')).to.deep.equal(['C:', 'D:']);
  });

  it('recognises the firmware\'s last word on a failed boot', () => {
    const ovmf = '\x1b[=3hBdsDxe: failed to load Boot0001 "UEFI QEMU HARDDISK QM00001" from PciRoot(0x0)/Pci(0x1F,0x2): Not Found\r\n\x1b[2J\x1b[01;01HBdsDxe: No bootable option or device was found.\r\nBdsDxe: Press any key to enter the Boot Manager Menu.\r\n';
    expect(bootFailure(ovmf)).to.match(/UEFI firmware found no bootable option/);
    expect(consoleEvidence(ovmf)).to.deep.equal([
      'BdsDxe: failed to load Boot0001 "UEFI QEMU HARDDISK QM00001" from PciRoot(0x0)/Pci(0x1F,0x2): Not Found',
      'BdsDxe: No bootable option or device was found.',
      'BdsDxe: Press any key to enter the Boot Manager Menu.',
    ]);
    expect(bootFailure('Booting from Hard Disk...\nBoot failed: not a bootable disk\n\nNo bootable device.\n')).to.match(/SeaBIOS/);
    expect(bootFailure('Booting from Hard Disk...\nosdlab loader: starting the operating system from hd0,msdos2\n')).to.equal(undefined);
  });

  it('keeps settings per kind for the answer file and registry look-ups', () => {
    let s = mergeSettings(new Map(), { kind: 'windows', settings: { OSDComputerName: 'PC<1>' } });
    s = mergeSettings(parseSettings(formatSettings(s).split('\n')), { kind: 'network', settings: { OSDWorkgroupName: 'WORKGROUP' } });
    expect(s.get(settingsKey('Settings\\Windows', 'OSDComputerName')!)).to.equal('PC<1>');
    expect(settingsKey('HKLM\\Software\\Microsoft', 'x')).to.equal(undefined);
    expect(unattendXml(s)).to.include('<setting name="osdcomputername">PC&lt;1&gt;</setting>').and.include('component name="osdlab-network"');
  });
});
