import { expect } from 'chai';
import { strToU8, zipSync } from 'fflate';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../scenarios/index.js';
import type { Group, Step } from '../model.js';
import { importTaskSequenceBytes, importTaskSequenceFile, importTaskSequenceXml } from './index.js';

const step = (attrs: string, inner = '<action>cmd /c exit 0</action>') => `<step type="SMS_TaskSequence_RunCommandLineAction" ${attrs}>${inner}</step>`;

function importError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}

function objectXml(sequence: string, { escaped = false, packageId = 'PS100001' } = {}): string {
  const value = escaped ? sequence.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : `<![CDATA[${sequence}]]>`;
  return [
    '\uFEFF<INSTANCE CLASSNAME="SMS_TaskSequencePackage">',
    `  <PROPERTY NAME="Name" TYPE="string"><VALUE>Deploy Windows</VALUE></PROPERTY>`,
    `  <PROPERTY NAME="PackageID" TYPE="string"><VALUE>${packageId}</VALUE></PROPERTY>`,
    '  <PROPERTY NAME="Sequence" TYPE="string">',
    `    <VALUE>${value}</VALUE>`,
    '  </PROPERTY>',
    '</INSTANCE>',
  ].join('\r\n');
}

const SMALL = `<sequence version="3.10"><referenceList><reference package="PS100004" program="*"/></referenceList><globalVarList><variable name="OSDStateSMPRetryCount" property="SMPRetryCount">3</variable></globalVarList><group name="Install" description=""><step type="SMS_TaskSequence_RebootAction" name="Restart Computer" description="" runIn="WinPEandFullOS" successCodeList="0" retryCount="0" runFromNet="false" timeout="900"><action>smsboot.exe /target:HD</action><defaultVarList><variable name="SMSRebootTarget" property="Target" hidden="true">HD</variable><variable name="SMSRebootMessage" property="Message"/></defaultVarList></step><subtasksequence type="SMS_TaskSequence_SubTasksequence" name="Run Task Sequence" description=""><action>SubTasksequence.exe</action><defaultVarList><variable name="OSDSubTasksequencePackageID" property="TsPackageID">PS100294</variable></defaultVarList></subtasksequence></group></sequence>`;

