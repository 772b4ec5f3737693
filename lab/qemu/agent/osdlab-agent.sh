#!/bin/sh
# osdlab in-guest agent: speaks line-delimited JSON with the host over the virtio-serial port
# org.osdlab.agent, never over the lab network. Protocol: docs/agent-protocol.md.
# Written for busybox sh so the boot image needs no other runtime. One request at a time.

AGENT_VERSION=1
PORT_NAME=org.osdlab.agent
RC_FILE=/tmp/osdlab-agent.rc

# udev is not running, so /dev/virtio-ports/<name> does not exist: find the vportNpM by its name.
find_port() {
  for d in /sys/class/virtio-ports/*; do
    rd name "$d/name"
    if [ "$name" = "$PORT_NAME" ]; then
      echo "/dev/${d##*/}"
      return 0
    fi
  done
  return 1
}

# JSON string body: backslash and double quote escaped (sysfs values hold no control characters).
esc() {
  s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  printf '%s' "$s"
}

# rd VAR FILE: the first line of FILE into VAR, empty when unreadable.
rd() {
  eval "$1="
  { read -r "$1" < "$2"; } 2>/dev/null
}

# The driver bound to a PCI device; for virtio devices the virtio driver (virtio_net, virtio_blk …)
# of its function, because virtio-pci binds every virtio device whether or not its driver is present.
pci_driver() {
  slot=$1
  drv=
  for x in /sys/bus/pci/drivers/*/"$slot"; do
    [ -e "$x" ] || continue
    drv=${x%/*}
    drv=${drv##*/}
  done
  if [ "$drv" = virtio-pci ]; then
    drv=
    for v in /sys/bus/pci/devices/"$slot"/virtio*; do
      [ -e "$v" ] || continue
      for x in /sys/bus/virtio/drivers/*/"${v##*/}"; do
        [ -e "$x" ] || continue
        drv=${x%/*}
        drv=${drv##*/}
      done
    done
  fi
  printf '%s' "$drv"
}

pci_json() {
  sep=
  printf '['
  for d in /sys/bus/pci/devices/*; do
    [ -e "$d/vendor" ] || continue
    slot=${d##*/}
    rd ven "$d/vendor"; rd dev "$d/device"; rd sven "$d/subsystem_vendor"; rd sdev "$d/subsystem_device"
    rd rev "$d/revision"; rd cls "$d/class"
    drv=$(pci_driver "$slot")
    if [ -n "$drv" ]; then drv="\"$drv\""; else drv=null; fi
    printf '%s{"slot":"%s","vendor":"%s","device":"%s","subsystemVendor":"%s","subsystem":"%s","revision":"%s","class":"%s","driver":%s}' \
      "$sep" "$slot" "${ven#0x}" "${dev#0x}" "${sven#0x}" "${sdev#0x}" "${rev#0x}" "${cls#0x}" "$drv"
    sep=,
  done
  printf ']'
}

nics_json() {
  sep=
  printf '['
  for n in /sys/class/net/*; do
    name=${n##*/}
    [ "$name" = lo ] && continue
    rd mac "$n/address"; rd state "$n/operstate"
    dev=$(readlink -f "$n/device" 2>/dev/null)
    drv=$(readlink "$n/device/driver" 2>/dev/null)
    addrs=$(ip -4 -o addr show dev "$name" 2>/dev/null | awk '{printf "%s\"%s\"", (NR>1?",":""), $4}')
    printf '%s{"name":"%s","mac":"%s","operstate":"%s","device":"%s","driver":"%s","ipv4":[%s]}' \
      "$sep" "$(esc "$name")" "$mac" "$state" "$(esc "$dev")" "${drv##*/}" "$addrs"
    sep=,
  done
  printf ']'
}

disks_json() {
  sep=
  printf '['
  for b in /sys/block/*; do
    [ -e "$b" ] || continue
    name=${b##*/}
    case $name in loop*|ram*|zram*) continue ;; esac
    rd sectors "$b/size"; rd model "$b/device/model"; rd removable "$b/removable"
    path=$(readlink -f "$b")
    printf '%s{"name":"%s","sizeBytes":%s,"model":"%s","removable":%s,"device":"%s"}' \
      "$sep" "$name" "$((sectors * 512))" "$(esc "$model")" "${removable:-0}" "$(esc "$path")"
    sep=,
  done
  printf ']'
}

