// Test helpers for real-client tests: extra hosts (a namespace each) on a lab subnet's bridge,
// and running commands inside them. Everything is registered with the run's cleanup first.
import { execa } from 'execa';
import { LabNetwork, type LabRun } from '../../qemu/index.js';

export interface LabHost {
  namespace: string;
  ifname: string;
}

async function ip(args: string[]): Promise<void> {
  await execa('ip', args);
}

/** Can this process create namespaces (root, iproute2)? Real-client tests skip without it. */
export async function canCreateNamespaces(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  const r = await execa('ip', ['netns', 'list'], { reject: false });
  return r.exitCode === 0;
}

/**
 * A host on `subnet`'s bridge: namespace osdlab-<runId>-<name>, a veth "eth0" whose peer sits on
 * the bridge, the given MAC and (optionally) a static address; a /32 route for 255.255.255.255 so
 * a DHCP server here can broadcast (Node cannot pick the egress interface for it).
 */
export async function addLabHost(run: LabRun, net: LabNetwork, subnet: string, name: string, options: { mac?: string; address?: string } = {}): Promise<LabHost> {
  const bridge = net.subnet(subnet);
  const namespace = `${net.namespace}-${name}`;
  const peer = `v${name}`.slice(0, 15);
  run.cleanup.add(`network namespace ${namespace}`, () => LabNetwork.removeNamespace(namespace));
  await ip(['netns', 'add', namespace]);
  await ip(['link', 'add', 'eth0', 'netns', namespace, 'type', 'veth', 'peer', 'name', peer, 'netns', net.namespace]);
  await ip(['-n', net.namespace, 'link', 'set', peer, 'master', bridge.bridge, 'up']);
  if (options.mac) await ip(['-n', namespace, 'link', 'set', 'eth0', 'address', options.mac]);
  await ip(['-n', namespace, 'link', 'set', 'lo', 'up']);
  await ip(['-n', namespace, 'link', 'set', 'eth0', 'up']);
  if (options.address) {
    await ip(['-n', namespace, 'addr', 'add', `${options.address}/${bridge.prefixLength}`, 'dev', 'eth0']);
    await ip(['-n', namespace, 'route', 'add', '255.255.255.255/32', 'dev', 'eth0']);
  }
  return { namespace, ifname: 'eth0' };
}

/** The broadcast route a DHCP service on the lab namespace's bridge needs. */
export async function addBroadcastRoute(net: LabNetwork, subnet: string): Promise<void> {
  await ip(['-n', net.namespace, 'route', 'add', '255.255.255.255/32', 'dev', net.subnet(subnet).bridge]);
}

export function inNamespace(namespace: string, command: string, args: string[], options: { timeout?: number; cancelSignal?: AbortSignal } = {}) {
  return execa('ip', ['netns', 'exec', namespace, command, ...args], { reject: false, timeout: options.timeout ?? 20_000, ...(options.cancelSignal ? { cancelSignal: options.cancelSignal } : {}) });
}
