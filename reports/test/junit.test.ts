import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { XMLValidator, XMLParser } from 'fast-xml-parser';
import type { RunResult } from '../../harness/index.js';
import { toJUnit } from '../index.js';

const GOLDEN = new URL('./golden/matrix-run.junit.xml', import.meta.url);

const result: RunResult = {
  pass: false,
  scenario: 'scenarios/matrix.yaml',
  backend: 'twin',
  startedAt: '2026-11-23T14:00:00.000Z',
  finishedAt: '2026-11-23T14:10:00.000Z',
  machines: [
    {
      name: 'PC01[uefi,x64,gpt,basic]',
      axes: { firmware: 'uefi', arch: 'x64', partitionStyle: 'gpt', diskType: 'basic' },
      outcome: 'success',
      steps: [{ path: '1', name: 'Partition Disk 0', type: 'SMS_TaskSequence_PartitionDiskAction', kind: 'step', status: 'success', exitCode: 0, start: '2026-11-23T14:00:00.000Z', end: '2026-11-23T14:00:12.500Z' }],
      variables: {},
      expectations: [{ what: 'outcome', pass: true, expected: 'success', actual: 'success' }],
      pass: true,
    },
    {
      name: 'PC01[uefi,x64,mbr,basic]',
      outcome: 'failed',
      failedStep: 'Restart Computer',
      steps: [{ path: '2', name: 'Restart Computer', type: 'SMS_TaskSequence_RebootAction', kind: 'step', status: 'failed', exitCode: 1, start: '2026-11-23T14:00:00.000Z', end: '2026-11-23T14:01:00.000Z' }],
      variables: {},
      expectations: [{ what: 'outcome', pass: false, expected: 'success', actual: 'failed' }],
      pass: false,
    },
    { name: 'PC01[bios,x86,mbr,basic]', outcome: 'error', error: 'QEMU exited: <killed> & "gone"', steps: [], variables: {}, expectations: [], pass: false },
  ],
};

describe('JUnit report', () => {
  const xml = toJUnit(result, {
    logTails: { 'PC01[uefi,x64,mbr,basic]': ['<![LOG[Failed to restart the computer]LOG]!>'] },
    skipped: ['PC01[bios,x64,gpt,basic]'],
  });

  it('matches the golden file', async () => {
    if (process.env.UPDATE_GOLDEN) await writeFile(GOLDEN, xml);
    expect(xml).to.equal(await readFile(GOLDEN, 'utf8'));
  });

  it('is well-formed XML with one test case per machine and the right counts', () => {
    expect(XMLValidator.validate(xml)).to.equal(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    const suite = doc.testsuites.testsuite;
    expect(suite.tests).to.equal('4');
    expect(suite.failures).to.equal('1');
    expect(suite.errors).to.equal('1');
    expect(suite.skipped).to.equal('1');
    expect(suite.testcase.map((t: { name: string }) => t.name)).to.deep.equal([
      'PC01[uefi,x64,gpt,basic]',
      'PC01[uefi,x64,mbr,basic]',
      'PC01[bios,x86,mbr,basic]',
      'PC01[bios,x64,gpt,basic]',
    ]);
    expect(suite.testcase[1].failure['#text']).to.contain('expected "success", actual "failed"').and.to.contain('Failed to restart');
  });
});
