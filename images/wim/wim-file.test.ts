import { expect } from 'chai';
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { link, mkdir, mkdtemp, readFile, rm, truncate, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../scenarios/index.js';
import { WimFile, WimlibError, type WimDirEntry, type WimProgress } from './wim-file.js';
import { readWimImageSizes } from './image-sizes.js';

/** `wimlib-imagex info` as key/value blocks: the header, then one block per image. */
async function imagexInfo(file: string): Promise<Array<Record<string, string>>> {
  const { stdout } = await execa('wimlib-imagex', ['info', file]);
  return stdout.split(/\n\s*\n/).map((block) =>
    Object.fromEntries(
      block
        .split('\n')
        .map((l) => /^([A-Za-z][A-Za-z ]*?):\s*(.*)$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1], m[2].trim()]),
    ),
  );
}

/** Full path → { size, hash } from `wimlib-imagex dir --detailed` (unnamed data stream). */
async function imagexDirDetailed(file: string, index: number): Promise<Map<string, { size: number; hash: string }>> {
  const { stdout } = await execa('wimlib-imagex', ['dir', file, String(index), '--detailed']);
  const out = new Map<string, { size: number; hash: string }>();
  for (const block of stdout.split(/^-{20,}$/m)) {
    const path = /Full Path\s+= "(.*)"/.exec(block)?.[1];
    const size = /Uncompressed size = (\d+) bytes/.exec(block)?.[1];
    const hash = /Hash\s+= 0x([0-9a-f]{40})/.exec(block)?.[1];
    if (path !== undefined) out.set(path, { size: Number(size ?? 0), hash: hash ?? '' });
  }
  return out;
}

