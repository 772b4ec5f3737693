import { expect } from 'chai';
import { InputError } from '../scenarios/index.js';
import { runTaskSequence, type RunTaskSequenceOptions } from './engine.js';
import { group, partitionUefi, sequence, step, variableEquals } from './engine/test-builders.js';
import type { DiskFacts } from './machine.js';
import type { TaskSequence } from './model.js';
import type { StepResult } from './result.js';
import { parseCmtrace } from './smsts-log.js';
import { InMemoryMachine, installedDisk, type InMemoryMachineOptions } from './test-backend.js';

/** Makes the steps built with the default action (`cmd /c echo NAME`) exit with 1. */
function failing(...names: string[]): InMemoryMachineOptions['commands'] {
  return names.map((n) => ({ match: new RegExp(`echo ${n}$`), outcome: { exitCode: 1 } }));
}

async function run(ts: TaskSequence, machine = new InMemoryMachine(), extra: Partial<RunTaskSequenceOptions> = {}) {
  const result = await runTaskSequence({ sequence: ts, machine, ...extra });
  return { ...result, machine, byName: (name: string) => result.steps.find((s) => s.name === name) as StepResult };
}

const statuses = (steps: StepResult[]) => Object.fromEntries(steps.map((s) => [s.name, s.status]));

/** A formatted disk so restarts can save the environment. */
const formattedDisks = (): DiskFacts[] => [
  { index: 0, sizeBytes: 2 ** 37, model: 'disk', controller: 'ahci', style: 'gpt', dynamic: false, partitions: [{ number: 1, type: 'primary', typeId: '07', sizeBytes: 2 ** 36, offsetBytes: 2 ** 20, fileSystem: 'ntfs', active: false, driveLetter: 'C:' }] },
];

describe('engine: continue on error (osd-behaviours §1.3 worked example)', () => {
  const example = () =>
    sequence([
      group('Group 1', [step('Step 1', { continueOnError: true }), step('Step 2'), step('Step 3')], { continueOnError: true }),
      group('Group 2', [step('Step 4'), step('Step 5'), step('Step 6')]),
    ]);

  it('step 1 fails: continues with step 2 and the sequence succeeds', async () => {
    const r = await run(example(), new InMemoryMachine({ commands: failing('Step 1') }));
    expect(r.outcome).to.equal('success');
    expect(statuses(r.steps)).to.deep.equal({ 'Group 1': 'success', 'Step 1': 'failed', 'Step 2': 'success', 'Step 3': 'success', 'Group 2': 'success', 'Step 4': 'success', 'Step 5': 'success', 'Step 6': 'success' });
  });

  it('step 2 fails: step 3 not run, group 1 fails but continues into group 2', async () => {
    const r = await run(example(), new InMemoryMachine({ commands: failing('Step 2') }));
    expect(r.outcome).to.equal('success');
    expect(statuses(r.steps)).to.deep.equal({ 'Group 1': 'failed', 'Step 1': 'success', 'Step 2': 'failed', 'Step 3': 'notRun', 'Group 2': 'success', 'Step 4': 'success', 'Step 5': 'success', 'Step 6': 'success' });
  });

  it('step 4 fails: no more steps run and the task sequence fails', async () => {
    const r = await run(example(), new InMemoryMachine({ commands: failing('Step 4') }));
    expect(r.outcome).to.equal('failed');
    expect(r.failedStep).to.equal('Step 4');
    expect(statuses(r.steps)).to.deep.equal({ 'Group 1': 'success', 'Step 1': 'success', 'Step 2': 'success', 'Step 3': 'success', 'Group 2': 'failed', 'Step 4': 'failed', 'Step 5': 'notRun', 'Step 6': 'notRun' });
    expect(r.steps.map((s) => s.path)).to.deep.equal(['1', '1/1', '1/2', '1/3', '2', '2/1', '2/2', '2/3']);
    const text = r.log.files().at(-1)!.text;
    expect(text).to.include('Failed to run the action: Step 4.');
    expect(text).to.include('The execution of the group (Group 2) has failed and the execution has been aborted. An action failed.');
    expect(text).to.include('Failed to run the last action: Step 4. Execution of task sequence failed.');
  });

  it('steps 2 and 4 both fail: the nested rule applies at every level', async () => {
    const r = await run(example(), new InMemoryMachine({ commands: failing('Step 2', 'Step 4') }));
    expect(r.outcome).to.equal('failed');
    expect(r.byName('Step 3').status).to.equal('notRun');
    expect(r.byName('Group 1').status).to.equal('failed');
    expect(r.byName('Step 5').status).to.equal('notRun');
  });
});

