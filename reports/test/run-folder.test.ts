import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRunFolder, logTail, machineFolders, safeFileName, writeFileAtomic, writeRunFolder } from '../index.js';
import { SmstsLog, type RunResult } from '../../harness/index.js';
import type { Scenario } from '../../scenarios/index.js';

describe('run folder', () => {
  let tmp: string;
  beforeEach(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'osdlab-folder-'));
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('names the default folder runs/<UTC stamp>-<scenario>', () => {
    expect(defaultRunFolder('bare metal/uefi', new Date('2026-11-23T14:05:09.123Z'))).to.equal(join('runs', '20261123-140509-bare_metal_uefi'));
  });

  it('makes machine names safe file names and keeps them apart when two collapse to one', () => {
    expect(safeFileName('PC01[uefi,x64,gpt,basic]')).to.equal('PC01_uefi_x64_gpt_basic');
    expect(safeFileName('..')).to.equal('unnamed');
    expect([...machineFolders(['PC[a,b]', 'PC_a_b', 'pc_A_B']).values()]).to.deep.equal(['PC_a_b', 'PC_a_b-2', 'pc_A_B-3']);
  });

  it('writes through a temporary file: no partial file is left, the target has the whole text', async () => {
    const path = join(tmp, 'deep', 'result.json');
    await writeFileAtomic(path, 'x'.repeat(100_000));
    expect(await readdir(join(tmp, 'deep'))).to.deep.equal(['result.json']);
    expect((await readFile(path, 'utf8')).length).to.equal(100_000);
  });

  it('writes every smsts.log segment per machine, and the JUnit shows the log tail under a failure', async () => {
    let now = Date.UTC(2026, 10, 23, 14, 0, 0);
    const log = new SmstsLog({ now: () => (now += 1000), maxSizeBytes: 400 });
    for (let i = 0; i < 6; i++) log.info(`line ${i}`, 'x.cpp:1');
    log.error('the last word', 'x.cpp:2');
    const result: RunResult = {
      pass: false,
      scenario: 's.yaml',
      backend: 'twin',
      startedAt: '2026-11-23T14:00:00.000Z',
      finishedAt: '2026-11-23T14:00:01.000Z',
      machines: [{ name: 'PC[1]', outcome: 'failed', steps: [], variables: {}, expectations: [{ what: 'outcome', pass: false, expected: 'success', actual: 'failed' }], pass: false }],
    };
    const written = await writeRunFolder(tmp, { result, logs: new Map([['PC[1]', log.files()]]), skipped: ['PC[2]'], scenario: { name: 's', locator: () => undefined } as unknown as Scenario });
    const segments = await readdir(join(tmp, 'machines', 'PC_1'));
    expect(segments.length).to.be.greaterThan(1);
    expect(segments).to.include('smsts.log');
    expect(written[written.length - 1]).to.equal('result.json');
    const junit = await readFile(join(tmp, 'junit.xml'), 'utf8');
    expect(junit).to.contain('ERROR the last word');
    expect(junit).to.contain('<skipped message="not in this run (filtered)"/>');
    expect(logTail(log.files(), 1)).to.deep.equal(['ERROR the last word']);
    const html = await readFile(join(tmp, 'report.html'), 'utf8');
    expect(written).to.include('report.html');
    expect(html).to.match(/^<!DOCTYPE html>/i).and.to.contain('PC[1]');
  });
});
