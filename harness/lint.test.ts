import { expect } from 'chai';
import { parse } from 'yaml';
import { importTaskSequenceXml, importTaskSequenceYaml } from './import/index.js';
import { lintTaskSequence, type LintIssue, type LintScenario } from './lint.js';

const lint = (yaml: string, scenario?: LintScenario) => lintTaskSequence(importTaskSequenceYaml(parse(yaml)), scenario);
const brief = (issues: LintIssue[]) => issues.map((i) => `${i.severity} ${i.rule} ${i.path ?? '-'}`);

describe('ts lint rules', () => {
  it('a clean sequence has no findings', () => {
    expect(lint(`steps:
  - { name: Partition, type: FormatAndPartitionDisk }
  - { name: Apply OS, type: ApplyOperatingSystemImage }
  - { name: Setup, type: SetupWindowsAndConfigMgr }
  - { name: Join, type: JoinDomainOrWorkgroup }
`)).to.deep.equal([]);
  });

  it('warns about unknown step types (they run generically)', () => {
    const issues = lint(`steps:\n  - { name: Custom, type: Contoso_TaskSequence_Action, command: x.exe }\n`);
    expect(brief(issues)).to.deep.equal(['warning unknown-step-type 1']);
    expect(issues[0].message).to.match(/unknown step type Contoso_TaskSequence_Action: it runs generically/);
  });

  it('reports a WinPE-only step after the last restart into the full OS, at its position', () => {
    const issues = lint(`steps:
  - { name: Apply OS, type: ApplyOperatingSystemImage }
  - { name: Restart to OS, type: RestartComputer, with: { SMSRebootTarget: HD } }
  - { name: Partition, type: FormatAndPartitionDisk }
  - { name: Restart to PE, type: RestartComputer, with: { SMSRebootTarget: WinPE } }
  - { name: Partition again, type: FormatAndPartitionDisk }
  - { name: Join, type: JoinDomainOrWorkgroup }
`);
    expect(brief(issues)).to.deep.equal([
      'error wrong-environment 3',
      'warning unreachable 4',
      'warning unreachable 5',
      'warning unreachable 6',
    ]);
    expect(issues[0].message).to.equal('runs only in Windows PE, but after "Restart to OS" (2) the machine is in the full OS');
    expect(issues[1].message).to.match(/never runs: "Partition" \(3\) before it always fails \(it runs only in Windows PE/);
  });

  it('does not guess the environment after a conditional restart', () => {
    expect(lint(`steps:
  - { name: Restart to OS, type: RestartComputer, with: { SMSRebootTarget: HD }, condition: { variable: X, exists: true } }
  - { name: Partition, type: FormatAndPartitionDisk }
`)).to.deep.equal([]);
  });

  it('with the scenario, knows where the sequence starts: media and PXE in Windows PE, clients in the full OS', () => {
    const yaml = `steps:
  - { name: Join, type: JoinDomainOrWorkgroup }
  - { name: Partition, type: FormatAndPartitionDisk }
`;
    const pxe = lint(yaml, { packageIds: [], downloadAllDeployments: [], startsIn: { environment: 'WinPE', deployments: ['Bare metal'] } });
    expect(brief(pxe)).to.deep.equal(['error wrong-environment 1', 'warning unreachable 2']);
    expect(pxe[0].message).to.equal('runs only in the full OS, but the sequence starts in Windows PE (deployment "Bare metal")');
    const client = lint(yaml, { packageIds: [], downloadAllDeployments: [], startsIn: { environment: 'FullOS', deployments: ['Refresh'] } });
    expect(brief(client)).to.deep.equal(['error wrong-environment 2']);
  });

  it('Setup Windows and ConfigMgr ends Windows PE: a FullOS step before it and a WinPE step after it', () => {
    const issues = lint(`steps:
  - { name: Restart to PE, type: RestartComputer, with: { SMSRebootTarget: WinPE } }
  - { name: Join early, type: JoinDomainOrWorkgroup, continueOnError: true }
  - { name: Setup, type: SetupWindowsAndConfigMgr }
  - { name: Drivers late, type: AutoApplyDrivers, continueOnError: true }
`);
    expect(brief(issues)).to.deep.equal(['error wrong-environment 2', 'error wrong-environment 4']);
  });

  it('reports the empty operator, unknown expressions and WMI queries the model cannot answer', () => {
    const ts = importTaskSequenceXml(`<sequence version="3.10">
<step type="SMS_TaskSequence_RunCommandLineAction" name="A"><condition><operator type="or"/><expression type="SMS_TaskSequence_WMIConditionExpression"><variable name="Query">SELECT * FROM Win32_ComputerSystem WHERE Manufacturer LIKE '%HP%'</variable></expression></condition><action>x</action></step>
<step type="SMS_TaskSequence_RunCommandLineAction" name="B"><condition><expression type="Vendor_Expression"><variable name="X">1</variable></expression></condition><action>x</action></step>
<step type="SMS_TaskSequence_RunCommandLineAction" name="C"><condition><expression type="SMS_TaskSequence_WMIConditionExpression"><variable name="Query">SELECT * FROM Win32_TPM WHERE IsEnabled_InitialValue = TRUE</variable></expression></condition><action>x</action></step>
</sequence>`, 'ts.xml');
    const issues = lintTaskSequence(ts);
    expect(brief(issues)).to.deep.equal(['warning malformed-condition 1', 'error malformed-condition 2', 'error malformed-condition 3']);
    // The position of the empty <operator> itself, not of its step.
    expect(issues[0].location).to.deep.equal({ file: 'ts.xml', line: 2, column: 72 });
    expect(issues[0].message).to.match(/empty <operator type="or"\/>: it has no operands and is ignored/);
    expect(issues[2].message).to.match(/WMI class Win32_TPM is not in the machine model/);
  });

  it('flags content downloaded to the cache before disk 0 is repartitioned, and a download-all deployment with the scenario', () => {
    const yaml = `steps:
  - { name: Download drivers, type: DownloadPackageContent }
  - { name: Partition Disk 0, type: FormatAndPartitionDisk, with: { OSDDiskIndex: 0 } }
`;
    expect(brief(lint(yaml))).to.deep.equal(['warning cache-repartitioned 2']);
    const withScenario = lint(yaml, { packageIds: [], downloadAllDeployments: ['Deploy Win11'] });
    expect(brief(withScenario)).to.deep.equal(['warning cache-repartitioned 2', 'error cache-repartitioned 2']);
    expect(withScenario[1].message).to.match(/deployment "Deploy Win11" downloads all content locally before starting/);
    expect(lint(yaml.replace('OSDDiskIndex: 0', 'OSDDiskIndex: 1'))).to.deep.equal([]);
  });

  it('checks variable names: read-only, bad characters, condition variables', () => {
    const issues = lint(`variables: { "1Var": x }
steps:
  - { name: Set read-only, type: SetTaskSequenceVariable, with: { VariableName: _SMSTSInWinPE, VariableValue: "false" } }
  - { name: Set bad, type: SetTaskSequenceVariable, with: { VariableName: "My Var", VariableValue: "1" } }
  - { name: Fine, type: SetTaskSequenceVariable, with: { VariableName: My_Var-2, VariableValue: "1" } }
  - { name: Cond, type: RunCommandLine, command: x, condition: { variable: "a@b", equals: "1" } }
`);
    expect(brief(issues)).to.deep.equal(['error variable-name -', 'error variable-name 1', 'error variable-name 2', 'warning variable-name 4']);
    expect(issues[1].message).to.match(/variable "_SMSTSInWinPE" is read-only/);
  });

  it('checks Set Dynamic Variables rules: readable, conditions, variable names', () => {
    const rules = (body: string) => `steps:\n  - { name: Rules, type: SetDynamicVariables, with: { OSDSetDynamicVariablesRules: ${JSON.stringify(body)} } }\n`;
    const good = `<Rules><Rule><condition><expression type="SMS_TaskSequence_WMIConditionExpression"><variable name="Query">SELECT * FROM Win32_ComputerSystem WHERE Model LIKE '%840%'</variable></expression></condition><Variables><Variable Name="DriverPackage" IsSecret="false">LAB00004</Variable></Variables></Rule></Rules>`;
    expect(lint(rules(good))).to.deep.equal([]);
    const bad = good.replace('Win32_ComputerSystem', 'Win32_Chassis').replace('DriverPackage', '_SMSTSMachineName');
    const issues = lint(rules(bad));
    expect(brief(issues)).to.deep.equal(['error malformed-condition 1', 'error variable-name 1']);
    expect(issues[0].message).to.match(/^rule 1: WMI condition .* WMI class Win32_Chassis is not in the machine model/);
    expect(issues[1].message).to.match(/^Set Dynamic Variables rule 1: variable "_SMSTSMachineName" is read-only/);
    expect(brief(lint(rules('<Rules><Rule>')))).to.deep.equal(['error malformed-condition 1']);
  });

  it('reports packages missing from the scenario content, but not child task sequences', () => {
    const yaml = `steps:
  - { name: Apply OS, type: ApplyOperatingSystemImage, with: { ImagePackageID: LAB00002 } }
  - { name: Drivers, type: ApplyDriverPackage, with: { OSDApplyDriverDriverPackageID: LAB00009 } }
  - { name: Child, type: RunTaskSequence, with: { OSDSubTasksequencePackageID: LAB00100 } }
  - { name: Script, type: RunCommandLine, command: x, with: { PackageID: "%ScriptsPackage%" } }
`;
    const issues = lint(yaml, { packageIds: ['LAB00002'], downloadAllDeployments: [] });
    expect(brief(issues)).to.deep.equal(['error missing-content 2']);
    const install = importTaskSequenceXml(`<sequence version="3.10"><step type="SMS_TaskSequence_InstallSoftwareAction" name="Install" runIn="FullOS"><action>smsswd.exe /pkg:PS100042 /install /basevar: /continueOnError:False</action></step></sequence>`);
    expect(lintTaskSequence(install, { packageIds: [], downloadAllDeployments: [] }).map((i) => i.message)).to.deep.equal([
      "the command line names package PS100042, which is not in the scenario's content",
    ]);
    expect(issues[0].message).to.equal("OSDApplyDriverDriverPackageID names package LAB00009, which is not in the scenario's content");
    expect(lint(yaml)).to.deep.equal([]);
  });

  it('reports disabled groups and the steps after a step that always fails', () => {
    const issues = lint(`steps:
  - group: Old
    disabled: true
    steps:
      - { name: a, type: RunCommandLine, command: x }
      - { name: b, type: RunCommandLine, command: x }
  - group: Try
    continueOnError: true
    steps:
      - { name: Fail, type: RunCommandLine, command: "cmd /c exit 5" }
      - { name: Skipped, type: RunCommandLine, command: x }
  - { name: Runs, type: RunCommandLine, command: "cmd.exe /c exit 3010" }
  - { name: Fatal, type: RunCommandLine, command: "exit 1" }
  - { name: Never, type: RunCommandLine, command: x }
`);
    expect(brief(issues)).to.deep.equal(['warning never-runs 1', 'warning unreachable 2/2', 'warning unreachable 5']);
    expect(issues[0].message).to.equal('group is disabled: its 2 step(s) never run');
    expect(issues[1].message).to.match(/never runs: "Fail" \(2\/1\) before it always fails \(its command "cmd \/c exit 5" always exits with 5/);
  });
});
