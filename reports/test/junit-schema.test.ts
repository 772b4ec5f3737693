// The JUnit we write against our XSD (reports/schema/junit.xsd) with xmllint: the golden file, the JUnit of a
// 16-combination matrix run on the twin (one shard of it, so skipped cases are in), and broken variants that
// the schema must refuse.
import { expect } from 'chai';
import { execa } from 'execa';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runScenario } from '../../harness/index.js';
import { TwinBackend } from '../../lab/index.js';
import { loadScenario } from '../../scenarios/index.js';
import { logTail, toJUnit } from '../index.js';

const XSD = fileURLToPath(new URL('../schema/junit.xsd', import.meta.url));
const GOLDEN = fileURLToPath(new URL('./golden/matrix-run.junit.xml', import.meta.url));
const MATRIX = fileURLToPath(new URL('../../scenarios/hardware-matrix.yaml', import.meta.url));

async function validate(file: string): Promise<{ valid: boolean; message: string }> {
  const r = await execa('xmllint', ['--noout', '--schema', XSD, file], { reject: false });
  return { valid: r.exitCode === 0, message: r.stderr };
}

describe('JUnit XSD (xmllint --schema)', function () {
  this.timeout(60_000);
  let tmp: string;
  let matrixJUnit: string;

  before(async function () {
    const which = await execa('xmllint', ['--version'], { reject: false }).catch(() => undefined);
    if (!which || which.exitCode !== 0) {
      console.warn('    xmllint not installed (apt-get install libxml2-utils; scripts/debian-packages.txt lists it): schema tests skipped');
      this.skip();
    }
    tmp = await mkdtemp(join(tmpdir(), 'osdlab-junit-xsd-'));
    // Without their expect: blocks the combinations ConfigMgr refuses are failures (a machine without one
    // passes when its task sequence succeeds), so the JUnit has passes, failures and skipped cases.
    const scenario = await loadScenario(MATRIX);
    for (const m of scenario.machines) delete m.expect;
    const run = await runScenario(scenario, { backend: new TwinBackend(), shard: { index: 1, count: 2 } });
    const logTails = Object.fromEntries([...run.logs].map(([name, files]) => [name, logTail(files)]));
    matrixJUnit = toJUnit(run.result, { logTails, skipped: run.skipped });
  });
  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('accepts the golden JUnit file', async () => {
    const r = await validate(GOLDEN);
    expect(r.valid, r.message).to.equal(true);
  });

  it('accepts the JUnit of a matrix run: passes, failures with log tails, skipped combinations', async () => {
    const file = join(tmp, 'matrix.junit.xml');
    await writeFile(file, matrixJUnit);
    const r = await validate(file);
    expect(r.valid, r.message).to.equal(true);
    // The shard ran 8 of the 16 combinations; the others are skipped cases, and some ran into a failure.
    expect(matrixJUnit.match(/<testcase /g)).to.have.length(16);
    expect(matrixJUnit.match(/<skipped /g)).to.have.length(8);
    expect(matrixJUnit).to.contain('<failure ').and.to.contain('--- smsts.log (tail) ---');
  });

  const broken: [string, (xml: string) => string][] = [
    ['a test case without a name', (x) => x.replace(/<testcase classname="([^"]*)" name="[^"]*"/, '<testcase classname="$1"')],
    ['a count that is not a number', (x) => x.replace(/ failures="\d+"/, ' failures="some"')],
    ['a negative time', (x) => x.replace(/ time="[\d.]+"/, ' time="-1.000"')],
    ['a test case both failed and skipped', (x) => x.replace('<skipped message="not in this run (filtered)"/>', '<skipped/><failure message="x"/>')],
    ['an element outside the dialect', (x) => x.replace('<properties>', '<flaky/><properties>')],
    ['two test cases of one name', (x) => x.replace(/name="PC01\[uefi,x64,mbr,basic\]"/, 'name="PC01[uefi,x64,gpt,basic]"')],
  ];
  for (const [what, breakIt] of broken) {
    it(`refuses ${what}`, async () => {
      const xml = breakIt(await readFile(GOLDEN, 'utf8'));
      expect(xml).not.to.equal(await readFile(GOLDEN, 'utf8'));
      const file = join(tmp, 'broken.junit.xml');
      await writeFile(file, xml);
      const r = await validate(file);
      expect(r.valid).to.equal(false);
      expect(r.message).to.contain('fails to validate');
    });
  }
});
