import { expect } from 'chai';
import { runTaskSequence } from '../engine.js';
import { partitionUefi, sequence, step } from '../engine/test-builders.js';
import type { PartitionDiskRequest } from '../machine.js';
import { STEP_TYPES } from '../step-types.js';
import { InMemoryMachine, installedDisk } from '../test-backend.js';
import { ACTIONS, actionFor } from './table.js';

describe('actions: registration table', () => {
  it('registers each ConfigMgr class once, every one from the catalogue', () => {
    const names = ACTIONS.map((a) => a.stepType.className);
    expect(new Set(names).size).to.equal(names.length);
    for (const t of STEP_TYPES.filter((t) => !t.mdt)) expect(actionFor(t.className), t.className).to.not.equal(undefined);
  });
  it('looks classes up case-insensitively; MDT and vendor classes have no module', () => {
    expect(actionFor('sms_tasksequence_rebootaction')?.stepType.displayName).to.equal('Restart Computer');
    expect(actionFor('BDD_Gather')).to.equal(undefined);
  });
});

describe('actions: Format and Partition Disk', () => {
  it('turns OSDPartitions<n>* into the machine request', async () => {
    const machine = new InMemoryMachine();
    const r = await runTaskSequence({ sequence: sequence([partitionUefi()]), machine });
    expect(r.outcome).to.equal('success');
    const request = machine.calls.find((c) => c.operation === 'partitionDisk')!.request as PartitionDiskRequest;
    expect(request).to.deep.include({ diskIndex: 0, style: 'gpt', diskType: 'basic' });
    expect(request.partitions.map((p) => [p.type, p.size, p.fileSystem])).to.deep.equal([
      ['efi', { value: 500, unit: 'MB' }, 'fat32'],
      ['msr', { value: 128, unit: 'MB' }, undefined],
      ['primary', 'remaining', 'ntfs'],
    ]);
    expect(r.variables.OSDisk).to.equal('C:');
  });
  it('fails the step on a partition type the console does not write', async () => {
    const s = partitionUefi();
    s.variables.find((v) => v.name === 'OSDPartitions1Type')!.value = 'Spanned';
    const r = await runTaskSequence({ sequence: sequence([s]), machine: new InMemoryMachine() });
    expect(r.steps[0].reason).to.match(/OSDPartitions1Type is "Spanned"/);
  });
});

describe('actions: others', () => {
  it('Auto Apply Drivers is refused on stand-alone media', async () => {
    const r = await runTaskSequence({
      sequence: sequence([step('Apply Device Drivers', { type: 'SMS_TaskSequence_AutoApplyAction', runIn: 'WinPE' })]),
      machine: new InMemoryMachine({ facts: { bootedFrom: 'standaloneMedia' } }),
    });
    expect(r.steps[0].reason).to.match(/stand-alone media/);
  });
  it('Apply Operating System Image fails when the package is on no distribution point', async () => {
    const r = await runTaskSequence({
      sequence: sequence([partitionUefi(), step('Apply', { type: 'SMS_TaskSequence_ApplyOperatingSystemAction', action: 'OSDApplyOS.exe /image:LAB00005,1', runIn: 'WinPE' })]),
      machine: new InMemoryMachine({ missingPackages: ['LAB00005'] }),
    });
    expect(r.steps[1]).to.include({ status: 'failed', exitCode: 0x80070002 });
  });
  it('Check Readiness compares against the machine', async () => {
    const r = await runTaskSequence({
      sequence: sequence([step('Check Readiness', { type: 'SMS_TaskSequence_PrestartCheckAction', variables: { OSDCheckMemory: 'true', OSDMemory: '16384', OSDCheckDeviceUEFI: 'true' } })]),
      machine: new InMemoryMachine({ facts: { memoryMB: 4096 } }),
    });
    expect(r.steps[0].reason).to.equal('Memory 4096 MB is less than the required 16384 MB');
  });
  it('Download Package Content writes <DestinationVariable>01, 02', async () => {
    const r = await runTaskSequence({
      sequence: sequence([step('Download', { type: 'SMS_TaskSequence_DownloadPackageContentAction', variables: { OSDDownloadDownloadPackages: 'LAB00007,LAB00008', OSDDownloadDestinationVariable: 'DRIVERS' } })]),
      machine: new InMemoryMachine(),
    });
    expect(r.variables).to.include({ DRIVERS01: 'C:\\_SMSTaskSequence\\Packages\\LAB00007', DRIVERS02: 'C:\\_SMSTaskSequence\\Packages\\LAB00008' });
  });
  it('Run Command Line stores its output and uses the package folder', async () => {
    const machine = new InMemoryMachine({ commands: [{ match: 'whoami', outcome: { exitCode: 0, output: ['nt authority\\system'] } }] });
    const r = await runTaskSequence({
      sequence: sequence([step('Who', { action: 'smsswd.exe /run:LAB00009 whoami', variables: { CommandLine: 'whoami', PackageID: 'LAB00009', SMSTSRunCommandLineOutputVariableName: 'WHO' }, hidden: ['CommandLine', 'PackageID'] })]),
      machine,
    });
    expect(r.variables.WHO).to.equal('nt authority\\system');
    expect(machine.calls.find((c) => c.operation === 'runCommand')!.request).to.include({ commandLine: 'whoami', packageLocation: 'C:\\_SMSTaskSequence\\Packages\\LAB00009' });
  });
  it('an output variable the environment refuses fails the step, not the run', async () => {
    const r = await runTaskSequence({
      sequence: sequence([step('Who', { action: 'whoami', variables: { SMSTSRunCommandLineOutputVariableName: '_SMSTSMachineName' } }), step('Next')]),
      machine: new InMemoryMachine(),
    });
    expect(r.outcome).to.equal('failed');
    expect(r.steps[0]).to.include({ status: 'failed', exitCode: 87 });
    expect(r.steps[0].reason).to.match(/read-only/);
  });
  it('Release State Store refuses to run after a failed action', async () => {
    const r = await runTaskSequence({
      sequence: sequence([step('Fails', { continueOnError: true }), step('Release', { type: 'SMS_TaskSequence_ReleaseStateStoreAction' })]),
      machine: new InMemoryMachine({ commands: [{ match: 'Fails', outcome: { exitCode: 1 } }] }),
    });
    expect(r.steps[1].reason).to.match(/previous action failed/);
  });
});

