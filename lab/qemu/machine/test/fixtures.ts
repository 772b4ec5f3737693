// Shared by the machine's real-QEMU tests: the boot image, the OS image with the full-OS payload,
// the content medium, WinPE boot media (a stand-in for lab/qemu/media until it lands), and a
// machine booted into WinPE from that media with the content medium attached.
import { mkdir, stat, writeFile, copyFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { qemuUnavailable } from '../../test/helpers.js';
import { buildBootImage, buildFullOsPayload, buildOsImage, type BootImage, type BuiltOsImage } from '../../../../images/index.js';
import { AGENT_SCRIPT, type AgentChannel } from '../../agent-channel.js';
import type { CleanupRegistry } from '../../cleanup.js';
import { timeoutScale, type DiskController } from '../../machine-command.js';
import { launchMachine, type QemuMachine } from '../../machine-process.js';
import { MediaContentSource, writeContentMedia } from '../content-source.js';
import { QemuTaskSequenceMachine } from '../machine.js';
import type { Firmware } from '../../../../harness/index.js';

export const OS_PACKAGE = 'LAB00003';
/** The ConfigMgr client package stand-in on the content medium: 16 MB of one file. */
export const CLIENT_PACKAGE = 'LAB00005';
const CACHE = resolve('.cache/qemu-machine-tests');

export interface LabImages {
  bootImage: BootImage;
  osImage: BuiltOsImage;
  winpeIso: string;
  contentIso: string;
}

/** WinPE boot media: a GRUB rescue ISO (BIOS + UEFI) starting the boot image at once. */
async function winpeMedia(image: BootImage): Promise<string> {
  const iso = join(CACHE, `winpe-${image.hash}.iso`);
  if (await stat(iso).catch(() => undefined)) return iso;
  const root = join(CACHE, `winpe-${image.hash}`);
  await mkdir(join(root, 'boot/grub'), { recursive: true });
  await copyFile(image.kernel, join(root, 'boot/vmlinuz'));
  await copyFile(image.initrd, join(root, 'boot/initrd.img'));
  await writeFile(join(root, 'boot/grub/grub.cfg'), `set timeout=0\nmenuentry WinPE {\n  linux /boot/vmlinuz ${image.append}\n  initrd /boot/initrd.img\n}\n`);
  await execa('grub-mkrescue', ['-o', `${iso}.partial`, root]);
  await execa('mv', [`${iso}.partial`, iso]);
  return iso;
}

/**
 * Registers the suite's hook: skip (saying why) when QEMU cannot run here, else build the lab images
 * once. Returns them once the suite runs.
 */
export function labImagesForSuite(): () => LabImages {
  let images: LabImages | undefined;
  before(async function () {
    const why = await qemuUnavailable();
    if (why) {
      console.log(`    (skipped: ${why})`);
      return this.skip();
    }
    images = await labImages();
  });
  return () => images!;
}

export async function labImages(): Promise<LabImages> {
  await mkdir(CACHE, { recursive: true });
  const bootImage = await buildBootImage({ architecture: 'x64', drivers: ['ahci', 'nvme', 'virtio-blk'], agentScript: AGENT_SCRIPT });
  const payload = await buildFullOsPayload({ bootImage });
  const osImage = await buildOsImage(
    {
      product: 'Windows 11',
      version: '10.0.22631.2861',
      architecture: 'x64',
      language: 'en-US',
      compression: 'xpress',
      timestamp: '2024-01-09T00:00:00Z',
      systemBytes: 1024 * 1024,
      images: [
        { name: 'Windows 11 Enterprise', edition: 'Enterprise', description: 'Windows 11 Enterprise' },
        { name: 'Windows 11 Education', edition: 'Education', description: 'Windows 11 Education' },
      ],
    },
    { overlayDir: payload.overlayDir, cacheDir: join(CACHE, 'os-images') },
  );
  const contentIso = join(CACHE, `content-v2-${osImage.specHash.slice(0, 16)}.iso`);
  if (!(await stat(contentIso).catch(() => undefined))) {
    const folder = join(CACHE, `content-v2-${osImage.specHash.slice(0, 16)}`);
    await mkdir(join(folder, OS_PACKAGE), { recursive: true });
    await copyFile(osImage.wimPath, join(folder, OS_PACKAGE, 'install.wim'));
    await mkdir(join(folder, CLIENT_PACKAGE), { recursive: true });
    await writeFile(join(folder, CLIENT_PACKAGE, 'ccmsetup.cab'), Buffer.alloc(16 * 2 ** 20, 0x5a));
    await writeContentMedia(folder, `${contentIso}.partial`);
    await execa('mv', [`${contentIso}.partial`, contentIso]);
  }
  return { bootImage, osImage, winpeIso: await winpeMedia(bootImage), contentIso };
}

export interface BootedLabMachine {
  qemu: QemuMachine;
  agent: AgentChannel;
  machine: QemuTaskSequenceMachine;
  disk: string;
}

/** A machine started from the WinPE media (ejected when the task sequence restarts to the hard disk). */
export async function bootLabMachine(options: {
  images: LabImages;
  firmware: Firmware;
  controller: DiskController;
  dir: string;
  cleanup: CleanupRegistry;
  signal: AbortSignal;
  ccmCacheSizeBytes?: number;
  /** Host folder for the site's capture share (Capture Operating System Image). */
  captureShareRoot?: string;
}): Promise<BootedLabMachine> {
  const { images, dir } = options;
  const disk = join(dir, 'disk0.qcow2');
  await execa('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '1G']);
  const qemu = await launchMachine({
    spec: {
      name: `pc-${options.firmware}`,
      firmware: options.firmware,
      architecture: 'x64',
      memoryMB: 1024,
      cpus: 1,
      nics: [],
      disks: [{ controller: options.controller, path: disk, format: 'qcow2', bootIndex: 1 }],
      media: [
        { kind: 'cd', path: images.winpeIso, bootIndex: 0 },
        { kind: 'cd', path: images.contentIso },
      ],
    },
    accel: 'tcg',
    outputDir: join(dir, 'out'),
    stateDir: join(dir, 'state'),
    cleanup: options.cleanup,
    signal: options.signal,
  });
  const agent = await qemu.agent({ helloTimeoutMs: 20_000 * timeoutScale('tcg'), signal: options.signal });
  const machine = await QemuTaskSequenceMachine.attach({
    machine: qemu,
    agent,
    accel: 'tcg',
    content: new MediaContentSource(),
    winpeBootedFrom: 'bootMedia',
    ccmCacheSizeBytes: options.ccmCacheSizeBytes,
    ...(options.captureShareRoot ? { captureSite: { shareRoot: options.captureShareRoot, diskImages: [{ path: disk, format: 'qcow2' as const }] } } : {}),
    // The media stays in the drive for WinPE; for the hard disk it comes out, as an engineer would take it.
    // QMP is connected per use: QEMU serves one QMP client at a time, and a capture pauses the machine through it.
    prepareBoot: async (target) => {
      if (target !== 'FullOS') return;
      const qmp = await qemu.qmp(options.signal);
      await qmp.execute('eject', { device: 'media0', force: true }).finally(() => qmp.close());
    },
  }, options.signal);
  return { qemu, agent, machine, disk };
}

/** MiB `skip`.. of the disk image as a raw file (qemu-img reads the qcow2). */
export async function extractBytes(disk: string, skipMiB: number, countMiB: number, out: string): Promise<string> {
  // qemu-img dd (QEMU 7.2) counts the skipped blocks in `count`.
  await execa('qemu-img', ['dd', '-f', 'qcow2', '-O', 'raw', 'bs=1M', `skip=${skipMiB}`, `count=${skipMiB + countMiB}`, `if=${disk}`, `of=${out}`]);
  return out;
}

/** One partition of the disk image as a raw volume image (partitions are MiB-aligned). */
export function extractPartition(disk: string, p: { offsetBytes: number; sizeBytes: number }, out: string): Promise<string> {
  return extractBytes(disk, p.offsetBytes / 2 ** 20, Math.floor(p.sizeBytes / 2 ** 20), out);
}
