// Boot overhead of the lab's launcher: time from launchMachine() to the agent's hello, against a
// bare `qemu-system-x86_64` direct-kernel boot of the same kernel + initramfs to the boot image's
// "osdlab boot image:" line (drivers loaded, agent starting) in the same run. Goal: ratio ≤ 1.3.
// Usage: node --import tsx bench/qemu-boot-overhead.ts [rounds]   (root, for the lab namespace)
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { AGENT_SCRIPT, LabNetwork, launchMachine, timeoutScale, withLabRun } from '../lab/index.js';
import { buildBootImage, type BootImage } from '../images/index.js';

const MEMORY_MB = 512;
/** The launcher's agent connection polls its socket every 50 ms too. */
const POLL_MS = 50;

/** The bare boot logs its serial console to a file, as the lab does, and the file is polled for the marker. */
async function bare(image: BootImage, dir: string, signal: AbortSignal): Promise<number> {
  const log = join(dir, `bare-${performance.now()}.log`);
  const start = performance.now();
  const qemu = execa(
    'qemu-system-x86_64',
    ['-accel', 'tcg', '-machine', 'q35', '-m', String(MEMORY_MB), '-nodefaults', '-nographic', '-vga', 'none', '-serial', `file:${log}`, '-monitor', 'none',
      '-kernel', image.kernel, '-initrd', image.initrd, '-append', image.append],
    { stdin: 'ignore', reject: false, cancelSignal: signal, forceKillAfterDelay: 1000 },
  );
  try {
    while (qemu.exitCode === null) {
      const text = await readFile(log, 'utf8').catch(() => '');
      if (text.includes('osdlab boot image:')) return performance.now() - start;
      await sleep(POLL_MS);
    }
    throw new Error('bare QEMU ended before the boot image started');
  } finally {
    qemu.kill();
    await qemu;
  }
}

async function launcher(image: BootImage, round: number): Promise<number> {
  return withLabRun(`bench-boot-${process.pid}-${round}`, async (run) => {
    const start = performance.now();
    const net = await LabNetwork.create(run.runId, [{ name: 'lan' }], run.cleanup, run.signal);
    const tap = await net.addTap('lan', run.signal);
    const machine = await launchMachine({
      spec: {
        name: 'bench', firmware: 'bios', architecture: 'x64', memoryMB: MEMORY_MB, cpus: 1, disks: [], media: [],
        nics: [{ model: 'virtio-net', mac: '52:54:00:be:00:01', backend: { kind: 'tap', ifname: tap } }],
        directKernel: { kernel: image.kernel, initrd: image.initrd, append: image.append },
      },
      accel: 'tcg',
      outputDir: join(run.tempDir, 'out'),
      stateDir: join(run.tempDir, 'bench'),
      namespace: net.namespace,
      cleanup: run.cleanup,
      signal: run.signal,
    });
    const agent = await machine.agent({ helloTimeoutMs: 12_000 * timeoutScale('tcg'), signal: run.signal });
    const elapsed = performance.now() - start;
    agent.close();
    return elapsed;
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const rounds = Number(process.argv[2] ?? 3);
const image = await buildBootImage({ architecture: 'x64', drivers: ['virtio-net'], agentScript: AGENT_SCRIPT });
const ours: number[] = [];
const plain: number[] = [];
const controller = new AbortController();
const scratch = await mkdtemp(join(tmpdir(), 'osdlab-bench-boot-'));
try {
  for (let i = 0; i < rounds; i++) {
    // Alternate, so load from other work on the machine hits both sides alike.
    plain.push(await bare(image, scratch, controller.signal));
    ours.push(await launcher(image, i));
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
const result = {
  rounds,
  accel: 'tcg',
  loadAverage: loadavg().map((l) => Number(l.toFixed(1))),
  bareMs: plain.map(Math.round),
  launcherToHelloMs: ours.map(Math.round),
  medianBareMs: Math.round(median(plain)),
  medianLauncherMs: Math.round(median(ours)),
  ratio: Number((median(ours) / median(plain)).toFixed(2)),
  goal: 1.3,
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`launcher start → agent hello ${result.medianLauncherMs} ms vs bare QEMU boot ${result.medianBareMs} ms: ratio ${result.ratio} (goal ≤ ${result.goal})\n`);
