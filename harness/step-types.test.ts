import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { STEP_TYPES, stepTypeByClass, stepTypeByName, stepTypeVariable } from './step-types.js';

describe('step-type catalogue', () => {
  it('has unique class and short names', () => {
    const classes = STEP_TYPES.map((t) => t.className.toLowerCase());
    const names = STEP_TYPES.map((t) => t.name.toLowerCase());
    expect(new Set(classes).size).to.equal(classes.length);
    expect(new Set(names).size).to.equal(names.length);
  });

  it('holds every type observed in real exports (ts-formats §a.3), with the corrected class names', () => {
    for (const c of ['SMS_TaskSequence_PrestartCheckAction', 'SMS_TaskSequence_SubTasksequence', 'SMS_TaskSequence_PartitionDiskAction', 'SMS_TaskSequence_SetupWindowsAndSMSAction', 'BDD_Gather', 'BDD_InstallOS']) {
      expect(stepTypeByClass(c), c).to.not.equal(undefined);
    }
    expect(STEP_TYPES.filter((t) => t.className.startsWith('SMS_TaskSequence_'))).to.have.length(36);
    expect(STEP_TYPES.filter((t) => t.mdt).length).to.be.at.least(13);
  });

  it('finds a type by short, editor, wizard or class name, case-insensitively', () => {
    expect(stepTypeByName('formatandpartitiondisk')?.className).to.equal('SMS_TaskSequence_PartitionDiskAction');
    expect(stepTypeByName('Partition Disk 0')?.name).to.equal('FormatAndPartitionDisk');
    expect(stepTypeByName('Restart in Windows PE')?.name).to.equal('RestartComputer');
    expect(stepTypeByName('Capture User Files and Settings')?.name).to.equal('CaptureUserState');
    expect(stepTypeByName('Apply Device Drivers')?.name).to.equal('AutoApplyDrivers');
    expect(stepTypeByName('sms_tasksequence_rebootaction')?.name).to.equal('RestartComputer');
    expect(stepTypeByName('No Such Step')).to.equal(undefined);
  });

  it('knows the variables with property, hidden flag and default, including numbered partitions', () => {
    const reboot = stepTypeByName('RestartComputer')!;
    expect(stepTypeVariable(reboot, 'smsreboottarget')).to.deep.equal({ name: 'SMSRebootTarget', property: 'Target', hidden: true, default: 'HD' });
    const partition = stepTypeByName('FormatAndPartitionDisk')!;
    expect(stepTypeVariable(partition, 'OSDPartitions3FileSystem')?.property).to.equal('Partitions0FileSystem');
    expect(stepTypeVariable(partition, 'OSDNope')).to.equal(undefined);
  });

  it('is the table docs/task-sequence-yaml.md shows', () => {
    const doc = readFileSync(new URL('../docs/task-sequence-yaml.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| (\w+) \| .* \| `(\w+)` \| (\w+) \|$/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
    expect(rows).to.deep.equal(STEP_TYPES.map((t) => `${t.name} ${t.className} ${t.runIn}`));
  });
});
