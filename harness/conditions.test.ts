import { expect } from 'chai';
import { describeCondition, evaluateCondition, compareVariable } from './conditions.js';
import { importTaskSequenceXml } from './import/index.js';
import type { Condition, Step } from './model.js';
import { fakeContext, hpLaptopFacts } from './test/condition-fixtures.js';

/** The condition of the single step of a sequence whose step carries `conditionXml`. */
function conditionOf(conditionXml: string): Condition {
  const ts = importTaskSequenceXml(
    `<sequence version="3.10"><step type="SMS_TaskSequence_RunCommandLineAction" name="S"><condition>${conditionXml}</condition><action>cmd</action></step></sequence>`,
  );
  return (ts.children[0] as Step).condition!;
}

const v = (variable: string, operator: string, value = '') =>
  `<expression type="SMS_TaskSequence_VariableConditionExpression"><variable name="Variable">${variable}</variable><variable name="Operator">${operator}</variable><variable name="Value">${value}</variable></expression>`;
const wmi = (query: string) =>
  `<expression type="SMS_TaskSequence_WMIConditionExpression"><variable name="Namespace">root\\cimv2</variable><variable name="Query">${query}</variable></expression>`;

describe('conditions: variable operators (golden)', () => {
  const vars = { IsUEFI: 'True', Make: 'Hewlett-Packard', Memory: '8192', OSVersion: '10.0.19045', Empty: '' };
  const cases: Array<[string, string, string, boolean]> = [
    ['IsUEFI', 'equals', 'TRUE', true],
    ['isuefi', 'Equals', 'true', true],
    ['IsUEFI', 'notEquals', 'True', false],
    ['Make', 'like', 'hewlett%', true],
    ['Make', 'like', '%PACKARD', true],
    ['Make', 'like', '%Dell%', false],
    ['Make', 'like', 'Hewlett-Packar_', true],
    ['Memory', 'greater', '4096', true],
    ['Memory', 'greaterEqual', '8192', true],
    ['Memory', 'less', '10000', true],
    ['Memory', 'lessEqual', '8191', false],
    ['Memory', 'greater', '10000', false],
    ['OSVersion', 'greaterEqual', '10.0.9600', true],
    ['OSVersion', 'less', '10.0.22000', true],
    ['Make', 'greater', 'dell', true],
    ['IsUEFI', 'exists', '', true],
    ['Missing', 'exists', '', false],
    ['Missing', 'notExists', '', true],
    ['Missing', 'notEquals', 'TRUE', true],
    ['Missing', 'equals', '', true],
  ];
  for (const [name, op, value, want] of cases) {
    it(`${name} ${op} "${value}" → ${want}`, async () => {
      const out = await evaluateCondition(conditionOf(v(name, op, value)), fakeContext({ variables: vars }));
      expect(out.value).to.equal(want);
      expect(out.error).to.equal(undefined);
      expect(out.log[0]).to.equal('Evaluating a variable condition expression');
    });
  }

  it('compareVariable treats an unset variable as empty for comparisons', () => {
    expect(compareVariable(undefined, 'less', 'a')).to.equal(true);
    expect(compareVariable(undefined, 'like', '%')).to.equal(true);
  });
});

