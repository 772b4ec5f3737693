// How the boot image finds media and content disks: by their ISO 9660 volume label, as TSMBootstrap
// looks for the drive holding SMS\data. A CD is /dev/srN; the same image as a USB stick is a whole
// disk /dev/sdX (hybrid image: the ISO 9660 volume starts at its first sector, while its partitions
// carry other labelled file systems, so whole disks are read, not partitions). The label is read
// from the primary volume descriptor (sector 16: "CD001" at byte 1, the volume ID at byte 40).
// A USB stick's disk appears only after usb-storage scanned it, after the boot image's driver pass:
// each attempt loads drivers for devices new since (by alias, as that pass does: a driver missing
// from the image stays missing).

const FIND_ATTEMPTS = 20;

/** A shell command for the guest: mounts the ISO 9660 volume labelled `label` read-only at `mountPoint`. */
export function mountByLabelCommand(label: string, mountPoint: string): string {
  return [
    `grep -q ' ${mountPoint} iso9660 ' /proc/mounts && exit 0`,
    `mkdir -p ${mountPoint}`,
    'dev=',
    `for i in $(seq 1 ${FIND_ATTEMPTS}); do`,
    '  cat $(find /sys/devices -name modalias) 2>/dev/null | sort -u | xargs modprobe -qa 2>/dev/null',
    '  for b in /sys/block/*; do',
    '    d=/dev/${b##*/}',
    '    [ "$(dd if=$d bs=1 skip=32769 count=5 2>/dev/null)" = CD001 ] || continue',
    `    [ "$(dd if=$d bs=1 skip=32808 count=32 2>/dev/null | tr -d ' ')" = ${label} ] && { dev=$d; break; }`,
    '  done',
    '  [ -n "$dev" ] && break',
    '  sleep 1',
    'done',
    `[ -n "$dev" ] || { echo "no volume labelled ${label}"; exit 2; }`,
    `mount -t iso9660 -o ro "$dev" ${mountPoint}`,
  ].join('\n');
}
