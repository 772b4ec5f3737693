// `osdlab bundle RUN_DIR`: one tar.gz that re-runs a run elsewhere. It holds the run folder (results, logs,
// report), the resolved scenario rewritten to point inside the bundle, every file the scenario reads (task
// sequences given by path, content sources) and a manifest with a SHA-256 per file (bundle-manifest.ts).
//
// Layout: manifest.json, scenario.json, run/<the run folder>, inputs/task-sequences/<n>-<file>,
// inputs/content/<package id>/<file or folder>. Paths in scenario.json are relative to the bundle's root.
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack } from 'tar-stream';
import type { RunResult } from '../harness/index.js';
import { InputError } from '../scenarios/index.js';
import { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, osdlabVersion, sha256File, verdictsOf, type BundleFile, type BundleManifest } from './bundle-manifest.js';
import { safeFileName } from './run-folder.js';

export interface BundleOptions {
  /** Where to write the bundle; default `<run folder>.tar.gz` beside the run folder. */
  out?: string;
  /** Also pack disk images found in the run folder (*.qcow2, *.img, *.raw, *.vhd, *.vhdx); large. */
  withDisks?: boolean;
  signal?: AbortSignal;
  now?: Date;
}

export interface BundleWritten {
  file: string;
  manifest: BundleManifest;
}

const DISK_IMAGE = /\.(qcow2|img|raw|vhdx?)$/i;
const CONTENT_KINDS = ['bootImages', 'osImages', 'driverPackages', 'packages'] as const;

/** A file of the bundle: where it comes from on disk, or its text. */
type Entry = { path: string } & ({ from: string } | { text: string });

type JsonObject = Record<string, unknown>;

export async function createBundle(runDir: string, options: BundleOptions = {}): Promise<BundleWritten> {
  const dir = resolve(runDir);
  const result = (await readRunJson(dir, 'result.json')) as unknown as RunResult;
  const scenario = await readRunJson(dir, 'scenario.resolved.json');
  const entries: Entry[] = [];
  for (const file of await filesUnder(dir)) {
    const rel = relative(dir, file).split(sep).join('/');
    if (rel.endsWith('.partial') || (!options.withDisks && DISK_IMAGE.test(rel))) continue;
    entries.push({ path: `run/${rel}`, from: file });
  }
  entries.push(...(await inputsOf(scenario)));
  entries.push({ path: 'scenario.json', text: `${JSON.stringify(scenario, null, 2)}\n` });

  const files: BundleFile[] = [];
  for (const e of entries) files.push(await describe(e, options.signal));
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    osdlabVersion: await osdlabVersion(),
    created: (options.now ?? new Date()).toISOString(),
    scenario: typeof scenario.name === 'string' ? scenario.name : basename(dir),
    backend: result.backend,
    pass: result.pass,
    verdicts: verdictsOf(result),
    files,
  };
  const out = resolve(options.out ?? `${dir}.tar.gz`);
  await writeTarGz(out, [{ path: 'manifest.json', text: `${JSON.stringify(manifest, null, 2)}\n` }, ...entries], options.signal);
  return { file: out, manifest };
}

async function readRunJson(dir: string, name: string): Promise<JsonObject> {
  const path = join(dir, name);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError({ file: path, message: code === 'ENOENT' ? `not a complete run folder: ${name} is missing (osdlab run writes it last)` : `cannot read it (${code})` });
  }
  try {
    return JSON.parse(text) as JsonObject;
  } catch (err) {
    throw new InputError({ file: path, message: `not JSON (${(err as Error).message})` });
  }
}

/**
 * The files the resolved scenario reads, as bundle entries; rewrites their paths in `scenario` (in place)
 * to the entries' paths, so the bundle's scenario.json names only what the bundle holds.
 */
async function inputsOf(scenario: JsonObject): Promise<Entry[]> {
  const entries: Entry[] = [];
  const deployments = (scenario.deployments ?? []) as JsonObject[];
  for (const [i, d] of deployments.entries()) {
    const ts = d.taskSequence as JsonObject | undefined;
    if (ts?.kind !== 'file' || typeof ts.file !== 'string') continue;
    const inBundle = `inputs/task-sequences/${i + 1}-${safeFileName(basename(ts.file))}`;
    await mustExist(ts.file, `deployments[${i}].taskSequence`);
    entries.push({ path: inBundle, from: ts.file });
    ts.file = inBundle;
  }
  const content = (scenario.content ?? {}) as Record<string, JsonObject[] | undefined>;
  for (const kind of CONTENT_KINDS) {
    for (const [j, item] of (content[kind] ?? []).entries()) {
      if (typeof item.source !== 'string') continue;
      const source = item.source;
      const base = `inputs/content/${safeFileName(String(item.id))}/${safeFileName(basename(source))}`;
      const info = await mustExist(source, `content.${kind}[${j}].source`);
      if (info.isDirectory()) {
        for (const f of await filesUnder(source)) entries.push({ path: `${base}/${relative(source, f).split(sep).join('/')}`, from: f });
      } else {
        entries.push({ path: base, from: source });
      }
      item.source = base;
    }
  }
  scenario.file = 'scenario.json';
  return entries;
}

async function mustExist(path: string, field: string) {
  try {
    return await stat(path);
  } catch {
    throw new InputError({ file: path, path: `scenario.resolved.json ${field}`, message: 'the run read this file, and it is gone: the bundle would not be self-contained' });
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, d.name);
    if (d.isDirectory()) out.push(...(await filesUnder(full)));
    else if (d.isFile()) out.push(full);
  }
  return out.sort();
}

async function describe(e: Entry, signal?: AbortSignal): Promise<BundleFile> {
  if ('text' in e) {
    const bytes = Buffer.from(e.text);
    return { path: e.path, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  }
  return { path: e.path, size: (await stat(e.from)).size, sha256: await sha256File(e.from, signal) };
}

/** Writes the archive to a temporary name beside `out` and renames it: never a half-written bundle at `out`. */
async function writeTarGz(out: string, entries: Entry[], signal?: AbortSignal): Promise<void> {
  const temp = join(dirname(out), `.${basename(out)}.${randomBytes(6).toString('hex')}.partial`);
  const tar = pack();
  const feed = (async () => {
    for (const e of entries) {
      if ('text' in e) {
        await new Promise<void>((ok, fail) => tar.entry({ name: e.path, mode: 0o644 }, e.text, (err) => (err ? fail(err) : ok())));
        continue;
      }
      const { size } = await stat(e.from);
      const sink = tar.entry({ name: e.path, size, mode: 0o644 });
      await pipeline(createReadStream(e.from, { signal }), sink);
    }
    tar.finalize();
  })();
  try {
    await Promise.all([feed.catch((err: unknown) => { tar.destroy(err as Error); throw err; }), pipeline(tar, createGzip(), createWriteStream(temp), { signal })]);
    await rename(temp, out);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
