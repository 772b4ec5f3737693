// KVM or TCG. /dev/kvm existing is not enough on this machine kind: OVMF stops with "KVM internal
// error ... emulation failure" and `-cpu host` aborts (docs/qemu-lab.md). So the probe boots the
// firmware the lab uses (OVMF) into the Debian kernel under KVM and requires a clean exit: with no
// root file system the kernel panics, `panic=-1` reboots at once and `-no-reboot` turns that into exit 0.
import { access, copyFile, mkdtemp, rm } from 'node:fs/promises';
import { constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { FIRMWARE_FILES } from './firmware.js';
import { timeoutScale, type Accelerator } from './machine-command.js';

export interface AcceleratorChoice {
  accel: Accelerator;
  /** Multiply KVM-sized timeouts by this. */
  timeoutScale: number;
  /** Why this accelerator: "KVM usable" or what the probe saw. */
  reason: string;
}

export interface ProbeOptions {
  kernel: string;
  signal?: AbortSignal;
  /** A working KVM reaches the panic in about a second; a stuck or failing one is given up after this. */
  timeoutMs?: number;
}

const FAILURE = /KVM internal error[^\n]*|emulation failure|failed to initialize kvm[^\n]*|Could not access KVM[^\n]*/i;

function choice(accel: Accelerator, reason: string): AcceleratorChoice {
  return { accel, timeoutScale: timeoutScale(accel), reason };
}

export async function probeAccelerator(options: ProbeOptions): Promise<AcceleratorChoice> {
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return choice('tcg', 'no usable /dev/kvm');
  }
  const dir = await mkdtemp(join(tmpdir(), 'osdlab-kvm-probe-'));
  try {
    const vars = join(dir, 'vars.fd');
    await copyFile(FIRMWARE_FILES.ovmfVars, vars);
    const probe = execa(
      'qemu-system-x86_64',
      ['-accel', 'kvm', '-machine', 'q35', '-nodefaults', '-display', 'none', '-serial', 'none', '-monitor', 'none', '-no-reboot', '-m', '256',
        '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${FIRMWARE_FILES.ovmfCode}`, '-drive', `if=pflash,format=raw,unit=1,file=${vars}`,
        '-kernel', options.kernel, '-append', 'panic=-1 console=ttyS0'],
      { reject: false, timeout: options.timeoutMs ?? 20_000, cancelSignal: options.signal, forceKillAfterDelay: 1000 },
    );
    // A failing KVM pauses the guest instead of exiting: stop it as soon as it says so.
    probe.stderr.on('data', (chunk: Buffer) => {
      if (FAILURE.test(chunk.toString())) probe.kill();
    });
    const r = await probe;
    options.signal?.throwIfAborted();
    if (r.exitCode === 0 && !FAILURE.test(r.stderr)) return choice('kvm', 'KVM usable');
    const seen = FAILURE.exec(r.stderr)?.[0];
    return choice('tcg', `KVM unusable: ${seen ?? (r.timedOut ? 'the probe guest did not finish' : `probe exited ${r.exitCode}`)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
