// Real firmware through our site services (one OVMF boot under TCG, about 12 s here): a UEFI
// x64 machine PXE-boots with the subnet's DHCP server on another host, gets its boot file from our
// proxyDHCP and downloads it from our TFTP server (OVMF negotiates blksize and windowsize and
// probes tsize first); the boot file is GRUB standing in for bootmgfw.efi, so "Welcome to GRUB!"
// on the serial console proves the firmware ran what our services gave it.
import { expect } from 'chai';
import { execa } from 'execa';
import { access, copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LabNetwork, launchMachine, timeoutScale, withLabRun } from '../../qemu/index.js';
import { SiteHost } from '../pxe/host.js';
import { addBroadcastRoute, addLabHost, canCreateNamespaces } from './pxe-lab.js';

const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const GRUB_EFI = '/usr/lib/grub/x86_64-efi';
const MAC = '52:54:00:30:00:01';

async function unavailable(): Promise<string | undefined> {
  if (!(await canCreateNamespaces())) return 'creating network namespaces needs root';
  if ((await execa('qemu-system-x86_64', ['--version'], { reject: false })).exitCode !== 0) return 'qemu-system-x86_64 is not installed';
  if (!(await access(OVMF_CODE).then(() => true, () => false))) return `no OVMF (${OVMF_CODE})`;
  if ((await execa('grub-mknetdir', ['--version'], { reject: false })).exitCode !== 0 || !(await access(GRUB_EFI).then(() => true, () => false))) return 'no grub-mknetdir / grub-efi-amd64-bin';
  return undefined;
}

describe('PXE boot of real UEFI firmware through our proxyDHCP, DHCP and TFTP @slow @qemu', function () {
  this.timeout(240_000);

  before(async function () {
    const why = await unavailable();
    if (why) {
      console.log(`    (skipped: ${why})`);
      this.skip();
    }
  });

  it('OVMF x64 boots SMSBoot\\x64\\bootmgfw.efi from the distribution point', async () => {
    await withLabRun(`pxe-fw-${process.pid}`, async (run) => {
      const root = join(run.tempDir, 'RemoteInstall');
      await execa('grub-mknetdir', [`--net-directory=${root}`, '--subdir=grub', '-d', GRUB_EFI]);
      await mkdir(join(root, 'SMSBoot', 'x64'), { recursive: true });
      await copyFile(join(root, 'grub', 'x86_64-efi', 'core.efi'), join(root, 'SMSBoot', 'x64', 'bootmgfw.efi'));

      const net = await LabNetwork.create(run.runId, [{ name: 'lab', cidr: '198.18.201.0/24' }], run.cleanup, run.signal);
      await addBroadcastRoute(net, 'lab');
      const dhcpHost = await addLabHost(run, net, 'lab', 'dhcp', { address: '198.18.201.2' });
      const tap = await net.addTap('lab', run.signal);
      const dp = await SiteHost.start(
        net.namespace,
        {
          pxe: { id: 'DP01', serverAddress: '198.18.201.1', policy: { distributionPoint: 'DP01', bootImages: { x64: 'LAB00002' }, knownComputers: [MAC], deployments: [{ id: 'Deploy Windows 11', bootImage: 'LAB00002', required: true, targets: [MAC] }] } },
          tftp: { root, maxBlockSize: 4096, maxWindowSize: 4 },
        },
        run.cleanup,
        run.signal,
      );
      await SiteHost.start(dhcpHost.namespace, { dhcp: { serverAddress: '198.18.201.2', subnetMask: '255.255.255.0', rangeStart: '198.18.201.100', rangeEnd: '198.18.201.150' } }, run.cleanup, run.signal);

      const machine = await launchMachine({
        spec: { name: 'pc1', firmware: 'uefi', architecture: 'x64', memoryMB: 512, cpus: 1, disks: [], media: [], nics: [{ model: 'virtio-net', mac: MAC, backend: { kind: 'tap', ifname: tap }, bootIndex: 1 }] },
        accel: 'tcg',
        outputDir: join(run.tempDir, 'out'),
        stateDir: join(run.tempDir, 'pc1'),
        namespace: net.namespace,
        cleanup: run.cleanup,
        signal: run.signal,
      });
      const screen = await machine.waitForConsole(/Welcome to GRUB!/, { timeoutMs: 60_000 * timeoutScale('tcg'), signal: run.signal });
      expect(screen).to.include('NBP filename is SMSBoot\\x64\\bootmgfw.efi').and.include('Server IP address is 198.18.201.1').and.include('Station IP address is 198.18.201.100');
      await machine.stop();
      expect(dp.smspxeLog()).to.include('Type=93 Client Arch: EFI BC').and.include('found mandatory advertisement Deploy Windows 11');
      const transfers = dp.log.filter((l) => l.source === 'TFTP').map((l) => l.line);
      expect(transfers.some((l) => /bootmgfw\.efi complete \(\d+ bytes, blksize \d+, windowsize 4/.test(l)), transfers.join('\n')).to.equal(true);
    }, { handleSignals: false });
  });
});
