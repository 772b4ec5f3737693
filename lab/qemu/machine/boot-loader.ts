// Setup Windows' boot loader step (what bcdboot does on the real thing), from the loader files
// the full-OS payload put under Windows\Boot on the applied volume (images/full-os):
//   UEFI: \EFI\Boot\bootx64.efi on the disk's FAT EFI system partition; no ESP → nothing to write,
//         and the firmware finds nothing to boot (OVMF says so on the console).
//   BIOS: MBR boot code + the core image in the gap before the first partition, and an active
//         partition (the system partition: the active one, else the Windows volume).
import type { Firmware } from '../../../harness/index.js';
import { FULL_OS_FILES } from '../../../images/index.js';
import type { GuestPartition, GuestVolumes } from './guest-disks.js';
import { shellQuote } from './guest-shell.js';

const MIB = 1024 * 1024;

export type LoaderPlan = { script: string; note: string } | { script?: undefined; note: string };

/** Guest commands installing the loader for `firmware`, with `windows` mounted at `windowsMount`. */
export function bootLoaderPlan(firmware: Firmware, volumes: GuestVolumes, windows: GuestPartition, windowsMount: string): LoaderPlan {
  const disk = volumes.disks[windows.diskIndex]!;
  const diskDevice = windows.device.replace(/p?\d+$/, '');
  const src = (f: string) => shellQuote(`${windowsMount}/${f}`);
  if (firmware === 'uefi') {
    const esp = volumes.partitions.find((p) => p.diskIndex === disk.index && p.type === 'efi' && p.fileSystem === 'fat32');
    if (!esp) return { note: `disk ${disk.index} has no FAT32 EFI system partition: no UEFI boot files written` };
    const script = [
      'mkdir -p /run/osdlab-esp',
      `mount -t vfat ${esp.device} /run/osdlab-esp`,
      'mkdir -p /run/osdlab-esp/EFI/Boot',
      // The OS image carries the loader of its architecture: bootx64.efi (x64) or bootia32.efi (x86).
      ...[FULL_OS_FILES.efiLoader, FULL_OS_FILES.efiLoaderIa32].map((f) => `{ [ ! -f ${src(f)} ] || cp ${src(f)} /run/osdlab-esp/EFI/Boot/${f.slice(f.lastIndexOf('/') + 1)}; }`),
      'sync',
      'umount /run/osdlab-esp',
    ].join(' && ');
    return { script, note: `boot files written to \\EFI\\Boot on ${esp.device}` };
  }
  if (disk.style !== 'mbr') return { note: `disk ${disk.index} is ${disk.style.toUpperCase()}: a BIOS computer starts only from an MBR disk; no boot code written` };
  const first = Math.min(...disk.partitions.map((p) => p.offsetBytes));
  const active = disk.partitions.find((p) => p.active) ?? windows;
  const script = [
    `[ $(stat -c %s ${src(FULL_OS_FILES.biosCoreImage)}) -le ${first - 512} ] || { echo 'the boot code does not fit before the first partition'; exit 1; }`,
    `dd if=${src(FULL_OS_FILES.biosBootCode)} of=${diskDevice} bs=440 count=1 conv=notrunc 2>/dev/null`,
    `dd if=${src(FULL_OS_FILES.biosCoreImage)} of=${diskDevice} bs=512 seek=1 conv=notrunc 2>/dev/null`,
    ...(active.active ? [] : [`sfdisk -q --activate ${diskDevice} ${active.number}`]),
    'sync',
  ].join(' && ');
  return { script, note: `MBR boot code written to ${diskDevice}; active partition ${active.number}${first < MIB ? ' (small gap)' : ''}` };
}
