import type { Command } from 'commander';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InputError } from '../scenarios/index.js';
import { WimFile, buildOsImage, loadOsImageSpec, DEFAULT_OS_IMAGE_CACHE, type WimDirEntry, type WimSummary } from '../images/index.js';

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function parseIndex(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1) throw new InputError({ path: 'INDEX', message: `found "${text}"; expected an image index (1, 2, ...)` });
  return n;
}

function withWim<T>(file: string, fn: (wim: WimFile) => T): T {
  const wim = WimFile.open(file);
  try {
    return fn(wim);
  } finally {
    wim.close();
  }
}

function printSummary(s: WimSummary): void {
  const out = [
    `Path:         ${s.path}`,
    `GUID:         ${s.guid}`,
    `Compression:  ${s.compression} (${s.chunkSize}-byte chunks)`,
    `Size:         ${s.sizeBytes} bytes (${mib(s.sizeBytes)})${s.hasIntegrityTable ? ', integrity table' : ''}`,
    `Boot index:   ${s.bootIndex || 'none'}`,
    `Images:       ${s.imageCount}`,
    '',
    'Index  Files   Dirs    Size         Name / Description',
    ...s.images.map((i) => `${String(i.index).padEnd(7)}${String(i.fileCount).padEnd(8)}${String(i.dirCount).padEnd(8)}${mib(i.totalBytes).padEnd(13)}${i.name}${i.description && i.description !== i.name ? ` / ${i.description}` : ''}`),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

const entryJson = (e: WimDirEntry) => ({ ...e, details: e.details && { ...e.details, lastWriteTimeNs: e.details.lastWriteTimeNs.toString(), hardLinkGroupId: e.details.hardLinkGroupId.toString() } });

/** `osdlab wim info|ls`: what a WIM holds, read through libwim. */
export function addWimCommand(program: Command): void {
  const wim = program
    .command('wim')
    .description('Inspect WIM files (OS images, boot images) through libwim')
    .addHelpText('after', '\nExamples:\n  osdlab wim info install.wim\n  osdlab wim ls install.wim 2 /Windows/System32\n');
  wim
    .command('info')
    .description('Images of a WIM: index, name, description, file count, size')
    .argument('<file>', 'WIM file')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', '\nExample:\n  osdlab wim info install.wim --json\n')
    .action((file: string, opts: { json?: boolean }) => {
      const summary = withWim(file, (w) => w.summary());
      if (opts.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else printSummary(summary);
    });
  wim
    .command('ls')
    .description('Directory tree of one image, as `wimlib-imagex dir` lists it')
    .argument('<file>', 'WIM file')
    .argument('<index>', 'image index (1-based)')
    .argument('[path]', 'directory inside the image', '/')
    .option('-l, --long', 'show attributes, size and SHA-1')
    .option('--no-recursive', 'only the directory itself and its children')
    .option('--json', 'print the entries as JSON')
    .addHelpText('after', '\nExample:\n  osdlab wim ls install.wim 1 /Windows/System32/config -l\n')
    .action((file: string, indexText: string, path: string, opts: { long?: boolean; recursive: boolean; json?: boolean }) => {
      const index = parseIndex(indexText);
      const entries = withWim(file, (w) => w.listDirTree(index, { path, recursive: opts.recursive, details: opts.long || opts.json }));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(entries.map(entryJson), null, 2)}\n`);
        return;
      }
      const line = (e: WimDirEntry) => (opts.long ? `${e.directory ? 'd' : '-'} ${e.attributes.toString(16).padStart(8, '0')} ${String(e.sizeBytes).padStart(12)} ${(e.details?.sha1 ?? '').padEnd(40)} ${e.path}` : e.path);
      process.stdout.write(entries.map(line).join('\n') + (entries.length ? '\n' : ''));
    });
}

/** `osdlab image build`: builds a multi-index install.wim from an OS image spec (docs/wim.md). */
export function addImageCommand(program: Command): void {
  const image = program
    .command('image')
    .description('OS images for the lab')
    .addHelpText('after', '\nExample:\n  osdlab image build images/os-image/examples/windows11.yaml --out install.wim\n');
  image
    .command('build')
    .description('Build a multi-index WIM from an OS image spec (cached by spec hash)')
    .argument('<spec>', 'OS image spec (.yaml)')
    .requiredOption('--out <file>', 'where to write the WIM')
    .option('--overlay <dir>', 'extra files laid over every index (e.g. the full-OS boot payload)')
    .option('--cache-dir <dir>', 'build cache', DEFAULT_OS_IMAGE_CACHE)
    .option('--rebuild', 'ignore the cache')
    .option('--json', 'print the build record as JSON')
    .addHelpText('after', '\nExample:\n  osdlab image build images/os-image/examples/windows11.yaml --out install.wim\n')
    .action(async (specFile: string, opts: { out: string; overlay?: string; cacheDir: string; rebuild?: boolean; json?: boolean }) => {
      const spec = await loadOsImageSpec(specFile);
      const controller = new AbortController();
      const onSigint = () => controller.abort(new Error('interrupted'));
      process.once('SIGINT', onSigint);
      try {
        const built = await buildOsImage(spec, { cacheDir: opts.cacheDir, overlayDir: opts.overlay, rebuild: opts.rebuild, signal: controller.signal });
        const out = resolve(opts.out);
        await mkdir(dirname(out), { recursive: true });
        await copyFile(built.wimPath, out);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ ...built, out }, null, 2)}\n`);
          return;
        }
        process.stdout.write(`${built.fromCache ? 'cached' : 'built '}  ${out}  content hash ${built.contentHash}\n`);
        for (const i of built.images) process.stdout.write(`  ${i.index}  ${i.name}: ${i.fileCount} files, ${mib(i.totalBytes)}\n`);
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    });
}
