// Report input for the HTML tests: machines run by the engine on in-memory machines (every step status,
// nested groups, restarts, a failed sequence), a lab error, a client group, and a hand-made capacity plan.
import { importTaskSequenceYaml, InMemoryMachine, installedDisk, runTaskSequence, scoreMachine } from '../../harness/index.js';
import type { MachineResult, Observation, RunResult, TaskSequence } from '../../harness/index.js';
import type { Expectation } from '../../scenarios/index.js';
import type { CapacityReport, HtmlReportInput, MachineReportData } from '../index.js';

const deploySteps = [
  {
    group: 'Install Operating System',
    steps: [
      { name: 'Restart in Windows PE', type: 'RestartComputer', condition: { variable: '_SMSTSInWinPE', equals: 'false' }, with: { SMSRebootTarget: 'WinPE' } },
      {
        name: 'Partition Disk 0 - UEFI', type: 'FormatAndPartitionDisk', with: { OSDDiskIndex: 0, OSDPartitionStyle: 'GPT' },
        partitions: [
          { type: 'EFI', size: '500MB', fileSystem: 'FAT32', label: 'System' },
          { type: 'MSR', size: '128MB' },
          { type: 'Primary', size: '100%', fileSystem: 'NTFS', label: 'Windows', letterVariable: 'OSDisk' },
        ],
      },
      { name: 'Partition Disk 0 - BIOS', type: 'FormatAndPartitionDisk', condition: { firmware: 'bios' }, with: { OSDDiskIndex: 0, OSDPartitionStyle: 'MBR' }, partitions: [{ type: 'Primary', size: '100%', fileSystem: 'NTFS' }] },
      { name: 'Apply Operating System Image', type: 'ApplyOperatingSystemImage', with: { ImagePackageID: 'LAB00003', OSDImageIndex: 3, DestinationVariable: 'OSDisk' } },
      { name: 'Apply Windows Settings', type: 'ApplyWindowsSettings', with: { OSDComputerName: 'PC01', OSDTimeZone: 'UTC' } },
      {
        group: 'Drivers',
        continueOnError: true,
        steps: [
          { name: 'Apply Device Drivers', type: 'AutoApplyDrivers', with: { OSDAutoApplyDriverBestMatch: 'true' } },
          { name: 'Legacy driver fix', type: 'RunCommandLine', disabled: true, command: 'cmd /c legacy.exe' },
          { name: 'Vendor tool <update> & "flash"', type: 'RunCommandLine', command: 'cmd /c vendor-flash.exe' },
          { name: 'Vendor BIOS settings', type: 'RunCommandLine', command: 'cmd /c vendor-settings.exe' },
        ],
      },
    ],
  },
  {
    group: 'Setup Operating System',
    steps: [
      { name: 'Setup Windows and ConfigMgr', type: 'SetupWindowsAndConfigMgr', with: { _SMSClientPackageID: 'LAB00005', SMSClientInstallProperties: 'SMSSITECODE=LAB' } },
      { name: 'Install line-of-business apps', type: 'RunCommandLine', runIn: 'FullOS', command: 'cmd /c install-lob.cmd' },
      { name: 'Write deployment stamp', type: 'RunCommandLine', runIn: 'FullOS', command: 'cmd /c echo deployed' },
    ],
  },
];

const sequence = (): TaskSequence => importTaskSequenceYaml({ name: 'Deploy Windows 11', packageId: 'LAB00010', steps: deploySteps });

const GB = 2 ** 30;
const MB = 2 ** 20;
const PACKAGE_BYTES: Record<string, number> = { LAB00003: 4.6 * GB, LAB00004: 120 * MB, LAB00005: 95 * MB };

