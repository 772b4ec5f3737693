import { expect } from 'chai';
import { deploymentLayers, expandVariables, MAX_ENVIRONMENT_BYTES, variableNameProblem, VariableRuleError, VariableStore } from './variables.js';

describe('variables: ConfigMgr naming rules (osd-behaviours §3.3)', () => {
  for (const ok of ['MyVariable', 'My_Variable', 'My_Variable_2', 'OSD-Disk', '  Trimmed  ', 'A'.repeat(256)]) {
    it(`accepts "${ok.length > 40 ? '256 letters' : ok}"`, () => expect(variableNameProblem(ok, 'user')).to.equal(undefined));
  }
  for (const bad of ['1Variable', 'MyV@riable', '_MyVariable', 'My Variable', '', 'A'.repeat(257)]) {
    it(`rejects "${bad.length > 40 ? '257 letters' : bad}"`, () => expect(variableNameProblem(bad, 'user')).to.be.a('string'));
  }
  it('only the engine writes "_" variables', () => {
    expect(variableNameProblem('_SMSTSInWinPE', 'engine')).to.equal(undefined);
    expect(variableNameProblem('_SMSTSInWinPE', 'user')).to.match(/read-only/);
  });
});

describe('variables: the store', () => {
  it('is case-insensitive and keeps the first spelling', () => {
    const s = new VariableStore();
    s.set('OSDVar', 'a');
    s.set('osdvar', 'b');
    expect(s.get('OSDVAR')).to.equal('b');
    expect(s.snapshot()).to.deep.equal({ OSDVar: 'b' });
  });
  it('deletes on an empty value', () => {
    const s = new VariableStore();
    s.set('X', '1');
    s.set('x', '');
    expect(s.has('X')).to.equal(false);
  });
  it('refuses values over 4000 characters and read-only names', () => {
    const s = new VariableStore();
    expect(() => s.set('Big', 'x'.repeat(4001))).to.throw(VariableRuleError, /limit is 4000/);
    expect(() => s.set('_SMSTSMachineName', 'x')).to.throw(VariableRuleError, /read-only/);
  });
  it('refuses to grow the environment past 10 MB', () => {
    const s = new VariableStore();
    const value = 'x'.repeat(4000);
    const perVariable = (4000 + 'V00000'.length) * 2;
    const fit = Math.floor(MAX_ENVIRONMENT_BYTES / perVariable);
    for (let i = 0; i < fit; i++) s.set(`V${String(i).padStart(5, '0')}`, value);
    expect(() => s.set('V99999', value)).to.throw(VariableRuleError, /10 MB/);
    s.set('V00000', '');
    s.set('V99999', value);
  });
  it('round-trips through a snapshot', () => {
    const s = new VariableStore();
    s.set('_SMSTSInWinPE', 'true', 'engine');
    s.set('B', '2');
    expect(VariableStore.fromSnapshot(s.snapshot()).snapshot()).to.deep.equal(s.snapshot());
  });
});

describe('variables: %VAR% expansion', () => {
  const lookup = (n: string) => ({ a: 'ONE', b: 'TWO' } as Record<string, string>)[n.toLowerCase()];
  it('replaces known names, case-insensitively', () => expect(expandVariables('x %A% y %b%', lookup)).to.equal('x ONE y TWO'));
  it('leaves unknown names as written', () => expect(expandVariables('%Nope% and %SystemRoot%\\x', lookup)).to.equal('%Nope% and %SystemRoot%\\x'));
  it('lets the closing % of an unknown name open the next reference', () => expect(expandVariables('%Nope%A%', lookup)).to.equal('%NopeONE'));
  it('keeps a lone % and %%', () => expect(expandVariables('100% %% done', lookup)).to.equal('100% %% done'));
});

describe('variables: deployment layers', () => {
  it('orders collections by precedence under the computer', () => {
    const layers = deploymentLayers({ computer: { A: 'c' }, collections: [{ precedence: 5, variables: { A: '5' } }, { precedence: 2, variables: { A: '2' } }] });
    expect(layers.map((l) => l.source)).to.deep.equal(['taskSequence', 'collection', 'collection', 'computer', 'preStart']);
    expect(layers.map((l) => l.variables.A)).to.deep.equal([undefined, '2', '5', 'c', undefined]);
  });
  it('uses only media variables on stand-alone media', () => {
    const layers = deploymentLayers({ standaloneMedia: true, media: { A: 'm' }, computer: { A: 'c' } });
    expect(layers.map((l) => l.source)).to.deep.equal(['taskSequence', 'media', 'preStart']);
  });
});