describe('engine: conditions, disabled steps and the last-action variables', () => {
  it('a skipped or disabled step leaves _SMSTSLastActionSucceeded as it was', async () => {
    const r = await run(
      sequence([
        step('Fails', { continueOnError: true }),
        step('Skipped', { condition: variableEquals('_SMSTSInWinPE', 'false') }),
        step('Disabled', { disabled: true }),
        step('Records', { action: 'cmd /c echo %_SMSTSLastActionSucceeded%-%_SMSTSLastActionRetCode%' }),
      ]),
      new InMemoryMachine({ commands: failing('Fails') }),
    );
    expect(statuses(r.steps)).to.deep.equal({ Fails: 'failed', Skipped: 'skipped', Disabled: 'disabled', Records: 'success' });
    const commands = r.machine.calls.filter((c) => c.operation === 'runCommand').map((c) => (c.request as { commandLine: string }).commandLine);
    expect(commands.at(-1)).to.equal('cmd /c echo false-1');
    expect(r.byName('Skipped').reason).to.equal('The condition is evaluated to be false');
  });

  it('a false group condition skips the whole subtree and writes the real log line', async () => {
    const r = await run(sequence([group('Full OS only', [step('A'), group('Inner', [step('B')])], { condition: variableEquals('_SMSTSInWinPE', 'false') }), step('C')]));
    expect(statuses(r.steps)).to.deep.equal({ 'Full OS only': 'skipped', A: 'skipped', Inner: 'skipped', B: 'skipped', C: 'success' });
    expect(r.log.files()[0].text).to.include('The group (Full OS only) has been skipped because the condition is evaluated to be false');
  });

  it('success codes decide success (convert.exe returns 4 = already NTFS)', async () => {
    const r = await run(sequence([step('Convert', { action: 'convert.exe c: /fs:ntfs', successCodes: [0, 4] })]), new InMemoryMachine({ commands: [{ match: 'convert.exe', outcome: { exitCode: 4 } }] }));
    expect(r.outcome).to.equal('success');
    expect(r.byName('Convert').exitCode).to.equal(4);
  });

  it('an empty group succeeds', async () => {
    const r = await run(sequence([group('Empty', [])]));
    expect(r.outcome).to.equal('success');
    expect(r.byName('Empty').status).to.equal('success');
  });
});

describe('engine: run-in environment', () => {
  it('Format and Partition Disk in the full OS fails the step', async () => {
    const machine = new InMemoryMachine({ facts: { environment: 'FullOS', bootedFrom: 'disk' } });
    const r = await run(sequence([partitionUefi()]), machine);
    expect(r.outcome).to.equal('failed');
    expect(r.steps[0].reason).to.match(/running in the full operating system/);
    expect(machine.calls.some((c) => c.operation === 'partitionDisk')).to.equal(false);
  });

  it('the policy environment applies even when runIn says either (Partition Disk in the full OS)', async () => {
    const machine = new InMemoryMachine({ facts: { environment: 'FullOS', bootedFrom: 'disk' } });
    const s = partitionUefi();
    s.runIn = 'WinPEandFullOS';
    const r = await run(sequence([s]), machine);
    expect(r.steps[0].status).to.equal('failed');
    expect(r.steps[0].reason).to.match(/runs only in Windows PE/);
  });
});

