// The lab network of one run: a network namespace osdlab-<runId> holding one Linux bridge per lab
// subnet (addresses from 198.18.0.0/15) and a tap per machine NIC. QEMU runs inside the namespace
// (`ip netns exec`), so its taps live there too. Nothing attaches to host interfaces; no host routes.
// Removing the namespace removes its bridges; taps go with the QEMU process holding them.
import { execa } from 'execa';
import { EnvironmentError, InputError } from '../../scenarios/index.js';
import type { CleanupRegistry } from './cleanup.js';
import { addWanLink, shapeTapEgress, type LinkEmulator, type WanShaping } from './wan-link.js';

export interface LabSubnetSpec {
  name: string;
  /** A /16–/30 inside 198.18.0.0/15; default: 198.18.<index>.0/24. */
  cidr?: string;
}

export interface LabSubnet {
  name: string;
  cidr: string;
  bridge: string;
  /** The bridge's own address (first host): where the site servers of the subnet listen. */
  gateway: string;
  prefixLength: number;
}

/** Rate shaping of a tap (tc tbf); delay and loss are refused here (see addWanLink). */
export interface LinkShaping {
  rateKbit?: number;
  delayMs?: number;
  lossPercent?: number;
}

const LAB_RANGE = { base: ipToInt('198.18.0.0'), prefix: 15 };

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses and checks a lab subnet: inside 198.18.0.0/15, network address given. */
export function parseLabCidr(cidr: string, where: string): { network: number; prefixLength: number } {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(cidr);
  const bad = (why: string): InputError => new InputError({ path: where, message: `found "${cidr}"; ${why}` });
  if (!m || m[1].split('.').some((o) => Number(o) > 255)) throw bad('allowed: an IPv4 CIDR such as 198.18.1.0/24');
  const prefixLength = Number(m[2]);
  if (prefixLength < 16 || prefixLength > 30) throw bad('allowed: a prefix length from /16 to /30');
  const network = ipToInt(m[1]);
  if ((network & mask(prefixLength)) >>> 0 !== network) throw bad(`allowed: the network address (${intToIp((network & mask(prefixLength)) >>> 0)}/${prefixLength})`);
  if ((network & mask(LAB_RANGE.prefix)) >>> 0 !== LAB_RANGE.base) throw bad('allowed: a subnet of the lab range 198.18.0.0/15 (RFC 2544 benchmarking addresses)');
  return { network, prefixLength };
}

export function namespaceName(runId: string): string {
  return `osdlab-${runId}`;
}

async function ip(args: string[], signal?: AbortSignal): Promise<void> {
  const r = await execa('ip', args, { reject: false, cancelSignal: signal });
  if (r.exitCode !== 0) throw new EnvironmentError(`ip ${args.join(' ')} failed: ${r.stderr.trim()}`, 'run osdlab as root on a kernel with network namespaces, bridges and tun/tap');
}

export class LabNetwork {
  private readonly subnets = new Map<string, LabSubnet>();
  private tapCount = 0;
  private readonly wanLinks: { near: string; far: string }[] = [];

  private constructor(
    readonly namespace: string,
    private readonly cleanup: CleanupRegistry,
  ) {}

