// `osdlab report merge`: the run folders of the shards of one scenario (`osdlab run --shard I/N`) made into one
// run folder — result.json, junit.xml, report.html, machines/ and run.json — as if the scenario had run in one go.
// Each shard ran its own site servers: their logs (site/, the QEMU lab's) go under site/shard-I/.
// Refuses folders of different scenarios or backends, overlapping shards and missing shards.
import { access, cp, readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { LogFile, MachineResult, RunResult } from '../harness/index.js';
import { InputError } from '../scenarios/index.js';
import type { MachineReportData } from './html/types.js';
import { writeRunFolder, type RunManifest } from './run-folder.js';

/** What a run folder holds, as read back. */
export interface RunFolder {
  dir: string;
  result: RunResult;
  manifest: RunManifest;
  /** scenario.resolved.json as written. */
  scenario: { name: string; file?: string; machines?: { name: string }[]; clients?: { name: string }[] };
}

const problem = (path: string, message: string) => new InputError({ path, message });

async function readJson<T>(dir: string, file: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(join(dir, file), 'utf8');
  } catch {
    throw problem(dir, `is not a complete run folder: it has no ${file} (${what}); was the run interrupted, or is it not an osdlab run folder?`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw problem(join(dir, file), `is not valid JSON: ${(err as Error).message}`);
  }
}

export async function readRunFolder(dir: string): Promise<RunFolder> {
  const result = await readJson<RunResult>(dir, 'result.json', 'the result');
  const manifest = await readJson<RunManifest>(dir, 'run.json', 'the shard, log folders and report data; written by osdlab run since reports could be merged');
  const scenario = await readJson<RunFolder['scenario']>(dir, 'scenario.resolved.json', 'the resolved scenario');
  return { dir, result, manifest, scenario };
}

/** The resolved scenario with its own location taken out: shards checked out in different places compare equal. */
function portable(scenario: RunFolder['scenario']): unknown {
  const base = scenario.file ? dirname(scenario.file) + sep : undefined;
  const strip = (v: unknown): unknown => {
    if (typeof v === 'string') return base && v.startsWith(base) ? v.slice(base.length) : v;
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'file').map(([k, x]) => [k, strip(x)]));
    return v;
  };
  return strip(scenario);
}

/** The first field where two JSON values differ, as "machines[3].disks[0].size", or undefined when equal. */
function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return path || '(the whole document)';
  if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length) return `${path} (length ${a.length} vs ${b.length})`;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const sub = Array.isArray(a) ? `${path}[${k}]` : path ? `${path}.${k}` : k;
    const found = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], sub);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Machines and client groups of the scenario, in file order: the order of the merged result. */
const unitsOf = (scenario: RunFolder['scenario']) => [...(scenario.machines ?? []), ...(scenario.clients ?? [])].map((m) => m.name);

const list = (names: string[]) => `${names.slice(0, 8).join(', ')}${names.length > 8 ? `, … (${names.length} in all)` : ''}`;

function checkSameRun(runs: RunFolder[]): void {
  const [first, ...rest] = runs;
  const reference = portable(first!.scenario);
  for (const r of rest) {
    const where = firstDifference(reference, portable(r.scenario));
    if (where !== undefined) {
      throw problem(r.dir, `ran a different scenario than ${first!.dir} ("${r.scenario.name}" vs "${first!.scenario.name}"; the resolved scenarios differ at ${where}); only shards of one scenario can be merged`);
    }
    if (r.result.backend !== first!.result.backend) throw problem(r.dir, `ran on the ${r.result.backend} backend, ${first!.dir} on the ${first!.result.backend}; shards of one merge run on one backend`);
    if (JSON.stringify(r.manifest.only ?? []) !== JSON.stringify(first!.manifest.only ?? [])) {
      throw problem(r.dir, `was run with --only ${JSON.stringify(r.manifest.only ?? [])}, ${first!.dir} with ${JSON.stringify(first!.manifest.only ?? [])}; shards of one merge select the same machines`);
    }
  }
}

