// Test helpers for real-client tests: extra hosts (a namespace each) on a lab subnet's bridge,
// and running commands inside them. Everything is registered with the run's cleanup first.
import { execa } from 'execa';
import type { LabNetwork } from '../../qemu/index.js';

export { addLabHost, type LabHost } from '../lab/lab-host.js';

async function ip(args: string[]): Promise<void> {
  await execa('ip', args);
}

/** Can this process create namespaces (root, iproute2)? Real-client tests skip without it. */
export async function canCreateNamespaces(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  const r = await execa('ip', ['netns', 'list'], { reject: false });
  return r.exitCode === 0;
}

/** The broadcast route a DHCP service on the lab namespace's bridge needs. */
export async function addBroadcastRoute(net: LabNetwork, subnet: string): Promise<void> {
  await ip(['-n', net.namespace, 'route', 'add', '255.255.255.255/32', 'dev', net.subnet(subnet).bridge]);
}

export function inNamespace(namespace: string, command: string, args: string[], options: { timeout?: number; cancelSignal?: AbortSignal } = {}) {
  return execa('ip', ['netns', 'exec', namespace, command, ...args], { reject: false, timeout: options.timeout ?? 20_000, ...(options.cancelSignal ? { cancelSignal: options.cancelSignal } : {}) });
}
