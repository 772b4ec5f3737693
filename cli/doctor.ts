import { Command } from 'commander';
import { access, readFile, statfs } from 'node:fs/promises';
import { constants } from 'node:fs';
import { execa } from 'execa';
import { EXIT } from './exit-codes.js';

const SETUP = 'bash scripts/setup.sh';

const FIRMWARE_FILES: Record<string, string> = {
  'SeaBIOS (BIOS)': '/usr/share/seabios/bios-256k.bin',
  'OVMF x64 code (UEFI)': '/usr/share/OVMF/OVMF_CODE_4M.fd',
  'OVMF x64 variables': '/usr/share/OVMF/OVMF_VARS_4M.fd',
  'OVMF ia32 code (x86 UEFI)': '/usr/share/OVMF/OVMF32_CODE_4M.secboot.fd',
  'OVMF ia32 variables': '/usr/share/OVMF/OVMF32_VARS_4M.fd',
  'iPXE ROM (BIOS virtio-net)': '/usr/lib/ipxe/qemu/pxe-virtio.rom',
  'iPXE ROM (UEFI virtio-net)': '/usr/lib/ipxe/qemu/efi-virtio.rom',
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
    Object.entries(FIRMWARE_FILES).map(async ([what, path]): Promise<Check> =>
      (await exists(path))
        ? { name: `firmware: ${what}`, status: 'ok', detail: path }
        : { name: `firmware: ${what}`, status: 'missing', detail: `${path} not found`, fix: SETUP },
    ),
  );
}

/**
 * /dev/kvm existing is not enough: on some hosts OVMF stops at once with "KVM internal error"
 * (see docs/qemu-lab.md). So start OVMF under KVM for a moment and watch for that.
 */
async function accelerator(): Promise<Check> {
  if (!(await exists('/dev/kvm'))) {
    return { name: 'acceleration', status: 'warn', detail: 'no /dev/kvm; TCG software emulation will be used (slower; timeouts are scaled)' };
  }
  const vars = `/tmp/osdlab-doctor-vars-${process.pid}.fd`;
  await execa('cp', [FIRMWARE_FILES['OVMF x64 variables'], vars], { reject: false });
  const r = await execa(
    'qemu-system-x86_64',
    ['-accel', 'kvm', '-M', 'q35', '-nodefaults', '-display', 'none', '-monitor', 'none', '-serial', 'none', '-no-reboot', '-m', '128',
      '-drive', `if=pflash,format=raw,readonly=on,file=${FIRMWARE_FILES['OVMF x64 code (UEFI)']}`, '-drive', `if=pflash,format=raw,file=${vars}`],
    { reject: false, timeout: 3000 },
  );
  await execa('rm', ['-f', vars], { reject: false });
  const failure = /KVM internal error|failed to initialize kvm|Could not access KVM|emulation failure/i.exec(r.stderr);
  return failure
    ? { name: 'acceleration', status: 'warn', detail: `KVM unusable (${failure[0]}); TCG software emulation will be used (slower; timeouts are scaled)` }
    : { name: 'acceleration', status: 'ok', detail: 'KVM usable' };
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
    accelerator().then((c) => [c]),
    namespaces().then((c) => [c]),
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
