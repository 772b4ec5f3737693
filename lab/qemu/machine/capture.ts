// Capture Operating System Image on the QEMU lab (osd-behaviours §2.7): the Windows volume of the
// reference machine becomes a real WIM at the capture destination on the site's share. WinPE
// releases the volume, the lab pauses the machine (QMP "stop" drains and flushes QEMU's block layer)
// and reads the partition's bytes from the disk image, and libwim captures that NTFS volume through
// NTFS-3G, the code path `wimlib-imagex capture /dev/sdXN` takes. docs/qemu-machine.md says why the
// bytes leave the guest this way.
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { execa } from 'execa';
import type { ActionOutcome, CaptureImageRequest, DiskFacts } from '../../../harness/index.js';
import { WimFile, WimlibError } from '../../../images/index.js';
import { EXIT } from '../../twin/index.js';
import type { QemuMachine } from '../machine-process.js';
import type { GuestPartition, GuestVolumes } from './guest-disks.js';

/** The site's capture share as the lab provides it, and the machine's disks to read volumes from. */
export interface CaptureSite {
  /** Host folder standing for the site's shares: \\SERVER\share\dir\x.wim is <shareRoot>/server/share/dir/x.wim. */
  shareRoot: string;
  /** The machine's disk images in controller order (OSDDiskIndex). */
  diskImages: { path: string; format: 'qcow2' | 'raw' }[];
  /** Told of every WIM the machine captured (the lab makes it the content of an OS image package). */
  onCaptured?: (wimPath: string, destination: string) => void;
}

const fail = (exitCode: number, ...output: string[]): ActionOutcome => ({ exitCode, output });

/** MBR type of a dynamic disk's LDM partition; GPT LDM metadata and data partitions. */
const DYNAMIC_TYPES = new Set(['42', 'AF9B60A0-1431-4F62-BC68-3311714A69AD', '5808C8AA-7E8F-42E0-85D2-E1E90434CFB3']);
/**
 * wimlib's capture configuration: what Windows' own capture leaves out, and the task sequence's
 * cache and logs on the volume (the twin's capture leaves out the same folders).
 */
const CAPTURE_CONFIG = ['[ExclusionList]', '\\$ntfs.log', '\\hiberfil.sys', '\\pagefile.sys', '\\swapfile.sys', '\\System Volume Information', '\\RECYCLER', '\\$RECYCLE.BIN', '\\Windows\\CSC', '\\_SMSTaskSequence', '\\SMSTSLog', ''].join('\r\n');
/** The image name when OSDImageName is not set: the drive of the installed operating system. */
const DEFAULT_IMAGE_NAME = 'C:';

/**
 * Where a capture destination (`\\server\share\path\name.wim`, as the step's wizard requires it)
 * lands under the share root; a message when it is not such a path or leaves the share.
 */
export function captureTarget(destination: string, shareRoot: string): { path: string } | { message: string } {
  const m = /^\\\\([^\\/]+)\\([^\\/]+)\\(.+\.wim)$/i.exec(destination.trim());
  if (!m) return { message: `the capture destination "${destination}" is not a network path to a .wim file (\\\\server\\share\\folder\\image.wim)` };
  const root = resolve(shareRoot);
  const parts = m[3]!.split('\\');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return { message: `the capture destination "${destination}" names an invalid folder` };
  const path = resolve(root, m[1]!.toLowerCase(), m[2]!.toLowerCase(), ...parts);
  return path.startsWith(root + sep) ? { path } : { message: `the capture destination "${destination}" leaves the share` };
}

/** Why the volume cannot be captured (only simple volumes can; a dynamic disk's are not read here), or undefined. */
export function captureRefusal(disk: DiskFacts, partition: GuestPartition): string | undefined {
  if (partition.fileSystem !== 'ntfs') return `the Windows volume ${partition.driveLetter ?? partition.device} is not NTFS`;
  const dynamic = disk.dynamic || disk.partitions.some((p) => DYNAMIC_TYPES.has(p.typeId.toUpperCase()));
  if (dynamic) return `disk ${disk.index} is a dynamic disk: only simple volumes on basic disks can be captured on the QEMU lab (spanned, striped, mirrored and RAID-5 volumes cannot be captured at all)`;
  if (partition.type !== 'primary' && partition.type !== 'logical') return `partition ${partition.number} (${partition.type}) holds no Windows installation`;
  return undefined;
}

interface CaptureVolumeOptions {
  qemu: QemuMachine;
  disk: CaptureSite['diskImages'][number];
  partition: GuestPartition;
  /** Host path of the WIM (captureTarget). */
  wimPath: string;
  request: CaptureImageRequest;
  signal?: AbortSignal;
}

