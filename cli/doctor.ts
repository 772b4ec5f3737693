import { Command } from 'commander';
import { access, readFile, statfs } from 'node:fs/promises';
import { constants } from 'node:fs';
import { execa } from 'execa';
import { EnvironmentError } from '../scenarios/index.js';
import { newestKernelRelease } from '../images/index.js';
import { FIRMWARE_FILES, probeAccelerator, probeLinkEmulator } from '../lab/index.js';
import { EXIT } from './exit-codes.js';

const SETUP = 'bash scripts/setup.sh';

const FIRMWARE: Record<string, string> = {
  'SeaBIOS (BIOS)': FIRMWARE_FILES.seabios,
  'OVMF x64 code (UEFI)': FIRMWARE_FILES.ovmfCode,
  'OVMF x64 variables': FIRMWARE_FILES.ovmfVars,
  'OVMF ia32 code (x86 UEFI)': FIRMWARE_FILES.ovmfIa32Code,
  'OVMF ia32 variables': FIRMWARE_FILES.ovmfIa32Vars,
  // QEMU loads the NICs' iPXE option ROMs from here by itself.
  'iPXE ROMs': '/usr/lib/ipxe/qemu/efi-e1000.rom',
};

interface Check {
  name: string;
  /** ok: works; warn: works with a limitation; missing: cannot run the lab until fixed. */
  status: 'ok' | 'warn' | 'missing';
  detail: string;
  fix?: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

async function debianPackages(): Promise<Check> {
  const listFile = new URL('../scripts/debian-packages.txt', import.meta.url);
  const wanted = (await readFile(listFile, 'utf8'))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const { stdout } = await execa('dpkg-query', ['-W', '-f=${Package} ${Status}\n'], { reject: false });
  const installed = new Set(
    stdout
      .split('\n')
      .filter((l) => l.endsWith('install ok installed'))
      .map((l) => l.split(' ')[0]),
  );
  const missing = wanted.filter((p) => !installed.has(p));
  return missing.length === 0
    ? { name: 'Debian packages', status: 'ok', detail: `${wanted.length} lab packages installed` }
    : { name: 'Debian packages', status: 'missing', detail: `missing: ${missing.join(' ')}`, fix: SETUP };
}

async function qemuBinaries(): Promise<Check[]> {
  return Promise.all(
    ['qemu-system-x86_64', 'qemu-system-i386', 'qemu-img'].map(async (bin): Promise<Check> => {
      const r = await execa(bin, ['--version'], { reject: false });
      return r.exitCode === 0
        ? { name: bin, status: 'ok', detail: r.stdout.split('\n')[0] }
        : { name: bin, status: 'missing', detail: 'not found', fix: SETUP };
    }),
  );
}

async function firmware(): Promise<Check[]> {
  return Promise.all(
    Object.entries(FIRMWARE).map(async ([what, path]): Promise<Check> =>
      (await exists(path))
        ? { name: `firmware: ${what}`, status: 'ok', detail: path }
        : { name: `firmware: ${what}`, status: 'missing', detail: `${path} not found`, fix: SETUP },
    ),
  );
}

async function bootImageKernel(): Promise<{ check: Check; kernel?: string }> {
  try {
    const release = await newestKernelRelease();
    return { check: { name: 'boot image kernel', status: 'ok', detail: `/boot/vmlinuz-${release}` }, kernel: `/boot/vmlinuz-${release}` };
  } catch (err) {
    if (!(err instanceof EnvironmentError)) throw err;
    return { check: { name: 'boot image kernel', status: 'missing', detail: err.message.split('\n')[0], fix: SETUP } };
  }
}

/** The lab's own probe: /dev/kvm existing is not enough (docs/qemu-lab.md). */
async function accelerator(kernel: string | undefined): Promise<Check> {
  if (!kernel) return { name: 'acceleration', status: 'warn', detail: 'not probed (no kernel); TCG software emulation will be used' };
  const probe = await probeAccelerator({ kernel });
  return probe.accel === 'kvm'
    ? { name: 'acceleration', status: 'ok', detail: 'KVM usable' }
    : { name: 'acceleration', status: 'warn', detail: `${probe.reason}; TCG software emulation will be used (timeouts scaled ×${probe.timeoutScale})` };
}

/** Rate shaping is tc tbf; delay and loss use netem where the kernel has it, else VDE wirefilter. */
async function linkEmulation(): Promise<Check> {
  const probe = await probeLinkEmulator();
  return { name: 'link shaping', status: probe.emulator ? 'ok' : 'warn', detail: `rate with tc tbf; ${probe.detail}` };
}

async function namespaces(): Promise<Check> {
  const name = `osdlab-doctor-${process.pid}`;
  const add = await execa('ip', ['netns', 'add', name], { reject: false });
  if (add.exitCode !== 0) {
    return {
      name: 'network namespaces',
      status: 'missing',
      detail: `cannot create a network namespace: ${add.stderr.trim()}`,
      fix: 'run osdlab as root (the QEMU lab creates its own namespaces, bridges and taps)',
    };
  }
  await execa('ip', ['netns', 'del', name], { reject: false });
  return { name: 'network namespaces', status: 'ok', detail: 'can create and remove a namespace' };
}

async function diskSpace(dir: string): Promise<Check> {
  const s = await statfs(dir);
  const freeGiB = (s.bavail * s.bsize) / 2 ** 30;
  const detail = `${freeGiB.toFixed(1)} GiB free in ${dir}`;
  return freeGiB >= 10
    ? { name: 'disk space', status: 'ok', detail }
    : { name: 'disk space', status: freeGiB >= 2 ? 'warn' : 'missing', detail: `${detail} (runs need ~2–10 GiB for qcow2 disks and images)`, fix: 'free space or pass --out on a larger disk' };
}

export async function runDoctor(): Promise<Check[]> {
  const groups = await Promise.all([
    debianPackages().then((c) => [c]),
    qemuBinaries(),
    firmware(),
    bootImageKernel().then(async ({ check, kernel }) => [check, await accelerator(kernel)]),
    namespaces().then((c) => [c]),
    linkEmulation().then((c) => [c]),
    diskSpace(process.cwd()).then((c) => [c]),
  ]);
  return groups.flat();
}

export function addDoctorCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('doctor')
    .description('check that this machine can run the QEMU lab: QEMU, firmware, KVM/TCG, namespaces, disk space')
    .option('--json', 'print the checks as JSON')
    .addHelpText('after', '\nExample:\n  osdlab doctor\n')
    .action(async (opts: { json?: boolean }) => {
      const checks = await runDoctor();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
      } else {
        for (const c of checks) {
          const mark = c.status === 'ok' ? 'ok     ' : c.status === 'warn' ? 'warn   ' : 'MISSING';
          process.stdout.write(`${mark} ${c.name}: ${c.detail}\n`);
          if (c.fix && c.status !== 'ok') process.stdout.write(`        fix: ${c.fix}\n`);
        }
      }
      if (checks.some((c) => c.status === 'missing')) setExit(EXIT.environment);
    });
}
