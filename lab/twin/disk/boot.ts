// Whether firmware can boot Windows from a disk, decided as the real firmware decides it:
// UEFI loads \EFI\... from a FAT32 EFI system partition; BIOS runs the MBR boot code, which
// needs an active partition holding bootmgr; BIOS on a GPT disk needs a BIOS boot setup.
// The boot manager then needs a volume with Windows on it. Messages are the ones the QEMU
// lab's consoles show (OVMF BdsDxe, SeaBIOS, the Windows MBR and boot manager).

import type { Architecture, Firmware } from '../../../harness/index.js';
import type { Disk, Partition } from './disk.js';
import { GPT_TYPE, MBR_TYPE } from './partition-types.js';

export type BootVerdict =
  | { boots: true; osPartition: Partition }
  | { boots: false; reason: string; console: string[] };

/** Files a boot loader install (bcdboot) writes, per firmware and architecture. */
export function bootLoaderFiles(firmware: Firmware, architecture: Architecture): string[] {
  if (firmware === 'bios') return ['\\bootmgr', '\\boot\\bcd'];
  const fallback = architecture === 'x64' ? '\\efi\\boot\\bootx64.efi' : '\\efi\\boot\\bootia32.efi';
  return ['\\efi\\microsoft\\boot\\bootmgfw.efi', '\\efi\\microsoft\\boot\\bcd', fallback];
}

export const WINDOWS_MARKER = '\\windows\\system32\\ntoskrnl.exe';

/** The partition bcdboot writes boot files to: the ESP on UEFI, the active partition on BIOS/MBR. */
export function systemPartition(disk: Disk, firmware: Firmware): Partition | undefined {
  if (firmware === 'uefi') return disk.partitions.find((p) => isEsp(disk, p) && p.volume?.fileSystem === 'fat32');
  if (disk.style !== 'mbr') return undefined;
  return disk.partitions.find((p) => p.active && p.volume !== undefined);
}

function isEsp(disk: Disk, p: Partition): boolean {
  return disk.style === 'gpt' ? p.typeId === GPT_TYPE.efiSystem : p.typeId.toUpperCase() === MBR_TYPE.efi;
}

export function diskBootVerdict(disk: Disk, firmware: Firmware, architecture: Architecture): BootVerdict {
  const fail = (reason: string, console: string[]): BootVerdict => ({ boots: false, reason: `disk ${disk.index}: ${reason}`, console });
  if (disk.style === 'raw') {
    return fail('no partition table', firmware === 'uefi' ? ['BdsDxe: No bootable option or device was found.'] : ['Boot failed: not a bootable disk', 'No bootable device.']);
  }
  if (firmware === 'uefi') {
    const esp = disk.partitions.find((p) => isEsp(disk, p));
    const [bootmgfw, , loader] = bootLoaderFiles('uefi', architecture) as [string, string, string];
    if (!esp) return fail('no EFI system partition', ['BdsDxe: No bootable option or device was found.']);
    if (esp.volume?.fileSystem !== 'fat32') {
      return fail(`EFI system partition is ${esp.volume ? esp.volume.fileSystem.toUpperCase() : 'not formatted'}, UEFI reads only FAT32`, [
        'BdsDxe: No bootable option or device was found.',
      ]);
    }
    if (!esp.volume.exists(bootmgfw) && !esp.volume.exists(loader)) return fail(`no boot loader (${loader}) on the EFI system partition`, ['BdsDxe: No bootable option or device was found.']);
  } else if (disk.style === 'gpt') {
    if (!disk.biosBootCode) return fail('GPT disk without a BIOS boot setup', ['Booting from Hard Disk...', 'Boot failed: not a bootable disk']);
  } else {
    const active = disk.partitions.find((p) => p.active);
    if (!active) return fail('MBR disk without an active partition', ['Booting from Hard Disk...', 'Boot failed: not a bootable disk']);
    if (!active.volume) return fail('active partition is not formatted', ['Booting from Hard Disk...', 'Missing operating system.']);
    if (!active.volume.exists('\\bootmgr')) return fail('no boot manager on the active partition', ['Booting from Hard Disk...', 'BOOTMGR is missing', 'Press Ctrl+Alt+Del to restart']);
  }
  const osPartition = disk.partitions.find((p) => p.volume?.exists(WINDOWS_MARKER));
  if (!osPartition) {
    return fail('the boot manager found no Windows installation', [
      'Windows Boot Manager',
      'Status: 0xc000000f',
      'Info: The boot configuration data for your PC is missing or contains errors.',
    ]);
  }
  return { boots: true, osPartition };
}
