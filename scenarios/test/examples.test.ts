import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadScenario, parseScenario } from '../index.js';
import { runCli } from '../../cli/test/run-cli.js';

const dir = fileURLToPath(new URL('../', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = [
  'bare-metal-uefi-gpt-pxe.yaml',
  'bare-metal-bios-mbr-pxe.yaml',
  'bare-metal-bios-mbr-media.yaml',
  'refresh-user-state-smp.yaml',
  'standalone-media-offline.yaml',
  'failing-uefi-mbr-no-esp.yaml',
  'branch-office-500-clients.yaml',
  'hardware-matrix.yaml',
  'build-and-capture.yaml',
];
const GiB = 2 ** 30;

describe('shipped example scenarios', () => {
  it('are the ones the demo and regression set names', () => {
    expect(readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()).to.deep.equal([...EXAMPLES].sort());
  });

  it('osdlab validate scenarios/*.yaml exits 0 and reports each file', async function () {
    this.timeout(60_000);
    const r = await runCli(['validate', ...EXAMPLES.map((f) => `scenarios/${f}`)], { cwd: root });
    expect(r.stderr).to.equal('');
    expect(r.exitCode).to.equal(0);
    for (const f of EXAMPLES) expect(r.stdout).to.match(new RegExp(`^ok {2}scenarios/${f.replace('.', '\\.')} \\(\\d+ machines?`, 'm'));
  });

  it('bare-metal UEFI: sizes in bytes, defaults filled, inline task sequence with its position', async () => {
    const s = await loadScenario(`${dir}bare-metal-uefi-gpt-pxe.yaml`);
    const [m] = s.machines;
    expect(m.memory).to.equal(4 * GiB);
    expect(m.disks[0]).to.include({ size: 64 * GiB, type: 'basic', model: 'QEMU HARDDISK' });
    expect(m.clientCacheSize).to.equal(5 * GiB);
    expect(m.nic).to.deep.equal({ model: 'e1000e', mac: '52:54:00:10:00:01' });
    expect(m.smbios.serial).to.equal('PC-UEFI-01');
    expect(s.content.osImages[0]).to.include({ size: Math.round(4.6 * GiB), imageIndex: 3 });
    expect(s.content.osImages[0].distributionPoints).to.deep.equal(['DP01']);
    expect(s.site.distributionPoints[0].pxe).to.deep.include({ enabled: true, responseDelay: 0, tftpBlockSize: 4096, tftpWindowSize: 4 });
    expect(s.site.distributionPoints[0].bandwidth).to.equal(1e9);
    const ts = s.deployments[0].taskSequence;
    expect(ts.kind).to.equal('inline');
    // The locator finds the second step of the first group (Partition Disk 0 - UEFI) in the file.
    const text = readFileSync(s.file, 'utf8').split('\n');
    const line = text.findIndex((l) => l.includes('- name: Partition Disk 0 - UEFI')) + 1;
    expect(s.locator([...ts.sourcePath, 'steps', 0, 'steps', 1])).to.deep.equal({ line, column: text[line - 1].indexOf('name:') + 1 });
    expect(m.expect?.duration?.max).to.equal(2 * 3_600_000);
  });

  it('the complete example in docs/scenario-format.md loads', async () => {
    const doc = readFileSync(new URL('../../docs/scenario-format.md', import.meta.url), 'utf8');
    const block = /## A complete example\n+```yaml\n([\s\S]*?)```/.exec(doc);
    expect(block, 'example block').to.not.equal(null);
    const s = await parseScenario(`${dir}doc-example.yaml`, block![1]);
    expect(s.machines.map((m) => m.name)).to.deep.equal(['PC-UEFI-01']);
  });

  it('the failing example expects failure at the first restart to the hard disk (Setup Windows and ConfigMgr)', async () => {
    const s = await loadScenario(`${dir}failing-uefi-mbr-no-esp.yaml`);
    const [m] = s.machines;
    expect(m.firmware).to.equal('uefi');
    expect(m.expect).to.deep.include({ outcome: 'failed', failedStep: 'Setup Windows and ConfigMgr', bootsToFullOs: false });
    expect(m.expect?.disks?.[0].style).to.equal('mbr');
  });

  it('refresh: installed OS with user state, state migration point defaults', async () => {
    const s = await loadScenario(`${dir}refresh-user-state-smp.yaml`);
    expect(s.machines[0].installedOs).to.deep.include({ partition: 3, configMgrClient: true });
    expect(s.machines[0].installedOs?.userState).to.deep.equal({ users: 2, size: 1.5 * GiB });
    expect(s.site.stateMigrationPoints[0]).to.deep.include({ retention: 86_400_000, restoreOnly: false });
    expect(s.machines[0].expect?.userStateRestored).to.equal(true);
  });

  it('branch office: 500 clients behind a 100 Mbit/s link, with a content event', async () => {
    const s = await loadScenario(`${dir}branch-office-500-clients.yaml`);
    expect(s.clients[0]).to.deep.include({ count: 500, boundary: 'BRANCH' });
    expect(s.clients[0].arrival).to.deep.equal({ pattern: 'staggered', over: 30 * 60_000 });
    expect(s.site.links[0]).to.deep.include({ bandwidth: 100e6, latency: 20, loss: 0.001 });
    expect(s.content.driverPackages[0].distributionPoints).to.deep.equal([]);
    expect(s.events).to.deep.equal([{ at: 15 * 60_000, sourcePath: ['events', 0], action: 'distributeContent', packageId: 'LAB00004', distributionPoint: 'DP01' }]);
  });
});
