import { expect } from 'chai';
import { mkdtemp, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { writeCpio } from '../cpio.js';

describe('images/boot-image newc cpio writer', () => {
  it('writes an archive GNU cpio lists and extracts with the same files, modes, links and devices', async () => {
    const archive = writeCpio([
      { kind: 'directory', path: '/bin', mode: 0o755 },
      { kind: 'file', path: '/bin/tool', mode: 0o755, data: Buffer.from('#!/bin/sh\necho odd-length\n') },
      { kind: 'symlink', path: '/bin/sh', target: 'tool' },
      { kind: 'chardev', path: '/console', mode: 0o600, major: 5, minor: 1 },
      { kind: 'file', path: '/empty', mode: 0o644, data: Buffer.alloc(0) },
    ]);
    expect(archive.length % 4).to.equal(0);
    const listing = await execa('cpio', ['-itv'], { input: archive });
    expect(listing.stdout).to.match(/^drwxr-xr-x .* bin$/m);
    expect(listing.stdout).to.match(/^-rwxr-xr-x .* bin\/tool$/m);
    expect(listing.stdout).to.match(/^lrwxrwxrwx .* bin\/sh -> tool$/m);
    expect(listing.stdout).to.match(/^crw------- .* 5, +1 .* console$/m);
    const dir = await mkdtemp(join(tmpdir(), 'osdlab-cpio-'));
    try {
      await execa('cpio', ['-id', '--quiet', '--no-absolute-filenames', '--nonmatching', 'console'], { input: archive, cwd: dir });
      expect(await readFile(join(dir, 'bin/tool'), 'utf8')).to.equal('#!/bin/sh\necho odd-length\n');
      expect((await stat(join(dir, 'bin/tool'))).mode & 0o777).to.equal(0o755);
      expect(await readlink(join(dir, 'bin/sh'))).to.equal('tool');
      expect((await stat(join(dir, 'empty'))).size).to.equal(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is deterministic', () => {
    const entries = [{ kind: 'file' as const, path: 'a', mode: 0o644, data: Buffer.from('x') }];
    expect(writeCpio(entries).equals(writeCpio(entries))).to.equal(true);
  });
});