describe('importing ConfigMgr sequences', () => {
  it('reads a bare single-line <sequence> with positions as columns on line 1', () => {
    const ts = importTaskSequenceXml(SMALL, 'PS100001.xml');
    expect(ts).to.include({ version: '3.10', source: 'configmgr', file: 'PS100001.xml' });
    expect(ts.references).to.deep.equal([{ package: 'PS100004', program: '*' }]);
    expect(ts.globalVariables).to.deep.equal([{ name: 'OSDStateSMPRetryCount', property: 'SMPRetryCount', value: '3' }]);
    const group = ts.children[0] as Group;
    const [restart, sub] = group.children as Step[];
    expect(restart).to.deep.include({ type: 'SMS_TaskSequence_RebootAction', runIn: 'WinPEandFullOS', successCodes: [0], timeoutSeconds: 900, retryCount: 0, runFromNet: false, subTaskSequence: false });
    expect(restart.variables).to.deep.equal([
      { name: 'SMSRebootTarget', property: 'Target', value: 'HD', hidden: true },
      { name: 'SMSRebootMessage', property: 'Message', value: '', hidden: false },
    ]);
    expect(restart.location).to.deep.equal({ file: 'PS100001.xml', line: 1, column: SMALL.indexOf('<step') + 1 });
    expect(sub).to.deep.include({ type: 'SMS_TaskSequence_SubTasksequence', subTaskSequence: true, runIn: 'WinPEandFullOS', successCodes: [0, 3010] });
  });

  it('reads object.xml with the sequence in CDATA, positions inside object.xml', () => {
    const ts = importTaskSequenceXml(objectXml(SMALL), 'object.xml');
    expect(ts).to.include({ name: 'Deploy Windows', packageId: 'PS100001', source: 'configmgr' });
    const group = ts.children[0] as Group;
    expect(group.location).to.deep.equal({ file: 'object.xml', line: 5, column: `    <VALUE><![CDATA[`.length + SMALL.indexOf('<group') + 1 });
  });

  it('reads object.xml with the sequence entity-escaped', () => {
    const ts = importTaskSequenceXml(objectXml(SMALL, { escaped: true }), 'object.xml');
    expect(((ts.children[0] as Group).children[0] as Step).action).to.equal('smsboot.exe /target:HD');
  });

  it('reads a console export .zip and picks the task sequence by package ID when there are several', () => {
    const zip = zipSync({
      '[Content_Types].xml': strToU8('<Types/>'),
      'SMS_TaskSequencePackage/PS100001/object.xml': strToU8(objectXml(SMALL)),
    });
    expect(importTaskSequenceBytes(zip, 'Export.zip')).to.include({ packageId: 'PS100001', file: 'Export.zip!SMS_TaskSequencePackage/PS100001/object.xml' });
    const two = zipSync({
      'SMS_TaskSequencePackage/PS100001/object.xml': strToU8(objectXml(SMALL)),
      'SMS_TaskSequencePackage/PS100002/object.xml': strToU8(objectXml(SMALL, { packageId: 'PS100002' })),
    });
    expect(importError(() => importTaskSequenceBytes(two, 'Two.zip')).message).to.equal('Two.zip: the export holds several task sequences; choose one of PS100001, PS100002');
    expect(importTaskSequenceBytes(two, 'Two.zip', { packageId: 'ps100002' }).packageId).to.equal('PS100002');
    expect(importError(() => importTaskSequenceBytes(zipSync({ 'a.txt': strToU8('x') }), 'Other.zip')).message).to.match(/holds no SMS_TaskSequencePackage\/<PackageID>\/object\.xml/);
  });

  it('keeps unknown step types (custom actions) with their command line', () => {
    const ts = importTaskSequenceXml(`<sequence version="3.10"><step type="Vendor_TaskSequence_StifleRAction" name="Custom" runIn="FullOS" successCodeList="0 1"><action>stifler.exe /go</action></step></sequence>`);
    expect(ts.children[0]).to.deep.include({ type: 'Vendor_TaskSequence_StifleRAction', action: 'stifler.exe /go', runIn: 'FullOS', successCodes: [0, 1] });
  });
});

describe('importing MDT ts.xml', () => {
  const MDT = `<?xml version="1.0"?>
<sequence version="3.00" name="Standard Client Task Sequence" description="A complete task sequence">
  <globalVarList><variable name="OSGUID" property="OSGUID">{abc}</variable></globalVarList>
  <group expand="true" name="Preinstall" description="" disable="False" continueOnError="False">
    <action />
    <condition></condition>
    <step name="Next Phase" disable="false" continueOnError="True" successCodeList="0 3010" description="" startIn="">
      <action>cscript.exe "%SCRIPTROOT%\\ZTINextPhase.wsf"</action>
    </step>
    <step type="BDD_Gather" name="Gather local only" disable="False" continueOnError="false" successCodeList="0 3010" description="" startIn="">
      <defaultVarList><variable name="GatherLocalOnly" property="GatherLocalOnly">true</variable></defaultVarList>
      <action>cscript.exe "%SCRIPTROOT%\\ZTIGather.wsf" /localonly</action>
    </step>
    <step type="SMS_TaskSequence_PartitionDiskAction" name="Format" successCodeList="0 3010" description="" disable="false" continueOnError="false">
      <action>cscript.exe "%SCRIPTROOT%\\ZTIDiskpart.wsf"</action>
    </step>
  </group>
</sequence>`;

  it('accepts steps without type, True/False, empty <condition> and <action /> under groups', () => {
    const ts = importTaskSequenceXml(MDT, 'ts.xml');
    expect(ts).to.include({ source: 'mdt', version: '3.00', name: 'Standard Client Task Sequence' });
    const group = ts.children[0] as Group;
    expect(group).to.include({ disabled: false, continueOnError: false, condition: undefined });
    expect(group.location).to.deep.equal({ file: 'ts.xml', line: 4, column: 3 });
    const [next, gather, format] = group.children as Step[];
    // No runIn attribute: SupportedEnvironment's default, not the console's default for the type.
    expect(format.runIn).to.equal('WinPEandFullOS');
    expect(next).to.deep.include({ type: 'SMS_TaskSequence_RunCommandLineAction', continueOnError: true, runIn: 'WinPEandFullOS' });
    expect(gather).to.deep.include({ type: 'BDD_Gather', action: 'cscript.exe "%SCRIPTROOT%\\ZTIGather.wsf" /localonly' });
  });
});

