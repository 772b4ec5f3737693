// Content from the distribution point over the lab network, in a real boot image (direct kernel
// boot, TCG): the guest gets an address from the subnet's DHCP server (udhcpc) and downloads a
// package with wget into a folder, byte for byte; the DP process restarted in the middle of the
// download: wget resumes with a Range request; a boot image without the NIC's driver has no network,
// and the download fails with wget's own error.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { addLabHost, SiteHost, SITE_SERVER_MAIN, startSiteServerProcess, type SiteServerProcess } from '../../../site/index.js';
import { bringUpGuestNetwork } from '../dp-network.js';
import { LabNetwork, launchMachine, timeoutScale, withLabRun, type LabRun } from '../../index.js';
import { directBootSpec, namespacesUnavailable, qemuUnavailable, testBootImage } from '../../test/helpers.js';
import { DistributionPointContentSource } from '../dp-content-source.js';
import { GuestShell } from '../guest-shell.js';

const MAC = '52:54:00:44:00:01';

interface Site {
  net: LabNetwork;
  source: DistributionPointContentSource;
  dp: SiteServerProcess;
  /** Starts the DP again on the same address and port, with the same content. */
  restartDp(): Promise<SiteServerProcess>;
  accessLog: string;
}

/** DHCP server (.2) and DP (.10) on the subnet; the DP holds PKG00001 with one random file. */
async function site(run: LabRun, bytes: Buffer, dpOptions: { rateBytesPerSec?: number } = {}, attempts = 3): Promise<Site> {
  const net = await LabNetwork.create(run.runId, [{ name: 'b0', cidr: '198.18.44.0/24' }], run.cleanup, run.signal);
  const dhcpHost = await addLabHost(run, net, 'b0', 'dhcp', { address: '198.18.44.2' });
  await SiteHost.start(dhcpHost.namespace, { dhcp: { serverAddress: '198.18.44.2', subnetMask: '255.255.255.0', rangeStart: '198.18.44.100', rangeEnd: '198.18.44.120' } }, run.cleanup, run.signal);
  const folder = join(run.tempDir, 'PKG00001');
  await mkdir(join(folder, 'sub dir'), { recursive: true });
  await writeFile(join(folder, 'sub dir', 'image.wim'), bytes);
  const dpHost = await addLabHost(run, net, 'b0', 'dp', { address: '198.18.44.10' });
  const accessLog = join(run.tempDir, 'access.log');
  const config = { id: 'DP01', site: 'HQ', host: '0.0.0.0', port: 80, accessLogPath: accessLog, packages: [{ packageId: 'PKG00001', source: folder }], ...dpOptions };
  const startDp = () => startSiteServerProcess({ namespace: dpHost.namespace, main: SITE_SERVER_MAIN.distributionPoint, config, configPath: join(run.tempDir, 'dp.json'), label: 'distribution point DP01' }, run.cleanup, run.signal);
  const source = new DistributionPointContentSource({ url: 'http://198.18.44.10', packages: [{ packageId: 'PKG00001', files: [{ path: 'sub dir/image.wim', bytes: bytes.length }] }], attempts });
  return { net, source, dp: await startDp(), restartDp: startDp, accessLog };
}

async function guest(run: LabRun, net: LabNetwork, drivers: string[]): Promise<GuestShell> {
  const image = await testBootImage(drivers);
  const tap = await net.addTap('b0', run.signal);
  const machine = await launchMachine({
    spec: directBootSpec(image, { nics: [{ model: 'virtio-net', mac: MAC, backend: { kind: 'tap', ifname: tap } }] }),
    accel: 'tcg',
    outputDir: join(run.tempDir, 'out'),
    stateDir: join(run.tempDir, 'pc1'),
    namespace: net.namespace,
    cleanup: run.cleanup,
    signal: run.signal,
  });
  const agent = await machine.agent({ helloTimeoutMs: 30_000 * timeoutScale('tcg'), signal: run.signal });
  return new GuestShell(agent, timeoutScale('tcg'));
}

describe('DistributionPointContentSource in a real boot image @qemu @slow', function () {
  this.timeout(600_000);

  before(async function () {
    const why = (await qemuUnavailable()) ?? (await namespacesUnavailable());
    if (why) {
      console.log(`    (skipped: ${why})`);
      return this.skip();
    }
  });

  it('downloads the package from the DP over HTTP into the folder, byte for byte', async () => {
    await withLabRun(`dp-src-${process.pid}`, async (run) => {
      const bytes = randomBytes(3 * 1024 * 1024 + 17);
      const { net, source } = await site(run, bytes);
      const shell = await guest(run, net, ['virtio-net']);
      expect(await source.locate('PKG00001')).to.deep.equal({ location: 'http://198.18.44.10/SMS_DP_SMSPKG$/PKG00001', bytes: bytes.length });
      await shell.must('mkdir -p /tmp/cache/PKG00001', 30);
      expect(await source.fetch('PKG00001', '/tmp/cache/PKG00001', shell)).to.deep.equal({ ok: true });
      const sum = await shell.must("sha256sum '/tmp/cache/PKG00001/sub dir/image.wim'", 60);
      expect(sum[0]?.split(' ')[0]).to.equal(createHash('sha256').update(bytes).digest('hex'));
    }, { handleSignals: false });
  });

  it('resumes with a Range request when the DP process restarts in the middle of the download', async () => {
    await withLabRun(`dp-src-restart-${process.pid}`, async (run) => {
      const bytes = randomBytes(8 * 1024 * 1024);
      // 1 MiB/s: the download takes about 8 s, so a restart 2 s in falls in the middle.
      const { net, source, dp, restartDp, accessLog } = await site(run, bytes, { rateBytesPerSec: 1024 * 1024 }, 20);
      const shell = await guest(run, net, ['virtio-net']);
      await bringUpGuestNetwork(shell);
      await shell.must('mkdir -p /tmp/cache/PKG00001', 30);
      const fetching = source.fetch('PKG00001', '/tmp/cache/PKG00001', shell);
      await new Promise((r) => setTimeout(r, 2000));
      await dp.stop();
      await restartDp();
      expect(await fetching).to.deep.equal({ ok: true });
      const sum = await shell.must("sha256sum '/tmp/cache/PKG00001/sub dir/image.wim'", 60);
      expect(sum[0]?.split(' ')[0]).to.equal(createHash('sha256').update(bytes).digest('hex'));
      const lines = (await readFile(accessLog, 'utf8')).trim().split('\n');
      expect(lines.some((l) => /GET PKG00001\/sub(%20| )dir\/image\.wim bytes=[1-9]\d*- 206 /.test(l)), lines.join('\n')).to.equal(true);
    }, { handleSignals: false });
  });

  it('without the NIC\'s driver in the boot image: no network, and the download fails with wget\'s error', async () => {
    await withLabRun(`dp-src-nonet-${process.pid}`, async (run) => {
      const { net, source } = await site(run, randomBytes(1024));
      const shell = await guest(run, net, ['ahci']);
      await shell.must('mkdir -p /tmp/cache/PKG00001', 30);
      const r = await source.fetch('PKG00001', '/tmp/cache/PKG00001', shell);
      expect(r.ok).to.equal(false);
      const output = r.ok ? '' : r.output.join('\n');
      expect(output).to.include('no network adapter has a driver in this boot image');
      expect(output).to.match(/wget: (can't connect to remote host|bad address)[^\n]*/);
    }, { handleSignals: false });
  });
});