  /** Creates the namespace and one bridge per subnet; their removal is registered in `cleanup` first. */
  static async create(runId: string, subnets: readonly LabSubnetSpec[], cleanup: CleanupRegistry, signal?: AbortSignal): Promise<LabNetwork> {
    const ns = namespaceName(runId);
    const net = new LabNetwork(ns, cleanup);
    const parsed = subnets.map((s, i) => {
      const cidr = s.cidr ?? `198.18.${i}.0/24`;
      return { name: s.name, cidr, ...parseLabCidr(cidr, `subnets[${i}].cidr`) };
    });
    cleanup.add(`network namespace ${ns}`, () => LabNetwork.removeNamespace(ns));
    await ip(['netns', 'add', ns], signal);
    await ip(['-n', ns, 'link', 'set', 'lo', 'up'], signal);
    // The namespace routes between its subnets (site servers on one, machines on another).
    await execa('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1'], { cancelSignal: signal });
    for (const [i, s] of parsed.entries()) {
      const bridge = `br${i}`;
      const gateway = intToIp(s.network + 1);
      await ip(['-n', ns, 'link', 'add', bridge, 'type', 'bridge'], signal);
      await ip(['-n', ns, 'addr', 'add', `${gateway}/${s.prefixLength}`, 'dev', bridge], signal);
      await ip(['-n', ns, 'link', 'set', bridge, 'up'], signal);
      net.subnets.set(s.name, { name: s.name, cidr: s.cidr, bridge, gateway, prefixLength: s.prefixLength });
    }
    return net;
  }

  /** Deletes a namespace if it exists (idempotent: cleanup may run twice on an interrupt). */
  static async removeNamespace(ns: string): Promise<void> {
    const r = await execa('ip', ['netns', 'del', ns], { reject: false });
    if (r.exitCode !== 0 && !/No such file|not found|Invalid/i.test(r.stderr)) throw new Error(`ip netns del ${ns}: ${r.stderr.trim()}`);
  }

  subnet(name: string): LabSubnet {
    const s = this.subnets.get(name);
    if (!s) throw new InputError({ path: 'subnet', message: `found "${name}"; allowed: ${[...this.subnets.keys()].join(', ')}` });
    return s;
  }

  /** A tap on the subnet's bridge for one machine NIC; QEMU opens it by name inside the namespace. */
  async addTap(subnetName: string, signal?: AbortSignal): Promise<string> {
    const s = this.subnet(subnetName);
    const tap = `tap${this.tapCount++}`;
    this.cleanup.add(`tap ${tap} in ${this.namespace}`, async () => {
      await execa('ip', ['-n', this.namespace, 'link', 'del', tap], { reject: false });
    });
    await ip(['-n', this.namespace, 'tuntap', 'add', 'dev', tap, 'mode', 'tap'], signal);
    await ip(['-n', this.namespace, 'link', 'set', tap, 'master', s.bridge], signal);
    await ip(['-n', this.namespace, 'link', 'set', tap, 'up'], signal);
    return tap;
  }

  /**
   * Puts `far` behind a shaped WAN link (lab/qemu/wan-link.ts): its gateway moves from its bridge to
   * the router's end of the link, so all traffic between `far` and the other subnets crosses it.
   * Call before anything binds to the far gateway address. A hub-and-spoke site: a subnet is behind
   * one link at most, and a hub cannot itself be behind a link.
   */
  async addWanLink(near: string, far: string, shaping: WanShaping, emulator: LinkEmulator, socketDir: string, signal?: AbortSignal): Promise<{ nearTap: string; farTap: string }> {
    const n = this.subnet(near);
    const f = this.subnet(far);
    const clash = this.wanLinks.find((l) => l.far === far || l.far === near || l.near === far);
    if (clash || near === far) {
      throw new EnvironmentError(
        `WAN link ${near} ↔ ${far}: the QEMU lab builds hub-and-spoke sites, where each branch subnet is behind one link to a hub (already: ${clash ? `${clash.near} ↔ ${clash.far}` : 'the same subnet twice'})`,
        'model other topologies on the twin',
      );
    }
    await ip(['-n', this.namespace, 'addr', 'del', `${f.gateway}/${f.prefixLength}`, 'dev', f.bridge], signal);
    const taps = await addWanLink({
      namespace: this.namespace,
      index: this.wanLinks.length,
      farBridge: f.bridge,
      farGateway: `${f.gateway}/${f.prefixLength}`,
      shaping,
      emulator,
      socketDir,
      cleanup: this.cleanup,
      ...(signal ? { signal } : {}),
    });
    this.wanLinks.push({ near: n.name, far: f.name });
    return taps;
  }

  /** Prefix for a command to run inside the namespace: `ip netns exec <ns>`. */
  execPrefix(): string[] {
    return ['ip', 'netns', 'exec', this.namespace];
  }

  /**
   * Shapes the traffic leaving `ifname` (for a machine's tap: the traffic towards the machine) with
   * tc tbf. Latency and loss belong to the WAN links between subnets (addWanLink), not to a tap.
   */
  async shapeLink(ifname: string, shaping: LinkShaping, signal?: AbortSignal): Promise<void> {
    if (shaping.delayMs || shaping.lossPercent) {
      throw new EnvironmentError(`link ${ifname}: latency and loss are emulated on the WAN links between subnets (site.links), not on a machine's own tap`, 'describe the latency and loss on the scenario\'s site.links');
    }
    if (shaping.rateKbit === undefined) return;
    if (!(shaping.rateKbit > 0)) throw new InputError({ path: 'link.rate', message: `found ${shaping.rateKbit} kbit/s; allowed: a positive rate` });
    await shapeTapEgress(this.namespace, ifname, { rateKbit: shaping.rateKbit, delayMs: 0, lossPercent: 0 }, 'wirefilter', signal);
  }
}

