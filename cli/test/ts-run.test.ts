import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCmtrace } from '../../harness/index.js';
import { runCli } from './run-cli.js';

const TS = `taskSequence:
  name: Dry run
  steps:
    - group: Install Operating System
      steps:
        - name: Partition Disk 0
          type: FormatAndPartitionDisk
          with: { OSDDiskIndex: 0, OSDPartitionStyle: GPT }
          partitions:
            - { type: EFI, size: 500MB, fileSystem: FAT32 }
            - { type: MSR, size: 128MB }
            - { type: Primary, size: 100%, fileSystem: NTFS }
        - name: Apply Operating System
          type: ApplyOperatingSystemImage
          with: { ImagePackageID: LAB00005 }
        - name: Only on BIOS
          type: RunCommandLine
          command: "cmd /c echo %Greeting%"
          condition: { firmware: bios }
    - group: Applications
      continueOnError: true
      steps:
        - name: Install App
          type: RunCommandLine
          command: "setup.exe /q"
        - name: After App
          type: RunCommandLine
          command: "cmd /c exit 0"
`;

describe('osdlab ts run', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'osdlab-ts-run-'));
    await writeFile(join(dir, 'ts.yaml'), TS);
    await writeFile(join(dir, 'bios.yaml'), 'firmware: bios\n');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('prints the executed path with injected failures (JSON contract)', async () => {
    const r = await runCli(['ts', 'run', join(dir, 'ts.yaml'), '--fail', 'Install App=1603', '--var', 'Greeting=hello', '--json']);
    expect(r.exitCode, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout);
    expect(out.outcome).to.equal('success');
    expect(out.steps.map((s: { path: string; status: string }) => `${s.path} ${s.status}`)).to.deep.equal([
      '1 success', '1/1 success', '1/2 success', '1/3 skipped', '2 failed', '2/1 failed', '2/2 notRun',
    ]);
    expect(out.steps[5]).to.deep.include({ name: 'Install App', type: 'SMS_TaskSequence_RunCommandLineAction', exitCode: 1603 });
    expect(out.steps[3].reason).to.equal('The condition is evaluated to be false');
    expect(out.variables).to.include({ _SMSTSInWinPE: 'true', _SMSTSBootUEFI: 'true', Greeting: 'hello' });
  });

  it('takes machine facts and variables, exits 1 when the sequence fails, and writes smsts.log', async () => {
    const log = join(dir, 'logs');
    const r = await runCli(['ts', 'run', join(dir, 'ts.yaml'), '--facts', join(dir, 'bios.yaml'), '--var', 'Greeting=hello', '--fail', '1/2=2', '--log', log]);
    expect(r.exitCode, r.stderr).to.equal(1);
    expect(r.stdout).to.match(/Apply Operating System\s+failed\s+exit 2/);
    expect(r.stdout).to.match(/failed at "Apply Operating System"/);
    const files = await readdir(log);
    expect(files).to.include('smsts.log');
    const lines = parseCmtrace(await readFile(join(log, 'smsts.log'), 'utf8'));
    expect(lines.some((l) => l.message === 'Failed to run the last action: Apply Operating System. Execution of task sequence failed.')).to.equal(true);
  });

  it('rejects a --fail naming no step, and bad facts, with exit code 2', async () => {
    const a = await runCli(['ts', 'run', join(dir, 'ts.yaml'), '--fail', 'Nope=1']);
    expect(a.exitCode).to.equal(2);
    expect(a.stderr).to.match(/--fail: no step named \(or at path\) "Nope"/);
    await writeFile(join(dir, 'bad.yaml'), 'firmware: efi\n');
    const b = await runCli(['ts', 'run', join(dir, 'ts.yaml'), '--facts', join(dir, 'bad.yaml')]);
    expect(b.exitCode).to.equal(2);
    expect(b.stderr).to.match(/bad\.yaml firmware: "efi" is not one of bios, uefi/);
  });
});
