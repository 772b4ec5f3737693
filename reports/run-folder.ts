// The run folder `osdlab run` leaves behind: result.json, junit.xml, report.html, machines/<name>/smsts.log
// (and its rolled segments), scenario.resolved.json, and run.json (what `osdlab report merge` needs besides:
// the shard, the machines left out, where each machine's logs are, the report's per-machine data). Every file is written to a temporary name and renamed,
// so an interrupted run never leaves a half-written file that looks complete.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseCmtrace, type LogFile, type RunResult, type Shard } from '../harness/index.js';
import { toJUnit } from './junit.js';
import { renderHtmlReport } from './html/render.js';
import type { MachineReportData } from './html/types.js';

export interface RunFolderContent {
  result: RunResult;
  /** Result name (machine or client group) → smsts.log and its rolled segments. */
  logs: Map<string, LogFile[]>;
  /** Machines the run left out (--only, --shard): skipped test cases in the JUnit. */
  skipped: string[];
  /** The loaded scenario (or, for a merge, its resolved JSON): written as scenario.resolved.json. */
  scenario: { name: string };
  /** The HTML report's per-machine data, by MachineResult.name. */
  machines?: Record<string, MachineReportData>;
  /** How the run chose its machines. */
  selection?: { shard?: Shard; only?: string[] };
}

/** run.json: what the run folder's other files do not say, for merges and redrawn reports. */
export interface RunManifest {
  /** "2/4" when the run was one shard. */
  shard?: string;
  only?: string[];
  skipped: string[];
  /** Result name → its folder under machines/. */
  logFolders: Record<string, string>;
  machines: Record<string, MachineReportData>;
}

/** Lines of smsts.log shown under a JUnit failure. */
const LOG_TAIL_LINES = 40;

/** `runs/20261123-140000-bare-metal-uefi-gpt-pxe`, in UTC. */
export function defaultRunFolder(scenarioName: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return join('runs', `${stamp}-${safeFileName(scenarioName)}`);
}

/** A name usable as a folder on Linux, Windows and in CI artefact stores: "PC01[uefi,x64]" → "PC01_uefi_x64". */
export function safeFileName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[_.]+|_+$/g, '');
  return safe.length > 0 ? safe.slice(0, 120) : 'unnamed';
}

/** Writes `text` to `path` through a temporary file in the same folder and a rename. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${randomBytes(6).toString('hex')}.partial`);
  try {
    await writeFile(temp, text);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** The last lines of a machine's smsts.log as "message" (errors marked), for the JUnit failure body. */
export function logTail(files: LogFile[], lines = LOG_TAIL_LINES): string[] {
  const text = files[files.length - 1]?.text ?? '';
  return parseCmtrace(text)
    .slice(-lines)
    .map((l) => `${l.type === 3 ? 'ERROR ' : l.type === 2 ? 'WARN  ' : ''}${l.message}`);
}

/** Folder of each result's logs inside machines/: safe names, made unique when two collapse to one. */
export function machineFolders(names: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const name of names) {
    const base = safeFileName(name);
    let folder = base;
    for (let n = 2; used.has(folder.toLowerCase()); n++) folder = `${base}-${n}`;
    used.add(folder.toLowerCase());
    out.set(name, folder);
  }
  return out;
}

/** Writes the run folder; returns the paths written, relative to `dir`. */
export async function writeRunFolder(dir: string, content: RunFolderContent): Promise<string[]> {
  const { result, logs, skipped, scenario, selection } = content;
  const machines = content.machines ?? {};
  const written: string[] = [];
  const put = async (relative: string, text: string) => {
    await writeFileAtomic(join(dir, relative), text);
    written.push(relative);
  };
  const folders = machineFolders([...logs.keys()]);
  for (const [name, files] of logs) {
    for (const f of files) await put(join('machines', folders.get(name)!, f.name), f.text);
  }
  const logTails = Object.fromEntries([...logs].map(([name, files]) => [name, logTail(files)]));
  // The locator is a function: JSON leaves it out, which is what "resolved" means here.
  await put('scenario.resolved.json', `${JSON.stringify(scenario, null, 2)}\n`);
  await put('junit.xml', toJUnit(result, { logTails, skipped }));
  await put('report.html', renderHtmlReport({ result, machines, title: scenario.name }));
  const manifest: RunManifest = {
    ...(selection?.shard ? { shard: `${selection.shard.index}/${selection.shard.count}` } : {}),
    ...(selection?.only && selection.only.length > 0 ? { only: selection.only } : {}),
    skipped,
    logFolders: Object.fromEntries(folders),
    machines,
  };
  await put('run.json', `${JSON.stringify(manifest, null, 2)}\n`);
  // result.json last: its presence says the folder is complete.
  await put('result.json', `${JSON.stringify(result, null, 2)}\n`);
  return written;
}
