import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './run-cli.js';

const REFRESH = fileURLToPath(new URL('../../scenarios/refresh-user-state-smp.yaml', import.meta.url));

describe('osdlab validate: task-sequence pre-flight', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'osdlab-preflight-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function variant(edit: (text: string) => string): Promise<string> {
    const text = await readFile(REFRESH, 'utf8');
    const edited = edit(text);
    expect(edited, 'the edit applied').not.to.equal(text);
    const file = join(dir, 'refresh.yaml');
    await writeFile(file, edited);
    return file;
  }

  it('refuses "download all content before starting" with a step that repartitions the cache disk', async () => {
    const file = await variant((t) =>
      t.replace('contentDownload: downloadOnDemand', 'contentDownload: downloadAll').replace(/\n\s+condition: \{ variable: _SMSTSClientCache, exists: false \}/, ''),
    );
    const r = await runCli(['validate', file]);
    expect(r.exitCode).to.equal(2);
    const line = (await readFile(file, 'utf8')).split('\n').findIndex((l) => l.includes('type: FormatAndPartitionDisk'));
    expect(r.stderr).to.match(new RegExp(`refresh\\.yaml:${line}:\\d+ deployments ".*" step ".*": .*downloads all content locally before starting`));
    expect(r.stderr).not.to.match(/\bat .*\.ts:\d+/);
    const run = await runCli(['run', file, '--out', join(dir, 'run')]);
    expect(run.exitCode, 'run refuses it too').to.equal(2);
  });

  it('accepts "download all" when the partition step is guarded by "_SMSTSClientCache not exists", as the samples do', async () => {
    const file = await variant((t) => t.replace('contentDownload: downloadOnDemand', 'contentDownload: downloadAll'));
    const r = await runCli(['validate', file]);
    expect(r.exitCode, r.stderr).to.equal(0);
  });

  it('refuses a step that names a package the scenario does not have', async () => {
    const file = await variant((t) => t.replace(/ImagePackageID: (\w+)/, 'ImagePackageID: LAB0FFFF'));
    const r = await runCli(['validate', file]);
    expect(r.exitCode).to.equal(2);
    expect(r.stderr).to.match(/ImagePackageID names package LAB0FFFF, which is not in the scenario's content/);
  });

  it('accepts the shipped scenario', async () => {
    const r = await runCli(['validate', REFRESH]);
    expect(r.exitCode, r.stderr).to.equal(0);
  });
});
