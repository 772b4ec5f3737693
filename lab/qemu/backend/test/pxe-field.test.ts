// PXE field behaviour with real firmware (OVMF's own PXE client on virtio-net) against the site a
// run starts (startSiteServices): an unknown computer is not answered while unknown-computer
// support is off; an x64 machine finds no x64 boot image when the DP has only an x86 one; a required
// deployment that already ran is not offered again until the last PXE deployment is cleared.
// Each boot is stopped once the responder has decided (its SMSPXE.log line) and, when it answered,
// once the firmware has fetched the boot file over TFTP.
import { expect } from 'chai';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { access } from 'node:fs/promises';
import { execa } from 'execa';
import { loadScenario, type Scenario } from '../../../../scenarios/index.js';
import { LabNetwork, launchMachine, withLabRun, type LabRun } from '../../index.js';
import { namespacesUnavailable, qemuUnavailable, testBootImage } from '../../test/helpers.js';
import { startSiteServices, type DistributionPointService } from '../site-services.js';

const SCENARIO = fileURLToPath(new URL('../../../../scenarios/bare-metal-uefi-gpt-pxe.yaml', import.meta.url));
const KNOWN_MAC = '52:54:00:10:00:01';
const DEPLOYMENT = 'Deploy Windows 11 (UEFI)';
/** KVM-free budget for OVMF to send its DHCP discover and fetch a boot file (TCG, loaded machine). */
const DECISION_MS = 240_000;

async function unavailable(): Promise<string | undefined> {
  const why = (await qemuUnavailable()) ?? (await namespacesUnavailable());
  if (why) return why;
  if ((await execa('grub-mkimage', ['--version'], { reject: false })).exitCode !== 0) return 'grub-mkimage is not installed';
  if (!(await access('/usr/share/OVMF/OVMF_CODE_4M.fd').then(() => true, () => false))) return 'no OVMF';
  return undefined;
}

/** The site of the scenario on one subnet; `edit` changes the scenario first. */
async function site(run: LabRun, edit: (s: Scenario) => Scenario = (s) => s): Promise<{ net: LabNetwork; dp: DistributionPointService }> {
  const scenario = edit(await loadScenario(SCENARIO));
  const net = await LabNetwork.create(run.runId, [{ name: 'b0', cidr: '198.18.10.0/24' }], run.cleanup, run.signal);
  const bootImage = await testBootImage(['virtio-net']);
  const services = await startSiteServices({ scenario, run, net, subnets: new Map([['HQ', 'b0']]), content: { bootImages: { x64: bootImage }, bootImageFor: () => bootImage, packages: [] }, outputDir: join(run.tempDir, 'out'), log: () => undefined });
  return { net, dp: services.distributionPointFor('HQ')! };
}

/** SMSPXE.log lines about `mac` so far. */
const linesFor = (dp: DistributionPointService, mac: string) => dp.pxe!.log.filter((l) => l.source === 'SMSPXE' && l.line.toLowerCase().includes(mac)).map((l) => l.line);

/** Powers a UEFI machine on with only its NIC to boot from; resolves with the responder's decision. */
async function pxeBoot(run: LabRun, net: LabNetwork, dp: DistributionPointService, mac: string, n: number): Promise<{ served: boolean; smspxe: string[] }> {
  const tap = await net.addTap('b0', run.signal);
  const name = `pxe${n}`;
  const machine = await launchMachine({
    spec: { name, firmware: 'uefi', architecture: 'x64', memoryMB: 512, cpus: 1, disks: [], media: [], nics: [{ model: 'virtio-net', mac, backend: { kind: 'tap', ifname: tap }, bootIndex: 0 }] },
    accel: 'tcg',
    outputDir: join(run.tempDir, 'out', name),
    stateDir: join(run.tempDir, name),
    namespace: net.namespace,
    cleanup: run.cleanup,
    signal: run.signal,
  });
  const before = linesFor(dp, mac).length;
  const decided = () => linesFor(dp, mac).slice(before).find((l) => /sending boot file|Not serviced|already ran|boot image on the PXE distribution point/.test(l));
  const transfers = () => dp.pxe!.log.filter((l) => l.source === 'TFTP' && /bootmgfw\.efi complete/.test(l.line)).length;
  const transfersBefore = transfers();
  const fetched = () => transfers() > transfersBefore;
  try {
    for (const end = Date.now() + DECISION_MS; !decided() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 250));
    const decision = decided();
    if (decision === undefined) throw new Error(`the responder never decided on ${mac}: ${dp.pxe!.smspxeLog()}`);
    const served = /sending boot file/.test(decision);
    // Served: the firmware really fetches the file over TFTP.
    if (served) for (const end = Date.now() + DECISION_MS; !fetched() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 250));
    return { served: served && fetched(), smspxe: linesFor(dp, mac).slice(before) };
  } finally {
    await machine.stop();
  }
}

describe('PXE field behaviour on real VMs @qemu @slow', function () {
  this.timeout(900_000);

  before(async function () {
    const why = await unavailable();
    if (why) {
      console.log(`    (skipped: ${why})`);
      return this.skip();
    }
  });

  it('an unknown computer is not answered while unknown-computer support is off', async () => {
    await withLabRun(`pxe-field-u-${process.pid}`, async (run) => {
      const { net, dp } = await site(run);
      const boot = await pxeBoot(run, net, dp, '52:54:00:10:00:99', 1);
      expect(boot.served, boot.smspxe.join('\n')).to.equal(false);
      expect(boot.smspxe.join('\n')).to.include('device is not in the database. Not serviced.');
    }, { handleSignals: false });
  });

  it('an x64 machine with only an x86 boot image on the DP fails at PXE', async () => {
    await withLabRun(`pxe-field-a-${process.pid}`, async (run) => {
      const onlyX86 = (s: Scenario): Scenario => ({
        ...s,
        content: { ...s.content, bootImages: s.content.bootImages.filter((b) => b.arch === 'x86') },
        deployments: s.deployments.map((d) => ({ ...d, bootImage: 'LAB00001' })),
      });
      const { net, dp } = await site(run, onlyX86);
      const boot = await pxeBoot(run, net, dp, KNOWN_MAC, 1);
      expect(boot.served, boot.smspxe.join('\n')).to.equal(false);
      expect(boot.smspxe.join('\n')).to.include('no x64 boot image on the PXE distribution point DP01');
    }, { handleSignals: false });
  });

  it('a required deployment that ran is not offered on the next PXE boot until it is cleared', async () => {
    await withLabRun(`pxe-field-r-${process.pid}`, async (run) => {
      const { net, dp } = await site(run);
      const first = await pxeBoot(run, net, dp, KNOWN_MAC, 1);
      expect(first.served, first.smspxe.join('\n')).to.equal(true);
      // What the PXE start does once the deployment begins (pxe-launch.ts).
      await dp.pxe!.recordRequiredRun(KNOWN_MAC, DEPLOYMENT);
      const second = await pxeBoot(run, net, dp, KNOWN_MAC, 2);
      expect(second.served, second.smspxe.join('\n')).to.equal(false);
      expect(second.smspxe.join('\n')).to.include(`the last required deployment ${DEPLOYMENT} already ran`);
      await dp.pxe!.clearLastPxeDeployment(KNOWN_MAC);
      const third = await pxeBoot(run, net, dp, KNOWN_MAC, 3);
      expect(third.served, third.smspxe.join('\n')).to.equal(true);
    }, { handleSignals: false });
  });
});
