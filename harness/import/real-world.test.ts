// Every real-world task sequence imports, and `ts show` / `ts lint` handle it (run through the real CLI).
import { expect } from 'chai';
import { XMLParser } from 'fast-xml-parser';
import { unzipSync } from 'fflate';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../cli/test/run-cli.js';
import { lintTaskSequence } from '../lint.js';
import { showTaskSequence } from '../show.js';
import { countNodes } from '../tree.js';
import { importTaskSequenceFile } from './index.js';

const FIXTURES = '/work/shared/fixtures/real-world';

/** The <sequence> XML of a fixture, found independently of the importer (unzip, CDATA or escaped text). */
function sequenceXml(file: string): string | undefined {
  const bytes = readFileSync(file);
  const texts = file.endsWith('.zip')
    ? Object.entries(unzipSync(bytes)).filter(([name]) => /object\.xml$/i.test(name)).map(([, data]) => new TextDecoder().decode(data))
    : [new TextDecoder().decode(bytes)];
  for (const text of texts) {
    const cdata = /<!\[CDATA\[\s*(<sequence[\s\S]*?<\/sequence>)\s*\]\]>/.exec(text);
    if (cdata) return cdata[1];
    const escaped = /&lt;sequence[\s\S]*?&lt;\/sequence&gt;/.exec(text);
    if (escaped) return new XMLParser({ processEntities: true }).parse(`<v>${escaped[0]}</v>`).v as string;
    if (/<sequence[\s>]/.test(text)) return text;
  }
  return undefined;
}

/** Number of <step> and <subtasksequence> elements, counted over fast-xml-parser's ordered tree. */
function countStepElements(xml: string): number {
  const tree = new XMLParser({ preserveOrder: true, ignoreAttributes: true }).parse(xml) as unknown[];
  const count = (nodes: unknown[]): number =>
    nodes.reduce<number>((n, node) => {
      const entries = Object.entries(node as Record<string, unknown>).filter(([k]) => k !== ':@' && k !== '#text');
      return n + entries.reduce((m, [k, v]) => m + (k === 'step' || k === 'subtasksequence' ? 1 : 0) + (Array.isArray(v) ? count(v) : 0), 0);
    }, 0);
  return count(tree);
}

describe('real-world task sequences', function () {
  this.timeout(120_000);
  const files = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((f) => /\.(zip|xml)$/i.test(f)).map((f) => join(FIXTURES, f)) : [];
  const sequences = files.map((file) => ({ file, xml: sequenceXml(file) })).filter((s): s is { file: string; xml: string } => s.xml !== undefined);

  before(function () {
    if (!existsSync(FIXTURES)) {
      console.log(`    (skipped: the real-world fixtures folder ${FIXTURES} is absent)`);
      this.skip();
    }
    expect(sequences.length, 'fixtures holding a task sequence').to.be.greaterThan(0);
  });

  for (const { file, xml } of sequences) {
    const short = file.slice(FIXTURES.length + 1);
    it(`${short}: imports with one model step per <step>/<subtasksequence>`, async () => {
      const ts = await importTaskSequenceFile(file);
      expect(countNodes(ts).steps).to.equal(countStepElements(xml));
      expect(['configmgr', 'mdt']).to.include(ts.source);
      expect(ts.children[0].location?.line).to.be.a('number');
    });
  }

  it('show and lint handle every fixture (in process)', async () => {
    for (const { file, xml } of sequences) {
      const ts = await importTaskSequenceFile(file);
      expect(showTaskSequence(ts).steps, file).to.equal(countStepElements(xml));
      expect(() => lintTaskSequence(ts), file).not.to.throw();
    }
  });

  it('ts show --json through the real CLI reports the step count of the export', async () => {
    const { file, xml } = sequences.find((s) => s.file.endsWith('OSDCloudTaskSequence.zip'))!;
    const r = await runCli(['ts', 'show', file, '--json']);
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.include({ steps: countStepElements(xml), packageId: 'MEM000F8', source: 'configmgr' });
  });

  it('ts show prints one tree line per step, with marks and conditions', async () => {
    const { file, xml } = sequences.find((s) => s.file.endsWith('erikpt__Modern-Deployment-Toolkit__001__ts.xml'))!;
    const r = await runCli(['ts', 'show', file]);
    expect(r.exitCode).to.equal(0);
    const stepLines = r.stdout.split('\n').filter((l) => /^[│ ]*[├└]─ [\d/]+ (?!▸)/.test(l));
    expect(stepLines.length).to.equal(countStepElements(xml));
    expect(r.stdout).to.match(/\[disabled\]/);
    expect(r.stdout).to.match(/if IsUEFI = "True"/);
  });

  it('lint flags the real empty <operator type="or"/> of BIOS-Update-TS', async () => {
    const file = join(FIXTURES, 'DeploymentResearch__DRFiles__BIOS-Update-TS.zip');
    const r = await runCli(['ts', 'lint', file]);
    expect(r.exitCode, 'warnings alone exit 0').to.equal(0);
    expect(r.stdout).to.match(/object\.xml:\d+:\d+ 1\/4 "Run HP BIOS Update": warning \[malformed-condition\] empty <operator type="or"\/>/);
  });
});