describe('importer errors name the element and the attribute', () => {
  const groups = (fifth: string) =>
    `<sequence version="3.10">\n<group name="One">${step('name="a"')}</group>\n<group name="Two">\n${[1, 2, 3, 4].map((i) => step(`name="s${i}"`)).join('\n')}\n${fifth}\n</group>\n</sequence>`;

  /** `column: -1` means: where `at` starts in the fifth step's line. */
  const cases: Array<[string, string, { line: number; column: number; at?: string; path: string; message: RegExp }]> = [
    ['a run environment that does not exist', step('name="Apply OS" runIn="Windows"'),
      { line: 8, column: 1, path: 'sequence/group[2]/step[5] (name "Apply OS")', message: /^attribute runIn: "Windows" is not one of WinPE, FullOS, WinPEandFullOS$/ }],
    ['a garbled success code list', step('name="Apply OS" successCodeList="0 30x10"'),
      { line: 8, column: 1, path: 'sequence/group[2]/step[5] (name "Apply OS")', message: /attribute successCodeList: "30x10" in "0 30x10" is not an exit code/ }],
    ['a timeout that is not a number', step('name="Apply OS" timeout="15m"'),
      { line: 8, column: 1, path: 'sequence/group[2]/step[5] (name "Apply OS")', message: /attribute timeout: "15m" is not a whole number/ }],
    ['a boolean that is neither true nor false', step('name="Apply OS" disable="yes"'),
      { line: 8, column: 1, path: 'sequence/group[2]/step[5] (name "Apply OS")', message: /attribute disable: "yes" is not true or false/ }],
    ['a step without a name', step('runIn="WinPE"'),
      { line: 8, column: 1, path: 'sequence/group[2]/step[5]', message: /<step> has no name attribute/ }],
    ['a step inside a step', step('name="Apply OS"', '<action>x</action><step name="inner"><action>y</action></step>'),
      { line: 8, column: -1, at: '<step name="inner"', path: 'sequence/group[2]/step[5]/step[1] (name "inner")', message: /unexpected element <step> in <step>; allowed: condition, action, defaultVarList/ }],
    ['an unknown condition operator', step('name="Apply OS"', '<condition><operator type="xor"/></condition>'),
      { line: 8, column: -1, at: '<operator', path: 'sequence/group[2]/step[5]/condition[1]/operator[1] (name "Apply OS")', message: /attribute type: "xor" is not one of and, or, not/ }],
    ['a variable condition without an operator', step('name="Apply OS"', '<condition><expression type="SMS_TaskSequence_VariableConditionExpression"><variable name="Variable">X</variable></expression></condition>'),
      { line: 8, column: -1, at: '<expression', path: 'sequence/group[2]/step[5]/condition[1]/expression[1] (name "Apply OS")', message: /needs an "Operator" variable; allowed: exists, notExists, equals/ }],
    ['two command lines', step('name="Apply OS"', '<action>a</action><action>b</action>'),
      { line: 8, column: -1, at: '<action>b', path: 'sequence/group[2]/step[5]/action[2] (name "Apply OS")', message: /<step> has more than one <action>/ }],
  ];
  for (const [title, fifth, spec] of cases) {
    it(title, () => {
      const want = { ...spec, column: spec.at ? fifth.indexOf(spec.at) + 1 : spec.column };
      const err = importError(() => importTaskSequenceXml(groups(fifth), 'ts.xml'));
      expect(err.problems).to.have.length(1);
      const p = err.problems[0];
      expect(p).to.include({ file: 'ts.xml', line: want.line, column: want.column, path: want.path });
      expect(p.message).to.match(want.message);
      expect(err.message.startsWith(`ts.xml:${want.line}:${want.column} ${want.path}: `)).to.equal(true);
    });
  }

  it('not well-formed XML gives the parser position', () => {
    const err = importError(() => importTaskSequenceXml('<sequence version="3.10">\n  <group name="a">\n</sequence>', 'x.xml'));
    expect(err.problems[0]).to.include({ file: 'x.xml', line: 3 });
    expect(err.message).to.match(/not well-formed XML: Expected closing tag 'group'/);
  });

  it('a truncated document says which elements are left open, at its end', () => {
    const err = importError(() => importTaskSequenceXml('<sequence version="3.10">\n  <group name="a">\n    <step name="s">', 'cut.xml'));
    expect(err.message).to.equal('cut.xml:3:20: not well-formed XML: the document ends before <sequence> <group> <step> are closed (is the file truncated?)');
  });

  it('an unsupported schema version and a foreign root element are refused', () => {
    expect(importError(() => importTaskSequenceXml('<sequence version="4.0"/>')).message).to.match(/attribute version: "4.0" is not a supported schema version \(3.00, 3.10\)/);
    expect(importError(() => importTaskSequenceXml('<tss><ts/></tss>', 'TaskSequences.xml')).message).to.match(/^TaskSequences.xml:1:1 tss: the root element is <tss>; a task sequence is a <sequence> element/);
    expect(importError(() => importTaskSequenceXml('<INSTANCE CLASSNAME="SMS_Package"/>')).message).to.match(/expected <INSTANCE CLASSNAME="SMS_TaskSequencePackage">/);
  });
});

