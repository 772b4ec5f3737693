// Opening a reproduction bundle (bundle.ts) to run it: unpack into a temporary folder, check every file against
// the manifest, and give back the scenario with its paths pointing into that folder. A damaged bundle is an
// InputError and leaves nothing behind.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { InputError, type Scenario } from '../scenarios/index.js';
import { parseManifest, type BundleManifest } from './bundle-manifest.js';

export interface OpenedBundle {
  /** The temporary folder holding the unpacked bundle. */
  dir: string;
  manifest: BundleManifest;
  /** The resolved scenario of the bundled run; its files are inside `dir`. */
  scenario: Scenario;
  /** Removes `dir`. */
  close(): Promise<void>;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** True when `file` starts like a gzip stream (a bundle), false for anything else (a scenario file). */
export async function isBundleFile(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return false;
  }
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === GZIP_MAGIC[0] && buffer[1] === GZIP_MAGIC[1];
  } finally {
    await handle.close();
  }
}

export interface OpenBundleOptions {
  signal?: AbortSignal;
  /** Folder to unpack under; default the system's temporary folder. */
  tempDir?: string;
}

export async function openBundle(file: string, options: OpenBundleOptions = {}): Promise<OpenedBundle> {
  const { signal } = options;
  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'osdlab-bundle-'));
  const close = () => rm(dir, { recursive: true, force: true });
  try {
    const unpacked = await unpack(file, dir, signal);
    const manifest = parseManifest(await readFile(join(dir, 'manifest.json'), 'utf8').catch(() => damaged(file, 'it has no manifest.json')), file);
    verify(file, manifest, unpacked);
    const scenario = await scenarioIn(file, dir, manifest);
    return { dir, manifest, scenario, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function damaged(file: string, why: string): never {
  throw new InputError({ file, message: `not a usable osdlab reproduction bundle: ${why}` });
}

/** A path inside the bundle that stays inside it: relative, "/"-separated, no "..". */
function safeEntryPath(name: string): string | undefined {
  const normal = posix.normalize(name);
  if (normal.startsWith('/') || normal === '..' || normal.startsWith('../') || normal.includes('\\') || normal === '.') return undefined;
  return normal;
}

/** Unpacks regular files; returns path → { size, sha256 } as read. */
async function unpack(file: string, dir: string, signal?: AbortSignal): Promise<Map<string, { size: number; sha256: string }>> {
  const seen = new Map<string, { size: number; sha256: string }>();
  const tar = extract();
  tar.on('entry', (header, stream, next) => {
    // A damaged archive destroys the entry's stream with the error the extraction reports anyway, possibly
    // before the stream is piped anywhere: it must not also surface as an unhandled 'error'.
    stream.on('error', () => {});
    const path = safeEntryPath(header.name);
    const fail = (why: string) => {
      stream.resume();
      next(new InputError({ file, message: `not a usable osdlab reproduction bundle: ${why}` }));
    };
    if (header.type !== 'file') return fail(`entry "${header.name}" is a ${header.type ?? 'special entry'}; bundles hold only files`);
    if (!path) return fail(`entry "${header.name}" points outside the bundle`);
    if (seen.has(path)) return fail(`entry "${path}" appears twice`);
    const hash = createHash('sha256');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    mkdir(dirname(join(dir, path)), { recursive: true })
      .then(() => pipeline(stream, measure, createWriteStream(join(dir, path)), { signal }))
      .then(() => {
        seen.set(path, { size, sha256: hash.digest('hex') });
        next();
      }, next);
  });
  try {
    await pipeline(createReadStream(file, { signal }), createGunzip(), tar, { signal });
  } catch (err) {
    if (err instanceof InputError || signal?.aborted) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError({ file, message: 'bundle file not found' });
    damaged(file, `it is truncated or corrupted (${(err as Error).message})`);
  }
  return seen;
}

function verify(file: string, manifest: BundleManifest, unpacked: Map<string, { size: number; sha256: string }>): void {
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const f of manifest.files) {
    const got = unpacked.get(f.path);
    if (!got) damaged(file, `"${f.path}" is listed in the manifest and missing (truncated?)`);
    if (got.size !== f.size || got.sha256 !== f.sha256) damaged(file, `"${f.path}" does not match its SHA-256 in the manifest (altered or corrupted)`);
  }
  for (const path of unpacked.keys()) {
    if (path !== 'manifest.json' && !listed.has(path)) damaged(file, `"${path}" is not listed in the manifest`);
  }
  if (!listed.has('scenario.json')) damaged(file, 'the manifest lists no scenario.json');
}

/** scenario.json with its bundle-relative paths made absolute inside `dir`. */
async function scenarioIn(file: string, dir: string, manifest: BundleManifest): Promise<Scenario> {
  const scenario = JSON.parse(await readFile(join(dir, 'scenario.json'), 'utf8')) as Omit<Scenario, 'locator'>;
  const listed = new Set(manifest.files.map((f) => f.path));
  const inside = (path: string, field: string) => {
    const safe = safeEntryPath(path);
    if (!safe || !listed.has(safe)) damaged(file, `scenario.json ${field} names "${path}", which the bundle does not hold`);
    return join(dir, safe);
  };
  const deployments = scenario.deployments.map((d, i) =>
    d.taskSequence.kind === 'file' ? { ...d, taskSequence: { ...d.taskSequence, file: inside(d.taskSequence.file, `deployments[${i}].taskSequence`) } } : d,
  );
  const content = Object.fromEntries(
    Object.entries(scenario.content).map(([kind, items]) => [
      kind,
      (items as { source?: string }[]).map((item, j) => (item.source !== undefined ? { ...item, source: contentSource(dir, listed, item.source, () => damaged(file, `scenario.json content.${kind}[${j}].source names "${item.source}", which the bundle does not hold`)) } : item)),
    ]),
  ) as unknown as Scenario['content'];
  // Positions in the original YAML are not in the bundle: problems are reported by field path alone.
  return { ...scenario, file: join(dir, 'scenario.json'), deployments, content, locator: () => undefined };
}

/** A content source is a file or a folder of files in the bundle. */
function contentSource(dir: string, listed: Set<string>, path: string, missing: () => never): string {
  const safe = safeEntryPath(path);
  if (!safe || !(listed.has(safe) || [...listed].some((p) => p.startsWith(`${safe}/`)))) missing();
  return join(dir, safe);
}
