// A shaped WAN link between two lab subnets (a scenario's `site.links` entry). The lab namespace
// routes between its bridges; the far subnet's gateway sits on a tap whose frames travel through
// two VDE switches joined by VDE's wirefilter before they reach the far bridge:
//
//   router (lab ns) ─ wanN-a ─ vde_switch ─ wirefilter ─ vde_switch ─ wanN-b ─ far bridge
//
// Rate is tc tbf on both taps (one per direction). Delay and loss are tc netem on the taps where the
// kernel has netem, else wirefilter's own delay and loss (userspace, works on any kernel). The
// switches and the filter run as children whose stdin is a pipe: they exit on its EOF, so they
// cannot outlive the osdlab process even when it is killed.
import { execa, type ResultPromise } from 'execa';
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EnvironmentError, InputError } from '../../scenarios/index.js';
import type { CleanupRegistry } from './cleanup.js';

export interface WanShaping {
  /** Link rate in kbit/s, each direction. */
  rateKbit: number;
  /** One-way latency, each direction. */
  delayMs: number;
  lossPercent: number;
}

/** How delay and loss are emulated on this host. */
export type LinkEmulator = 'netem' | 'wirefilter';

const WIREFILTER = '/usr/bin/wirefilter';
const VDE_SWITCH = '/usr/bin/vde_switch';
const SOCKET_WAIT_MS = 10_000;
/**
 * Bytes a frame costs on the wire beyond what tc sees (preamble 8, inter-frame gap 12, FCS 4), so a
 * link's rate is its line rate as the twin counts it (TCP goodput 1460/1538 of it).
 */
const WIRE_OVERHEAD_BYTES = 24;

