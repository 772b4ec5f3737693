// `osdlab report merge` through the real CLI: the four shards of the 16-combination hardware matrix on the
// twin run every combination exactly once, and their merge has the pass/fail set of an unsharded run; the
// merged folder is a complete run folder (JUnit valid against our XSD when xmllint is there); folders that are
// not the complete, disjoint shards of one scenario are refused with exit 2 and a message naming the problem.
import { expect } from 'chai';
import { execa } from 'execa';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResult } from '../../harness/index.js';
import { mergeRunFolders, type RunManifest } from '../../reports/index.js';
import { InputError } from '../../scenarios/index.js';
import { runCli } from './run-cli.js';

const SCENARIOS = fileURLToPath(new URL('../../scenarios/', import.meta.url));
const MATRIX = join(SCENARIOS, 'hardware-matrix.yaml');
const XSD = fileURLToPath(new URL('../../reports/schema/junit.xsd', import.meta.url));

const readJson = async <T>(dir: string, file: string) => JSON.parse(await readFile(join(dir, file), 'utf8')) as T;
const verdicts = (r: RunResult) => Object.fromEntries(r.machines.map((m) => [m.name, { outcome: m.outcome, failedStep: m.failedStep, pass: m.pass }]));

describe('osdlab report merge (acceptance, twin)', function () {
  this.timeout(180_000);
  let tmp: string;
  const shard = (i: number) => join(tmp, `shard-${i}`);

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'osdlab-merge-'));
    const runs = await Promise.all([
      ...[1, 2, 3, 4].map((i) => runCli(['run', MATRIX, '--shard', `${i}/4`, '--out', shard(i)], { timeoutMs: 150_000 })),
      runCli(['run', MATRIX, '--out', join(tmp, 'whole')], { timeoutMs: 150_000 }),
      runCli(['run', join(SCENARIOS, 'bare-metal-uefi-gpt-pxe.yaml'), '--out', join(tmp, 'other')], { timeoutMs: 150_000 }),
    ]);
    for (const r of runs) expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('--shard 1/4 … 4/4 run every combination of the 16-combination matrix exactly once', async () => {
    const names: string[] = [];
    for (const i of [1, 2, 3, 4]) {
      const result = await readJson<RunResult>(shard(i), 'result.json');
      const manifest = await readJson<RunManifest>(shard(i), 'run.json');
      expect(manifest.shard).to.equal(`${i}/4`);
      expect(result.machines).to.have.length(4);
      expect(manifest.skipped).to.have.length(12);
      names.push(...result.machines.map((m) => m.name));
    }
    const whole = await readJson<RunResult>(join(tmp, 'whole'), 'result.json');
    expect(whole.machines).to.have.length(16);
    expect([...names].sort()).to.deep.equal(whole.machines.map((m) => m.name).sort());
    expect(new Set(names).size).to.equal(16);
  });

  it('merges the shards into one run folder with the pass/fail set of the unsharded run', async () => {
    const out = join(tmp, 'merged');
    // The QEMU lab leaves its site servers' logs in site/; each shard had its own.
    await mkdir(join(shard(2), 'site'));
    await writeFile(join(shard(2), 'site', 'SMSPXE.log'), 'PXE log of shard 2');
    const r = await runCli(['report', 'merge', shard(3), shard(1), shard(4), shard(2), '--out', out]);
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('4 run folders merged: 16 of 16 passed');
    const merged = await readJson<RunResult>(out, 'result.json');
    const whole = await readJson<RunResult>(join(tmp, 'whole'), 'result.json');
    // Same machines in the same (scenario) order, same outcomes, failed steps and verdicts, whatever order the shards came in.
    expect(merged.machines.map((m) => m.name)).to.deep.equal(whole.machines.map((m) => m.name));
    expect(verdicts(merged)).to.deep.equal(verdicts(whole));
    expect(merged.pass).to.equal(whole.pass);
    // The failing combinations are there: ConfigMgr refuses half of the matrix, and the scenario expects it.
    expect(merged.machines.filter((m) => m.outcome === 'failed')).to.have.length.greaterThan(4);
    expect((await readdir(out)).sort()).to.deep.equal(['junit.xml', 'machines', 'report.html', 'result.json', 'run.json', 'scenario.resolved.json', 'site']);
    expect(await readFile(join(out, 'site', 'shard-2', 'SMSPXE.log'), 'utf8')).to.equal('PXE log of shard 2');
    // Every machine's smsts.log came along, under the merged folder names.
    const folders = (await readJson<RunManifest>(out, 'run.json')).logFolders;
    for (const m of merged.machines) expect(await readFile(join(out, 'machines', folders[m.name]!, 'smsts.log'), 'utf8')).to.contain(']LOG]!>');
    expect(await readdir(join(out, 'machines'))).to.have.length(16);
    const manifest = await readJson<RunManifest>(out, 'run.json');
    expect(manifest.shard).to.equal(undefined);
    expect(manifest.skipped).to.deep.equal([]);
    expect(Object.keys(manifest.machines)).to.have.length(16);
    const junit = await readFile(join(out, 'junit.xml'), 'utf8');
    expect(junit.match(/<testcase /g)).to.have.length(16);
    expect(junit).not.to.contain('<skipped');
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html.match(/<section class="machine"/g)).to.have.length(16);
    expect(html).to.contain('data-chart="disk"');
    const xmllint = await execa('xmllint', ['--noout', '--schema', XSD, join(out, 'junit.xml')], { reject: false }).catch(() => undefined);
    if (xmllint) expect(xmllint.exitCode, xmllint.stderr).to.equal(0);
  });

  it('refuses a missing shard, the same shard twice, a whole run among shards and another scenario (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [[shard(1), shard(2), shard(4)], /shard 3\/4 missing/],
      [[shard(1), shard(2), shard(2), shard(3), shard(4)], /is shard 2\/4, and so is .*: the same shard twice/],
      [[shard(1), shard(2), shard(3), shard(4), join(tmp, 'whole')], /is a whole run, not a shard/],
      [[join(tmp, 'whole'), join(tmp, 'other')], /ran a different scenario than .* \("bare-metal-uefi-gpt-pxe" vs "hardware-matrix"; the resolved scenarios differ at /],
      [[join(tmp, 'whole'), join(tmp, 'whole')], /the runs overlap: PC\[bios,x86,mbr,basic\] \(.* and .*\)/],
      [[join(tmp, 'nowhere')], /nowhere: is not a complete run folder: it has no result\.json/],
      [[shard(1), shard(2), shard(3), shard(4), join(tmp, 'refused')], /refused is one of the run folders being merged/],
    ];
    for (const [dirs, message] of cases) {
      const refused = await mergeRunFolders(dirs, join(tmp, 'refused')).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refused, `${dirs.join(' ')}`).to.be.instanceOf(InputError);
      expect((refused as InputError).message).to.match(message);
    }
    // Through the CLI: the message on stderr, no stack trace, exit code 2.
    const r = await runCli(['report', 'merge', shard(1), shard(2), shard(4), '--out', join(tmp, 'refused')]);
    expect(r.exitCode, r.stdout + r.stderr).to.equal(2);
    expect(r.stderr).to.match(/shard 3\/4 missing/);
    expect(r.stderr).not.to.match(/\bat .*\.ts:\d+/);
    expect(await readdir(tmp)).not.to.include('refused');
  });
});
