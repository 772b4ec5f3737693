// Acceptance of `osdlab run` through the real CLI (child processes): every shipped example meets its
// expect: on the twin; a wrong expectation turns the run red with expected/actual in the JUnit;
// --only/--shard select every machine of a matrix exactly once; the run folder is complete.
import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCmtrace, type RunResult } from '../../harness/index.js';
import { runCli } from './run-cli.js';

const SCENARIOS = fileURLToPath(new URL('../../scenarios/', import.meta.url));

const MATRIX = `
name: matrix-16
site:
  boundaries: [{ name: HQ, subnet: 198.18.10.0/24 }]
  managementPoint: { name: MP01, boundary: HQ }
  distributionPoints:
    - { name: DP01, boundary: HQ, pxe: { unknownComputerSupport: true } }
content:
  bootImages:
    - { id: LAB00001, name: Boot x86, arch: x86, size: 250MB }
    - { id: LAB00002, name: Boot x64, arch: x64, size: 300MB }
collections:
  - { name: Unknown, unknownComputers: true }
deployments:
  - name: Prepare disk
    collection: Unknown
    purpose: required
    availableTo: mediaAndPxe
    bootImage: LAB00002
    taskSequence:
      steps:
        - { name: Partition, type: FormatAndPartitionDisk, with: { OSDDiskIndex: 0, OSDPartitionStyle: MBR }, partitions: [{ type: Primary, size: 100%, fileSystem: NTFS }] }
machines:
  - name: PC01
    bootOrder: [disk, pxe]
    boundary: HQ
    matrix:
      firmware: [bios, uefi]
      arch: [x86, x64]
      partitionStyle: [mbr, gpt]
      diskType: [basic, dynamic]
    expect:
      - { outcome: success, disks: [{ index: 0, style: mbr }] }
      # The machine's partitionStyle is published as OSDPartitionStyle, which beats the step's own value.
      - { when: { partitionStyle: gpt }, disks: [{ index: 0, style: gpt }] }
`;

async function resultOf(dir: string): Promise<RunResult> {
  return JSON.parse(await readFile(join(dir, 'result.json'), 'utf8')) as RunResult;
}

