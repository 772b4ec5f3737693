// The guest's network as WinPE brings it up: every adapter with a driver asks the subnet's DHCP
// server for an address (busybox udhcpc). An adapter without a driver does not exist in the guest,
// so a boot image lacking the NIC's driver simply has no network, and the next HTTP request fails
// with the client's own error.
import type { GuestShell } from './guest-shell.js';

const LEASE_SCRIPT = '/tmp/osdlab-udhcpc.sh';

/** What udhcpc runs on a lease: the address on the adapter, the router as default route. */
const LEASE_HANDLER = [
  '#!/bin/sh',
  'case "$1" in',
  '  bound|renew)',
  '    ifconfig "$interface" "$ip" netmask "$subnet" up',
  '    [ -n "$router" ] && route add default gw "${router%% *}" dev "$interface"',
  '    echo "network: $interface has $ip ($subnet) from the DHCP server $serverid" ;;',
  'esac',
  'exit 0',
];

/**
 * Shell script: DHCP on every adapter (except lo) that has no IPv4 address yet; adapters that have
 * one are left alone, so it can run before every download. Always exits 0: what happens without
 * a network is for the next request to find out (and report in its own words).
 */
export function guestNetworkScript(): string {
  const handler = LEASE_HANDLER.map((l) => `'${l.replaceAll("'", "'\\''")}'`).join(' ');
  return [
    `[ -x ${LEASE_SCRIPT} ] || { printf '%s\\n' ${handler} > ${LEASE_SCRIPT} && chmod +x ${LEASE_SCRIPT}; }`,
    'adapters=0',
    'for n in /sys/class/net/*; do',
    '  i=${n##*/}',
    '  [ "$i" = lo ] && continue',
    '  adapters=$((adapters + 1))',
    '  ip -4 -o addr show dev "$i" | grep -q inet && continue',
    '  ip link set "$i" up',
    `  udhcpc -i "$i" -f -q -n -t 5 -T 3 -s ${LEASE_SCRIPT} 2>&1 | grep -v '^udhcpc: \\(started\\|broadcasting\\|sending\\|lease of\\)'`,
    'done',
    '[ "$adapters" -gt 0 ] || echo "network: no network adapter has a driver in this boot image"',
    'exit 0',
  ].join('\n');
}

/** Brings the guest's network up (DHCP); returns what the guest said about it. */
export async function bringUpGuestNetwork(guest: GuestShell, signal?: AbortSignal): Promise<string[]> {
  return (await guest.run(guestNetworkScript(), 60, signal)).output;
}