volumes_json() {
  sep=
  printf '['
  while read -r dev mnt fs _rest; do
    case $dev in /dev/*) ;; *) continue ;; esac
    printf '%s{"device":"%s","mountPoint":"%s","fileSystem":"%s"}' "$sep" "$(esc "$dev")" "$(esc "$mnt")" "$fs"
    sep=,
  done < /proc/mounts
  printf ']'
}

facts_json() {
  if [ -d /sys/firmware/efi ]; then
    fw=uefi
    rd fwsize /sys/firmware/efi/fw_platform_size
  else
    fw=bios
    fwsize=
  fi
  mem=0
  cpus=0
  while read -r key value _unit; do
    [ "$key" = MemTotal: ] && mem=$value
  done < /proc/meminfo
  while read -r key _rest; do
    [ "$key" = processor ] && cpus=$((cpus + 1))
  done < /proc/cpuinfo
  rd env /etc/osdlab-environment
  rd bootid /proc/sys/kernel/random/boot_id
  rd vendor /sys/class/dmi/id/sys_vendor; rd product /sys/class/dmi/id/product_name
  rd serial /sys/class/dmi/id/product_serial; rd uuid /sys/class/dmi/id/product_uuid
  printf '{"agentVersion":%s,"bootId":"%s","environment":"%s","architecture":"%s","kernel":"%s","firmware":"%s","firmwarePlatformSize":%s,' \
    "$AGENT_VERSION" "$bootid" "${env:-WinPE}" "$(uname -m)" "$(uname -r)" "$fw" "${fwsize:-null}"
  printf '"memoryKB":%s,"cpus":%s,"smbios":{"manufacturer":"%s","product":"%s","serial":"%s","uuid":"%s"},' \
    "$mem" "$cpus" "$(esc "$vendor")" "$(esc "$product")" "$(esc "$serial")" "$(esc "$uuid")"
  printf '"pci":%s,"nics":%s,"disks":%s,"volumes":%s}' "$(pci_json)" "$(nics_json)" "$(disks_json)" "$(volumes_json)"
}

send() {
  printf '%s\n' "$1" >&3
}

hello() {
  id=$1
  send "{${id:+\"id\":$id,}\"type\":\"hello\",\"facts\":$(facts_json)}"
}

# run_command ID COMMAND [DIR]: the command's stdout and stderr, merged as the field sees them, one
# message per line while it runs; its exit code last (that of cd when DIR does not exist). The
# command never sees the channel (fd 3) or the agent's stdin.
run_command() {
  id=$1
  rm -f "$RC_FILE"
  ( cd "${3:-/}" && sh -c "$2" < /dev/null 2>&1 3>&-; echo $? > "$RC_FILE" ) 3>&- |
    awk -v id="$id" '{ gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); gsub(/\t/, "\\t"); gsub(/\r/, "\\r"); gsub(/[\001-\010\013-\037]/, "");
      printf "{\"id\":%s,\"type\":\"output\",\"data\":\"%s\"}\n", id, $0; fflush() }' >&3
  rc=255
  rd rc "$RC_FILE"
  send "{\"id\":$id,\"type\":\"exit\",\"code\":${rc:-255}}"
}

# field NAME LINE: the value of "NAME":… in a request (numbers and simple strings only).
field() {
  case $2 in
    *"\"$1\":"*) ;;
    *) return 0 ;;
  esac
  v=${2#*\"$1\":}
  v=${v#\"}
  v=${v%%[\",\}]*}
  printf '%s' "$v"
}

until PORT=$(find_port) && [ -c "$PORT" ]; do sleep 1; done
exec 3<>"$PORT"
hello ""
while IFS= read -r line <&3; do
  id=$(field id "$line")
  case $id in ''|*[!0-9]*) send '{"type":"error","message":"request without a numeric id"}'; continue ;; esac
  op=$(field op "$line")
  case $op in
    hello) hello "$id" ;;
    facts) send "{\"id\":$id,\"type\":\"facts\",\"facts\":$(facts_json)}" ;;
    run) run_command "$id" "$(field command "$line" | base64 -d)" "$(field cwd "$line" | base64 -d)" ;;
    reboot) send "{\"id\":$id,\"type\":\"ack\"}"; sync; reboot -f ;;
    poweroff) send "{\"id\":$id,\"type\":\"ack\"}"; sync; poweroff -f ;;
    *) send "{\"id\":$id,\"type\":\"error\",\"message\":\"unknown op: $(esc "$op")\"}" ;;
  esac
done
