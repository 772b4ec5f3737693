// Which of the expectation's C:\ paths exist on the installed OS's system drive. C: is the drive
// the full OS sees as its own, whatever letter WinPE gave it (there the System Reserved partition is
// often C:), so the guest looks on the NTFS volume that holds Windows\System32 rather than at a letter.
import { shellQuote } from '../machine/guest-shell.js';

const MOUNT = '/run/osdlab-observe';

/** "C:\Windows\Temp\x.txt" → "Windows/Temp/x.txt"; undefined for paths on other drives. */
export function systemDrivePath(path: string): string | undefined {
  const m = /^[Cc]:\\(.*)$/.exec(path);
  return m ? m[1]!.replaceAll('\\', '/') : undefined;
}

/** A guest script printing "present N" for each path N (0-based) found on the installed OS's volume. */
export function installedOsFilesScript(relativePaths: string[]): string {
  const checks = relativePaths.map((p, i) => `[ -e "$mp"/${shellQuote(p)} ] && echo "present ${i}"`).join('; ');
  return [
    `mkdir -p ${MOUNT}`,
    'for dev in $(blkid -t TYPE=ntfs -o device); do',
    '  own=; mp=$(awk -v d="$dev" \'$1 == d { print $2; exit }\' /proc/mounts)',
    `  if [ -z "$mp" ]; then ntfs-3g -o ro "$dev" ${MOUNT} 2>/dev/null || continue; mp=${MOUNT}; own=1; fi`,
    `  if [ -d "$mp/Windows/System32" ]; then ${checks || ':'}; fi`,
    `  [ -n "$own" ] && umount ${MOUNT}`,
    'done',
    'true',
  ].join('\n');
}

/** Reads the script's answer: which of the paths were present. */
export function presentPaths(output: string[], count: number): boolean[] {
  const found = new Set(output.map((l) => /^present (\d+)$/.exec(l.trim())?.[1]).filter((n) => n !== undefined).map(Number));
  return Array.from({ length: count }, (_, i) => found.has(i));
}