describe('conditions: operators and nesting (golden)', () => {
  const world = fakeContext({ variables: { A: 'true', B: 'false', C: 'yes' } });
  const cases: Array<[string, string, boolean, string[]]> = [
    ['and: both true', `<operator type="and">${v('A', 'equals', 'TRUE')}${v('C', 'equals', 'YES')}</operator>`, true,
      ['Evaluating an AND expression', 'Evaluating a variable condition expression', 'A equals "TRUE" (current value "true"): true', 'Evaluating a variable condition expression', 'C equals "YES" (current value "yes"): true']],
    ['and: short-circuits on the first false', `<operator type="and">${v('B', 'equals', 'true')}${v('A', 'equals', 'true')}</operator>`, false,
      ['Evaluating an AND expression', 'Evaluating a variable condition expression', 'B equals "true" (current value "false"): false']],
    ['or: one true', `<operator type="or">${v('B', 'equals', 'true')}${v('A', 'equals', 'true')}</operator>`, true,
      ['Evaluating an OR expression', 'Evaluating a variable condition expression', 'B equals "true" (current value "false"): false', 'Evaluating a variable condition expression', 'A equals "true" (current value "true"): true']],
    ['not: none of (all false) → true', `<operator type="not">${v('B', 'equals', 'true')}${v('C', 'equals', 'no')}</operator>`, true,
      ['Evaluating a NOT expression', 'Evaluating a variable condition expression', 'B equals "true" (current value "false"): false', 'Evaluating a variable condition expression', 'C equals "no" (current value "yes"): false']],
    ['not: one true → false', `<operator type="not">${v('B', 'equals', 'true')}${v('A', 'exists')}</operator>`, false,
      ['Evaluating a NOT expression', 'Evaluating a variable condition expression', 'B equals "true" (current value "false"): false', 'Evaluating a variable condition expression', 'A exists (current value "true"): true']],
    ['implicit and of sibling expressions', `${v('A', 'equals', 'true')}${v('B', 'equals', 'true')}`, false,
      ['Evaluating an AND expression', 'Evaluating a variable condition expression', 'A equals "true" (current value "true"): true', 'Evaluating a variable condition expression', 'B equals "true" (current value "false"): false']],
  ];
  for (const [title, xml, want, log] of cases) {
    it(title, async () => {
      const out = await evaluateCondition(conditionOf(xml), world);
      expect(out.value).to.equal(want);
      expect(out.log).to.deep.equal(log);
    });
  }

  it('nested not(or(and(...), ...)) evaluates inside out', async () => {
    const xml = `<operator type="not"><operator type="or"><operator type="and">${v('A', 'equals', 'true')}${v('B', 'equals', 'false')}</operator>${v('C', 'equals', 'no')}</operator></operator>`;
    expect((await evaluateCondition(conditionOf(xml), world)).value).to.equal(false);
    const flipped = xml.replace(`${v('B', 'equals', 'false')}`, `${v('B', 'equals', 'true')}`);
    expect((await evaluateCondition(conditionOf(flipped), world)).value).to.equal(true);
  });

  it('an empty <operator type="or"/> is ignored: its siblings are combined with AND (docs/conditions.md)', async () => {
    const c = conditionOf(`<operator type="or"/>${v('A', 'equals', 'true')}${v('B', 'equals', 'true')}`);
    expect(c).to.include({ kind: 'and' });
    expect((c as { operands: Condition[] }).operands[0]).to.include({ kind: 'or', malformedEmpty: true });
    const out = await evaluateCondition(c, world);
    expect(out.value).to.equal(false);
    expect(out.log).to.include('Ignoring an empty OR expression (it has no operands)');
    const onlyEmpty = await evaluateCondition(conditionOf('<operator type="or"/>'), world);
    expect(onlyEmpty.value).to.equal(true);
  });

  it('no condition (or an empty MDT <condition/>) is true', async () => {
    expect((await evaluateCondition(undefined, world)).value).to.equal(true);
  });
});

