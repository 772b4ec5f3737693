import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { runCli } from './run-cli.js';

const FIXTURES = fileURLToPath(new URL('../../drivers/test/fixtures/', import.meta.url));
const VIRTIO_NET = 'PCI\\VEN_1AF4&DEV_1000&SUBSYS_00011AF4&REV_00,PCI\\VEN_1AF4&DEV_1000&SUBSYS_00011AF4';

describe('osdlab drivers', function () {
  this.timeout(60_000);

  it('show prints provider, class, DriverVer and per decoration the hardware IDs', async () => {
    const r = await runCli(['drivers', 'show', `${FIXTURES}virtio-win/viostor.inf`, `${FIXTURES}virtio-win/netkvm.inf`]);
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('Provider: Red Hat, Inc.');
    expect(r.stdout).to.contain('Class: SCSIAdapter {4d36e97b-e325-11ce-bfc1-08002be10318}');
    expect(r.stdout).to.contain('DriverVer: 2009-10-10, 5.3.0.17241');
    expect(r.stdout).to.contain('[RHEL.NTamd64] decoration NTamd64');
    expect(r.stdout).to.contain('[RHEL] undecorated');
    expect(r.stdout).to.contain('note: line 21: NT$ARCH$ is an unstamped stampinf placeholder, read as NTx86 and NTamd64');
    expect(r.stdout).to.match(/line 24: Red Hat VirtIO Ethernet Adapter -> \[kvmnet6\.ndi\]\n\s+hardware ID:\s+PCI\\VEN_1AF4&DEV_1000&SUBSYS_00011AF4&REV_00/);
  });

  it('show --json gives the parsed model', async () => {
    const r = await runCli(['drivers', 'show', '--json', `${FIXTURES}lab/pro1000-lab.inf`]);
    expect(r.exitCode, r.stderr).to.equal(0);
    const [inf] = JSON.parse(r.stdout) as { encoding: string; driverVer: unknown; modelsSections: { section: string }[] }[];
    expect(inf.encoding).to.equal('utf-16le');
    expect(inf.driverVer).to.deep.equal({ date: '2021-04-12', version: '12.18.9.23' });
    expect(inf.modelsSections.map((s) => s.section)).to.include('Intel.NTamd64.10.0...17763');
  });

  it('show rejects an .inx with exit 2, file:line and section/key, and no stack trace', async () => {
    const r = await runCli(['drivers', 'show', `${FIXTURES}virtio-win/vioscsi.inx`]);
    expect(r.exitCode).to.equal(2);
    expect(r.stderr).to.match(/vioscsi\.inx:42 \[DestinationDirs\] vioscsi_Files_Driver: an \.inx is a stampinf template/);
    expect(r.stderr).not.to.match(/\bat .*\.ts:\d+/);
  });

  it('match ranks the drivers in folders for a device and gives the reason for each rank', async () => {
    const r = await runCli(['drivers', 'match', `${FIXTURES}virtio-win`, `${FIXTURES}lab`, '--device', VIRTIO_NET, '--compatible', 'PCI\\VEN_1AF4&DEV_1000&REV_00,PCI\\VEN_1AF4&DEV_1000']);
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/1\. \S*netkvm\.inf: Red Hat VirtIO Ethernet Adapter\n\s+rank 0x80FF0000: device hardware ID #1 PCI\\VEN_1AF4&DEV_1000&SUBSYS_00011AF4&REV_00 = INF hardware ID \(\[RedHat\.NT\$ARCH\$\] read as NTamd64 line 24\); unsigned/);
    expect(r.stdout).to.contain('unsigned: CatalogFile netkvm.cat is not beside the INF');
  });

  it('match --json orders candidates and explains each against the next', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'osdlab-drivers-'));
    try {
      const inf = (id: string) =>
        `[Version]\nSignature="$Windows NT$"\nClass=Net\nDriverVer=01/01/2020,1.0.0.0\n[Manufacturer]\nM=M,NTamd64\n[M.NTamd64]\nNIC=Install,${id}\n`;
      await writeFile(join(dir, 'generic.inf'), inf('PCI\\VEN_8086&DEV_100E'));
      await writeFile(join(dir, 'board.inf'), inf('PCI\\VEN_8086&DEV_100E&SUBSYS_001E8086'));
      const r = await runCli(['drivers', 'match', dir, '--device', 'PCI\\VEN_8086&DEV_100E&SUBSYS_001E8086', '--compatible', 'PCI\\VEN_8086&DEV_100E&REV_02,PCI\\VEN_8086&DEV_100E', '--json']);
      expect(r.exitCode, r.stderr).to.equal(0);
      const out = JSON.parse(r.stdout) as { candidates: { inf: string; rank: string; aheadOfNext: string | null }[]; target: { architecture: string } };
      expect(out.target.architecture).to.equal('x64');
      expect(out.candidates.map((c) => [basename(c.inf), c.rank])).to.deep.equal([
        ['board.inf', '0x80FF0000'],
        ['generic.inf', '0x80FF2001'],
      ]);
      expect(out.candidates[0].aheadOfNext).to.match(/^lower rank than .*generic\.inf \(0x80FF0000 < 0x80FF2001\)$/);
      expect(out.candidates[1].aheadOfNext).to.equal(null);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('match --arch x86 reads the x86 decoration; no match exits 1', async () => {
    const x86 = await runCli(['drivers', 'match', `${FIXTURES}virtio-win/viostor.inf`, '--device', 'PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4', '--arch', 'x86']);
    expect(x86.exitCode, x86.stderr).to.equal(0);
    expect(x86.stdout).to.contain('([RHEL.NTx86] line 42)');
    const none = await runCli(['drivers', 'match', `${FIXTURES}virtio-win/viostor.inf`, '--device', 'PCI\\VEN_1AF4&DEV_1042']);
    expect(none.exitCode).to.equal(1);
    expect(none.stdout).to.contain('no driver matches');
  });

  it('match without device IDs or with a bad --arch exits 2', async () => {
    const noIds = await runCli(['drivers', 'match', `${FIXTURES}virtio-win`]);
    expect(noIds.exitCode).to.equal(2);
    expect(noIds.stderr).to.contain('--device');
    const badArch = await runCli(['drivers', 'match', `${FIXTURES}virtio-win`, '--device', 'PCI\\X', '--arch', 'arm64']);
    expect(badArch.exitCode).to.equal(2);
  });
});
