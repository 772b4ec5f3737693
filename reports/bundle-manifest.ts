// manifest.json of a reproduction bundle: what made it, the verdicts it recorded, and every other file of the
// bundle with its size and SHA-256, so that a copy that was truncated or altered on the way is refused whole.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { RunResult } from '../harness/index.js';
import { InputError } from '../scenarios/index.js';

export const BUNDLE_FORMAT = 'osdlab-reproduction-bundle';
export const BUNDLE_FORMAT_VERSION = 1;

export interface BundleFile {
  /** Path inside the bundle, always with "/". */
  path: string;
  size: number;
  sha256: string;
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  formatVersion: number;
  osdlabVersion: string;
  /** ISO time the bundle was made. */
  created: string;
  scenario: string;
  backend: string;
  pass: boolean;
  /** Result name → verdict of the run the bundle was made from. */
  verdicts: Record<string, { pass: boolean; outcome: string; failedStep: string | null }>;
  files: BundleFile[];
}

export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function verdictsOf(result: RunResult): BundleManifest['verdicts'] {
  return Object.fromEntries(result.machines.map((m) => [m.name, { pass: m.pass, outcome: m.outcome, failedStep: m.failedStep ?? null }]));
}

/**
 * How a re-run's verdicts compare with those the bundle recorded: one line per machine whose verdict, outcome
 * or failed step changed, or is new or missing. Empty when every machine came out the same.
 */
export function verdictChanges(recorded: BundleManifest['verdicts'], result: RunResult): string[] {
  const now = verdictsOf(result);
  const show = (v: BundleManifest['verdicts'][string]) => `${v.pass ? 'PASS' : 'FAIL'} ${v.outcome}${v.failedStep ? ` at "${v.failedStep}"` : ''}`;
  const out: string[] = [];
  for (const name of new Set([...Object.keys(recorded), ...Object.keys(now)])) {
    const [was, is] = [recorded[name], now[name]];
    if (!was) out.push(`${name}: not in the bundle, now ${show(is)}`);
    else if (!is) out.push(`${name}: ${show(was)} in the bundle, not run now`);
    else if (show(was) !== show(is)) out.push(`${name}: ${show(was)} in the bundle, now ${show(is)}`);
  }
  return out;
}

/** osdlab's own version, from its package.json. */
export async function osdlabVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/** Checks the shape of a manifest read from a bundle; `file` names the bundle in the error. */
export function parseManifest(text: string, file: string): BundleManifest {
  const fail = (message: string): never => {
    throw new InputError({ file, path: 'manifest.json', message });
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return fail(`not JSON (${(err as Error).message})`);
  }
  const m = value as Partial<BundleManifest> | null;
  if (!m || typeof m !== 'object' || m.format !== BUNDLE_FORMAT) return fail(`not an osdlab reproduction bundle manifest (format must be "${BUNDLE_FORMAT}")`);
  if (m.formatVersion !== BUNDLE_FORMAT_VERSION) return fail(`bundle format version ${String(m.formatVersion)}; this osdlab reads version ${BUNDLE_FORMAT_VERSION}`);
  if (!Array.isArray(m.files) || !m.files.every((f) => typeof f?.path === 'string' && typeof f.size === 'number' && typeof f.sha256 === 'string')) {
    return fail('"files" must list { path, size, sha256 } entries');
  }
  if (typeof m.verdicts !== 'object' || m.verdicts === null) return fail('"verdicts" is missing');
  return m as BundleManifest;
}