describe('engine: restarts', () => {
  it('exit code 3010 succeeds, restarts and resumes at the next step', async () => {
    const m = new InMemoryMachine({ facts: { disks: formattedDisks() }, commands: [{ match: 'install.cmd', outcome: { exitCode: 3010 } }] });
    const r = await run(sequence([step('Install', { action: 'install.cmd' }), step('After')]), m);
    expect(r.outcome).to.equal('success');
    expect(r.reboots).to.equal(1);
    expect(r.byName('Install')).to.include({ status: 'success', exitCode: 3010 });
    expect(m.calls.filter((c) => c.operation === 'restart').map((c) => c.request)).to.deep.equal(['WinPE']);
    expect(m.calls.filter((c) => c.operation === 'runCommand')).to.have.length(2);
    const text = r.log.files()[0].text;
    expect(text).to.include('Resuming Task Sequence in WinPE');
    expect(text).to.include('NextInstructionPointer: 1');
  });

  it('SMSTSRetryRequested reruns the same step after the restart', async () => {
    const m = new InMemoryMachine({ facts: { disks: formattedDisks() } });
    // A script that, the first time, asks TSEnv for a restart and a retry (as a BIOS update script does).
    let runs = 0;
    const original = m.runCommand.bind(m);
    m.runCommand = async (req, signal) => {
      await original(req, signal);
      return ++runs === 1 ? { exitCode: 0, variables: { SMSTSRebootRequested: 'true', SMSTSRetryRequested: 'true' } } : { exitCode: 0 };
    };
    const r = await run(sequence([step('Update firmware'), step('After')]), m);
    expect(r.outcome).to.equal('success');
    expect(r.reboots).to.equal(1);
    expect(r.steps.map((s) => [s.name, s.status])).to.deep.equal([['Update firmware', 'success'], ['After', 'success']]);
    const executions = parseCmtrace(r.log.files()[0].text).filter((l) => l.message.startsWith('Start executing an instruction. Instruction name: Update firmware'));
    expect(executions).to.have.length(2);
    expect(runs).to.equal(3);
    expect(r.variables).to.not.have.property('SMSTSRetryRequested');
    expect(r.variables).to.not.have.property('SMSTSRebootRequested');
  });

  it('a restart with no formatted partition fails the task sequence regardless of continue on error', async () => {
    const ts = sequence([group('G', [step('Restart', { type: 'SMS_TaskSequence_RebootAction', variables: { SMSRebootTarget: 'WinPE' }, continueOnError: true }), step('Next')], { continueOnError: true }), step('Last')]);
    const r = await run(ts);
    expect(r.outcome).to.equal('failed');
    expect(r.failedStep).to.equal('Restart');
    expect(statuses(r.steps)).to.deep.equal({ G: 'failed', Restart: 'failed', Next: 'notRun', Last: 'notRun' });
    expect(r.byName('Restart').reason).to.match(/no formatted partition/);
  });

  it('bare metal UEFI: partition, apply, setup Windows (retry across the restart), then full OS steps', async () => {
    const ts = sequence([
      partitionUefi(),
      step('Apply Operating System', { type: 'SMS_TaskSequence_ApplyOperatingSystemAction', action: 'OSDApplyOS.exe /image:LAB00005,%OSDImageIndex%', runIn: 'WinPE' }),
      step('Setup Windows and ConfigMgr', { type: 'SMS_TaskSequence_SetupWindowsAndSMSAction' }),
      step('In full OS', { condition: variableEquals('_SMSTSInWinPE', 'false') }),
    ]);
    const r = await run(ts);
    expect(r.outcome, r.error).to.equal('success');
    expect(statuses(r.steps)).to.deep.equal({ 'Partition Disk 0 - UEFI': 'success', 'Apply Operating System': 'success', 'Setup Windows and ConfigMgr': 'success', 'In full OS': 'success' });
    expect(r.variables).to.include({ _SMSTSInWinPE: 'false', OSDisk: 'C:' });
    expect(r.log.files()[0].text).to.include('The action (Setup Windows and ConfigMgr) requested a retry');
  });

  it('a UEFI machine given an MBR disk without an EFI partition does not come back', async () => {
    const mbr = step('Partition MBR', {
      type: 'SMS_TaskSequence_PartitionDiskAction', runIn: 'WinPE',
      variables: { OSDPartitionStyle: 'MBR', OSDPartitions: '1', OSDPartitions0Type: 'Primary', OSDPartitions0FileSystem: 'NTFS', OSDPartitions0Bootable: 'true' },
    });
    const ts = sequence([
      mbr,
      step('Apply Operating System', { type: 'SMS_TaskSequence_ApplyOperatingSystemAction', action: 'OSDApplyOS.exe /image:LAB00005,1', runIn: 'WinPE' }),
      step('Setup Windows and ConfigMgr', { type: 'SMS_TaskSequence_SetupWindowsAndSMSAction', continueOnError: true }),
      step('Never'),
    ]);
    const r = await run(ts);
    expect(r.outcome).to.equal('failed');
    expect(r.failedStep).to.equal('Setup Windows and ConfigMgr');
    expect(r.error).to.match(/did not come back.*no EFI system partition/);
    expect(r.byName('Never').status).to.equal('notRun');
  });
});

