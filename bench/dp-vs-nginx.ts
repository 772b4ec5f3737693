// Our distribution point's HTTP throughput against nginx serving the same 256 MiB file on
// loopback, both fetched by the same client (curl to /dev/null), several alternating runs,
// median. Goal (issue 7): ours ≥ 0.8 × nginx. Installs nginx-light with apt-get when missing.
// Usage: node --import tsx bench/dp-vs-nginx.ts [runs=5] [MiB=256]

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { DistributionPointServer } from '../lab/site/index.js';

const run = promisify(execFile);
const runs = Number(process.argv[2] ?? 5);
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

/** One download with curl; bytes per second. */
async function curlRate(url: string, expected: number): Promise<number> {
  const { stdout } = await run('curl', ['-sS', '-f', '-o', '/dev/null', '-w', '%{size_download} %{time_total}', url]);
  const [size, seconds] = stdout.trim().split(' ').map(Number);
  if (size !== expected) throw new Error(`${url}: got ${size} bytes, expected ${expected}`);
  return size / seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (bps: number) => `${(bps / 1024 / 1024).toFixed(0)} MiB/s`;

async function main(): Promise<void> {
  await ensureNginx();
  const dir = await mkdtemp(join(tmpdir(), 'osdlab-dp-bench-'));
  const root = join(dir, 'www');
  const pkg = join(root, 'SMS_DP_SMSPKG$', PACKAGE);
  let nginx: ChildProcess | undefined;
  const dp = new DistributionPointServer({ id: 'DPBENCH', site: 'HQ', packages: [{ packageId: PACKAGE, source: pkg }] });
  try {
    await mkdir(pkg, { recursive: true });
    const bytes = mib * 1024 * 1024;
    await makeFile(join(pkg, 'image.wim'), bytes);
    // nginx's workers run unprivileged: they must be able to read the file.
    await chmod(dir, 0o755);
    const ours = `${await dp.start()}/SMS_DP_SMSPKG$/${PACKAGE}/image.wim`;
    const port = await freePort();
    nginx = await startNginx(dir, root, port);
    const theirs = `http://127.0.0.1:${port}/SMS_DP_SMSPKG$/${PACKAGE}/image.wim`;
    // Warm the page cache and both servers once.
    await curlRate(theirs, bytes);
    await curlRate(ours, bytes);
    const rates = { dp: [] as number[], nginx: [] as number[] };
    for (let i = 0; i < runs; i++) {
      rates.nginx.push(await curlRate(theirs, bytes));
      rates.dp.push(await curlRate(ours, bytes));
      console.log(`run ${i + 1}: nginx ${fmt(rates.nginx[i])}, osdlab DP ${fmt(rates.dp[i])}`);
    }
    const ratio = median(rates.dp) / median(rates.nginx);
    // Runs are paired (nginx then ours, back to back): the median of the pair ratios is less
    // sensitive to other load on the machine than the ratio of the medians.
    const paired = median(rates.dp.map((r, i) => r / rates.nginx[i]));
    console.log(`file ${mib} MiB, ${runs} runs, client curl, loopback, load ${loadavg()[0].toFixed(2)}`);
    console.log(`median nginx ${fmt(median(rates.nginx))}, osdlab DP ${fmt(median(rates.dp))}, ratio ${ratio.toFixed(2)}, median paired ratio ${paired.toFixed(2)} (goal ≥ 0.80: ${ratio >= 0.8 ? 'met' : 'NOT met'})`);
  } finally {
    if (nginx && nginx.exitCode === null) {
      nginx.kill('SIGTERM');
      await once(nginx, 'exit');
    }
    await dp.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
