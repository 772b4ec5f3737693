// Throughput of our TFTP server against dnsmasq's on the same 32 MiB file in the same run, with the
// same clients, on the loopback of a lab namespace made for the run (dnsmasq's TFTP port is 69).
// Goals (perf-targets §1): ours ≥ 1.0× dnsmasq at the same block size; windowsize 16 + blksize 1456
// ≥ 5× blksize 512 / window 1 (our client on both sides: no installed client does windowsize).
// Every round measures every comparison once, each as an adjacent pair in alternating order, so
// load spikes and drift over the run hit both sides of a pair alike; a figure is the median of the
// per-pair ratios, printed with quartiles, range and the load average; beside it each server's CPU
// time per MiB sent (from /proc), which the load disturbs far less.
// Usage: node --import tsx bench/tftp-vs-dnsmasq.ts [rounds=11] [MiB=32]     (root, for the namespace)
//        internal: … --client <port> <file> <blksize> <windowsize>  (one transfer, inside the namespace)
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { LabNetwork, SiteHost, tftpGet, withLabRun } from '../lab/index.js';
import { loadLine, median, oneRound, processCpuSeconds, ratios, spread } from './paired.js';

const SELF = fileURLToPath(import.meta.url);
const OUR_PORT = 6969;
const FILE = 'boot.wim';

interface Measurement {
  ms: number;
  sha256: string;
}

/** The pid of the site host's node process in namespace `ns` (the one that serves TFTP). */
async function siteHostPid(ns: string): Promise<number> {
  const { stdout } = await execa('ip', ['netns', 'pids', ns]);
  for (const pid of stdout.split('\n').map(Number).filter((p) => p > 0)) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('host-process')) return pid;
  }
  throw new Error(`no site host process in namespace ${ns}`);
}

