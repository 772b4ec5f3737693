import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './run-cli.js';

const SCENARIO = fileURLToPath(new URL('../../scenarios/bare-metal-uefi-gpt-pxe.yaml', import.meta.url));
const STACK = /\bat .*\.(ts|js):\d+/;

describe('osdlab ts show / ts lint', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'osdlab-ts-cli-'));
    await writeFile(join(dir, 'good.yaml'), `taskSequence:
  name: Deploy
  steps:
    - group: Install
      continueOnError: true
      steps:
        - { name: Partition Disk 0, type: Partition Disk 0, condition: { firmware: uefi } }
        - { name: Apply OS, type: ApplyOperatingSystemImage, with: { ImagePackageID: LAB00003 }, disabled: true }
    - { name: Drivers, type: ApplyDriverPackage, with: { OSDApplyDriverDriverPackageID: LAB09999 } }
`);
    await writeFile(join(dir, 'wrong-env.xml'), `<sequence version="3.10"><step type="SMS_TaskSequence_RebootAction" name="Restart" runIn="WinPEandFullOS"><action>smsboot.exe /target:HD</action></step><step type="SMS_TaskSequence_PartitionDiskAction" name="Format" runIn="WinPE"><action>osddiskpart.exe</action></step></sequence>`);
    await writeFile(join(dir, 'broken.xml'), `<sequence version="3.10">\n  <group name="a">\n    <step type="X" name="s" runIn="Everywhere"><action>x</action></step>\n  </group>\n</sequence>\n`);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('show prints the tree with conditions, environments and marks; --json has the counts', async () => {
    const r = await runCli(['ts', 'show', join(dir, 'good.yaml')]);
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stdout).to.equal([
      'Deploy',
      'osdlab YAML sequence, schema 3.10: 3 steps in 1 groups',
      '├─ 1 ▸ Install [continue on error]',
      '│  ├─ 1/1 Partition Disk 0 — Format and Partition Disk, WinPE',
      '│  │     if _SMSTSBootUEFI = "true"',
      '│  └─ 1/2 Apply OS — Apply Operating System Image, WinPE [disabled]',
      '└─ 2 Drivers — Apply Driver Package, WinPE',
    ].join('\n'));
    const json = await runCli(['ts', 'show', join(dir, 'good.yaml'), '--json']);
    expect(JSON.parse(json.stdout)).to.include({ steps: 3, groups: 1, source: 'yaml' });
  });

  it('show exits 2 on bad input with file:line:column and the element path, no stack trace', async () => {
    const r = await runCli(['ts', 'show', join(dir, 'broken.xml')]);
    expect(r.exitCode).to.equal(2);
    expect(r.stderr).to.equal(`${join(dir, 'broken.xml')}:3:5 sequence/group[1]/step[1] (name "s"): attribute runIn: "Everywhere" is not one of WinPE, FullOS, WinPEandFullOS`);
    expect(r.stderr).not.to.match(STACK);
  });

  it('lint exits 1 on errors and reports them with positions; --json carries the issues', async () => {
    const r = await runCli(['ts', 'lint', join(dir, 'wrong-env.xml')]);
    expect(r.exitCode).to.equal(1);
    expect(r.stdout).to.contain(`wrong-env.xml:1:153 2 "Format": error [wrong-environment] runs only in Windows PE, but after "Restart" (1) the machine is in the full OS`);
    expect(r.stdout).to.match(/: 1 error\(s\), 0 warning\(s\)$/);
  });

  it('lint --scenario reports packages missing from the scenario content', async () => {
    const r = await runCli(['ts', 'lint', join(dir, 'good.yaml'), '--scenario', SCENARIO, '--json']);
    expect(r.exitCode, r.stderr).to.equal(1);
    const report = JSON.parse(r.stdout) as { errors: number; issues: Array<{ rule: string; path: string; message: string }> };
    expect(report.issues.map((i) => `${i.rule} ${i.path}`)).to.deep.equal(['missing-content 2']);
    expect(report.issues[0].message).to.contain('LAB09999');
  });

  it('lint exits 2 when the file cannot be read', async () => {
    const r = await runCli(['ts', 'lint', join(dir, 'absent.zip')]);
    expect(r.exitCode).to.equal(2);
    expect(r.stderr).to.equal(`${join(dir, 'absent.zip')}: cannot read the task sequence file: ENOENT`);
  });
});
