// Acceptance of reproduction bundles through the real CLI: a bundle made from a twin run re-runs from a fresh
// folder holding nothing but the bundle (the scenario's own folder deleted) with the same verdict per machine;
// a damaged bundle is refused with exit code 2 and leaves no run folder and no unpacked files behind.
import { expect } from 'chai';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { RunResult } from '../../harness/index.js';
import { OSDLAB, runCli } from './run-cli.js';
import { openRunInput } from '../bundle.js';

const SCENARIOS = fileURLToPath(new URL('../../scenarios/', import.meta.url));

// The task sequence lives in its own file and the client package has a source file: both must travel in the bundle.
const TASK_SEQUENCE = `
name: Deploy Windows 10 - BIOS layout
steps:
  - name: Partition Disk 0
    type: FormatAndPartitionDisk
    with: { OSDDiskIndex: 0, OSDPartitionStyle: MBR }
    partitions:
      - { type: Primary, size: 350MB, fileSystem: NTFS, label: System Reserved, bootable: true }
      - { type: Primary, size: 100%, fileSystem: NTFS, label: Windows, letterVariable: OSDisk }
  - name: Apply Operating System Image
    type: ApplyOperatingSystemImage
    with: { ImagePackageID: LAB00003, OSDImageIndex: 1, DestinationVariable: OSDisk }
  - name: Setup Windows and ConfigMgr
    type: SetupWindowsAndConfigMgr
    with: { _SMSClientPackageID: LAB00005 }
`;

const SCENARIO = `
name: bundled-field-case
site:
  boundaries: [{ name: HQ, subnet: 198.18.60.0/24 }]
  managementPoint: { name: MP01, boundary: HQ }
  distributionPoints: [{ name: DP01, boundary: HQ, pxe: { unknownComputerSupport: true } }]
content:
  bootImages: [{ id: LAB00002, name: Boot image (x64), arch: x64, size: 300MB }]
  osImages: [{ id: LAB00003, name: Windows 10, size: 4GB }]
  packages: [{ id: LAB00005, name: Client, kind: client, source: content/ccmsetup.bin, size: 95MB }]
collections: [{ name: Unknown, unknownComputers: true }]
deployments:
  - { name: Deploy, collection: Unknown, purpose: required, availableTo: mediaAndPxe, bootImage: LAB00002, taskSequence: ts/deploy.yaml }
machines:
  - name: PC01
    bootOrder: [disk, pxe]
    boundary: HQ
    matrix: { firmware: [bios, uefi] }
    expect: { outcome: success, bootsToFullOs: true }
`;

type Verdicts = Record<string, { pass: boolean; outcome: string; failedStep?: string | null }>;
const verdicts = (r: RunResult): Verdicts => Object.fromEntries(r.machines.map((m) => [m.name, { pass: m.pass, outcome: m.outcome, failedStep: m.failedStep ?? null }]));