describe('osdlab run (acceptance, twin)', function () {
  this.timeout(120_000);
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'osdlab-run-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  for (const example of [
    'bare-metal-uefi-gpt-pxe',
    'bare-metal-bios-mbr-media',
    'refresh-user-state-smp',
    'standalone-media-offline',
    'failing-uefi-mbr-no-esp',
    'branch-office-500-clients',
  ]) {
    it(`${example}.yaml meets its expectations: exit 0, pass: true`, async () => {
      const out = join(tmp, example);
      const r = await runCli(['run', join(SCENARIOS, `${example}.yaml`), '--out', out]);
      expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
      const result = await resultOf(out);
      expect(result.pass).to.equal(true);
      expect(result.backend).to.equal('twin');
      expect(r.stdout).to.match(new RegExp(`PASS {2}${example}: \\d+ of \\d+ passed on the twin`));
      expect(r.stdout).to.contain(`results: ${out}`);
      if (example === 'failing-uefi-mbr-no-esp') {
        expect(result.machines[0]).to.include({ outcome: 'failed', failedStep: 'Setup Windows and ConfigMgr' });
        expect(r.stdout).to.contain('PC-UEFI-MBR  failed at "Setup Windows and ConfigMgr"');
      }
    });
  }

  it('the run folder holds result.json, junit.xml, report.html, scenario.resolved.json and a CMTrace smsts.log in the order of result.json', async () => {
    const out = join(tmp, 'bare-metal-uefi-gpt-pxe');
    expect((await readdir(out)).sort()).to.deep.equal(['junit.xml', 'machines', 'report.html', 'result.json', 'run.json', 'scenario.resolved.json']);
    const resolved = JSON.parse(await readFile(join(out, 'scenario.resolved.json'), 'utf8')) as { machines: { name: string; clientCacheSize: number }[]; locator?: unknown };
    expect(resolved.machines[0]).to.include({ name: 'PC-UEFI-01', clientCacheSize: 5 * 2 ** 30 });
    expect(resolved).not.to.have.property('locator');
    const result = await resultOf(out);
    const log = parseCmtrace(await readFile(join(out, 'machines', 'PC-UEFI-01', 'smsts.log'), 'utf8'));
    const logged: string[] = [];
    for (const line of log) {
      const name = /Instruction name: (.*)\. Instruction pointer/.exec(line.message)?.[1] ?? /^The action \((.*)\) has been skipped/.exec(line.message)?.[1];
      if (name !== undefined && !logged.includes(name)) logged.push(name);
    }
    const reported = result.machines[0]!.steps.filter((s) => s.kind === 'step' && s.status !== 'notRun').map((s) => s.name);
    expect(logged).to.deep.equal(reported);
    expect(reported).to.include('Setup Windows and ConfigMgr');
    expect(await readFile(join(out, 'junit.xml'), 'utf8')).to.match(/<testcase classname="[^"]*bare-metal-uefi-gpt-pxe.yaml" name="PC-UEFI-01"/);
  });

  it('a wrong expectation exits 1; the JUnit failure shows expected and actual and the smsts.log tail', async () => {
    const text = (await readFile(join(SCENARIOS, 'bare-metal-uefi-gpt-pxe.yaml'), 'utf8')).replace('          style: gpt', '          style: mbr');
    const file = join(tmp, 'wrong.yaml');
    await writeFile(file, text);
    const out = join(tmp, 'wrong');
    const junit = join(tmp, 'wrong-junit.xml');
    const r = await runCli(['run', file, '--out', out, '--junit', junit, '--json', join(tmp, 'wrong.json')]);
    expect(r.exitCode, r.stderr).to.equal(1);
    expect(r.stdout).to.contain('disk 0 partition style: expected "mbr", actual "gpt"');
    for (const xml of [await readFile(junit, 'utf8'), await readFile(join(out, 'junit.xml'), 'utf8')]) {
      expect(xml).to.contain('<failure message="disk 0 partition style: expected &quot;mbr&quot;, actual &quot;gpt&quot;" type="ExpectationFailed">');
      expect(xml).to.contain('--- smsts.log (tail) ---');
    }
    expect((JSON.parse(await readFile(join(tmp, 'wrong.json'), 'utf8')) as RunResult).pass).to.equal(false);
  });

  it('--shard 1/4 … 4/4 run every machine of a 16-combination matrix exactly once; --only selects by name or glob', async () => {
    const file = join(tmp, 'matrix.yaml');
    await writeFile(file, MATRIX);
    const seen: string[] = [];
    for (let i = 1; i <= 4; i++) {
      const out = join(tmp, `shard-${i}`);
      const r = await runCli(['run', file, '--shard', `${i}/4`, '--out', out]);
      expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
      const names = (await resultOf(out)).machines.map((m) => m.name);
      expect(names).to.have.length(4);
      seen.push(...names);
      expect(await readFile(join(out, 'junit.xml'), 'utf8')).to.match(/skipped="12"/);
    }
    expect(seen).to.have.length(16);
    expect(new Set(seen).size).to.equal(16);
    expect(seen).to.include('PC01[uefi,x64,gpt,dynamic]');

    const one = await runCli(['run', file, '--only', 'PC01[bios,x86,mbr,basic]', '--out', join(tmp, 'only')]);
    expect(one.exitCode, one.stderr).to.equal(0);
    expect((await resultOf(join(tmp, 'only'))).machines.map((m) => m.name)).to.deep.equal(['PC01[bios,x86,mbr,basic]']);
    expect(await readdir(join(tmp, 'only', 'machines'))).to.deep.equal(['PC01_bios_x86_mbr_basic']);
    const glob = await runCli(['run', file, '--only', 'PC01[uefi,*', '--out', join(tmp, 'glob')]);
    expect(glob.exitCode).to.equal(0);
    expect((await resultOf(join(tmp, 'glob'))).machines).to.have.length(8);
  });

  it('usage mistakes exit 2: a shard that does not exist, an unknown machine, an unknown backend', async () => {
    const file = join(SCENARIOS, 'bare-metal-uefi-gpt-pxe.yaml');
    const shard = await runCli(['run', file, '--shard', '5/4', '--out', join(tmp, 'x')]);
    expect(shard.exitCode).to.equal(2);
    expect(shard.stderr).to.contain('--shard: "5/4" is not a shard');
    const only = await runCli(['run', file, '--only', 'NOPE', '--out', join(tmp, 'x')]);
    expect(only.exitCode).to.equal(2);
    expect(only.stderr).to.contain('--only: no machine or client group named "NOPE"');
    // PXE-started machines run on the QEMU backend now (issue 7): its end-to-end test is lab/qemu/backend/test/pxe.test.ts.
    const backend = await runCli(['run', file, '--backend', 'vmware', '--out', join(tmp, 'x')]);
    expect(backend.exitCode).to.equal(2);
    expect(backend.stderr).to.contain('"vmware" is not a backend; allowed: twin, qemu');
    expect(shard.stderr + only.stderr + backend.stderr).not.to.match(/\bat .*\.ts:\d+/);
  });
});
