import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { InputError } from '../../../scenarios/index.js';
import { AGENT_SCRIPT } from '../../../lab/index.js';
import { buildBootImage } from '../build.js';

async function listing(initrd: string): Promise<string[]> {
  const { stdout } = await execa('cpio', ['-it', '--quiet'], { input: gunzipSync(await readFile(initrd)) });
  return stdout.split('\n');
}

describe('images/boot-image build', function () {
  this.timeout(120_000);
  let cacheDir: string;

  before(async function () {
    const kernels = (await readdir('/boot').catch(() => [] as string[])).filter((f) => /^vmlinuz-.*-amd64$/.test(f));
    if (kernels.length === 0) {
      console.log('    (skipped: no Debian amd64 kernel in /boot; run scripts/setup.sh)');
      this.skip();
    }
    cacheDir = await mkdtemp(join(tmpdir(), 'osdlab-boot-images-'));
  });
  after(async () => {
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  it('builds kernel + initramfs with busybox, the agent, the tools with their libraries and the listed drivers only', async () => {
    const image = await buildBootImage({ architecture: 'x64', drivers: ['e1000', 'ahci'], agentScript: AGENT_SCRIPT, cacheDir });
    expect(image.cached).to.equal(false);
    expect(image.kernel.startsWith(join(cacheDir, image.hash))).to.equal(true);
    const files = await listing(image.initrd);
    expect(files).to.include.members(['init', 'usr/bin/busybox', 'usr/bin/osdlab-agent', 'usr/bin/sh', 'usr/sbin/modprobe', 'lib', 'bin']);
    expect(files).to.include.members(['usr/sbin/sfdisk', 'usr/sbin/sgdisk', 'usr/sbin/mkfs.vfat', 'usr/sbin/mkntfs', 'usr/bin/ntfs-3g', 'usr/bin/wimlib-imagex']);
    expect(files).to.include.members(['usr/lib/x86_64-linux-gnu/libwim.so.15', 'usr/lib/x86_64-linux-gnu/libstdc++.so.6', 'usr/lib64/ld-linux-x86-64.so.2']);
    const modules = files.filter((f) => f.endsWith('.ko')).map((f) => f.replace(/^.*\//, ''));
    expect(modules).to.include.members(['e1000.ko', 'ahci.ko', 'libata.ko', 'virtio_console.ko', 'virtio_pci.ko']);
    expect(modules).not.to.include('virtio_net.ko');
    expect(modules).not.to.include('nvme.ko');
  });

  it('reuses the cached image for the same inputs and builds another for another driver list', async () => {
    const first = await buildBootImage({ architecture: 'x64', drivers: ['e1000', 'ahci'], agentScript: AGENT_SCRIPT, cacheDir });
    const before = (await stat(first.initrd)).mtimeMs;
    const again = await buildBootImage({ architecture: 'x64', drivers: ['e1000', 'ahci'], agentScript: AGENT_SCRIPT, cacheDir });
    expect(again.cached).to.equal(true);
    expect(again.hash).to.equal(first.hash);
    expect((await stat(again.initrd)).mtimeMs).to.equal(before);
    const other = await buildBootImage({ architecture: 'x64', drivers: ['virtio-net', 'ahci'], agentScript: AGENT_SCRIPT, cacheDir, tools: [] });
    expect(other.hash).not.to.equal(first.hash);
    expect(other.cached).to.equal(false);
  });

  it('rejects an unknown driver with InputError naming the field and the allowed names', async () => {
    const err = await buildBootImage({ architecture: 'x64', drivers: ['e1000', 'realtek-9000'], agentScript: AGENT_SCRIPT, cacheDir, source: { file: 's.yaml', path: 'bootImages[0].drivers' } }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InputError);
    expect((err as Error).message).to.match(/s\.yaml bootImages\[0\]\.drivers\[1\]: found driver "realtek-9000"; allowed: .*virtio-net/);
  });

});
