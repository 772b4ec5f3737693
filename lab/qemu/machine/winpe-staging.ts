// Restart Computer → Windows PE from a full OS that has no boot media: as ConfigMgr does, the boot
// image package is downloaded onto the Windows volume (_SMSTaskSequence\WinPE) and the boot manager
// is pointed at it. Here the package carries its own loader in the full-OS payload's layout
// (Windows\Boot\EFI, Windows\Boot\PCAT; lab/qemu/backend/staged-boot-image.ts), installed with the
// same plan Setup Windows uses (boot-loader.ts), so the restart really goes through the firmware.
import type { Firmware } from '../../../harness/index.js';
import { bootLoaderPlan } from './boot-loader.js';
import type { ContentSource } from './content-source.js';
import type { GuestPartition, GuestVolumes } from './guest-disks.js';
import { shellQuote, type GuestShell } from './guest-shell.js';

/** The staged boot image's folder on the Windows volume. */
export const STAGED_WINPE_FOLDER = '_SMSTaskSequence/WinPE';

export interface WinPeStaging {
  shell: GuestShell;
  content: ContentSource;
  firmware: Firmware;
  volumes: GuestVolumes;
  /** The Windows volume and where it is mounted. */
  windows: { partition: GuestPartition; mount: string };
  /** PackageID of the task sequence's boot image. */
  bootImagePackageId: string;
}

export type StagingOutcome = { ok: true; output: string[] } | { ok: false; output: string[] };

export async function stageWinPe(s: WinPeStaging, signal?: AbortSignal): Promise<StagingOutcome> {
  const dir = `${s.windows.mount}/${STAGED_WINPE_FOLDER}`;
  if (!(await s.content.locate(s.bootImagePackageId, s.shell, signal))) {
    return { ok: false, output: [`the boot image ${s.bootImagePackageId} is on no content source: Windows PE cannot be staged`] };
  }
  await s.shell.must(`rm -rf ${shellQuote(dir)} && mkdir -p ${shellQuote(dir)}`, 60, signal);
  const fetched = await s.content.fetch(s.bootImagePackageId, dir, s.shell, signal);
  if (!fetched.ok) return { ok: false, output: [`downloading the boot image ${s.bootImagePackageId} failed`, ...fetched.output] };
  const plan = bootLoaderPlan(s.firmware, s.volumes, s.windows.partition, dir);
  if (!plan.script) return { ok: false, output: [`the boot image was staged in ${dir} but no loader can start it: ${plan.note}`] };
  const r = await s.shell.run(plan.script, 120, signal);
  if (r.exitCode !== 0) return { ok: false, output: ['installing the loader of the staged boot image failed', ...r.output] };
  return { ok: true, output: [`boot image ${s.bootImagePackageId} staged in ${dir}; ${plan.note}`] };
}
