// Auto Apply Drivers and Apply Driver Package on a real QEMU machine. The devices are the guest's
// own (PCI IDs the agent reads from sysfs), the decision is drivers/' planDriverStep (the twin
// makes the same one), the chosen driver packages are downloaded into the task-sequence cache and
// each staged driver is put into the applied Windows as DISM /Add-Driver leaves it: its files in
// Windows\System32\DriverStore\FileRepository\<inf>_<arch>_<hash>, its INF as Windows\INF\oem<N>.inf.
// Windows\INF\setupapi.offline.log gets which INF Windows Setup installs for each device.
import type { ActionOutcome, ApplyDriversRequest, ContentOutcome, MachineFacts } from '../../../harness/index.js';
import { planDriverStep, type DriverCatalog, type DriverStaging } from '../../../drivers/index.js';
import { EXIT } from '../../twin/index.js';
import type { ContentSource } from './content-source.js';
import { guestPath, shellQuote, type GuestShell } from './guest-shell.js';

export interface GuestDriverStep {
  shell: GuestShell;
  /** The running environment's facts: its PCI devices (from sysfs), architecture and how it booted. */
  facts: MachineFacts;
  catalog: DriverCatalog;
  content: ContentSource;
  /** The applied Windows volume, mounted in the guest; undefined when no OS image was applied. */
  windows?: { mount: string; letter: string };
  /** Downloads a package into the task-sequence cache (the machine's downloadContent). */
  download: (packageId: string, signal?: AbortSignal) => Promise<ContentOutcome>;
}

const fail = (exitCode: number, output: string[]): ActionOutcome => ({ exitCode, output });

/** Shell lines that stage one driver from the downloaded package folder `from` into the Windows at `windows`. */
function stageScript(s: DriverStaging, from: string, windows: string): string {
  const src = s.folder ? `${from}/${s.folder}` : from;
  const store = `${windows}/Windows/System32/DriverStore/FileRepository/${s.storeFolder}`;
  const lines = ['set -e', `mkdir -p ${shellQuote(store)} ${shellQuote(`${windows}/Windows/INF`)}`, `cp -R ${shellQuote(src)}/. ${shellQuote(store)}/`];
  if (s.inf) {
    lines.push(
      `n=0; while [ -e ${shellQuote(`${windows}/Windows/INF`)}/oem$n.inf ]; do n=$((n + 1)); done`,
      `cp ${shellQuote(`${src}/${s.inf}`)} ${shellQuote(`${windows}/Windows/INF`)}/oem$n.inf`,
      'echo "oem$n.inf"',
    );
  }
  return lines.join('\n');
}

export async function applyDriversInGuest(request: ApplyDriversRequest, step: GuestDriverStep, signal?: AbortSignal): Promise<ActionOutcome> {
  const { facts, shell } = step;
  if (request.mode === 'auto' && facts.bootedFrom === 'standaloneMedia') {
    return fail(EXIT.generalFailure, ['Auto Apply Drivers needs the management point and is not supported on stand-alone media']);
  }
  if (!step.windows) return fail(EXIT.pathNotFound, ['no Windows installation to stage drivers into: apply an operating system image first']);
  const available = new Set<string>();
  for (const p of step.catalog.packages) if (await step.content.locate(p.packageId, shell, signal)) available.add(p.packageId);
  const plan = planDriverStep(request, facts.pciDevices, step.catalog, { architecture: facts.architecture, available: (id) => available.has(id) });
  if (plan.failure) return fail(EXIT.contentNotFound, plan.log);

  const output = [...plan.log];
  const windows = step.windows.mount;
  for (const { packageId, drivers } of plan.downloads) {
    const got = await step.download(packageId, signal);
    if (got.exitCode !== EXIT.success || !got.location) return fail(got.exitCode, [...output, `failed to download driver package ${packageId}`, ...(got.output ?? [])]);
    for (const s of drivers) {
      const r = await shell.run(stageScript(s, guestPath(got.location), windows), 120, signal);
      if (r.exitCode !== 0) return fail(EXIT.generalFailure, [...output, `failed to stage ${s.inf ?? packageId} from ${got.location}`, ...r.output.slice(-5)]);
      const oem = r.output.at(-1);
      output.push(`Staged ${s.inf ?? `the drivers of ${packageId}`} into ${step.windows.letter}\\Windows\\System32\\DriverStore\\FileRepository\\${s.storeFolder}${s.inf ? ` as ${step.windows.letter}\\Windows\\INF\\${oem}` : ''}`);
    }
  }
  const log = [`[${request.mode === 'auto' ? 'Auto Apply Drivers' : `Apply Driver Package ${request.packageId}`}]`, ...plan.record, ''].join('\n');
  const record = await shell.run(`mkdir -p ${shellQuote(`${windows}/Windows/INF`)} && echo ${Buffer.from(`${log}\n`).toString('base64')} | base64 -d >> ${shellQuote(`${windows}/Windows/INF/setupapi.offline.log`)} && sync`, 60, signal);
  if (record.exitCode !== 0) return fail(EXIT.generalFailure, [...output, 'failed to write Windows\\INF\\setupapi.offline.log', ...record.output]);
  output.push(`Windows Setup's choice per device recorded in ${step.windows.letter}\\Windows\\INF\\setupapi.offline.log`, ...plan.record);
  return { exitCode: EXIT.success, output };
}