/** Runs the deployment on an in-memory machine and records what the runner would hand the report. */
async function deploy(name: string, failLob: boolean): Promise<{ result: MachineResult; data: MachineReportData }> {
  const machine = new InMemoryMachine({
    facts: { name, environment: 'FullOS', bootedFrom: 'disk', disks: [installedDisk(64 * GB)] },
    commands: [
      { match: 'vendor-flash.exe', outcome: { exitCode: 5 }, seconds: 40 },
      { match: 'install-lob.cmd', outcome: { exitCode: failLob ? 1603 : 0 }, seconds: 300 },
    ],
  });
  const run = await runTaskSequence({ sequence: sequence(), machine });
  const facts = await machine.facts();
  const iso = (ms: number) => new Date(ms).toISOString();
  const calls = machine.calls;
  const downloads = calls.flatMap((c, i) => {
    if (c.operation !== 'downloadContent') return [];
    const packageId = (c.request as { packageId: string }).packageId;
    const end = calls[i + 1]?.at ?? c.at + 1000;
    return [{ packageId, name: packageId === 'LAB00003' ? 'Windows 11 Enterprise 23H2' : undefined, source: 'DP01', bytes: PACKAGE_BYTES[packageId] ?? 50 * MB, start: iso(c.at), end: iso(Math.max(end, c.at + 1000)) }];
  });
  let used = 0;
  const cache = [{ at: run.steps[0]!.start!, usedBytes: 0 }, ...downloads.map((d) => ({ at: d.end, usedBytes: (used += d.bytes) }))];
  const reboots = calls.filter((c) => c.operation === 'restart').map((c) => ({ at: iso(c.at), target: c.request as 'WinPE' | 'FullOS' }));
  const observation: Observation = {
    outcome: run.outcome, failedStep: run.failedStep, steps: run.steps, variables: run.variables, disks: facts.disks, files: {},
    userStateRestored: false, bootsToFullOs: facts.environment === 'FullOS', durationMs: machine.clock.now() - Date.parse(run.steps[0]!.start!),
  };
  const expect: Expectation = { outcome: 'success', steps: { 'Partition Disk 0 - UEFI': 'success', 'Install line-of-business apps': 'success' }, bootsToFullOs: true };
  const expectations = scoreMachine(expect, observation);
  const result: MachineResult = {
    name, axes: { firmware: 'uefi', arch: 'x64' }, outcome: run.outcome, failedStep: run.failedStep, error: run.error,
    steps: run.steps, variables: run.variables, expectations, pass: expectations.every((e) => e.pass),
  };
  return { result, data: { disks: facts.disks, downloads, cache, cacheLimitBytes: 8 * GB, reboots } };
}

export interface ReportFixture {
  input: HtmlReportInput;
  /** Step bars each machine's timeline must show (steps with times), in machine order. */
  stepBars: number[];
  reboots: number[];
}

export async function runReportFixture(): Promise<ReportFixture> {
  const good = await deploy('PC-UEFI-01 <ok>', false);
  const bad = await deploy('PC-UEFI-02 & "lob"', true);
  const labError: MachineResult = {
    name: 'PC-BIOS-03', axes: { firmware: 'bios', arch: 'x86' }, outcome: 'error', error: 'qemu exited with status 1 before the machine reported in',
    steps: [], variables: {}, expectations: [{ what: 'outcome', pass: false, expected: 'success', actual: 'error' }], pass: false,
  };
  const group: MachineResult = {
    ...good.result, name: 'Branch clients', clients: { count: 500, outcomes: { success: 497, failed: 3 }, makespanMs: 5_400_000, last: 'Branch clients-0413' }, axes: undefined,
  };
  const machines = [good.result, bad.result, labError, group];
  const result: RunResult = {
    pass: machines.every((m) => m.pass), scenario: 'scenarios/report-<fixture>.yaml', backend: 'twin',
    startedAt: '2026-01-05T09:00:00.000Z', finishedAt: '2026-01-05T10:30:00.000Z', machines,
  };
  const bars = (m: MachineResult) => m.steps.filter((s) => s.kind === 'step' && s.start).length;
  return {
    input: { result, machines: { [good.result.name]: good.data, [bad.result.name]: bad.data } },
    stepBars: machines.map(bars),
    reboots: [good.data.reboots!.length, bad.data.reboots!.length, 0, 0],
  };
}

/** A deterministic pseudo-random generator, so the capacity fixture is the same on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Hand-made capacity plan: 500 branch clients, unicast vs multicast over 100 Mbit/s, and a sweep of client counts. */
export function capacityFixture(): CapacityReport {
  const rnd = random(42);
  const unicast = Array.from({ length: 500 }, (_, i) => 1800 + i * 9 + rnd() * 600);
  const multicast = Array.from({ length: 500 }, () => 2400 + rnd() * 900);
  const series = (name: string, level: (t: number) => number) => ({
    name, capacityBitsPerSecond: 100e6, points: Array.from({ length: 3000 }, (_, i) => ({ t: i * 2, utilisation: Math.max(0, Math.min(1, level(i * 2) + (rnd() - 0.5) * 0.05)) })),
  });
  const sweepRows = [50, 100, 250, 500, 1000].flatMap((clients) => [
    { parameters: { clients, transport: 'unicast' }, p50: clients * 6, p90: clients * 9, p99: clients * 10, max: clients * 11 },
    { parameters: { clients, transport: 'multicast' }, p50: 2000 + clients * 0.5, p90: 2200 + clients * 0.6, p99: 2300 + clients * 0.7, max: 2400 + clients * 0.8 },
  ]);
  return {
    title: 'Capacity plan: branch office, 100 Mbit/s WAN',
    completion: [{ name: 'branch-500 (unicast)', completionSeconds: unicast }, { name: 'branch-500 (multicast)', completionSeconds: multicast }],
    links: [series('WAN HQ–Branch', (t) => (t < 5000 ? 0.95 : 0.3)), series('Branch LAN', (t) => 0.4 + 0.2 * Math.sin(t / 500))],
    distributionPoints: [series('DP01', (t) => (t < 5400 ? 0.8 : 0.1)), series('DP-BRANCH', () => 0.5)],
    sweep: { parameters: ['clients', 'transport'], rows: sweepRows, metrics: ['p50', 'max'] },
  };
}
