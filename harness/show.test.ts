import { expect } from 'chai';
import { importTaskSequenceXml } from './import/index.js';
import { renderTaskSequence, showTaskSequence } from './show.js';

const XML = `<sequence version="3.10">
<group name="Drivers" continueOnError="true"><condition><operator type="and"><expression type="SMS_TaskSequence_VariableConditionExpression"><variable name="Operator">exists</variable><variable name="Value"></variable><variable name="Variable">DriverPackage</variable></expression><expression type="SMS_TaskSequence_VariableConditionExpression"><variable name="Operator">equals</variable><variable name="Value">true</variable><variable name="Variable">_SMSTSInWinPE</variable></expression></operator></condition>
<step type="SMS_TaskSequence_ApplyDriverPackageAction" name="Apply Driver Package" runIn="WinPE" disable="true"><action>osddriverclient.exe</action></step>
<step type="Contoso_TaskSequence_Action" name="Vendor" runIn="FullOS"><action>contoso.exe</action></step>
</group>
<subtasksequence type="SMS_TaskSequence_SubTasksequence" name="Child"><action>SubTasksequence.exe</action></subtasksequence>
</sequence>`;

describe('ts show', () => {
  const view = showTaskSequence(importTaskSequenceXml(XML, 'ts.xml'));

  it('renders groups with their condition above their children, marks and unknown types', () => {
    expect(renderTaskSequence(view)).to.equal([
      '(unnamed task sequence)',
      'ConfigMgr sequence, schema 3.10: 3 steps in 1 groups',
      '├─ 1 ▸ Drivers [continue on error]',
      '│  │  if All of(DriverPackage exists; _SMSTSInWinPE = "true")',
      '│  ├─ 1/1 Apply Driver Package — Apply Driver Package, WinPE [disabled]',
      '│  └─ 1/2 Vendor — Contoso_TaskSequence_Action (unknown type), full OS',
      '└─ 2 Child — Run Task Sequence, WinPE or full OS',
      '',
    ].join('\n'));
  });

  it('gives the same tree as JSON with paths, types and source lines', () => {
    expect(view).to.include({ steps: 3, groups: 1, source: 'configmgr', file: 'ts.xml', version: '3.10' });
    expect(view.tree[0]).to.deep.include({ path: '1', kind: 'group', continueOnError: true, line: 2, condition: 'All of(DriverPackage exists; _SMSTSInWinPE = "true")' });
    expect(view.tree[0].children![1]).to.deep.equal({
      path: '1/2', kind: 'step', name: 'Vendor', type: 'Contoso_TaskSequence_Action', runIn: 'FullOS', disabled: false, continueOnError: false, line: 4,
    });
    expect(view.tree[1]).to.include({ typeName: 'Run Task Sequence', type: 'SMS_TaskSequence_SubTasksequence' });
  });
});
