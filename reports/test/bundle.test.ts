// Reproduction bundles at the library level: what goes in (run folder, scenario inputs, manifest hashes), the
// scenario coming out pointing only into the unpacked folder, and the ways a bundle is refused.
import { expect } from 'chai';
import fc from 'fast-check';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { extract, pack } from 'tar-stream';
import type { RunResult } from '../../harness/index.js';
import { InputError, parseScenario } from '../../scenarios/index.js';
import { createBundle, openBundle, verdictChanges } from '../index.js';

const SCENARIO = `
name: bundle-unit
site:
  boundaries: [{ name: HQ, subnet: 198.18.61.0/24 }]
  distributionPoints: [{ name: DP01, boundary: HQ }]
content:
  bootImages: [{ id: LAB00002, name: Boot, arch: x64, size: 300MB }]
  osImages: [{ id: LAB00003, name: Image, source: wim/install.wim, size: 4GB }]
  driverPackages: [{ id: LAB00004, name: Drivers, source: drivers, size: 10MB }]
collections: [{ name: Unknown, unknownComputers: true }]
deployments:
  - { name: Deploy, collection: Unknown, bootImage: LAB00002, taskSequence: ts.yaml }
machines:
  - { name: PC01 }
`;

const RESULT: RunResult = {
  pass: false,
  scenario: 'scenario.yaml',
  backend: 'twin',
  startedAt: '2026-11-23T14:00:00.000Z',
  finishedAt: '2026-11-23T14:00:01.000Z',
  machines: [{ name: 'PC01', outcome: 'failed', failedStep: 'Fail', steps: [], variables: {}, expectations: [], pass: false }],
} as unknown as RunResult;

async function entriesOf(file: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const tar = extract();
  tar.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => void chunks.push(c as Buffer));
    stream.on('end', () => {
      out.set(header.name, Buffer.concat(chunks));
      next();
    });
  });
  await pipeline(createReadStream(file), createGunzip(), tar);
  return out;
}

type TestEntry = [name: string, body: Buffer, type?: 'file' | 'symlink'];

async function writeEntries(file: string, entries: TestEntry[]): Promise<void> {
  const tar = pack();
  for (const [name, body, type] of entries) {
    if (type === 'symlink') tar.entry({ name, type, linkname: '/etc/passwd' });
    else tar.entry({ name }, body);
  }
  tar.finalize();
  await pipeline(tar, createGzip(), createWriteStream(file));
}

