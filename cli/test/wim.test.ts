import { expect } from 'chai';
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.js';

describe('osdlab wim / osdlab image build', function () {
  this.timeout(60_000);
  let dir: string;
  let wim: string;

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), 'osdlab-cli-wim-'));
    const spec = join(dir, 'spec.yaml');
    await writeFile(spec, 'osImage:\n  product: Windows 10\n  version: "10.0.19045.3803"\n  systemSize: 64KB\n  images:\n    - { name: Windows 10 Enterprise, edition: Enterprise }\n    - { name: Windows 10 Education, edition: Education }\n');
    wim = join(dir, 'out', 'install.wim');
    const r = await runCli(['image', 'build', spec, '--out', wim, '--cache-dir', join(dir, 'cache')]);
    expect(r.stderr).to.equal('');
    expect(r.exitCode).to.equal(0);
    expect(r.stdout).to.match(/^built {3}.*install\.wim {2}content hash [0-9a-f]{64}\n {2}1 {2}Windows 10 Enterprise: \d+ files/);
  });
  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it('wim info --json lists the images the spec named', async function () {
    const r = await runCli(['wim', 'info', wim, '--json']);
    expect(r.exitCode).to.equal(0);
    const summary = JSON.parse(r.stdout) as { imageCount: number; images: Array<{ name: string; fileCount: number }> };
    expect(summary.imageCount).to.equal(2);
    expect(summary.images.map((i) => i.name)).to.deep.equal(['Windows 10 Enterprise', 'Windows 10 Education']);
  });

  it('wim ls prints what wimlib-imagex dir prints', async function () {
    const [ours, theirs] = await Promise.all([runCli(['wim', 'ls', wim, '2', '/Windows']), execa('wimlib-imagex', ['dir', wim, '2', '--path=/Windows'])]);
    expect(ours.exitCode).to.equal(0);
    expect(ours.stdout).to.equal(theirs.stdout);
  });

  it('exits 2 naming the file and libwim’s reason for a missing or corrupt WIM', async function () {
    const corrupt = join(dir, 'corrupt.wim');
    await writeFile(corrupt, 'MSWIM\0\0\0 this is not really a WIM');
    const [missing, bad, index] = await Promise.all([runCli(['wim', 'info', join(dir, 'missing.wim')]), runCli(['wim', 'ls', corrupt, '1']), runCli(['wim', 'ls', wim, '0'])]);
    expect([missing.exitCode, bad.exitCode, index.exitCode]).to.deep.equal([2, 2, 2]);
    expect(missing.stderr).to.equal(`${join(dir, 'missing.wim')}: cannot open WIM: no such file; libwim: Failed to open a file (wimlib error 47)`);
    expect(bad.stderr).to.match(new RegExp(`^${corrupt}: cannot open WIM: libwim: .+ \\(wimlib error \\d+\\)$`));
    expect(index.stderr).to.equal('INDEX: found "0"; expected an image index (1, 2, ...)');
  });
});