describe('images/wim: WIM through libwim (koffi)', function () {
  let dir: string;
  let wimPath: string;

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), 'osdlab-wim-'));
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    await mkdir(join(a, 'Windows', 'System32', 'config'), { recursive: true });
    await mkdir(join(a, 'Users', 'Default'), { recursive: true });
    await writeFile(join(a, 'Windows', 'System32', 'config', 'SYSTEM'), 'regf');
    await writeFile(join(a, 'Windows', 'System32', 'ntoskrnl.exe'), randomBytes(200_000));
    await writeFile(join(a, 'Users', 'Default', 'NTUSER.DAT'), '');
    await writeFile(join(a, 'Program Files ünïcode.txt'), 'x'.repeat(10_000));
    await link(join(a, 'Windows', 'System32', 'config', 'SYSTEM'), join(a, 'SYSTEM.hardlink'));
    await mkdir(join(b, 'Windows', 'INF'), { recursive: true });
    await writeFile(join(b, 'Windows', 'INF', 'machine.inf'), '[Version]\nSignature="$Windows NT$"\n');

    const wim = WimFile.create('lzx');
    expect(await wim.addImage(a, 'Windows 11 Enterprise', { description: 'Enterprise edition' })).to.equal(1);
    expect(await wim.addImage(b, 'Windows 11 Education')).to.equal(2);
    wimPath = join(dir, 'install.wim');
    await wim.write(wimPath);
    wim.close();
  });

  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the images as wimlib-imagex info does', async function () {
    const [header, ...images] = await imagexInfo(wimPath);
    const wim = WimFile.open(wimPath);
    try {
      const s = wim.summary();
      expect(s.imageCount).to.equal(Number(header['Image Count'])).and.equal(2);
      expect(`0x${s.guid}`).to.equal(header.GUID);
      expect(s.compression.toUpperCase()).to.equal(header.Compression);
      expect(s.bootIndex).to.equal(Number(header['Boot Index']));
      expect(s.images.map((i) => [i.index, i.name, i.description, i.dirCount, i.fileCount, i.totalBytes])).to.deep.equal(
        images.map((i) => [Number(i.Index), i.Name, i.Description, Number(i['Directory Count']), Number(i['File Count']), Number(i['Total Bytes'])]),
      );
    } finally {
      wim.close();
    }
  });

  it('walks each directory tree as wimlib-imagex dir does, with sizes and SHA-1s', async function () {
    const wim = WimFile.open(wimPath);
    try {
      for (const index of [1, 2]) {
        const { stdout } = await execa('wimlib-imagex', ['dir', wimPath, String(index)]);
        const entries = wim.listDirTree(index, { details: true });
        expect(entries.map((e) => e.path)).to.deep.equal(stdout.split('\n'));
        const detailed = await imagexDirDetailed(wimPath, index);
        for (const e of entries.filter((x) => !x.directory)) {
          expect({ path: e.path, size: e.sizeBytes, hash: e.details?.sha1 ?? '0'.repeat(40) }).to.deep.equal({ path: e.path, ...detailed.get(e.path) });
        }
      }
      const hardLinked = wim.listDirTree(1, { details: true }).filter((e) => e.path.endsWith('SYSTEM') || e.path.endsWith('SYSTEM.hardlink'));
      expect(hardLinked.map((e) => e.details?.links)).to.deep.equal([2, 2]);
      expect(hardLinked[0].details?.hardLinkGroupId).to.equal(hardLinked[1].details?.hardLinkGroupId);
      expect(wim.listDirTree(1).every((e) => e.details === undefined), 'details only when asked for').to.equal(true);
    } finally {
      wim.close();
    }
  });

  it('lists one directory without recursing, and names a missing path as the user’s mistake', function () {
    const wim = WimFile.open(wimPath);
    try {
      expect(wim.listDirTree(1, { path: '/Windows', recursive: false }).map((e) => e.path)).to.deep.equal(['/Windows/System32']);
      expect(() => wim.listDirTree(1, { path: '/Nope' })).to.throw(InputError, /\/Nope.*does not exist/);
      expect(() => wim.listDirTree(3)).to.throw(InputError, /image index 3 does not exist; this WIM holds images 1\.\.2/);
    } finally {
      wim.close();
    }
  });

  it('exports an image into a new WIM, writes it on a worker thread with progress, and verifies it', async function () {
    const src = WimFile.open(wimPath);
    const dest = WimFile.create('xpress');
    const out = join(dir, 'exported.wim');
    const progress: WimProgress[] = [];
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    try {
      expect(src.exportImage(1, dest, { name: 'Enterprise only' })).to.equal(1);
      const writing = dest.write(out, { integrityTable: true, onProgress: (p) => progress.push(p) });
      expect(() => src.images(), 'the source is read by the write on the worker thread').to.throw(/while a libwim operation is running/);
      await writing;
      expect(src.images()).to.have.length(2);
    } finally {
      clearInterval(ticker);
      src.close();
      dest.close();
    }
    expect(ticks, 'event loop ticks during the write').to.be.greaterThan(0);
    const write = progress.filter((p) => p.phase === 'write');
    expect(write.at(-1)).to.deep.include({ completedBytes: write.at(-1)?.totalBytes });
    expect(progress.some((p) => p.phase === 'integrity')).to.equal(true);

    const integrity: WimProgress[] = [];
    const check = await WimFile.openWithIntegrityCheck(out, { onProgress: (p) => integrity.push(p) });
    try {
      expect(integrity.at(-1)).to.deep.include({ phase: 'integrity', completedBytes: integrity.at(-1)?.totalBytes });
      expect(check.summary()).to.deep.include({ imageCount: 1, compression: 'xpress', hasIntegrityTable: true });
      expect(check.images()[0].name).to.equal('Enterprise only');
      const verified: WimProgress[] = [];
      await check.verify({ onProgress: (p) => verified.push(p) });
      const last = verified.filter((p) => p.phase === 'verify').at(-1);
      expect(last?.completedBytes).to.be.greaterThan(200_000).and.equal(last?.totalBytes);
    } finally {
      check.close();
    }
  });

  it('extracts an image on a worker thread', async function () {
    const wim = WimFile.open(wimPath);
    const target = join(dir, 'applied');
    await mkdir(target);
    try {
      await wim.extractImage(1, target);
    } finally {
      wim.close();
    }
    expect((await stat(join(target, 'Windows', 'System32', 'ntoskrnl.exe'))).size).to.equal(200_000);
  });

  it('stops a write when the AbortSignal fires or onProgress throws, with that reason', async function () {
    const src = WimFile.open(wimPath);
    const dest = WimFile.create('lzx');
    const controller = new AbortController();
    try {
      src.exportImage(1, dest);
      const reason = new Error('operator cancelled');
      let error: unknown;
      await dest.write(join(dir, 'aborted.wim'), { onProgress: () => controller.abort(reason), signal: controller.signal }).catch((e) => (error = e));
      expect(error).to.equal(reason);
      // The handle is usable again after the abort.
      expect(dest.images()).to.have.length(1);
      const bug = new Error('progress handler failed');
      error = undefined;
      await dest
        .write(join(dir, 'aborted-2.wim'), {
          onProgress: () => {
            throw bug;
          },
        })
        .catch((e) => (error = e));
      expect(error, 'an exception in onProgress stops the write and comes back from it').to.equal(bug);
    } finally {
      src.close();
      dest.close();
    }
  });

  it('reports a missing, a non-WIM, a truncated and a corrupted file with libwim’s message and the file name', async function () {
    const missing = join(dir, 'missing.wim');
    expect(() => WimFile.open(missing)).to.throw(InputError, `${missing}: cannot open WIM: no such file; libwim: Failed to open a file (wimlib error 47)`);

    const garbage = join(dir, 'garbage.wim');
    await writeFile(garbage, randomBytes(4096));
    expect(() => WimFile.open(garbage)).to.throw(InputError, new RegExp(`^${garbage}: cannot open WIM: libwim: The file did not begin with the magic characters`));

    const truncated = join(dir, 'truncated.wim');
    await execa('cp', [wimPath, truncated]);
    await truncate(truncated, 1000);
    expect(() => WimFile.open(truncated)).to.throw(InputError, new RegExp(`^${truncated}: cannot open WIM: libwim: .+ \\(wimlib error \\d+\\)$`));

    // One flipped byte of file data: the integrity table catches it at open, verify() by SHA-1.
    const flipped = join(dir, 'flipped.wim');
    const src = WimFile.open(wimPath);
    const copy = WimFile.create('none');
    try {
      src.exportImage(1, copy);
      await copy.write(flipped, { integrityTable: true });
    } finally {
      src.close();
      copy.close();
    }
    const bytes = await readFile(flipped);
    bytes[1000] ^= 0xff;
    await writeFile(flipped, bytes);
    let error: unknown;
    await WimFile.openWithIntegrityCheck(flipped).catch((e) => (error = e));
    expect(error).to.be.instanceOf(InputError);
    expect((error as Error).message).to.match(new RegExp(`^${flipped}: cannot open WIM: libwim: .*integrity.* \\(wimlib error \\d+\\)$`, 'i'));
    const unchecked = WimFile.open(flipped);
    try {
      error = undefined;
      await unchecked.verify().catch((e) => (error = e));
      expect(error).to.be.instanceOf(WimlibError);
      expect((error as Error).message).to.match(new RegExp(`^${flipped}: wimlib_verify_wim failed: .+ \\(wimlib error \\d+\\)$`));
    } finally {
      unchecked.close();
    }
  });

  it('gives per-image byte and file counts for sizing downloads and applies', function () {
    expect(readWimImageSizes(wimPath)).to.deep.equal([
      { index: 1, name: 'Windows 11 Enterprise', totalBytes: 200_000 + 10_000 + 4 + 4, fileCount: 5 },
      { index: 2, name: 'Windows 11 Education', totalBytes: 35, fileCount: 1 },
    ]);
  });

  it('reads entries without the struct-layout trap: every file of a real tree has a non-zero size', function () {
    const wim = WimFile.open(wimPath);
    try {
      const files: WimDirEntry[] = wim.listDirTree(1, { details: true }).filter((e) => !e.directory && !e.path.endsWith('NTUSER.DAT'));
      expect(files.every((e) => e.sizeBytes > 0 && e.details?.sha1?.length === 40 && e.details.depth === e.path.split('/').length - 1)).to.equal(true);
    } finally {
      wim.close();
    }
  });
});
