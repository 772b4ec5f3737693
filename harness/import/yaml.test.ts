import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { InputError, parseYaml } from '../../scenarios/index.js';
import type { Group, Step } from '../model.js';
import { importTaskSequenceYaml } from './index.js';

const DOC = `taskSequence:
  name: Deploy Windows 11 Enterprise
  packageId: LAB00001
  variables:
    OSDStateSMPRetryCount: "3"
  steps:
    - group: Install Operating System
      condition: { variable: _SMSTSInWinPE, equals: "true" }
      steps:
        - name: Partition Disk 0 - UEFI
          type: FormatAndPartitionDisk
          timeout: 900
          successCodes: [0, 3010]
          condition: { firmware: uefi }
          with:
            OSDDiskIndex: 0
            OSDPartitionStyle: GPT
          partitions:
            - { type: EFI, size: 500MB, fileSystem: FAT32, label: System }
            - { type: MSR, size: 128MB }
            - { type: Primary, size: 100%, fileSystem: NTFS, label: Windows, letterVariable: OSDisk }
        - name: Restart Computer
          type: Restart Computer
          with: { SMSRebootTarget: HD }
        - name: Install Line-of-business app
          type: RunCommandLine
          command: "cmd /c exit 0"
          condition:
            - any:
                - { wmi: "SELECT * FROM Win32_ComputerSystem WHERE Manufacturer LIKE '%HP%'" }
                - { variable: Make, like: "Hewlett%" }
            - none: [{ variable: SkipApps, exists: true }]
        - name: Script
          type: RunPowerShellScript
          successCodes: [0, 1]
          with: { OSDRunPowerShellScriptSourceScript: //5zAA==, OSDRunPowerShellScriptExecutionPolicy: Bypass }
        - name: Vendor step
          type: Contoso_TaskSequence_CustomAction
          command: contoso.exe /run
`;

function load(text: string, file = 'ts.yaml') {
  const parsed = parseYaml(file, text);
  if ('problems' in parsed) throw new InputError(parsed.problems);
  return importTaskSequenceYaml(parsed.source.data, { file, locator: parsed.source.locator });
}