describe('importTaskSequenceFile detects the form by content', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'osdlab-import-'))));
  after(async () => rm(dir, { recursive: true, force: true }));

  it('reads a zip, object.xml, sequence and YAML whatever their extension', async () => {
    await writeFile(join(dir, 'export.bin'), zipSync({ 'SMS_TaskSequencePackage/PS100001/object.xml': strToU8(objectXml(SMALL)) }));
    await writeFile(join(dir, 'object.txt'), objectXml(SMALL));
    await writeFile(join(dir, 'seq.dat'), SMALL);
    await writeFile(join(dir, 'ts.xml'), 'taskSequence:\n  steps:\n    - name: Hello\n      type: RunCommandLine\n      command: cmd /c echo hi\n');
    expect((await importTaskSequenceFile(join(dir, 'export.bin'))).packageId).to.equal('PS100001');
    expect((await importTaskSequenceFile(join(dir, 'object.txt'))).name).to.equal('Deploy Windows');
    expect((await importTaskSequenceFile(join(dir, 'seq.dat'))).source).to.equal('configmgr');
    expect((await importTaskSequenceFile(join(dir, 'ts.xml'))).source).to.equal('yaml');
  });

  it('names the file when it cannot be read or is not a task sequence', async () => {
    const missing = join(dir, 'nope.zip');
    let err = await importTaskSequenceFile(missing).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InputError);
    expect((err as Error).message).to.equal(`${missing}: cannot read the task sequence file: ENOENT`);
    await writeFile(join(dir, 'plain.txt'), 'just some words');
    err = await importTaskSequenceFile(join(dir, 'plain.txt')).catch((e: unknown) => e);
    expect((err as Error).message).to.match(/not a task sequence: expected a ConfigMgr export/);
    await writeFile(join(dir, 'broken.zip'), Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(40, 7)]));
    err = await importTaskSequenceFile(join(dir, 'broken.zip')).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InputError);
    expect((err as Error).message).to.match(/not a readable ConfigMgr export \(\.zip\)/);
  });
});