describe('actions: Install Package and Install Application', () => {
  const fullOs = (commands: ConstructorParameters<typeof InMemoryMachine>[0] = {}) => new InMemoryMachine({ ...commands, facts: { environment: 'FullOS', bootedFrom: 'disk' } });
  const installList = (continueOnError = 'false') =>
    step('Install Software', { type: 'SMS_TaskSequence_InstallSoftwareAction', runIn: 'FullOS', variables: { BaseVariableName: 'PACKAGES', ContinueOnInstallError: continueOnError }, hidden: ['BaseVariableName', 'ContinueOnInstallError'] });
  const apps = { PACKAGES001: 'LAB00011:Install', PACKAGES002: 'LAB00012:Install Quiet', PACKAGES004: 'LAB00014:Never' };

  it('installs <Base>001, 002 … in order and stops at the first gap', async () => {
    const machine = fullOs();
    const r = await runTaskSequence({ sequence: sequence([installList()]), machine, variables: { computer: apps } });
    expect(r.outcome).to.equal('success');
    const programs = machine.calls.filter((c) => c.operation === 'runCommand').map((c) => (c.request as { commandLine: string }).commandLine);
    expect(programs).to.deep.equal(['Install', 'Install Quiet']);
  });

  it('a failing item ends the list unless ContinueOnInstallError; the step fails either way', async () => {
    const failingFirst = { commands: [{ match: /^Install$/, outcome: { exitCode: 1603 } }] };
    const stop = fullOs(failingFirst);
    const a = await runTaskSequence({ sequence: sequence([installList()]), machine: stop, variables: { computer: apps } });
    expect(a.steps[0]).to.include({ status: 'failed', exitCode: 1603 });
    expect(stop.calls.filter((c) => c.operation === 'runCommand')).to.have.length(1);
    const go = fullOs(failingFirst);
    const b = await runTaskSequence({ sequence: sequence([installList('true')]), machine: go, variables: { computer: apps } });
    expect(b.steps[0].reason).to.equal("Install software action failed: 'LAB00011:Install' (exit code 1603)");
    expect(go.calls.filter((c) => c.operation === 'runCommand')).to.have.length(2);
  });

  it('3010 from a program restarts after the step', async () => {
    const machine = new InMemoryMachine({ facts: { environment: 'FullOS', bootedFrom: 'disk', disks: [installedDisk()] }, commands: [{ match: 'Install Quiet', outcome: { exitCode: 3010 } }] });
    const r = await runTaskSequence({ sequence: sequence([installList()]), machine, variables: { computer: apps } });
    expect(r.outcome, r.error).to.equal('success');
    expect(r.reboots).to.equal(1);
  });

  it('Install Application is a full-OS step', async () => {
    const r = await runTaskSequence({
      sequence: sequence([step('Install Application', { type: 'SMS_TaskSequence_InstallApplicationAction', runIn: 'WinPEandFullOS', variables: { ApplicationName: 'Contoso App' } })]),
      machine: new InMemoryMachine(),
    });
    expect(r.steps[0].reason).to.match(/cannot run in Windows PE/);
  });
});