function loadError(text: string): InputError {
  try {
    load(text);
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}

describe('importing osdlab YAML task sequences', () => {
  it('builds the same model as the XML importers', () => {
    const ts = load(DOC);
    expect(ts).to.include({ name: 'Deploy Windows 11 Enterprise', packageId: 'LAB00001', source: 'yaml', version: '3.10' });
    expect(ts.globalVariables).to.deep.equal([{ name: 'OSDStateSMPRetryCount', value: '3' }]);
    const group = ts.children[0] as Group;
    expect(group.condition).to.deep.include({ kind: 'variable', variable: '_SMSTSInWinPE', operator: 'equals', value: 'true' });
    expect(group.location).to.deep.equal({ file: 'ts.yaml', line: 7, column: 7 });
    const [partition, restart, app, script, vendor] = group.children as Step[];
    expect(partition).to.deep.include({ type: 'SMS_TaskSequence_PartitionDiskAction', runIn: 'WinPE', action: 'osddiskpart.exe', timeoutSeconds: 900 });
    expect(partition.condition).to.deep.include({ kind: 'variable', variable: '_SMSTSBootUEFI', value: 'true' });
    const vars = Object.fromEntries(partition.variables.map((v) => [v.name, v.value]));
    expect(vars).to.include({
      OSDDiskIndex: '0', OSDPartitionStyle: 'GPT', OSDPartitions: '3',
      OSDPartitions0Type: 'EFI', OSDPartitions0Size: '500', OSDPartitions0SizeUnits: 'MB', OSDPartitions0FileSystem: 'FAT32', OSDPartitions0VolumeName: 'System',
      OSDPartitions1Type: 'MSR', OSDPartitions1Size: '128',
      OSDPartitions2Size: '100', OSDPartitions2SizeUnits: 'PERCENT', OSDPartitions2VolumeLetterVariable: 'OSDisk',
    });
    expect(partition.variables.find((v) => v.name === 'OSDPartitions2Type')).to.deep.equal({ name: 'OSDPartitions2Type', property: 'Partitions2Type', value: 'Primary', hidden: false });
    expect(restart).to.deep.include({ type: 'SMS_TaskSequence_RebootAction', action: 'smsboot.exe /target:HD' });
    expect(restart.variables.find((v) => v.name === 'SMSRebootTarget')).to.deep.equal({ name: 'SMSRebootTarget', property: 'Target', value: 'HD', hidden: true });
    expect(app).to.deep.include({ type: 'SMS_TaskSequence_RunCommandLineAction', action: 'smsswd.exe /run: cmd /c exit 0', successCodes: [0, 3010] });
    expect(app.variables.find((v) => v.name === 'CommandLine')).to.deep.include({ value: 'cmd /c exit 0', hidden: true });
    expect(app.condition?.kind).to.equal('and');
    expect(Object.fromEntries(script.variables.map((v) => [v.name, v.value]))).to.include({
      OSDRunPowerShellScriptSuccessCodes: '0 1', OSDRunPowerShellScriptExecutionPolicy: 'Bypass', OSDRunPowerShellScriptSourceScript: '//5zAA==',
    });
    expect(vendor).to.deep.include({ type: 'Contoso_TaskSequence_CustomAction', action: 'contoso.exe /run', runIn: 'WinPEandFullOS' });
  });

  const errors: Array<[string, string, string, RegExp]> = [
    ['an unknown field', DOC.replace('timeout: 900', 'timeOut: 900'), 'ts.yaml:12:20 taskSequence.steps[0].steps[0].timeOut', /unknown field "timeOut"; allowed: name, type/],
    ['an unknown step type', DOC.replace('type: RunCommandLine', 'type: RunComandLine'), 'ts.yaml:26:17 taskSequence.steps[0].steps[2].type', /unknown step type "RunComandLine"/],
    ['a wrong run environment', DOC.replace('timeout: 900', 'runIn: PE'), 'ts.yaml:12:18 taskSequence.steps[0].steps[0].runIn', /"PE" is not one of WinPE, FullOS, WinPEandFullOS/],
    ['a bad partition size', DOC.replace('size: 500MB', 'size: 500XB'), 'ts.yaml:19:34 taskSequence.steps[0].steps[0].partitions[0].size', /"500XB" is not a size/],
    ['a condition that is no condition', DOC.replace('{ firmware: uefi }', '{ firmwre: uefi }'), 'ts.yaml:14:22 taskSequence.steps[0].steps[0].condition', /not a condition: expected one of all, any, none/],
    ['a run command line without command', DOC.replace('command: "cmd /c exit 0"', 'description: none'), 'ts.yaml:25:11 taskSequence.steps[0].steps[2]', /a RunCommandLine step needs "command"/],
  ];
  for (const [title, text, where, message] of errors) {
    it(`reports ${title} with file:line:column and field path`, () => {
      const err = loadError(text);
      expect(err.message.startsWith(`${where}: `), err.message).to.equal(true);
      expect(err.message).to.match(message);
    });
  }

  it('imports the example in docs/task-sequence-yaml.md', () => {
    const doc = readFileSync(new URL('../../docs/task-sequence-yaml.md', import.meta.url), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(doc)![1];
    const ts = load(example, 'docs/task-sequence-yaml.md');
    expect(ts.name).to.equal('Deploy Windows 11 Enterprise');
    expect((ts.children[0] as Group).children.map((c) => c.name)).to.deep.equal(['Partition Disk 0 - UEFI', 'Restart Computer', 'Install Line-of-business app']);
  });

  it('maps positions through the scenario Locator and basePath for inline sequences', () => {
    const scenario = `deployments:\n  - name: d\n    taskSequence:\n      steps:\n        - name: x\n          type: Nope\n`;
    const parsed = parseYaml('scenario.yaml', scenario);
    if ('problems' in parsed) throw new Error('bad test YAML');
    const inline = (parsed.source.data as { deployments: Array<{ taskSequence: unknown }> }).deployments[0].taskSequence;
    try {
      importTaskSequenceYaml(inline, { file: 'scenario.yaml', locator: parsed.source.locator, basePath: ['deployments', 0, 'taskSequence'] });
      expect.fail('expected an InputError');
    } catch (err) {
      expect((err as Error).message).to.match(/^scenario\.yaml:6:17 deployments\[0\]\.taskSequence\.steps\[0\]\.type: unknown step type "Nope"/);
    }
  });
});