function checkShards(runs: RunFolder[]): void {
  const sharded = runs.filter((r) => r.manifest.shard !== undefined);
  if (sharded.length === 0) return;
  if (sharded.length !== runs.length) {
    throw problem(runs.find((r) => r.manifest.shard === undefined)!.dir, `is a whole run, not a shard, but ${sharded[0]!.dir} is shard ${sharded[0]!.manifest.shard}; merge either shards or runs of disjoint --only sets`);
  }
  const count = Number(sharded[0]!.manifest.shard!.split('/')[1]);
  const byIndex = new Map<number, string>();
  for (const r of sharded) {
    const [i, n] = r.manifest.shard!.split('/').map(Number) as [number, number];
    if (n !== count) throw problem(r.dir, `is shard ${r.manifest.shard}, but ${sharded[0]!.dir} is shard ${sharded[0]!.manifest.shard}: the shards were cut ${n} and ${count} ways`);
    const other = byIndex.get(i);
    if (other !== undefined) throw problem(r.dir, `is shard ${i}/${n}, and so is ${other}: the same shard twice`);
    byIndex.set(i, r.dir);
  }
  const missing = Array.from({ length: count }, (_, k) => k + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0) throw problem('merge', `shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing: give the run folders of all ${count} shards`);
}

async function readLogs(run: RunFolder, name: string): Promise<LogFile[]> {
  const folder = run.manifest.logFolders[name];
  if (folder === undefined) return [];
  const dir = join(run.dir, 'machines', folder);
  // The current smsts.log last, after its rolled segments (older first), as SmstsLog.files() lists them.
  const names = (await readdir(dir)).sort((a, b) => Number(a === 'smsts.log') - Number(b === 'smsts.log') || (a < b ? -1 : a > b ? 1 : 0));
  return Promise.all(names.map(async (n) => ({ name: n, text: await readFile(join(dir, n), 'utf8') })));
}

export interface MergedRun {
  result: RunResult;
  skipped: string[];
  /** Written files, relative to the output folder. */
  written: string[];
}

/** Merges the run folders into `out`. InputError when they are not the complete, disjoint shards of one scenario. */
export async function mergeRunFolders(dirs: string[], out: string): Promise<MergedRun> {
  if (dirs.length === 0) throw problem('merge', 'no run folders given');
  const into = dirs.find((d) => resolve(d) === resolve(out));
  if (into !== undefined) throw problem('--out', `${out} is one of the run folders being merged; write the merge to a folder of its own`);
  const runs = await Promise.all(dirs.map(readRunFolder));
  checkSameRun(runs);
  checkShards(runs);
  const owner = new Map<string, RunFolder>();
  const overlaps: string[] = [];
  for (const r of runs) {
    for (const m of r.result.machines) {
      const other = owner.get(m.name);
      if (other) overlaps.push(`${m.name} (${other.dir} and ${r.dir})`);
      else owner.set(m.name, r);
    }
  }
  if (overlaps.length > 0) throw problem('merge', `the runs overlap: ${list(overlaps)} ran in more than one folder`);
  const units = unitsOf(runs[0]!.scenario);
  const ran = units.filter((u) => owner.has(u));
  const notRun = units.filter((u) => !owner.has(u));
  // With --only the machines outside it are expected to be absent; without, every machine must have run.
  if (notRun.length > 0 && runs[0]!.manifest.only === undefined) {
    throw problem('merge', `${list(notRun)} ran in none of the ${runs.length} folders: a run folder is missing`);
  }
  const machines: MachineResult[] = ran.map((u) => owner.get(u)!.result.machines.find((m) => m.name === u)!);
  const logs = new Map<string, LogFile[]>();
  const reportData: Record<string, MachineReportData> = {};
  for (const r of runs) {
    for (const name of Object.keys(r.manifest.logFolders)) logs.set(name, await readLogs(r, name));
    Object.assign(reportData, r.manifest.machines);
  }
  const results = runs.map((r) => r.result);
  const result: RunResult = {
    pass: machines.every((m) => m.pass),
    scenario: results[0]!.scenario,
    backend: results[0]!.backend,
    startedAt: results.map((r) => r.startedAt).sort()[0]!,
    finishedAt: results.map((r) => r.finishedAt).sort().at(-1)!,
    machines,
  };
  const only = runs[0]!.manifest.only;
  for (const r of runs) {
    const site = join(r.dir, 'site');
    if (!(await access(site).then(() => true, () => false))) continue;
    const name = r.manifest.shard ? `shard-${r.manifest.shard.split('/')[0]}` : `run-${runs.indexOf(r) + 1}`;
    await cp(site, join(out, 'site', name), { recursive: true });
  }
  const written = await writeRunFolder(out, { result, logs, skipped: notRun, scenario: runs[0]!.scenario, machines: reportData, ...(only ? { selection: { only } } : {}) });
  return { result, skipped: notRun, written };
}