/**
 * Reads the volume's bytes with the machine paused (the guest has unmounted and synced it) and
 * writes a one-image WIM with the step's name, description, version and creator. Resolves to the
 * WIM's size; rejects on a lab fault (QMP, qemu-img, libwim).
 */
async function captureVolume(options: CaptureVolumeOptions): Promise<{ bytes: number; fileCount: number }> {
  const { qemu, disk, partition, wimPath, request, signal } = options;
  await mkdir(dirname(wimPath), { recursive: true });
  const volume = `${wimPath}.volume.partial`;
  const partial = `${wimPath}.partial`;
  const config = `${wimPath}.config.partial`;
  try {
    const qmp = await qemu.qmp(signal);
    try {
      await qmp.execute('stop');
      const name = disk.path.replaceAll(',', ',,');
      const file = disk.format === 'raw' ? `file.driver=file,file.filename=${name}` : `file.driver=${disk.format},file.file.driver=file,file.file.filename=${name}`;
      // -U: QEMU holds the image's lock while the machine is paused; a raw window reads only this partition.
      await execa('qemu-img', ['convert', '-U', '-O', 'raw', '--image-opts', `driver=raw,offset=${partition.offsetBytes},size=${partition.sizeBytes},${file}`, volume], { cancelSignal: signal });
    } finally {
      await qmp.execute('cont').finally(() => qmp.close());
    }
    await writeFile(config, CAPTURE_CONFIG);
    const wim = WimFile.create('xpress');
    try {
      const index = await wim.addImage(volume, request.name ?? DEFAULT_IMAGE_NAME, { ntfsVolume: true, configFile: config, signal, ...(request.description !== undefined ? { description: request.description } : {}) });
      if (request.version !== undefined) wim.setImageProperty(index, 'VERSION', request.version);
      if (request.creator !== undefined) wim.setImageProperty(index, 'CREATOR', request.creator);
      await wim.write(partial, { signal });
      const fileCount = wim.images()[0]?.fileCount ?? 0;
      await rename(partial, wimPath);
      return { bytes: (await stat(wimPath)).size, fileCount };
    } finally {
      wim.close();
    }
  } finally {
    await rm(volume, { force: true });
    await rm(partial, { force: true });
    await rm(config, { force: true });
  }
}

/** What Capture Operating System Image needs of the machine. */
export interface CaptureHost {
  qemu: QemuMachine;
  /** Absent: the lab gave this machine no capture share, so no destination is reachable. */
  site?: CaptureSite;
  volumes: GuestVolumes;
  /** Device of the Windows volume (applied or found), if any. */
  windowsDevice?: string;
  /** Unmounts and syncs every volume in the guest: WinPE lets go of the volume before it is read. */
  release: () => Promise<void>;
}

/** Capture Operating System Image: checks as osdcapturesystemimage does, then the capture. */
export async function captureImage(host: CaptureHost, request: CaptureImageRequest, signal?: AbortSignal): Promise<ActionOutcome> {
  const partition = host.volumes.partitions.find((p) => p.device === host.windowsDevice);
  if (!partition) return fail(EXIT.pathNotFound, 'no Windows installation to capture');
  if (!host.site) return fail(EXIT.pathNotFound, `capture destination ${request.destination} is not reachable: this lab has no capture share`);
  const target = captureTarget(request.destination, host.site.shareRoot);
  if ('message' in target) return fail(EXIT.invalidParameter, target.message);
  const disk = host.volumes.disks[partition.diskIndex];
  const image = host.site.diskImages[partition.diskIndex];
  if (!disk || !image) return fail(EXIT.pathNotFound, `disk ${partition.diskIndex} of the Windows volume is not readable by the lab`);
  const refusal = captureRefusal(disk, partition);
  if (refusal) return fail(EXIT.notSupported, refusal);
  await host.release();
  try {
    const result = await captureVolume({ qemu: host.qemu, disk: image, partition, wimPath: target.path, request, ...(signal ? { signal } : {}) });
    host.site.onCaptured?.(target.path, request.destination);
    return capturedOutcome(request, partition, result);
  } catch (err) {
    // libwim's refusal (an inconsistent NTFS volume, say) fails the step; anything else is a lab fault.
    if (err instanceof WimlibError) return fail(EXIT.generalFailure, `capturing ${partition.device} failed`, err.message);
    throw err;
  }
}

/** The step's answer for a capture the machine carried out. */
function capturedOutcome(request: CaptureImageRequest, partition: GuestPartition, result: { bytes: number; fileCount: number }): ActionOutcome {
  const what = [request.name ?? DEFAULT_IMAGE_NAME, request.description, request.version].filter((x) => x !== undefined).map((x) => `"${x}"`).join(', ');
  return { exitCode: EXIT.success, output: [`captured ${partition.device} (${partition.driveLetter ?? 'no letter'}) as ${what}: ${result.fileCount} files, ${result.bytes} bytes to ${request.destination}`] };
}