/** netem when this kernel has it (probed in a throw-away namespace), wirefilter otherwise. */
export async function probeLinkEmulator(): Promise<{ emulator: LinkEmulator | undefined; detail: string }> {
  const ns = `osdlab-netem-probe-${process.pid}`;
  let netem: boolean | undefined;
  if ((await execa('ip', ['netns', 'add', ns], { reject: false })).exitCode === 0) {
    try {
      netem = (await execa('tc', ['-n', ns, 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'], { reject: false })).exitCode === 0;
    } finally {
      await execa('ip', ['netns', 'del', ns], { reject: false });
    }
  }
  if (netem === undefined) return { emulator: undefined, detail: 'not probed: cannot create a network namespace (run as root)' };
  if (netem) return { emulator: 'netem', detail: 'delay and loss with tc netem (kernel)' };
  const vde = await Promise.all([WIREFILTER, VDE_SWITCH].map((p) => access(p).then(() => true, () => false)));
  if (vde.every(Boolean)) return { emulator: 'wirefilter', detail: 'this kernel has no netem: delay and loss with VDE wirefilter (userspace)' };
  return { emulator: undefined, detail: 'no netem and no VDE wirefilter (apt-get install vde2): links with latency or loss are refused' };
}

export interface WanLinkOptions {
  namespace: string;
  /** Index of the link in the run (names its taps: wan<index>a / wan<index>b). */
  index: number;
  /** The far subnet's bridge and gateway address with prefix, e.g. 198.18.20.1/24. */
  farBridge: string;
  farGateway: string;
  shaping: WanShaping;
  emulator: LinkEmulator;
  /** Folder for the VDE switches' control sockets. */
  socketDir: string;
  cleanup: CleanupRegistry;
  signal?: AbortSignal;
}

async function ip(namespace: string, args: string[], signal?: AbortSignal): Promise<void> {
  const r = await execa('ip', ['-n', namespace, ...args], { reject: false, cancelSignal: signal });
  if (r.exitCode !== 0) throw new EnvironmentError(`ip -n ${namespace} ${args.join(' ')} failed: ${r.stderr.trim()}`);
}

/** A child that lives as long as the run: stopped by cleanup, and by its stdin's EOF if we die. */
function child(label: string, command: string[], cleanup: CleanupRegistry): ResultPromise {
  const proc = execa(command[0]!, command.slice(1), { stdin: 'pipe', stdout: 'ignore', stderr: 'pipe', reject: false });
  proc.catch(() => undefined);
  cleanup.add(label, async () => {
    proc.kill('SIGTERM');
    await proc;
  });
  return proc;
}

async function waitForSocket(dir: string, proc: ResultPromise, what: string, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + SOCKET_WAIT_MS;
  while (!(await access(join(dir, 'ctl')).then(() => true, () => false))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      const r = await Promise.race([proc, sleep(100).then(() => undefined)]);
      throw new EnvironmentError(`${what} did not start: ${r?.stderr?.toString().trim() || 'no control socket'}`, 'apt-get install vde2');
    }
    await sleep(20, undefined, { signal });
  }
}

function checkShaping(s: WanShaping): void {
  if (!(s.rateKbit > 0)) throw new InputError({ path: 'link.bandwidth', message: `found ${s.rateKbit} kbit/s; allowed: a positive rate` });
  if (!(s.delayMs >= 0)) throw new InputError({ path: 'link.latency', message: `found ${s.delayMs} ms; allowed: 0 or more` });
  if (!(s.lossPercent >= 0 && s.lossPercent < 100)) throw new InputError({ path: 'link.loss', message: `found ${s.lossPercent}%; allowed: 0% up to below 100%` });
}

/** Shapes egress of `ifname`: tbf alone, or netem carrying delay, loss and rate. */
export async function shapeTapEgress(namespace: string, ifname: string, s: WanShaping, emulator: LinkEmulator, signal?: AbortSignal): Promise<void> {
  const netem = emulator === 'netem' && (s.delayMs > 0 || s.lossPercent > 0);
  // tbf burst: a full frame and ~10 ms at the rate, so it does not starve TCP.
  const burstBytes = Math.max(1600, Math.ceil((s.rateKbit * 1000) / 8 / 100));
  const qdisc = netem
    ? ['netem', 'delay', `${s.delayMs}ms`, 'loss', `${s.lossPercent}%`, 'rate', `${s.rateKbit}kbit`, String(WIRE_OVERHEAD_BYTES), 'limit', '100000']
    : ['tbf', 'rate', `${s.rateKbit}kbit`, 'burst', String(burstBytes), 'latency', `${Math.max(50, 2 * s.delayMs + 50)}ms`, 'overhead', String(WIRE_OVERHEAD_BYTES)];
  const r = await execa('tc', ['-n', namespace, 'qdisc', 'replace', 'dev', ifname, 'root', ...qdisc], { reject: false, cancelSignal: signal });
  if (r.exitCode !== 0) throw new EnvironmentError(`tc ${qdisc[0]} on ${ifname} in ${namespace} failed: ${r.stderr.trim()}`);
}

/**
 * Builds the link. The far gateway address must not be on the far bridge (the caller moves it), so
 * that the router reaches the far subnet only through the link.
 */
export async function addWanLink(o: WanLinkOptions): Promise<{ nearTap: string; farTap: string }> {
  checkShaping(o.shaping);
  const nearTap = `wan${o.index}a`;
  const farTap = `wan${o.index}b`;
  const near = join(o.socketDir, `wan${o.index}-near`);
  const far = join(o.socketDir, `wan${o.index}-far`);
  await mkdir(o.socketDir, { recursive: true });
  const inNs = ['ip', 'netns', 'exec', o.namespace];
  const nearSwitch = child(`vde_switch for ${nearTap} in ${o.namespace}`, [...inNs, VDE_SWITCH, '-s', near, '-t', nearTap], o.cleanup);
  const farSwitch = child(`vde_switch for ${farTap} in ${o.namespace}`, [...inNs, VDE_SWITCH, '-s', far, '-t', farTap], o.cleanup);
  await waitForSocket(near, nearSwitch, `vde_switch for ${nearTap}`, o.signal);
  await waitForSocket(far, farSwitch, `vde_switch for ${farTap}`, o.signal);
  const filter = o.emulator === 'wirefilter' ? ['-d', String(o.shaping.delayMs), '-l', String(o.shaping.lossPercent)] : [];
  const wirefilter = child(`wirefilter of WAN link ${o.index} in ${o.namespace}`, [WIREFILTER, '-v', `${near}:${far}`, ...filter], o.cleanup);
  await sleep(100, undefined, { signal: o.signal });
  if (wirefilter.exitCode !== null) throw new EnvironmentError(`wirefilter of WAN link ${o.index} exited: ${String((await wirefilter).stderr).trim()}`);

  await ip(o.namespace, ['addr', 'add', o.farGateway, 'dev', nearTap], o.signal);
  await ip(o.namespace, ['link', 'set', nearTap, 'up'], o.signal);
  await ip(o.namespace, ['link', 'set', farTap, 'master', o.farBridge, 'up'], o.signal);
  await shapeTapEgress(o.namespace, nearTap, o.shaping, o.emulator, o.signal);
  await shapeTapEgress(o.namespace, farTap, o.shaping, o.emulator, o.signal);
  return { nearTap, farTap };
}
