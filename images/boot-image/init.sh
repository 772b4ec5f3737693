#!/bin/sh
# /init of the osdlab boot image (the Windows PE stand-in). Mounts the kernel file systems, loads
# the drivers this image carries for the devices present (as WinPE's PnP does: a device whose
# driver was left out of the image stays without one), then runs the agent for ever.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /tmp /run /mnt
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
[ -d /sys/firmware/efi/efivars ] && mount -t efivarfs efivarfs /sys/firmware/efi/efivars

# Load a driver for every device alias until no new device appears (virtio_pci reveals virtio
# devices, ahci reveals SCSI disks, …).
previous=
while :; do
  aliases=$(cat $(find /sys/devices -name modalias) 2>/dev/null | sort -u)
  [ "$aliases" = "$previous" ] && break
  echo "$aliases" | xargs modprobe -qa 2>/dev/null
  previous=$aliases
done

ip link set lo up
for n in /sys/class/net/*; do
  [ "${n##*/}" = lo ] || ip link set "${n##*/}" up
done

for arg in $(cat /proc/cmdline); do
  case $arg in osdlab.environment=*) echo "${arg#*=}" > /etc/osdlab-environment ;; esac
done
echo "osdlab boot image: $(cat /etc/osdlab-environment) on $(uname -m), drivers: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"

# A shell on the serial console for engineers attaching with `osdlab console`.
( while :; do setsid sh -c 'exec sh < /dev/ttyS0 > /dev/ttyS0 2>&1'; sleep 1; done ) &

while :; do
  /usr/bin/osdlab-agent
  sleep 1
done
