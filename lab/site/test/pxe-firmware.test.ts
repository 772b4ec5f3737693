// Real firmware through our site services (TCG; about 11 s for OVMF, 20 s for SeaBIOS + iPXE here),
// with the subnet's DHCP server on another host. UEFI: OVMF gets its boot file from our proxyDHCP
// and downloads it from our TFTP server (a tsize probe, then blksize and windowsize); GRUB stands in
// for bootmgfw.efi, so "Welcome to GRUB!" on the serial console proves the firmware ran what our
// services gave it. BIOS: iPXE (option 93 = 0) fetches pxeboot.n12 for an x64 machine.
import { expect } from 'chai';
import { execa } from 'execa';
import { access, copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LabNetwork, launchMachine, timeoutScale, withLabRun, type LabRun } from '../../qemu/index.js';
import { SiteHost } from '../pxe/host.js';
import { addBroadcastRoute, addLabHost, canCreateNamespaces } from './pxe-lab.js';

const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const GRUB_EFI = '/usr/lib/grub/x86_64-efi';
const GRUB_PC = '/usr/lib/grub/i386-pc';
const MAC = '52:54:00:30:00:01';

async function unavailable(): Promise<string | undefined> {
  if (!(await canCreateNamespaces())) return 'creating network namespaces needs root';
  if ((await execa('qemu-system-x86_64', ['--version'], { reject: false })).exitCode !== 0) return 'qemu-system-x86_64 is not installed';
  if (!(await access(OVMF_CODE).then(() => true, () => false))) return `no OVMF (${OVMF_CODE})`;
  if ((await execa('grub-mknetdir', ['--version'], { reject: false })).exitCode !== 0 || !(await access(GRUB_EFI).then(() => true, () => false))) return 'no grub-mknetdir / grub-efi-amd64-bin';
  return undefined;
}

describe('PXE boot of real firmware through our proxyDHCP, DHCP and TFTP @slow @qemu', function () {
  this.timeout(240_000);

  before(async function () {
    const why = await unavailable();
    if (why) {
      console.log(`    (skipped: ${why})`);
      this.skip();
    }
  });

  /** A lab with the DP (responder + TFTP) and the DHCP server on another host; the machine on a tap. */
  async function pxeLab(run: LabRun, root: string, biosArchitectures: Record<string, 'x64'> = {}) {
    const net = await LabNetwork.create(run.runId, [{ name: 'lab', cidr: '198.18.201.0/24' }], run.cleanup, run.signal);
    await addBroadcastRoute(net, 'lab');
    const dhcpHost = await addLabHost(run, net, 'lab', 'dhcp', { address: '198.18.201.2' });
    const tap = await net.addTap('lab', run.signal);
    const dp = await SiteHost.start(
      net.namespace,
      {
        pxe: { id: 'DP01', serverAddress: '198.18.201.1', biosArchitectures, policy: { distributionPoint: 'DP01', bootImages: { x64: 'LAB00002' }, knownComputers: [MAC], deployments: [{ id: 'Deploy Windows 11', bootImage: 'LAB00002', required: true, targets: [MAC] }] } },
        tftp: { root, maxBlockSize: 4096, maxWindowSize: 4 },
      },
      run.cleanup,
      run.signal,
    );
    await SiteHost.start(dhcpHost.namespace, { dhcp: { serverAddress: '198.18.201.2', subnetMask: '255.255.255.0', rangeStart: '198.18.201.100', rangeEnd: '198.18.201.150' } }, run.cleanup, run.signal);
    return { net, tap, dp };
  }

  const machineSpec = (firmware: 'bios' | 'uefi', tap: string) => ({ name: 'pc1', firmware, architecture: 'x64' as const, memoryMB: 512, cpus: 1, disks: [], media: [], nics: [{ model: 'virtio-net' as const, mac: MAC, backend: { kind: 'tap' as const, ifname: tap }, bootIndex: 1 }] });

  it('OVMF x64 boots SMSBoot\\x64\\bootmgfw.efi from the distribution point', async () => {
    await withLabRun(`pxe-fw-${process.pid}`, async (run) => {
      const root = join(run.tempDir, 'RemoteInstall');
      await execa('grub-mknetdir', [`--net-directory=${root}`, '--subdir=grub', '-d', GRUB_EFI]);
      await mkdir(join(root, 'SMSBoot', 'x64'), { recursive: true });
      await copyFile(join(root, 'grub', 'x86_64-efi', 'core.efi'), join(root, 'SMSBoot', 'x64', 'bootmgfw.efi'));
      const { net, tap, dp } = await pxeLab(run, root);
      const machine = await launchMachine({ spec: machineSpec('uefi', tap), accel: 'tcg', outputDir: join(run.tempDir, 'out'), stateDir: join(run.tempDir, 'pc1'), namespace: net.namespace, cleanup: run.cleanup, signal: run.signal });
      const screen = await machine.waitForConsole(/Welcome to GRUB!/, { timeoutMs: 60_000 * timeoutScale('tcg'), signal: run.signal });
      expect(screen).to.include('NBP filename is SMSBoot\\x64\\bootmgfw.efi').and.include('Server IP address is 198.18.201.1').and.include('Station IP address is 198.18.201.100');
      await machine.stop();
      expect(dp.smspxeLog()).to.include('Type=93 Client Arch: EFI BC').and.include('found mandatory advertisement Deploy Windows 11');
      const transfers = dp.log.filter((l) => l.source === 'TFTP').map((l) => l.line);
      expect(transfers.some((l) => /bootmgfw\.efi complete \(\d+ bytes, blksize \d+, windowsize 4/.test(l)), transfers.join('\n')).to.equal(true);
    }, { handleSignals: false });
  });

  it('SeaBIOS + iPXE (option 93 = 0) fetches SMSBoot\\x64\\pxeboot.n12 for the x64 machine', async function () {
    if (!(await access(GRUB_PC).then(() => true, () => false))) return this.skip();
    await withLabRun(`pxe-fw-bios-${process.pid}`, async (run) => {
      const root = join(run.tempDir, 'RemoteInstall');
      await execa('grub-mknetdir', [`--net-directory=${root}`, '--subdir=grub', '-d', GRUB_PC]);
      await mkdir(join(root, 'SMSBoot', 'x64'), { recursive: true });
      await copyFile(join(root, 'grub', 'i386-pc', 'core.0'), join(root, 'SMSBoot', 'x64', 'pxeboot.n12'));
      const { net, tap, dp } = await pxeLab(run, root, { [MAC]: 'x64' });
      const machine = await launchMachine({ spec: machineSpec('bios', tap), accel: 'tcg', outputDir: join(run.tempDir, 'out'), stateDir: join(run.tempDir, 'pc1'), namespace: net.namespace, cleanup: run.cleanup, signal: run.signal });
      // GRUB for BIOS writes to the screen, not the serial line: the TFTP server's record is the proof.
      const fetched = () => dp.log.some((l) => l.source === 'TFTP' && /pxeboot\.n12 complete/.test(l.line));
      for (const end = Date.now() + 60_000 * timeoutScale('tcg'); !fetched() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 250));
      await machine.stop();
      expect(fetched(), dp.log.map((l) => l.line).join('\n')).to.equal(true);
      expect(dp.smspxeLog()).to.include('Type=93 Client Arch: x86 BIOS').and.include('sending boot file SMSBoot\\x64\\pxeboot.n12');
    }, { handleSignals: false });
  });
});
