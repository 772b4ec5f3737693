import { expect } from 'chai';
import { parseDynamicVariableRules, RulesError } from './dynamic-variables.js';
import { runTaskSequence } from './engine.js';
import { sequence, step } from './engine/test-builders.js';
import { InMemoryMachine } from './test-backend.js';

// The payload of ts-formats §a.5 (GT-LanguagePackModule), as the console writes it.
const RULES =
  '<Rules><Rule><condition><expression type="SMS_TaskSequence_VariableConditionExpression"><variable name="Operator">equals</variable>' +
  '<variable name="Value">fr-ca</variable><variable name="Variable">SMSTS_WinSystemLocale</variable></expression></condition>' +
  '<Variables><Variable Name="W10X64LANGPACKAGE" IsSecret="false">PS2000E4</Variable><Variable Name="GEOID" IsSecret="false">39</Variable></Variables></Rule>' +
  '<Rule><Variables><Variable Name="SMSTSERRORDIALOGTIMEOUT" IsSecret="false">604800</Variable></Variables></Rule></Rules>';

describe('Set Dynamic Variables rules (ts-formats §a.5)', () => {
  it('parses conditions and variables; a rule without a condition is unconditional', () => {
    const rules = parseDynamicVariableRules(RULES);
    expect(rules).to.have.length(2);
    expect(rules[0].condition).to.deep.include({ kind: 'variable', variable: 'SMSTS_WinSystemLocale', operator: 'equals', value: 'fr-ca' });
    expect(rules[0].variables.map((v) => v.name)).to.deep.equal(['W10X64LANGPACKAGE', 'GEOID']);
    expect(rules[1].condition).to.equal(undefined);
  });

  it('reads operators and keeps unknown expression classes for the evaluator to report', () => {
    const rules = parseDynamicVariableRules(
      '<Rules><Rule><condition><operator type="or"><expression type="SMS_TaskSequence_VariableConditionExpression"><variable name="Operator">like</variable><variable name="Value">Lat%</variable><variable name="Variable">_SMSTSModel</variable></expression><expression type="Vendor_Expression"><variable name="X">1</variable></expression></operator></condition><Variables><Variable Name="A" IsSecret="true">1</Variable></Variables></Rule></Rules>',
    );
    const c = rules[0].condition!;
    expect(c.kind).to.equal('or');
    expect(c.kind === 'or' && c.operands.map((o) => o.kind)).to.deep.equal(['variable', 'unknown']);
    expect(rules[0].variables[0].secret).to.equal(true);
  });

  it('rejects malformed XML and unknown operators', () => {
    expect(() => parseDynamicVariableRules('<Rules><Rule>')).to.throw(RulesError);
    expect(() => parseDynamicVariableRules('<Nope/>')).to.throw(RulesError, /<Rules>/);
    expect(() => parseDynamicVariableRules('<Rules><Rule><condition><operator type="xor"/></condition></Rule></Rules>')).to.throw(RulesError, /xor/);
  });

  it('the step sets the variables of matching rules, later rules winning, above computer variables', async () => {
    const rules =
      '<Rules><Rule><condition><expression type="SMS_TaskSequence_VariableConditionExpression"><variable name="Operator">equals</variable><variable name="Value">QEMU</variable><variable name="Variable">_SMSTSMake</variable></expression></condition>' +
      '<Variables><Variable Name="Driver" IsSecret="false">virtio</Variable><Variable Name="Site" IsSecret="false">lab</Variable></Variables></Rule>' +
      '<Rule><condition><expression type="SMS_TaskSequence_VariableConditionExpression"><variable name="Operator">equals</variable><variable name="Value">Dell Inc.</variable><variable name="Variable">_SMSTSMake</variable></expression></condition>' +
      '<Variables><Variable Name="Driver" IsSecret="false">dell</Variable></Variables></Rule>' +
      '<Rule><Variables><Variable Name="Site" IsSecret="false">everywhere</Variable></Variables></Rule></Rules>';
    const ts = sequence([step('Set Dynamic Variables', { type: 'SMS_TaskSequence_SetDynamicVariablesAction', variables: { OSDSetDynamicVariablesRules: rules } })]);
    const r = await runTaskSequence({ sequence: ts, machine: new InMemoryMachine(), variables: { computer: { Driver: 'computer' } } });
    expect(r.outcome).to.equal('success');
    expect(r.variables).to.include({ Driver: 'virtio', Site: 'everywhere' });
  });
});