describe('engine: variables', () => {
  it('precedence: Set Task Sequence Variable > computer > collection (by precedence) > task sequence > step default', async () => {
    const names = ['V1', 'V2', 'V3', 'V4', 'V5'];
    const ts = sequence(
      [
        step('Set V1', { type: 'SMS_TaskSequence_SetVariableAction', variables: { VariableName: 'V1', VariableValue: 'set-step' } }),
        step('Show', { action: `cmd /c echo ${names.map((n) => `%${n}%`).join(' ')}`, variables: Object.fromEntries(names.map((n) => [n, 'step-default'])) }),
      ],
      { globalVariables: names.slice(0, 4).map((name) => ({ name, value: 'task-sequence' })) },
    );
    const r = await run(ts, new InMemoryMachine(), {
      variables: {
        computer: { V1: 'computer', V2: 'computer' },
        collections: [
          { precedence: 9, variables: { V1: 'collection-9', V2: 'collection-9', V3: 'collection-9' } },
          { precedence: 1, variables: { V1: 'collection-1', V2: 'collection-1', V3: 'collection-1' } },
        ],
      },
    });
    const command = (r.machine.calls.find((c) => c.operation === 'runCommand')!.request as { commandLine: string }).commandLine;
    expect(command).to.equal('cmd /c echo set-step computer collection-9 task-sequence step-default');
  });

  it('stand-alone media: media variables replace computer and collection variables', async () => {
    const ts = sequence([step('Show', { action: 'cmd /c echo %A% %B%' })]);
    const machine = new InMemoryMachine({ facts: { bootedFrom: 'standaloneMedia' } });
    const r = await run(ts, machine, { variables: { standaloneMedia: true, media: { A: 'media' }, computer: { A: 'computer', B: 'computer' } }, deployment: { advertId: 'LAB20001' } });
    expect((machine.calls.find((c) => c.operation === 'runCommand')!.request as { commandLine: string }).commandLine).to.equal('cmd /c echo media %B%');
    expect(r.variables).to.include({ _SMSTSMediaType: 'FullMedia' });
    expect(r.variables).to.not.have.property('_SMSTSAdvertID');
  });

  it('a step cannot write a read-only variable: the step fails', async () => {
    const r = await run(sequence([step('Write _SMSTSInWinPE', { type: 'SMS_TaskSequence_SetVariableAction', variables: { VariableName: '_SMSTSInWinPE', VariableValue: 'false' } })]));
    expect(r.outcome).to.equal('failed');
    expect(r.steps[0].reason).to.match(/read-only/);
    expect(r.variables._SMSTSInWinPE).to.equal('true');
  });

  it('a value over 4000 characters fails the step; 4000 is accepted', async () => {
    const set = (name: string, n: number) => step(name, { type: 'SMS_TaskSequence_SetVariableAction', variables: { VariableName: 'Big', VariableValue: 'x'.repeat(n) }, continueOnError: true });
    const r = await run(sequence([set('At limit', 4000), set('Over limit', 4001)]));
    expect(r.byName('At limit').status).to.equal('success');
    expect(r.byName('Over limit').status).to.equal('failed');
    expect(r.byName('Over limit').reason).to.match(/4001 characters; the limit is 4000/);
    expect(r.variables.Big).to.have.length(4000);
  });

  it('names are case-insensitive and an empty value deletes', async () => {
    const set = (name: string, variable: string, value: string) => step(name, { type: 'SMS_TaskSequence_SetVariableAction', variables: { VariableName: variable, VariableValue: value } });
    const r = await run(sequence([set('a', 'OSDVAR', 'one'), set('b', 'osdvar', 'two'), step('Show', { action: 'echo %OsdVar%' }), set('c', 'OsDvAr', '')]));
    expect((r.machine.calls.find((c) => c.operation === 'runCommand')!.request as { commandLine: string }).commandLine).to.equal('echo two');
    expect(Object.keys(r.variables).filter((k) => k.toLowerCase() === 'osdvar')).to.deep.equal([]);
  });

  it('built-in variables come from the machine', async () => {
    const r = await run(sequence([step('A')]), new InMemoryMachine({ facts: { firmware: 'bios', bootedFrom: 'bootMedia' } }), { deployment: { advertId: 'LAB20001', packageId: 'LAB00010' } });
    expect(r.variables).to.include({ _SMSTSBootUEFI: 'false', _SMSTSInWinPE: 'true', _SMSTSLaunchMode: 'CD', _SMSTSMediaType: 'BootMedia', _SMSTSAdvertID: 'LAB20001', _SMSTSPackageID: 'LAB00010', _SMSTSCurrentActionName: 'A', _SMSTSLogPath: 'X:\\Windows\\Temp\\SMSTSLog' });
  });
});