describe('osdlab bundle and osdlab run BUNDLE', function () {
  this.timeout(120_000);
  let tmp: string;
  let bundle: string;
  let original: RunResult;
  /** The temporary folder of `osdlab run BUNDLE` in these tests (its TMPDIR): empty again after every run. */
  let unpackDir: string;
  // tsx keeps its cache in TMPDIR too: count only unpacked bundles.
  const unpacked = async () => (await readdir(unpackDir)).filter((n) => n.startsWith('osdlab-bundle-')).length;
  const runBundle = async (args: string[], cwd: string) => {
    const r = await execa(OSDLAB, args, { reject: false, cwd, timeout: 60_000, env: { NO_COLOR: '1', TMPDIR: unpackDir } });
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  };

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'osdlab-g2-bundle-cli-'));
    unpackDir = join(tmp, 'unpack');
    await mkdir(unpackDir);
    const source = join(tmp, 'source');
    await mkdir(join(source, 'ts'), { recursive: true });
    await mkdir(join(source, 'content'));
    await writeFile(join(source, 'ts', 'deploy.yaml'), TASK_SEQUENCE);
    await writeFile(join(source, 'content', 'ccmsetup.bin'), 'client package bytes');
    await writeFile(join(source, 'scenario.yaml'), SCENARIO);
    const run = await runCli(['run', 'scenario.yaml', '--out', 'run'], { cwd: source });
    expect(run.exitCode, run.stderr).to.equal(1); // the UEFI combination fails at the restart to disk
    original = JSON.parse(await readFile(join(source, 'run', 'result.json'), 'utf8')) as RunResult;
    const made = await runCli(['bundle', 'run', '--out', join(tmp, 'case.tar.gz')], { cwd: source });
    expect(made.exitCode, made.stderr).to.equal(0);
    expect(made.stdout).to.match(/bundled-field-case on the twin, 2 machines/);
    // Nothing of the original folder is left: the bundle alone must do.
    await rm(source, { recursive: true });
    bundle = join(tmp, 'case.tar.gz');
  });

  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('re-runs from the bundle alone in a fresh folder with the same verdict per machine', async () => {
    expect(Object.values(verdicts(original)).map((v) => v.pass)).to.have.members([true, false]);
    const fresh = await mkdtemp(join(tmp, 'fresh-'));
    await cp(bundle, join(fresh, 'case.tar.gz'));
    const r = await runBundle(['run', 'case.tar.gz', '--out', 'again'], fresh);
    expect(r.exitCode, r.stderr).to.equal(1);
    expect(r.stdout).to.match(/every file matches its manifest/);
    expect(r.stdout).to.match(/verdicts: the same as in the bundle for all 2 machines/);
    const again = JSON.parse(await readFile(join(fresh, 'again', 'result.json'), 'utf8')) as RunResult;
    expect(verdicts(again)).to.deep.equal(verdicts(original));
    expect(again.machines.map((m) => m.steps.map((s) => [s.name, s.status]))).to.deep.equal(original.machines.map((m) => m.steps.map((s) => [s.name, s.status])));
    expect(await unpacked(), 'the unpacked bundle is removed after the run').to.equal(0);
  });

  it('bundles a run of a shipped example and re-runs it elsewhere with the same verdicts', async () => {
    const first = await mkdtemp(join(tmp, 'example-'));
    expect((await runCli(['run', join(SCENARIOS, 'bare-metal-bios-mbr-media.yaml'), '--out', 'run'], { cwd: first })).exitCode).to.equal(0);
    expect((await runCli(['bundle', 'run'], { cwd: first })).exitCode).to.equal(0);
    const fresh = await mkdtemp(join(tmp, 'example-fresh-'));
    await cp(join(first, 'run.tar.gz'), join(fresh, 'run.tar.gz'));
    const r = await runCli(['run', 'run.tar.gz', '--out', 'again'], { cwd: fresh });
    expect(r.exitCode, r.stderr).to.equal(0);
    const [a, b] = await Promise.all([join(first, 'run'), join(fresh, 'again')].map(async (d) => JSON.parse(await readFile(join(d, 'result.json'), 'utf8')) as RunResult));
    expect(verdicts(b)).to.deep.equal(verdicts(a));
  });

  it('notes when the bundle is re-run on another backend than the one it was made on', async () => {
    const printed: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => printed.push(chunk) > 0) as typeof process.stdout.write;
    try {
      const input = await openRunInput(bundle, 'qemu');
      await input.close();
    } finally {
      process.stdout.write = write;
    }
    expect(printed.join('')).to.match(/on the twin; every file matches its manifest\nnote: running on the qemu; --backend twin re-runs it where it was made\n/);
  });

  for (const [what, damage] of [
    ['truncated', (b: Buffer) => b.subarray(0, Math.floor(b.length * 0.6))],
    ['corrupted in the middle', (b: Buffer) => Buffer.concat([b.subarray(0, b.length >> 1), Buffer.from([b[b.length >> 1] ^ 0xff]), b.subarray((b.length >> 1) + 1)])],
  ] as const) {
    it(`refuses a ${what} bundle with exit code 2, writing nothing`, async () => {
      const fresh = await mkdtemp(join(tmp, 'damaged-'));
      await writeFile(join(fresh, 'case.tar.gz'), damage(await readFile(bundle)));
      const r = await runBundle(['run', 'case.tar.gz', '--out', 'again'], fresh);
      expect(r.exitCode).to.equal(2);
      expect(r.stderr).to.match(/case\.tar\.gz: not a usable osdlab reproduction bundle: /);
      expect(r.stderr).not.to.match(/\bat .*\.ts:\d+/);
      expect(await readdir(fresh)).to.deep.equal(['case.tar.gz']);
      expect(await unpacked()).to.equal(0);
    });
  }

  it('refuses a folder that is not a complete run folder', async () => {
    const r = await runCli(['bundle', tmp]);
    expect(r.exitCode).to.equal(2);
    expect(r.stderr).to.match(/result\.json: not a complete run folder: result\.json is missing/);
    expect(await stat(`${tmp}.tar.gz`).then(() => true, () => false), 'no bundle written').to.equal(false);
  });
});
