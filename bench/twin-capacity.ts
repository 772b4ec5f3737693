// End-to-end capacity benchmark of the twin: a generated scenario of 1,000 branch boundaries, each
// with a WAN link to HQ and a local PXE distribution point, 100 clients per branch (10^5 clients),
// run by the capacity planner exactly as `osdlab plan` runs it. Baseline in the same run: the same
// scenario with 10 branches (1,000 clients); the report is the per-client cost ratio.
// Run: npx tsx bench/twin-capacity.ts [branches] [clients per branch] [local|hq]   (default 1000 100 local)
// "local": the driver package is on every branch DP too (the ConfigMgr norm); "hq": only on the HQ DP,
// so every client's driver download crosses its WAN link and the HQ DP's link, which couples all
// those flows into one max-min component (docs/twin.md, "Limitation").
// Goals (perf-targets §8 G3): ≤ 60 s wall and ≤ 4 GB peak RSS for 10^5 clients.

import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseScenario } from '../scenarios/index.js';
import { runCapacityPlan, type CapacityRun } from '../lab/index.js';

/** Branch k gets 198.18.0.0/15 space: 10.k/… would leave the lab range, so subnets are /26s of 198.18/15. */
function subnet(k: number): string {
  const base = (k + 1) * 64;
  return `198.${18 + (base >> 16)}.${(base >> 8) & 255}.${base & 255}/26`;
}

/** The scenario text: HQ with the central DP (drivers live only there), and per branch a link, a PXE DP and a client group. */
export function capacityScenario(branches: number, clientsPerBranch: number, drivers: 'local' | 'hq' = 'local'): string {
  const lines: string[] = [
    `name: capacity-${branches}x${clientsPerBranch}`,
    'site:',
    '  boundaries:',
    '    - { name: HQ, subnet: 198.18.0.0/26 }',
    ...Array.from({ length: branches }, (_, k) => `    - { name: B${k}, subnet: ${subnet(k)} }`),
    '  links:',
    ...Array.from({ length: branches }, (_, k) => `    - { between: [HQ, B${k}], bandwidth: ${k % 2 === 0 ? '100Mbit' : '50Mbit'}, latency: 20ms, loss: 0.01% }`),
    '  managementPoint: { name: MP01, boundary: HQ }',
    '  distributionPoints:',
    '    - { name: DPHQ, boundary: HQ, bandwidth: 10Gbit }',
    ...Array.from({ length: branches }, (_, k) => `    - { name: DP${k}, boundary: B${k}, bandwidth: 1Gbit, pxe: { unknownComputerSupport: true, tftpBlockSize: 8192, tftpWindowSize: 8 } }`),
    'content:',
    '  bootImages: [{ id: LAB00002, name: Boot image (x64), arch: x64, size: 480MB }]',
    '  osImages: [{ id: LAB00003, name: Windows 11, size: 4.6GB }]',
    `  driverPackages: [{ id: LAB00004, name: Drivers, size: 120MB, distributionPoints: [${drivers === 'hq' ? 'DPHQ' : ['DPHQ', ...Array.from({ length: branches }, (_, k) => `DP${k}`)].join(', ')}] }]`,
    'collections:',
    '  - { name: Bare metal, unknownComputers: true }',
    'deployments:',
    '  - name: Bare metal Windows 11',
    '    collection: Bare metal',
    '    purpose: required',
    '    availableTo: mediaAndPxe',
    '    bootImage: LAB00002',
    '    fallbackToRemoteDp: true',
    '    taskSequence:',
    '      steps:',
    '        - { name: Partition, type: FormatAndPartitionDisk, with: { OSDDiskIndex: 0, OSDPartitionStyle: GPT }, partitions: [{ type: EFI, size: 500MB, fileSystem: FAT32 }, { type: MSR, size: 128MB }, { type: Primary, size: 100%, fileSystem: NTFS, letterVariable: OSDisk }] }',
    '        - { name: Apply OS, type: ApplyOperatingSystemImage, with: { ImagePackageID: LAB00003, OSDImageIndex: 1, DestinationVariable: OSDisk } }',
    '        - { name: Drivers, type: ApplyDriverPackage, with: { OSDApplyDriverDriverPackageID: LAB00004 } }',
    '        - { name: Setup, type: SetupWindowsAndConfigMgr }',
    'clients:',
    ...Array.from({ length: branches }, (_, k) => `  - { name: C${k}, count: ${clientsPerBranch}, boundary: B${k}, template: { bootOrder: [disk, pxe], disks: [{ size: 128GB }] }, arrival: { pattern: staggered, over: 30m } }`),
  ];
  return `${lines.join('\n')}\n`;
}

interface Measured {
  clients: number;
  wallMs: number;
  /** CPU time of this process (user + system): less sensitive than wall time to other work on a shared machine. */
  cpuMs: number;
  peakRssMB: number;
  run: CapacityRun;
}

async function measure(branches: number, perBranch: number, drivers: 'local' | 'hq'): Promise<Measured> {
  const scenario = await parseScenario(`/bench/capacity-${branches}.yaml`, capacityScenario(branches, perBranch, drivers));
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const run = await runCapacityPlan(scenario, { sampleIntervalMs: 600_000 });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  // maxRSS is the process's peak so far, in KiB.
  return { clients: run.machines, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMB: process.resourceUsage().maxRSS / 1024, run };
}

function line(label: string, m: Measured): string {
  const ok = m.run.outcomes.success ?? 0;
  return `${label.padEnd(10)} ${String(m.clients).padStart(7)} clients (${ok} succeeded)  wall ${(m.wallMs / 1000).toFixed(1)} s (cpu ${(m.cpuMs / 1000).toFixed(1)} s)  peak RSS ${m.peakRssMB.toFixed(0)} MB  ` +
    `${m.run.events} events, ${Math.round(m.run.events / (m.wallMs / 1000)).toLocaleString('en')} events/s  ${(m.wallMs / m.clients).toFixed(3)} ms/client  makespan ${(m.run.completion.max / 3600).toFixed(2)} h (virtual)`;
}

async function main(): Promise<void> {
  const branches = Number(process.argv[2] ?? 1000);
  const perBranch = Number(process.argv[3] ?? 100);
  const drivers = process.argv[4] === 'hq' ? 'hq' : 'local';
  process.stdout.write(`driver package on ${drivers === 'hq' ? 'the HQ distribution point only' : 'every distribution point'}\n`);
  const baseline = await measure(Math.max(1, Math.round(branches / 100)), perBranch, drivers);
  process.stdout.write(`${line('baseline', baseline)}\n`);
  const full = await measure(branches, perBranch, drivers);
  process.stdout.write(`${line('full', full)}\n`);
  const ratio = full.wallMs / full.clients / (baseline.wallMs / baseline.clients);
  process.stdout.write(
    `per-client cost, full vs baseline: ${ratio.toFixed(2)}× (1.0 = linear scaling)\n` +
      `goals: wall ≤ 60 s → ${full.wallMs <= 60_000 ? 'met' : 'NOT met'}; peak RSS ≤ 4096 MB → ${full.peakRssMB <= 4096 ? 'met' : 'NOT met'}\n`,
  );
}

// Runs when invoked as a script, not when a test or a probe imports the scenario generator.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