describe('engine: timeouts, retries, child sequences and faults', () => {
  it('a step that runs past its timeout fails with ERROR_TIMEOUT on the machine clock', async () => {
    const machine = new InMemoryMachine({ commands: [{ match: 'slow', outcome: { exitCode: 0 }, seconds: 3600 }] });
    const start = machine.clock.now();
    const r = await run(sequence([step('Slow', { action: 'slow.exe', timeoutSeconds: 60 })]), machine);
    expect(r.steps[0]).to.include({ status: 'failed', exitCode: 1460 });
    expect(Date.parse(r.steps[0].end!) - Date.parse(r.steps[0].start!)).to.equal(60_000);
    expect(machine.clock.now() - start).to.be.lessThan(3_600_000);
  });

  it('retryCount reruns a failed action', async () => {
    let n = 0;
    const machine = new InMemoryMachine();
    const original = machine.runCommand.bind(machine);
    machine.runCommand = async (req, signal) => ((await original(req, signal)), { exitCode: ++n < 3 ? 1 : 0 });
    const r = await run(sequence([step('Flaky', { retryCount: 2 })]), machine);
    expect(r.steps[0].status).to.equal('success');
    expect(n).to.equal(3);
  });

  it('Run Task Sequence runs the child with shared variables; its steps nest under the step', async () => {
    const child = sequence([step('Set in child', { type: 'SMS_TaskSequence_SetVariableAction', variables: { VariableName: 'FromChild', VariableValue: '%FromParent%' } })], { packageId: 'LAB00002' });
    const ts = sequence(
      [
        step('Set in parent', { type: 'SMS_TaskSequence_SetVariableAction', variables: { VariableName: 'FromParent', VariableValue: 'p' } }),
        step('Run child', { type: 'SMS_TaskSequence_SubTasksequence', variables: { OSDSubTasksequencePackageID: 'LAB00002' } }),
      ],
      { packageId: 'LAB00001' },
    );
    const r = await run(ts, new InMemoryMachine(), { resolveSubTaskSequence: async (id) => (id === 'LAB00002' ? child : undefined) });
    expect(r.outcome).to.equal('success');
    expect(r.variables.FromChild).to.equal('p');
    expect(r.steps.map((s) => s.path)).to.deep.equal(['1', '2', '2/1']);
  });

  it('a child that runs itself is a cycle and the step fails', async () => {
    const ts = sequence([step('Run me', { type: 'SMS_TaskSequence_SubTasksequence', variables: { OSDSubTasksequencePackageID: 'LAB00001' } })], { packageId: 'LAB00001' });
    const r = await run(ts, new InMemoryMachine(), { resolveSubTaskSequence: async () => ts });
    expect(r.steps[0].reason).to.match(/cycle/);
  });

  it('a power cut is a fault: outcome error, the rest not run', async () => {
    const r = await run(sequence([step('A'), step('Cut'), step('B')]), new InMemoryMachine({ commands: [{ match: 'Cut', outcome: { exitCode: 0 }, powerOff: true }] }));
    expect(r.outcome).to.equal('error');
    expect(r.error).to.match(/lost power/);
  });

  it('unknown (vendor) step types run their action line', async () => {
    const machine = new InMemoryMachine();
    const r = await run(sequence([step('Vendor', { type: 'Vendor_CustomAction', action: 'vendor.exe /go' })]), machine);
    expect(r.outcome).to.equal('success');
    expect((machine.calls.find((c) => c.operation === 'runCommand')!.request as { commandLine: string }).commandLine).to.equal('vendor.exe /go');
  });

  it('injected results replace the action', async () => {
    const r = await run(sequence([step('A'), step('B')]), new InMemoryMachine(), { injectResult: (s) => (s.name === 'A' ? { exitCode: 5 } : undefined) });
    expect(r.outcome).to.equal('failed');
    expect(r.steps[0]).to.include({ status: 'failed', exitCode: 5 });
  });
});