/** One transfer by our client, timed inside the namespace's own process. */
async function clientMode(port: number, file: string, blockSize: number, windowSize: number): Promise<void> {
  const start = performance.now();
  const r = await tftpGet({ host: '127.0.0.1', port, file, blockSize, windowSize, timeoutMs: 2000 });
  const ms = performance.now() - start;
  process.stdout.write(JSON.stringify({ ms, sha256: createHash('sha256').update(r.data).digest('hex') } satisfies Measurement));
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 11);
  const mib = Number(process.argv[3] ?? 32);
  const data = randomBytes(mib * 1024 * 1024);
  const want = createHash('sha256').update(data).digest('hex');
  const root = await mkdtemp(join(tmpdir(), 'osdlab-bench-tftp-'));
  await chmod(root, 0o755);
  await writeFile(join(root, FILE), data, { mode: 0o644 });
  try {
    await withLabRun(`bench-tftp-${process.pid}`, async (run) => {
      const net = await LabNetwork.create(run.runId, [{ name: 'lan' }], run.cleanup, run.signal);
      const ns = net.namespace;
      await SiteHost.start(ns, { tftp: { root, address: '127.0.0.1', port: OUR_PORT } }, run.cleanup, run.signal);
      const dnsmasq = execa('ip', ['netns', 'exec', ns, 'dnsmasq', '--no-daemon', '--conf-file=/dev/null', '--port=0', '--user=root', '--listen-address=127.0.0.1', '--bind-interfaces',
        '--enable-tftp', `--tftp-root=${root}`, '--quiet-tftp', '--log-facility=-', `--pid-file=${join(run.tempDir, 'dnsmasq.pid')}`], { reject: false, cancelSignal: run.signal, forceKillAfterDelay: 1000 });
      run.cleanup.add('dnsmasq', async () => {
        dnsmasq.kill();
        await dnsmasq;
      });
      await new Promise((r) => setTimeout(r, 500));
      // `ip netns exec` execs its command: dnsmasq keeps the pid execa started. Our server is the
      // namespace's node process running the site host.
      const ourPid = await siteHostPid(ns);
      const serverCpu = (port: number) => processCpuSeconds(port === OUR_PORT ? ourPid : dnsmasq.pid!);

      /** CPU seconds per MiB of the server on `port`, by the label of the last measurement. */
      const cpuPerMiB = new Map<string, number[]>();
      const withCpu = async (label: string, port: number, transfer: () => Promise<number>): Promise<number> => {
        const before = serverCpu(port);
        const ms = await transfer();
        cpuPerMiB.set(label, [...(cpuPerMiB.get(label) ?? []), (serverCpu(port) - before) / mib]);
        return ms;
      };
      const ours = async (port: number, blockSize: number, windowSize: number): Promise<number> => {
        const r = await execa('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', SELF, '--client', String(port), FILE, String(blockSize), String(windowSize)], { cancelSignal: run.signal });
        const m = JSON.parse(r.stdout) as Measurement;
        if (m.sha256 !== want) throw new Error(`our client got different bytes from port ${port}`);
        return m.ms;
      };
      const curl = async (port: number, blockSize: number): Promise<number> => {
        const out = join(run.tempDir, 'curl.out');
        const r = await execa('ip', ['netns', 'exec', ns, 'curl', '-s', '-S', '-o', out, '-w', '%{time_total}', '--tftp-blksize', String(blockSize), `tftp://127.0.0.1:${port}/${FILE}`], { cancelSignal: run.signal });
        const got = createHash('sha256').update(await readFile(out)).digest('hex');
        if (got !== want) throw new Error(`curl got different bytes from port ${port}`);
        return Number(r.stdout) * 1000;
      };
      const mbps = (ms: number) => (data.length / 1e6 / (ms / 1000)).toFixed(1);
      // Each comparison: a and b are transfer times; the figure is b/a per pair (a's throughput
      // relative to b's).
      const curlOn = (port: number, blockSize: number) => () => withCpu(`${port === OUR_PORT ? 'ours' : 'dnsmasq'}, curl ${blockSize}`, port, () => curl(port, blockSize));
      const oursOn = (port: number, blockSize: number, windowSize: number) => () =>
        withCpu(`${port === OUR_PORT ? 'ours' : 'dnsmasq'}, our client ${blockSize}/${windowSize}`, port, () => ours(port, blockSize, windowSize));
      const comparisons: { label: string; a: () => Promise<number>; b: () => Promise<number>; goal: number }[] = [
        { label: 'curl, blksize 512: ours / dnsmasq', a: curlOn(OUR_PORT, 512), b: curlOn(69, 512), goal: 1 },
        { label: 'curl, blksize 1456: ours / dnsmasq', a: curlOn(OUR_PORT, 1456), b: curlOn(69, 1456), goal: 1 },
        { label: 'our client, 512/window 1: ours / dnsmasq', a: oursOn(OUR_PORT, 512, 1), b: oursOn(69, 512, 1), goal: 1 },
        { label: 'our client, 1456/window 1: ours / dnsmasq', a: oursOn(OUR_PORT, 1456, 1), b: oursOn(69, 1456, 1), goal: 1 },
        { label: 'ours, 1456/window 16 vs 512/window 1', a: oursOn(OUR_PORT, 1456, 16), b: oursOn(OUR_PORT, 512, 1), goal: 5 },
      ];
      // One untimed transfer per server and client first: the first one pays for JIT and the cold file.
      for (const port of [OUR_PORT, 69]) {
        await curl(port, 1456);
        await ours(port, 1456, 1);
      }
      const times = comparisons.map(() => ({ a: [] as number[], b: [] as number[] }));
      const before = loadLine();
      for (let round = 0; round < rounds; round++) {
        for (const [i, c] of comparisons.entries()) {
          const got = await oneRound(round, { a: c.a, b: c.b });
          times[i]!.a.push(got.a);
          times[i]!.b.push(got.b);
        }
      }
      console.log(`TFTP, ${mib} MiB, loopback in a lab namespace, ${rounds} rounds; ${before} at the start, ${loadLine()} at the end`);
      let ok = true;
      for (const [i, c] of comparisons.entries()) {
        const { a, b } = times[i]!;
        const r = ratios(b, a);
        ok &&= median(r) >= c.goal;
        console.log(
          `${c.label.padEnd(42)} ${spread(r)}; goal ≥ ${c.goal}×; median ${mbps(median(a))} vs ${mbps(median(b))} MB/s`,
        );
      }
      console.log(`server CPU ms per MiB sent (medians): ${[...cpuPerMiB].map(([label, xs]) => `${label} ${(median(xs) * 1000).toFixed(0)}`).join('; ')}`);
      console.log(ok ? 'goals met' : 'goals NOT met');
      process.exitCode = ok ? 0 : 1;
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--client') {
  const [port, file, blockSize, windowSize] = process.argv.slice(3);
  await clientMode(Number(port), file!, Number(blockSize), Number(windowSize));
} else {
  await main();
}
