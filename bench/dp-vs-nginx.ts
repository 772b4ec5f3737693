// Our distribution point's HTTP throughput against nginx serving the same file on loopback, both
// fetched by the same client (curl to /dev/null). Three sides per round, interleaved in a rotating
// order: nginx (sendfile on), our DP as it serves (sendfile through koffi) and our DP sending
// through user space (zeroCopy: false, the fallback, for comparison in the same conditions).
// Figure: the median of the per-round ratios. Goal (issue 7): ours ≥ 0.8 × nginx. Also the
// server's own CPU time per GiB sent (from /proc: nginx's worker, each DP's process), which load on
// the machine disturbs far less than throughput does. Each DP runs in its own process
// (lab/site/dp/main.ts), as nginx does, so neither shares an event loop with the bench.
// Installs nginx-light with apt-get when missing.
// Usage: node --import tsx bench/dp-vs-nginx.ts [rounds=15] [MiB=256]

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { DistributionPointServerConfig } from '../lab/site/index.js';
import { interleaved, loadLine, median, processCpuSeconds as processCpu, ratios, spread } from './paired.js';

const run = promisify(execFile);
const rounds = Number(process.argv[2] ?? 15);
const mib = Number(process.argv[3] ?? 256);
const PACKAGE = 'LAB00001';

async function ensureNginx(): Promise<void> {
  if (await run('nginx', ['-v']).then(() => true, () => false)) return;
  console.log('nginx is missing: apt-get install -y nginx-light');
  await run('apt-get', ['install', '-y', 'nginx-light'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  s.close();
  await once(s, 'close');
  return port;
}

/** Random content written in 1 MiB blocks (compression or zero pages must not flatter anyone). */
async function makeFile(path: string, bytes: number): Promise<void> {
  const f = await open(path, 'w', 0o644);
  try {
    for (let done = 0; done < bytes; done += 1024 * 1024) await f.write(randomBytes(Math.min(1024 * 1024, bytes - done)));
  } finally {
    await f.close();
  }
}

async function startNginx(dir: string, root: string, port: number): Promise<ChildProcess> {
  const conf = join(dir, 'nginx.conf');
  await writeFile(conf, `
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log;
events { worker_connections 64; }
http {
  access_log off;
  sendfile on;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  default_type application/octet-stream;
  server { listen 127.0.0.1:${port}; root ${root}; }
}
`);
  const child = spawn('nginx', ['-c', conf, '-p', dir, '-g', 'daemon off;'], { stdio: ['ignore', 'inherit', 'inherit'] });
  for (let i = 0; i < 100; i++) {
    if (await run('curl', ['-sf', '-o', '/dev/null', `http://127.0.0.1:${port}/`]).then(() => true, (e: { code?: number }) => e.code === 22)) return child;
    if (child.exitCode !== null) throw new Error('nginx ended at start; see nginx-error.log');
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('nginx did not start listening');
}

const DP_MAIN = fileURLToPath(new URL('../lab/site/dp/main.ts', import.meta.url));

/** A distribution point in its own process; resolves once it listens. */
async function startDp(dir: string, config: DistributionPointServerConfig): Promise<{ child: ChildProcess; url: string }> {
  const path = join(dir, `${config.id}.json`);
  await writeFile(path, JSON.stringify(config));
  const child = spawn(process.execPath, ['--import', 'tsx', DP_MAIN, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  for await (const line of createInterface({ input: child.stdout! })) return { child, url: (JSON.parse(line) as { url: string }).url };
  throw new Error(`distribution point ${config.id} ended at start`);
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

/** One download with curl; bytes per second. */
async function curlRate(url: string, expected: number): Promise<number> {
  const { stdout } = await run('curl', ['-sS', '-f', '-o', '/dev/null', '-w', '%{size_download} %{time_total}', url]);
  const [size, seconds] = stdout.trim().split(' ').map(Number);
  if (size !== expected) throw new Error(`${url}: got ${size} bytes, expected ${expected}`);
  return size / seconds;
}

const fmt = (bps: number) => `${(bps / 1024 / 1024).toFixed(0)} MiB/s`;

async function main(): Promise<void> {
  await ensureNginx();
  const dir = await mkdtemp(join(tmpdir(), 'osdlab-dp-bench-'));
  const root = join(dir, 'www');
  const pkg = join(root, 'SMS_DP_SMSPKG$', PACKAGE);
  let nginx: ChildProcess | undefined;
  const dps: ChildProcess[] = [];
  const packages = [{ packageId: PACKAGE, source: pkg }];
  try {
    await mkdir(pkg, { recursive: true });
    const bytes = mib * 1024 * 1024;
    await makeFile(join(pkg, 'image.wim'), bytes);
    // nginx's workers run unprivileged: they must be able to read the file.
    await chmod(dir, 0o755);
    const path = `/SMS_DP_SMSPKG$/${PACKAGE}/image.wim`;
    const dp = await startDp(dir, { id: 'DPBENCH', site: 'HQ', packages });
    const userSpace = await startDp(dir, { id: 'DPBENCH2', site: 'HQ', packages, zeroCopy: false });
    dps.push(dp.child, userSpace.child);
    const urls = { nginx: '', dp: `${dp.url}${path}`, userSpace: `${userSpace.url}${path}` };
    const port = await freePort();
    nginx = await startNginx(dir, root, port);
    urls.nginx = `http://127.0.0.1:${port}${path}`;
    const worker = Number((await readFile(`/proc/${nginx.pid}/task/${nginx.pid}/children`, 'utf8')).trim().split(' ')[0]);
    const cpuPerGiB = { nginx: [] as number[], dp: [] as number[], userSpace: [] as number[] };
    const measure = (side: keyof typeof urls, cpu: () => number) => async (): Promise<number> => {
      const before = cpu();
      const rate = await curlRate(urls[side], bytes);
      cpuPerGiB[side].push((cpu() - before) / (bytes / 2 ** 30));
      return rate;
    };
    // Warm the page cache and every server once.
    for (const url of Object.values(urls)) await curlRate(url, bytes);
    const before = loadLine();
    const rates = await interleaved(rounds, {
      nginx: measure('nginx', () => processCpu(worker)),
      dp: measure('dp', () => processCpu(dp.child.pid!)),
      userSpace: measure('userSpace', () => processCpu(userSpace.child.pid!)),
    });
    const ours = ratios(rates.dp, rates.nginx);
    console.log(`DP vs nginx: ${mib} MiB file, curl to /dev/null, loopback, ${rounds} interleaved rounds; ${before} at the start, ${loadLine()} at the end`);
    console.log(`medians: nginx ${fmt(median(rates.nginx))}, osdlab DP ${fmt(median(rates.dp))}, osdlab DP through user space ${fmt(median(rates.userSpace))}`);
    console.log(`osdlab DP / nginx:                  ${spread(ours)}`);
    console.log(`osdlab DP through user space / nginx: ${spread(ratios(rates.userSpace, rates.nginx))}`);
    const cpu = (side: keyof typeof cpuPerGiB) => `${median(cpuPerGiB[side]).toFixed(2)} s`;
    console.log(`server CPU per GiB sent (medians): nginx ${cpu('nginx')}, osdlab DP ${cpu('dp')}, osdlab DP through user space ${cpu('userSpace')}`);
    const met = median(ours) >= 0.8;
    console.log(`goal ≥ 0.80× nginx: ${met ? 'met' : 'NOT met'}`);
    process.exitCode = met ? 0 : 1;
  } finally {
    await Promise.all([nginx, ...dps].map(stop));
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
