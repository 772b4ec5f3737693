// Throughput of our TFTP server against dnsmasq's on the same 32 MiB file in the same run, with the
// same clients, on the loopback of a lab namespace made for the run (dnsmasq's TFTP port is 69).
// Goals (perf-targets §1): ours ≥ 1.0× dnsmasq at the same block size; windowsize 16 + blksize 1456
// ≥ 5× blksize 512 / window 1 (our client on both sides: no installed client does windowsize).
// Usage: node --import tsx bench/tftp-vs-dnsmasq.ts [rounds] [MiB]     (root, for the namespace)
//        internal: … --client <port> <file> <blksize> <windowsize>  (one transfer, inside the namespace)
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { LabNetwork, SiteHost, tftpGet, withLabRun } from '../lab/index.js';

const SELF = fileURLToPath(import.meta.url);
const OUR_PORT = 6969;
const FILE = 'boot.wim';

interface Measurement {
  ms: number;
  sha256: string;
}

/** One transfer by our client, timed inside the namespace's own process. */
async function clientMode(port: number, file: string, blockSize: number, windowSize: number): Promise<void> {
  const start = performance.now();
  const r = await tftpGet({ host: '127.0.0.1', port, file, blockSize, windowSize, timeoutMs: 2000 });
  const ms = performance.now() - start;
  process.stdout.write(JSON.stringify({ ms, sha256: createHash('sha256').update(r.data).digest('hex') } satisfies Measurement));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 3);
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
      // Rounds are interleaved pairs, so a load spike on the shared machine hits both sides of a
      // pair alike; the ratio reported is the median of the per-pair ratios.
      const row = async (label: string, measure: (port: number) => Promise<number>) => {
        const o: number[] = [];
        const d: number[] = [];
        for (let i = 0; i < rounds; i++) {
          o.push(await measure(OUR_PORT));
          d.push(await measure(69));
        }
        const ratios = o.map((ms, i) => d[i]! / ms);
        const [om, dm, r] = [median(o), median(d), median(ratios)];
        console.log(
          `${label.padEnd(34)} ours ${om.toFixed(0).padStart(6)} ms ${mbps(om).padStart(6)} MB/s | dnsmasq ${dm.toFixed(0).padStart(6)} ms ${mbps(dm).padStart(6)} MB/s | ` +
            `ours/dnsmasq throughput ${r.toFixed(2)}× (pairs ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
        );
        return r;
      };

      console.log(`TFTP, ${mib} MiB, loopback in a lab namespace, median of ${rounds} (goal ≥ 1.00× dnsmasq at the same block size)`);
      const ratios = [
        await row('curl, blksize 512', (p) => curl(p, 512)),
        await row('curl, blksize 1456', (p) => curl(p, 1456)),
        await row('our client, blksize 512, window 1', (p) => ours(p, 512, 1)),
        await row('our client, blksize 1456, window 1', (p) => ours(p, 1456, 1)),
      ];
      const speedups: number[] = [];
      const lockstep: number[] = [];
      const windowed: number[] = [];
      for (let i = 0; i < rounds; i++) {
        lockstep.push(await ours(OUR_PORT, 512, 1));
        windowed.push(await ours(OUR_PORT, 1456, 16));
        speedups.push(lockstep[i]! / windowed[i]!);
      }
      const [l, w, speedup] = [median(lockstep), median(windowed), median(speedups)];
      console.log(
        `our server, our client: blksize 512/window 1 ${l.toFixed(0)} ms (${mbps(l)} MB/s), blksize 1456/window 16 ${w.toFixed(0)} ms (${mbps(w)} MB/s): ` +
          `${speedup.toFixed(2)}× (pairs ${Math.min(...speedups).toFixed(2)}–${Math.max(...speedups).toFixed(2)}; goal ≥ 5×)`,
      );
      const ok = ratios.every((r) => r >= 1) && speedup >= 5;
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
