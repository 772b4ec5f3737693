// Site hosts on the lab network: a namespace of their own (osdlab-<runId>-<name>) with a veth
// "eth0" whose peer sits on a lab subnet's bridge, so a site server has its own address on the
// subnet as a server in the field does. Everything is registered with the run's cleanup first.
import { execa } from 'execa';
import { EnvironmentError } from '../../../scenarios/index.js';
import { LabNetwork, type LabRun } from '../../qemu/index.js';

export interface LabHost {
  namespace: string;
  ifname: string;
}

async function ip(args: string[], signal?: AbortSignal): Promise<void> {
  const r = await execa('ip', args, { reject: false, ...(signal ? { cancelSignal: signal } : {}) });
  if (r.exitCode !== 0) throw new EnvironmentError(`ip ${args.join(' ')} failed: ${r.stderr.trim()}`, 'run osdlab as root on a kernel with network namespaces and veth pairs');
}

/**
 * A host on `subnet`'s bridge: namespace osdlab-<runId>-<name>, a veth "eth0" whose peer sits on
 * the bridge, the given MAC and (optionally) a static address; a /32 route for 255.255.255.255 so
 * a DHCP server or PXE responder here can broadcast (Node cannot pick the egress interface for it).
 */
export async function addLabHost(run: LabRun, net: LabNetwork, subnet: string, name: string, options: { mac?: string; address?: string } = {}): Promise<LabHost> {
  const bridge = net.subnet(subnet);
  const namespace = `${net.namespace}-${name}`;
  const peer = `v${name}`.slice(0, 15);
  run.cleanup.add(`network namespace ${namespace}`, () => LabNetwork.removeNamespace(namespace));
  await ip(['netns', 'add', namespace], run.signal);
  await ip(['link', 'add', 'eth0', 'netns', namespace, 'type', 'veth', 'peer', 'name', peer, 'netns', net.namespace], run.signal);
  await ip(['-n', net.namespace, 'link', 'set', peer, 'master', bridge.bridge, 'up'], run.signal);
  if (options.mac) await ip(['-n', namespace, 'link', 'set', 'eth0', 'address', options.mac], run.signal);
  // One frame per packet: tbf on a WAN link counts a segmentation-offload super-packet's wire
  // overhead once, which let measured goodput exceed the link's rate by ~10%.
  await ip(['-n', namespace, 'link', 'set', 'eth0', 'gso_max_segs', '1'], run.signal);
  await ip(['-n', namespace, 'link', 'set', 'lo', 'up'], run.signal);
  await ip(['-n', namespace, 'link', 'set', 'eth0', 'up'], run.signal);
  if (options.address) {
    await ip(['-n', namespace, 'addr', 'add', `${options.address}/${bridge.prefixLength}`, 'dev', 'eth0'], run.signal);
    await ip(['-n', namespace, 'route', 'add', '255.255.255.255/32', 'dev', 'eth0'], run.signal);
    // Other lab subnets are reached through the lab namespace, which routes between its bridges.
    await ip(['-n', namespace, 'route', 'add', 'default', 'via', bridge.gateway], run.signal);
  }
  return { namespace, ifname: 'eth0' };
}
