// The x86 boot image: a 32-bit Debian kernel and userland (scripts/setup.sh unpacks Debian's i386
// packages), built like the x64 one, booted on 32-bit machines (SeaBIOS and ia32 OVMF) to the agent.
import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import type { Firmware } from '../../../harness/index.js';
import { AGENT_SCRIPT, launchMachine, timeoutScale, withLabRun } from '../../../lab/index.js';
import { EnvironmentError } from '../../../scenarios/index.js';
import { buildBootImage, type BootImage } from '../build.js';
import { imageRoot } from '../image-root.js';

const HELLO_MS = 15_000 * timeoutScale('tcg');

async function unpack(initrd: string, dir: string): Promise<void> {
  await execa('cpio', ['-idm', '--quiet', '--no-absolute-filenames'], { input: gunzipSync(await readFile(initrd)), cwd: dir });
}

describe('images/boot-image x86 (32-bit) @slow @qemu', function () {
  this.timeout(300_000);
  let image: BootImage;
  let scratch: string;

  before(async function () {
    const missing = await imageRoot('x86').then(() => undefined, (err: unknown) => (err as Error).message);
    if (missing) {
      console.log(`    (skipped: ${missing}; run scripts/setup.sh)`);
      return this.skip();
    }
    scratch = await mkdtemp(join(tmpdir(), 'osdlab-x86-'));
    image = await buildBootImage({ architecture: 'x86', drivers: ['e1000', 'ahci'], agentScript: AGENT_SCRIPT });
  });
  after(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('holds the 686 kernel, a 32-bit busybox and the tools with their i386 libraries and loader', async () => {
    const dir = join(scratch, 'initrd');
    await execa('mkdir', ['-p', dir]);
    await unpack(image.initrd, dir);
    const kernel = await execa('file', ['-bL', image.kernel]);
    expect(kernel.stdout).to.match(/Linux kernel x86 boot executable.*6\.\d+\.\d+-\d+-686/);
    for (const tool of ['usr/bin/busybox', 'usr/sbin/sfdisk', 'usr/sbin/sgdisk', 'usr/sbin/mkntfs', 'usr/bin/ntfs-3g', 'usr/bin/wimlib-imagex', 'usr/lib/i386-linux-gnu/libwim.so.15']) {
      expect((await execa('file', ['-bL', join(dir, tool)])).stdout, tool).to.match(/^ELF 32-bit LSB .*Intel 80386/);
    }
    expect((await execa('file', ['-bL', join(dir, 'usr/lib/ld-linux.so.2')])).stdout).to.match(/ELF 32-bit/);
    const modules = (await execa('find', [join(dir, 'usr/lib/modules'), '-name', '*.ko'])).stdout.split('\n').map((f) => f.replace(/^.*\//, ''));
    expect(modules).to.include.members(['e1000.ko', 'ahci.ko', 'virtio_console.ko']);
    const again = await buildBootImage({ architecture: 'x86', drivers: ['e1000', 'ahci'], agentScript: AGENT_SCRIPT });
    expect(again).to.include({ cached: true, hash: image.hash });
    const x64 = await buildBootImage({ architecture: 'x64', drivers: ['e1000', 'ahci'], agentScript: AGENT_SCRIPT, tools: [] });
    expect(x64.hash).not.to.equal(image.hash);
  });

  for (const firmware of ['bios', 'uefi'] as Firmware[]) {
    it(`boots on an x86 ${firmware === 'bios' ? 'BIOS (SeaBIOS)' : 'UEFI (ia32 OVMF)'} machine to the agent, whose tools work on the disk`, async () => {
      await withLabRun(`x86-${firmware}-${process.pid}`, async (run) => {
        const disk = join(run.tempDir, 'disk0.qcow2');
        await execa('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '1G']);
        const machine = await launchMachine({
          spec: {
            name: 'pc1', firmware, architecture: 'x86', memoryMB: 512, cpus: 1, nics: [], media: [],
            disks: [{ controller: 'ahci', path: disk, format: 'qcow2' }],
            directKernel: { kernel: image.kernel, initrd: image.initrd, append: image.append },
          },
          accel: 'tcg',
          outputDir: join(run.tempDir, 'out'),
          stateDir: join(run.tempDir, 'pc1'),
          cleanup: run.cleanup,
          signal: run.signal,
        });
        const agent = await machine.agent({ helloTimeoutMs: HELLO_MS, signal: run.signal });
        expect(agent.helloFacts).to.include({ firmware, environment: 'WinPE' });
        expect(agent.helloFacts.architecture).to.match(/^i[3-6]86$/);
        if (firmware === 'uefi') expect(agent.helloFacts.firmwarePlatformSize).to.equal(32);
        const r = await agent.run(
          "uname -m && wimlib-imagex --version | head -n 1 && echo 'label: gpt' | sfdisk -q /dev/sda && echo ',64M' | sfdisk -q --append /dev/sda && " +
            'sgdisk -v /dev/sda && mkntfs -Q -L Windows /dev/sda1 >/dev/null && ntfs-3g /dev/sda1 /mnt && echo on-ntfs > /mnt/p && umount /mnt && blkid -o value -s LABEL /dev/sda1',
          { timeoutMs: 60_000 * timeoutScale('tcg'), signal: run.signal },
        );
        expect(r.exitCode, r.output.join("\n")).to.equal(0);
        expect(r.output[0]).to.match(/^i[3-6]86$/);
        expect(r.output.join('\n')).to.match(/wimlib-imagex 1\.13/).and.to.match(/No problems found/).and.to.match(/^Windows$/m);
        await agent.poweroff({ timeoutMs: 30_000, signal: run.signal });
      });
    });
  }

  it('an x86 image needs the unpacked i386 packages: without them, an EnvironmentError that names scripts/setup.sh', async () => {
    const err = await buildBootImage({ architecture: 'x86', drivers: [], agentScript: AGENT_SCRIPT, i386Root: join(scratch, 'nothing') }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(EnvironmentError);
    expect((err as EnvironmentError).message).to.match(/i386/);
    expect(String((err as EnvironmentError).fix)).to.contain('scripts/setup.sh');
  });
});