describe('reproduction bundle', function () {
  this.timeout(20_000);
  let tmp: string;
  let bundle: string;
  let withDisks: string[];
  /** Where openBundle unpacks in these tests: empty again after every open, whatever else runs on the machine. */
  let unpackDir: string;
  const unpacked = async () => (await readdir(unpackDir)).length;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'osdlab-g2-bundle-unit-'));
    unpackDir = join(tmp, 'unpack');
    await mkdir(unpackDir);
    const src = join(tmp, 'src');
    await mkdir(join(src, 'wim'), { recursive: true });
    await mkdir(join(src, 'drivers', 'net'), { recursive: true });
    await writeFile(join(src, 'wim', 'install.wim'), 'MSWIM image bytes');
    await writeFile(join(src, 'drivers', 'net', 'e1000.inf'), '[Version]');
    await writeFile(join(src, 'ts.yaml'), 'steps:\n  - { name: Fail, type: RunCommandLine, command: "cmd /c exit 5" }\n');
    const scenario = await parseScenario(join(src, 'scenario.yaml'), SCENARIO);
    const run = join(tmp, 'run');
    await mkdir(join(run, 'machines', 'PC01'), { recursive: true });
    await writeFile(join(run, 'machines', 'PC01', 'smsts.log'), 'log');
    await writeFile(join(run, 'disk0.qcow2'), 'disk image');
    await writeFile(join(run, 'scenario.resolved.json'), JSON.stringify(scenario));
    await writeFile(join(run, 'result.json'), JSON.stringify(RESULT));
    bundle = (await createBundle(run, { out: join(tmp, 'b.tar.gz'), now: new Date('2026-11-23T15:00:00Z') })).file;
    withDisks = (await createBundle(run, { out: join(tmp, 'd.tar.gz'), withDisks: true })).manifest.files.map((f) => f.path);
    await rm(src, { recursive: true });
  });

  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('packs the run folder, the task sequence and content sources, with a manifest of every file', async () => {
    const entries = await entriesOf(bundle);
    expect([...entries.keys()][0]).to.equal('manifest.json');
    expect([...entries.keys()].sort()).to.deep.equal([
      'inputs/content/LAB00003/install.wim',
      'inputs/content/LAB00004/drivers/net/e1000.inf',
      'inputs/task-sequences/1-ts.yaml',
      'manifest.json',
      'run/machines/PC01/smsts.log',
      'run/result.json',
      'run/scenario.resolved.json',
      'scenario.json',
    ]);
    const manifest = JSON.parse(entries.get('manifest.json')!.toString());
    expect(manifest).to.deep.include({ scenario: 'bundle-unit', backend: 'twin', pass: false, created: '2026-11-23T15:00:00.000Z' });
    expect(manifest.verdicts).to.deep.equal({ PC01: { pass: false, outcome: 'failed', failedStep: 'Fail' } });
    expect(manifest.files).to.have.length(entries.size - 1);
    const scenario = JSON.parse(entries.get('scenario.json')!.toString());
    expect(scenario.deployments[0].taskSequence.file).to.equal('inputs/task-sequences/1-ts.yaml');
    expect(scenario.content.osImages[0].source).to.equal('inputs/content/LAB00003/install.wim');
  });

  it('tells which verdicts of a re-run differ from the bundle', () => {
    const recorded = { PC01: { pass: false, outcome: 'failed', failedStep: 'Fail' }, PC02: { pass: true, outcome: 'success', failedStep: null } };
    expect(verdictChanges(recorded, { ...RESULT, machines: [RESULT.machines[0], { ...RESULT.machines[0], name: 'PC02' }] })).to.deep.equal([
      'PC02: PASS success in the bundle, now FAIL failed at "Fail"',
    ]);
    expect(verdictChanges(recorded, { ...RESULT, machines: [{ ...RESULT.machines[0], name: 'PC03' }] })).to.deep.equal([
      'PC01: FAIL failed at "Fail" in the bundle, not run now',
      'PC02: PASS success in the bundle, not run now',
      'PC03: not in the bundle, now FAIL failed at "Fail"',
    ]);
    expect(verdictChanges({ PC01: recorded.PC01 }, RESULT)).to.deep.equal([]);
  });

  it('stops when aborted and leaves neither the bundle nor a partial file', async () => {
    const out = join(tmp, 'aborted.tar.gz');
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    let err: unknown;
    await createBundle(join(tmp, 'run'), { out, withDisks: true, signal: controller.signal }).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(Error);
    expect((await readdir(tmp)).filter((n) => n.includes('aborted'))).to.deep.equal([]);
  });

  it('packs disk images only when asked', async () => {
    expect(withDisks).to.include('run/disk0.qcow2');
  });

  it('opens into a temporary folder with every path of the scenario inside it, and removes it on close', async () => {
    const opened = await openBundle(bundle, { tempDir: unpackDir });
    const ts = opened.scenario.deployments[0].taskSequence;
    expect(ts.kind === 'file' && ts.file).to.equal(join(opened.dir, 'inputs/task-sequences/1-ts.yaml'));
    expect(await readFile(opened.scenario.content.osImages[0].source!, 'utf8')).to.equal('MSWIM image bytes');
    expect(await readdir(opened.scenario.content.driverPackages[0].source!)).to.deep.equal(['net']);
    expect(opened.scenario.locator(['machines', 0])).to.equal(undefined);
    await opened.close();
    expect(await stat(opened.dir).then(() => true, () => false)).to.equal(false);
  });

  const refused = async (entries: TestEntry[], message: RegExp) => {
    const file = join(tmp, 'bad.tar.gz');
    await writeEntries(file, entries);
    let err: unknown;
    await openBundle(file, { tempDir: unpackDir }).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(InputError);
    expect((err as Error).message).to.match(message);
    expect(await unpacked(), 'nothing left unpacked').to.equal(0);
  };

  it('refuses a file that was altered inside a well-formed archive', async () => {
    const entries = [...(await entriesOf(bundle))].map(([n, b]): TestEntry => [n, n === 'run/result.json' ? Buffer.from(b.toString().replace('"failed"', '"success"')) : b]);
    await refused(entries, /"run\/result\.json" does not match its SHA-256/);
  });

  it('refuses a missing file, an unlisted file, a path outside the bundle and a link', async () => {
    const entries = [...(await entriesOf(bundle))];
    await refused(entries.filter(([n]) => n !== 'scenario.json'), /"scenario\.json" is listed in the manifest and missing/);
    await refused([...entries, ['run/extra.txt', Buffer.from('x')]], /"run\/extra\.txt" is not listed in the manifest/);
    await refused([['../escape.txt', Buffer.from('x')], ...entries], /points outside the bundle/);
    await refused([['link', Buffer.alloc(0), 'symlink'], ...entries], /bundles hold only files/);
    await refused([], /it has no manifest\.json/);
  });

  it('refuses every damaged copy with an InputError and leaves nothing unpacked (random truncations and byte flips)', async () => {
    const good = await readFile(bundle);
    const file = join(tmp, 'damaged.tar.gz');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.integer({ min: 0, max: good.length - 1 }).map((n) => good.subarray(0, n)),
          fc.tuple(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 1, max: 255 })).map(([at, x]) => {
            const copy = Buffer.from(good);
            copy[at] ^= x;
            return copy;
          }),
        ),
        async (damaged) => {
          await writeFile(file, damaged);
          let err: unknown;
          const opened = await openBundle(file, { tempDir: unpackDir }).catch((e: unknown) => void (err = e));
          // A flip in gzip's header fields that nothing checks (mtime, OS byte) leaves the content intact.
          if (opened) {
            await opened.close();
            return;
          }
          expect(err, String(err)).to.be.instanceOf(InputError);
          expect((err as Error).message).to.match(/damaged\.tar\.gz: not a usable osdlab reproduction bundle: /);
        },
      ),
      { numRuns: 40 },
    );
    expect(await unpacked()).to.equal(0);
  });
});