describe('conditions: WMI against the machine facts', () => {
  const ctx = fakeContext({ facts: hpLaptopFacts() });
  const cases: Array<[string, boolean]> = [
    [`SELECT * FROM Win32_ComputerSystem WHERE Manufacturer LIKE '%HP%'`, true],
    [`Select * From Win32_ComputerSystem WHERE Manufacturer LIKE "%Hewlett-Packard%"`, false],
    [`SELECT * FROM Win32_ComputerSystem WHERE Manufacturer = "hp"`, true],
    [`SELECT * FROM Win32_ComputerSystemProduct WHERE Name LIKE '%EliteBook 840%' AND Vendor <> 'Dell Inc.'`, true],
    [`SELECT * FROM Win32_ComputerSystem WHERE TotalPhysicalMemory >= 8589934592`, true],
    [`SELECT * FROM Win32_Processor WHERE Architecture = 9`, true],
    [`SELECT * FROM Win32_DiskDrive WHERE Index = 0 AND Size > 200000000000`, true],
    [`SELECT * FROM Win32_Battery`, false],
    [`SELECT * FROM Win32_PnPEntity WHERE DeviceID LIKE 'PCI\\VEN_8086&DEV_15F3%' AND ConfigManagerErrorCode <> 0`, true],
    [`SELECT * FROM Win32_BIOS WHERE SMBIOSBIOSVersion LIKE 'T37%'`, true],
    [`SELECT * FROM Win32_OperatingSystem WHERE Version IS NULL`, true],
  ];
  for (const [query, want] of cases) {
    it(`${query} → ${want}`, async () => {
      const out = await evaluateCondition(conditionOf(wmi(query.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'))), ctx);
      expect(out.error).to.equal(undefined);
      expect(out.value).to.equal(want);
      expect(out.log[0]).to.equal('Evaluating a WMI condition expression');
    });
  }

  it('a class the model lacks is an evaluation error, not a silent false', async () => {
    const out = await evaluateCondition(conditionOf(wmi('SELECT * FROM Win32_TPM')), ctx);
    expect(out.value).to.equal(false);
    expect(out.error).to.match(/WMI class Win32_TPM is not in the machine model/);
    expect(out.log.at(-1)).to.match(/^Failed to evaluate the condition/);
  });

  it('a property the model lacks is an evaluation error even when no instance would be tested', async () => {
    const out = await evaluateCondition(conditionOf(wmi(`SELECT * FROM Win32_Battery WHERE Chemistry = 2`)), ctx);
    expect(out.error).to.match(/property Win32_Battery\.Chemistry is not in the machine model/);
  });

  it('an unreadable query and a foreign namespace are evaluation errors', async () => {
    expect((await evaluateCondition(conditionOf(wmi('SELECT FROM')), ctx)).error).to.match(/WMI query/);
    const c: Condition = { kind: 'wmi', namespace: 'root\\WMI', query: 'SELECT * FROM MSAcpi_ThermalZoneTemperature' };
    expect((await evaluateCondition(c, ctx)).error).to.match(/namespace "root\\WMI" is not modelled/);
  });

  it('expands %VAR% in the query before running it', async () => {
    const c: Condition = { kind: 'wmi', namespace: 'root\\cimv2', query: `SELECT * FROM Win32_ComputerSystem WHERE Model = '%WantedModel%'` };
    expect((await evaluateCondition(c, fakeContext({ variables: { WantedModel: 'HP EliteBook 840 G8' } }))).value).to.equal(true);
  });
});

describe('conditions: file, folder, registry, software, OS version, unknown', () => {
  const ctx = fakeContext({
    variables: { OSDisk: 'C:' },
    files: {
      'c:\\windows\\system32\\ntoskrnl.exe': { exists: true, directory: false, version: '10.0.19041.1', modified: '2024-01-10T00:00:00Z' },
      'c:\\drivers': { exists: true, directory: true },
    },
    registry: {
      'hkey_local_machine\\software\\contoso\\build': '42',
      'hkey_local_machine\\software\\microsoft\\windows\\currentversion\\uninstall\\{11111111-2222-3333-4444-555555555555}\\displayname': 'Contoso Agent',
      'hkey_local_machine\\software\\microsoft\\windows\\currentversion\\uninstall\\{11111111-2222-3333-4444-555555555555}\\displayversion': '2.1.0',
    },
    facts: hpLaptopFacts({ environment: 'FullOS', operatingSystem: { caption: 'Microsoft Windows 10 Enterprise', version: '10.0.19045', architecture: 'x64' } }),
  });
  const cases: Array<[string, Condition, boolean]> = [
    ['file exists with version ≥', { kind: 'file', path: '%OSDisk%\\Windows\\System32\\ntoskrnl.exe', version: '10.0.17763', versionOperator: 'greaterEqual' }, true],
    ['file version equals (other)', { kind: 'file', path: 'C:\\Windows\\System32\\ntoskrnl.exe', version: '6.1', versionOperator: 'equals' }, false],
    ['file modified before', { kind: 'file', path: 'C:\\Windows\\System32\\ntoskrnl.exe', dateTime: '2025-01-01T00:00:00Z', dateTimeOperator: 'less' }, true],
    ['missing file', { kind: 'file', path: 'C:\\nope.txt' }, false],
    ['folder exists', { kind: 'folder', path: 'C:\\Drivers' }, true],
    ['a file is not a folder', { kind: 'folder', path: 'C:\\Windows\\System32\\ntoskrnl.exe' }, false],
    ['registry exists', { kind: 'registry', keyPath: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso', value: 'Build', operator: 'exists' }, true],
    ['registry DWORD greater', { kind: 'registry', keyPath: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso', value: 'Build', operator: 'greater', data: '9', type: 'REG_DWORD' }, true],
    ['registry notExists', { kind: 'registry', keyPath: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso', value: 'Other', operator: 'notExists' }, true],
    ['software any version', { kind: 'software', operator: 'AnyVersion', productCode: '{11111111-2222-3333-4444-555555555555}' }, true],
    ['software this version', { kind: 'software', operator: 'ThisVersion', productCode: '{11111111-2222-3333-4444-555555555555}', version: '2.0' }, false],
    ['OS version ≥ 10.0 x64', { kind: 'osVersion', operator: 'greaterEqual', version: '10.0', architecture: 'x64' }, true],
    ['OS version x86 only', { kind: 'osVersion', operator: 'greaterEqual', version: '10.0', architecture: 'x86' }, false],
    ['the console\'s OS version query (WMI)', { kind: 'wmi', namespace: 'root\\cimv2', query: `SELECT * FROM Win32_OperatingSystem WHERE Version LIKE "10.0%" AND ProductType = "1"` }, true],
  ];
  for (const [title, c, want] of cases) {
    it(`${title} → ${want}`, async () => {
      const out = await evaluateCondition(c, ctx);
      expect(out.error).to.equal(undefined);
      expect(out.value).to.equal(want);
    });
  }

  it('an unknown expression class is an evaluation error', async () => {
    const out = await evaluateCondition({ kind: 'unknown', type: 'Vendor_ConditionExpression', properties: {} }, ctx);
    expect(out).to.include({ value: false });
    expect(out.error).to.equal('unknown condition expression type Vendor_ConditionExpression');
  });
});

describe('describeCondition', () => {
  it('renders nested operators and expressions readably', () => {
    const c = conditionOf(`<operator type="or">${v('IsUEFI', 'equals', 'True')}<operator type="not">${v('SYSDISK', 'exists')}</operator>${wmi("SELECT * FROM Win32_ComputerSystem WHERE Model LIKE '%840%'")}</operator>`);
    expect(describeCondition(c)).to.equal(
      `Any of(IsUEFI = "True"; None of(SYSDISK exists); WMI root\\cimv2: SELECT * FROM Win32_ComputerSystem WHERE Model LIKE '%840%')`,
    );
  });
});
