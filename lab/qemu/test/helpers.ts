// Shared by the lab/qemu tests that start real QEMU machines.
import { readdir } from 'node:fs/promises';
import { execa } from 'execa';
import { buildBootImage, type BootImage } from '../../../images/index.js';
import { AGENT_SCRIPT } from '../agent-channel.js';
import type { QemuMachineSpec } from '../machine-command.js';

/** Why QEMU tests cannot run here, or undefined when they can. */
export async function qemuUnavailable(): Promise<string | undefined> {
  const kernels = (await readdir('/boot').catch(() => [] as string[])).filter((f) => /^vmlinuz-.*-amd64$/.test(f));
  if (kernels.length === 0) return 'no Debian amd64 kernel in /boot (run scripts/setup.sh)';
  const q = await execa('qemu-system-x86_64', ['--version'], { reject: false });
  if (q.exitCode !== 0) return 'qemu-system-x86_64 is not installed (run scripts/setup.sh)';
  return undefined;
}

/** Lab network tests create namespaces: root only. */
export async function namespacesUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root';
  return undefined;
}

/** Boot images for tests live in the project cache, so repeated test runs do not rebuild them. */
export function testBootImage(drivers: string[]): Promise<BootImage> {
  return buildBootImage({ architecture: 'x64', drivers, agentScript: AGENT_SCRIPT });
}

export function directBootSpec(image: BootImage, over: Partial<QemuMachineSpec> = {}): QemuMachineSpec {
  return {
    name: 'pc1',
    firmware: 'bios',
    architecture: 'x64',
    memoryMB: 512,
    cpus: 1,
    nics: [],
    disks: [],
    media: [],
    directKernel: { kernel: image.kernel, initrd: image.initrd, append: image.append },
    ...over,
  };
}

/** Namespaces of this run id left on the host. */
export async function leftoverNamespaces(prefix: string): Promise<string[]> {
  const { stdout } = await execa('ip', ['netns', 'list']);
  return stdout
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith(prefix));
}

/** QEMU processes whose command line mentions `needle` (a run's temp dir is in every socket path). */
export async function leftoverQemu(needle: string): Promise<string[]> {
  const { stdout } = await execa('ps', ['-eo', 'pid=,args='], { reject: false });
  return stdout.split('\n').filter((l) => /qemu-system/.test(l) && l.includes(needle));
}
