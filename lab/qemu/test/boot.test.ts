// Real machines booting the real boot image under TCG (slow: about 40 s in all on 2 cores).
import { expect } from 'chai';
import { join } from 'node:path';
import { execa } from 'execa';
import type { BootImage } from '../../../images/index.js';
import { LabNetwork } from '../lab-network.js';
import { withLabRun } from '../lab-run.js';
import { launchMachine } from '../machine-process.js';
import { timeoutScale } from '../machine-command.js';
import { directBootSpec, leftoverNamespaces, namespacesUnavailable, qemuUnavailable, testBootImage } from './helpers.js';

const HELLO_MS = 12_000 * timeoutScale('tcg');
const STEP_MS = 30_000;
const SMBIOS = { manufacturer: 'Contoso, Ltd', product: 'OptiPlex 7010', serial: 'CN0X123', uuid: '4c4c4544-0042-3510-8052-b3c04f4e3132' };

describe('lab/qemu boot image on real machines @slow @qemu', function () {
  this.timeout(180_000);
  let full: BootImage;
  let noNic: BootImage;

  before(async function () {
    const why = (await qemuUnavailable()) ?? (await namespacesUnavailable());
    if (why) {
      console.log(`    (skipped: ${why})`);
      return this.skip();
    }
    full = await testBootImage(['virtio-net', 'ahci', 'nvme']);
    noNic = await testBootImage(['ahci']);
  });

  it('BIOS x64: boots to the agent over virtio-serial, reports facts, runs a command, talks on the lab bridge, powers off', async () => {
    const runId = `boot-bios-${process.pid}`;
    await withLabRun(runId, async (run) => {
      const net = await LabNetwork.create(runId, [{ name: 'lan', cidr: '198.18.4.0/24' }], run.cleanup, run.signal);
      const tap = await net.addTap('lan', run.signal);
      const disk = join(run.tempDir, 'disk0.qcow2');
      await execa('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '1G']);
      const mac = '52:54:00:4c:00:01';
      const machine = await launchMachine({
        spec: directBootSpec(full, {
          smbios: SMBIOS,
          nics: [{ model: 'virtio-net', mac, backend: { kind: 'tap', ifname: tap } }],
          disks: [{ controller: 'ahci', path: disk, format: 'qcow2' }],
        }),
        accel: 'tcg',
        outputDir: join(run.tempDir, 'out'),
        stateDir: join(run.tempDir, 'pc1'),
        namespace: net.namespace,
        cleanup: run.cleanup,
        signal: run.signal,
      });
      const agent = await machine.agent({ helloTimeoutMs: HELLO_MS, signal: run.signal });
      const facts = agent.helloFacts;
      expect(facts).to.include({ firmware: 'bios', firmwarePlatformSize: null, architecture: 'x86_64', environment: 'WinPE' });
      expect(facts.smbios).to.deep.equal(SMBIOS);
      const nicPci = facts.pci.find((d) => d.class === '020000');
      expect(nicPci).to.include({ vendor: '1af4', device: '1000', subsystemVendor: '1af4', subsystem: '0001', driver: 'virtio_net' });
      expect(facts.nics.map((n) => [n.mac, n.driver])).to.deep.equal([[mac, 'virtio_net']]);
      expect(facts.pci.find((d) => d.class === '010601')).to.include({ vendor: '8086', device: '2922', driver: 'ahci' });
      expect(facts.disks.find((d) => d.name === 'sda')).to.include({ sizeBytes: 2 ** 30 });
      expect(facts.memoryKB).to.be.within(400_000, 512 * 1024);

      const lines: string[] = [];
      const r = await agent.run('echo hi; exit 3', { timeoutMs: STEP_MS, signal: run.signal, onOutput: (l) => lines.push(l) });
      expect(r).to.deep.equal({ exitCode: 3, output: ['hi'] });
      expect(lines).to.deep.equal(['hi']);
      expect((await agent.run('pwd', { timeoutMs: STEP_MS, signal: run.signal, cwd: '/usr/bin' })).output).to.deep.equal(['/usr/bin']);
      expect((await agent.run('pwd', { timeoutMs: STEP_MS, signal: run.signal, cwd: '/nowhere' })).exitCode).not.to.equal(0);
      const quoting = await agent.run(`printf '%s\\n' 'a "quoted" \\\\ tab\tend' >&2`, { timeoutMs: STEP_MS, signal: run.signal });
      expect(quoting).to.deep.equal({ exitCode: 0, output: ['a "quoted" \\\\ tab\tend'] });

      // The tools went in with their libraries: each starts, and they work on the AHCI disk.
      const tools = await agent.run(
        'sgdisk --version && mkntfs --version && ntfs-3g --version && wimlib-imagex --version && sfdisk --version && ' +
          "echo 'label: gpt' | sfdisk -q /dev/sda && echo ',64M' | sfdisk -q --append /dev/sda && mkfs.vfat -n OSDLAB /dev/sda1 >/dev/null 2>&1 && " +
          'mount -t vfat /dev/sda1 /mnt && echo written > /mnt/proof.txt && umount /mnt && mount -t vfat /dev/sda1 /mnt && cat /mnt/proof.txt && umount /mnt && ' +
          "echo ',64M' | sfdisk -q --append /dev/sda && mkntfs -Q -L Windows /dev/sda2 >/dev/null && " +
          'ntfs-3g /dev/sda2 /mnt && echo on-ntfs > /mnt/proof.txt && umount /mnt && ntfs-3g /dev/sda2 /mnt && cat /mnt/proof.txt && umount /mnt',
        { timeoutMs: STEP_MS * 2, signal: run.signal },
      );
      expect(tools.exitCode, tools.output.join('\n')).to.equal(0);
      expect(tools.output.join('\n')).to.match(/GPT fdisk/).and.to.match(/wimlib-imagex/).and.to.match(/^written$/m).and.to.match(/^on-ntfs$/m);

      const net4 = net.subnet('lan');
      const ping = await agent.run(`ip addr add 198.18.4.10/24 dev eth0 && ping -c 2 -W 3 ${net4.gateway}`, { timeoutMs: STEP_MS, signal: run.signal });
      expect(ping.exitCode, ping.output.join('\n')).to.equal(0);
      expect(ping.output.join('\n')).to.match(/2 packets received/);
      // …and the other way: the namespace side reaches the guest across the bridge.
      const back = await execa('ip', ['netns', 'exec', net.namespace, 'busybox', 'ping', '-c', '1', '-W', '3', '198.18.4.10'], { reject: false });
      expect(back.exitCode, back.stdout).to.equal(0);

      await agent.poweroff({ timeoutMs: STEP_MS, signal: run.signal });
      expect((await machine.exited).exitCode).to.equal(0);
    });
    expect(await leftoverNamespaces(`osdlab-${runId}`)).to.deep.equal([]);
  });

  it('UEFI x64 (OVMF): the agent reports UEFI with a 64-bit firmware and the NVMe disk', async () => {
    await withLabRun(`boot-uefi-${process.pid}`, async (run) => {
      const disk = join(run.tempDir, 'disk0.qcow2');
      await execa('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '2G']);
      const machine = await launchMachine({
        spec: directBootSpec(full, { firmware: 'uefi', disks: [{ controller: 'nvme', path: disk, format: 'qcow2' }] }),
        accel: 'tcg',
        outputDir: join(run.tempDir, 'out'),
        stateDir: join(run.tempDir, 'pc1'),
        cleanup: run.cleanup,
        signal: run.signal,
      });
      const agent = await machine.agent({ helloTimeoutMs: HELLO_MS, signal: run.signal });
      expect(agent.helloFacts).to.include({ firmware: 'uefi', firmwarePlatformSize: 64 });
      expect(agent.helloFacts.disks.find((d) => d.name === 'nvme0n1')).to.include({ sizeBytes: 2 * 2 ** 30 });
      const facts = await agent.facts({ timeoutMs: STEP_MS, signal: run.signal });
      expect(facts.bootId).to.equal(agent.helloFacts.bootId);
    });
  });

  it('x86 machine (32-bit CPU): the x64 boot image refuses to start, and the console log shows why @qemu', async () => {
    await withLabRun(`boot-x86-${process.pid}`, async (run) => {
      const machine = await launchMachine({
        spec: directBootSpec(full, { architecture: 'x86' }),
        accel: 'tcg',
        outputDir: join(run.tempDir, 'out'),
        stateDir: join(run.tempDir, 'pc1'),
        cleanup: run.cleanup,
        signal: run.signal,
      });
      const text = await machine.waitForConsole(/requires an x86-64 CPU/, { timeoutMs: 60_000, signal: run.signal });
      expect(text).to.match(/This kernel requires an x86-64 CPU, but only detected an i686 CPU/);
    });
  });

  it('BIOS with a boot NIC: SeaBIOS runs the NIC\'s iPXE ROM, whose messages reach the console log', async () => {
    await withLabRun(`boot-biospxe-${process.pid}`, async (run) => {
      const machine = await launchMachine({
        spec: {
          name: 'pc1', firmware: 'bios', architecture: 'x64', memoryMB: 256, cpus: 1, disks: [], media: [],
          nics: [{ model: 'virtio-net', mac: '52:54:00:4c:00:05', backend: { kind: 'none' }, bootIndex: 1 }],
        },
        accel: 'tcg',
        outputDir: join(run.tempDir, 'out'),
        stateDir: join(run.tempDir, 'pc1'),
        cleanup: run.cleanup,
        signal: run.signal,
      });
      await machine.waitForConsole(/iPXE .* starting execution/, { timeoutMs: 90_000, signal: run.signal });
    });
  });

  it('x86 UEFI (ia32 OVMF on a 32-bit CPU): the firmware starts and tries PXE from the boot NIC', async () => {
    await withLabRun(`boot-x86uefi-${process.pid}`, async (run) => {
      const machine = await launchMachine({
        spec: {
          name: 'pc1', firmware: 'uefi', architecture: 'x86', memoryMB: 256, cpus: 1, disks: [], media: [],
          nics: [{ model: 'virtio-net', mac: '52:54:00:4c:00:04', backend: { kind: 'none' }, bootIndex: 1 }],
        },
        accel: 'tcg',
        outputDir: join(run.tempDir, 'out'),
        stateDir: join(run.tempDir, 'pc1'),
        cleanup: run.cleanup,
        signal: run.signal,
      });
      await machine.waitForConsole(/Start PXE over IPv4/, { timeoutMs: 90_000, signal: run.signal });
    });
  });

  it('a boot image without the NIC drivers: the NICs are on the PCI bus with no driver and there is no network interface; reboot says hello again', async () => {
    await withLabRun(`boot-nonic-${process.pid}`, async (run) => {
      const machine = await launchMachine({
        spec: directBootSpec(noNic, {
          nics: [
            { model: 'e1000', mac: '52:54:00:4c:00:02', backend: { kind: 'none' } },
            { model: 'virtio-net', mac: '52:54:00:4c:00:03', backend: { kind: 'none' } },
          ],
        }),
        accel: 'tcg',
        outputDir: join(run.tempDir, 'out'),
        stateDir: join(run.tempDir, 'pc1'),
        cleanup: run.cleanup,
        signal: run.signal,
      });
      const agent = await machine.agent({ helloTimeoutMs: HELLO_MS, signal: run.signal });
      const nics = agent.helloFacts.pci.filter((d) => d.class === '020000');
      expect(nics.map((d) => [d.vendor, d.device, d.driver])).to.have.deep.members([
        ['8086', '100e', null],
        ['1af4', '1000', null],
      ]);
      expect(agent.helloFacts.nics).to.deep.equal([]);
      const ip = await agent.run('ip -o link show | grep -v " lo:" | wc -l', { timeoutMs: STEP_MS, signal: run.signal });
      expect(ip.output).to.deep.equal(['0']);

      // Restart: the firmware boots the image again and the new environment's agent says hello.
      const firstBoot = agent.helloFacts.bootId;
      await agent.reboot({ timeoutMs: STEP_MS, signal: run.signal });
      const again = await agent.waitForNewBoot(firstBoot, { timeoutMs: HELLO_MS, signal: run.signal });
      expect(again.bootId).not.to.equal(firstBoot);
      expect((await agent.run('echo back', { timeoutMs: STEP_MS, signal: run.signal })).output).to.deep.equal(['back']);
      await agent.poweroff({ timeoutMs: STEP_MS, signal: run.signal });
      expect((await machine.exited).exitCode).to.equal(0);
    });
  });
});