describe('engine: smsts.log', () => {
  it('parses with the CMTrace parser and names steps in the order of the result', async () => {
    const ts = sequence([
      group('G1', [step('S1'), step('S2', { disabled: true }), step('S3', { condition: variableEquals('_SMSTSInWinPE', 'false') })]),
      group('G2', [step('S4', { continueOnError: true }), step('S5')]),
    ]);
    const r = await run(ts, new InMemoryMachine({ commands: failing('S4') }));
    const lines = parseCmtrace(r.log.files()[0].text);
    const mentioned = r.steps.filter((s) => s.status !== 'notRun').map((s) => {
      const i = lines.findIndex((l) => l.message.includes(`(${s.name})`) || l.message.includes(`Instruction name: ${s.name}.`));
      expect(i, s.name).to.be.greaterThan(-1);
      return i;
    });
    expect(mentioned).to.deep.equal([...mentioned].sort((a, b) => a - b));
    expect(lines.some((l) => l.type === 3 && l.message.startsWith('Failed to run the action: S4.'))).to.equal(true);
  });
});

describe('engine: sample task sequences (osd-behaviours §11)', () => {
  it('11.2 refresh from the full OS: restart into WinPE, keep the disk (client cache exists), apply, set up Windows', async () => {
    const machine = new InMemoryMachine({ facts: { environment: 'FullOS', bootedFrom: 'disk', disks: [installedDisk()], operatingSystem: { caption: 'Windows 10', version: '10.0.19045', architecture: 'x64' } } });
    const ts = sequence([
      group('Install Operating System', [
        step('Restart in Windows PE', { type: 'SMS_TaskSequence_RebootAction', variables: { SMSRebootTarget: 'WinPE' }, condition: variableEquals('_SMSTSInWinPE', 'false') }),
        { ...partitionUefi('Partition Disk 0'), condition: { kind: 'variable', variable: '_SMSTSClientCache', operator: 'notExists', value: '' } },
        step('Apply Operating System', { type: 'SMS_TaskSequence_ApplyOperatingSystemAction', action: 'OSDApplyOS.exe /image:LAB00005,1', runIn: 'WinPE' }),
      ]),
      group('Setup Operating System', [step('Setup Windows and ConfigMgr', { type: 'SMS_TaskSequence_SetupWindowsAndSMSAction' })]),
    ]);
    const r = await run(ts, machine);
    expect(r.outcome, r.error).to.equal('success');
    expect(statuses(r.steps)).to.include({ 'Restart in Windows PE': 'success', 'Partition Disk 0': 'skipped', 'Apply Operating System': 'success', 'Setup Windows and ConfigMgr': 'success' });
    expect(r.reboots).to.equal(2);
    expect(machine.calls.some((c) => c.operation === 'partitionDisk')).to.equal(false);
    expect(r.variables).to.include({ _SMSTSClientCache: 'C:\\Windows\\ccmcache', _SMSTSLaunchMode: 'SMS', _SMSTSInWinPE: 'false' });
  });
});

describe('engine: log details and harness abort', () => {
  it('rolls smsts.log at SMSTSLogMaxSize and never logs hidden values', async () => {
    const steps = Array.from({ length: 30 }, (_, i) => step(`Step ${i}`));
    steps.push(step('Secret', { type: 'SMS_TaskSequence_SetVariableAction', variables: { VariableName: 'OSDJoinPassword', VariableValue: 'hunter2', DoNotShowVariableValue: 'true' } }));
    const r = await run(sequence(steps), new InMemoryMachine(), { variables: { computer: { SMSTSLogMaxSize: '4000' } } });
    const files = r.log.files();
    expect(files.length).to.be.greaterThan(2);
    expect(files.map((f) => f.text).join('')).to.not.include('hunter2');
    const starts = files.flatMap((f) => parseCmtrace(f.text)).filter((l) => l.message.startsWith('Start executing an instruction.'));
    expect(starts).to.have.length(31);
  });

  it('an aborted run ends as an error, not as a cancelled task sequence', async () => {
    const controller = new AbortController();
    const machine = new InMemoryMachine({ commands: [{ match: 'long', outcome: { exitCode: 0 }, seconds: 600 }] });
    const pending = run(sequence([step('Long', { action: 'long.exe' }), step('Next')]), machine, { signal: controller.signal });
    setImmediate(() => controller.abort(new Error('scenario time limit reached')));
    const r = await pending;
    expect(r.outcome).to.equal('error');
    expect(r.error).to.equal('scenario time limit reached');
    expect(r.byName('Next').status).to.equal('notRun');
  });
});

describe('engine: restart notifications and deployment input', () => {
  it('Restart Computer waits SMSRebootTimeout seconds on the machine clock before restarting', async () => {
    const machine = new InMemoryMachine({ facts: { disks: formattedDisks() } });
    const r = await run(sequence([step('Restart', { type: 'SMS_TaskSequence_RebootAction', variables: { SMSRebootTarget: 'WinPE', SMSRebootTimeout: '15' } })]), machine);
    const restartAt = machine.calls.find((c) => c.operation === 'restart')!.at;
    expect(restartAt - Date.parse(r.steps[0].start!)).to.equal(15_000);
  });

  it('a computer variable with a name ConfigMgr refuses is an input error naming it', async () => {
    let error: unknown;
    try {
      await run(sequence([step('A')]), new InMemoryMachine(), { variables: { computer: { '1Bad': 'x' } } });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(InputError);
    expect((error as Error).message).to.match(/variables\.computer\.1Bad: variable name "1Bad" is not allowed/);
  });
});

