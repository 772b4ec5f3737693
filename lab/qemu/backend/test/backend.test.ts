// The QEMU backend: how scenario machines become QEMU machines, what it refuses before building
// anything, and (with QEMU) that an interrupted run through the CLI leaves nothing behind.
import { expect } from 'chai';
import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { MachinePlan } from '../../../../harness/index.js';
import { EnvironmentError, loadScenario, type Scenario } from '../../../../scenarios/index.js';
import { leftoverNamespaces, leftoverQemu, namespacesUnavailable, qemuUnavailable } from '../../test/helpers.js';
import { QemuBackend } from '../index.js';
import { machineDrivers, machineSpec } from '../machine-spec.js';
import { installedOsFilesScript, presentPaths, systemDrivePath } from '../installed-os-files.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const scenarioFile = (name: string) => `${ROOT}scenarios/${name}.yaml`;

function planOf(scenario: Scenario, launch: MachinePlan['launch']): MachinePlan {
  const machine = scenario.machines[0]!;
  const media = scenario.media.find((m) => m.name === machine.media);
  return { machine, collections: [], deployment: scenario.deployments[0]!, ...(media ? { media } : {}), launch, powerOnAtMs: 0 };
}

describe('lab/qemu/backend', function () {
  this.timeout(20_000);

  describe('machine spec', () => {
    it('maps the NIC, disk controller, memory, SMBIOS and boot order of a scenario machine', async () => {
      const scenario = await loadScenario(scenarioFile('standalone-media-offline'));
      const machine = scenario.machines[0]!;
      const spec = machineSpec({ machine, diskPaths: ['/d0.qcow2'], media: { kind: 'usb', path: '/usb.img' }, nicBackend: { kind: 'none' } });
      expect(spec).to.deep.include({ name: 'PC-OFFLINE-01', firmware: 'uefi', architecture: 'x64', memoryMB: 4096 });
      expect(spec.nics).to.deep.equal([{ model: 'e1000e', mac: '52:54:00:40:00:01', backend: { kind: 'none' } }]);
      expect(spec.disks).to.deep.equal([{ controller: 'nvme', path: '/d0.qcow2', format: 'qcow2', bootIndex: 1 }]);
      expect(spec.media).to.deep.equal([{ kind: 'usb', path: '/usb.img', bootIndex: 0 }]);
      expect(spec.smbios?.serial).to.equal(machine.smbios.serial);
      expect(machineDrivers(machine)).to.deep.equal(['e1000e', 'nvme']);
    });

    it('makes the NIC a boot device only when "pxe" is in the boot order', async () => {
      const scenario = await loadScenario(scenarioFile('bare-metal-bios-mbr-media'));
      const machine = { ...scenario.machines[0]!, bootOrder: ['disk', 'media', 'pxe'] as ('media' | 'disk' | 'pxe')[] };
      const spec = machineSpec({ machine, diskPaths: ['/d0.qcow2', '/d1.qcow2'], media: { kind: 'cd', path: '/m.iso' }, nicBackend: { kind: 'tap', ifname: 'tap0' } });
      expect(spec.nics[0]).to.include({ model: 'e1000', bootIndex: 2 });
      expect(spec.disks.map((d) => [d.controller, d.bootIndex])).to.deep.equal([['ahci', 0], ['ahci', undefined]]);
      expect(spec.media[0]).to.include({ kind: 'cd', bootIndex: 1 });
    });
  });

  describe('files on the installed OS', () => {
    it('looks for C:\\ paths on the volume holding Windows\\System32, other drives through the machine', () => {
      expect(systemDrivePath('C:\\Windows\\Temp\\osdlab-stamp.txt')).to.equal('Windows/Temp/osdlab-stamp.txt');
      expect(systemDrivePath('c:\\x')).to.equal('x');
      expect(systemDrivePath('D:\\x')).to.equal(undefined);
      const script = installedOsFilesScript(["Windows/it's here.txt"]);
      expect(script).to.include('[ -d "$mp/Windows/System32" ]').and.include(`"$mp"/'Windows/it'\\''s here.txt'`);
      expect(presentPaths(['present 1', 'noise', ' present 0 '], 3)).to.deep.equal([true, true, false]);
    });
  });

  describe('refusals before anything is built', () => {
    for (const [launch, words] of [
      ['pxe', 'a PXE-started machine needs a network (its boundary)'],
      ['client', 'a deployment through the ConfigMgr client needs the machine\'s installed OS (installedOs)'],
    ] as const) {
      it(`${launch}: EnvironmentError naming what is missing`, async () => {
        const scenario = await loadScenario(scenarioFile('bare-metal-bios-mbr-media'));
        const plan = planOf(scenario, launch);
        // PXE needs the machine's network: without a boundary there is nothing to boot from.
        if (launch === 'pxe') plan.machine = { ...plan.machine, boundary: undefined };
        const err = await new QemuBackend({ handleSignals: false }).open(scenario, [plan], new AbortController().signal).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(EnvironmentError);
        expect((err as Error).message).to.include(words);
      });
    }

    it('a disk controller the lab does not build: EnvironmentError naming the field value', async () => {
      const scenario = await loadScenario(scenarioFile('bare-metal-bios-mbr-media'));
      const plan = planOf(scenario, 'bootMedia');
      plan.machine = { ...plan.machine, diskController: 'megasas' };
      const err = await new QemuBackend({ handleSignals: false }).open(scenario, [plan], new AbortController().signal).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(EnvironmentError);
      expect((err as Error).message).to.include('megasas');
    });
  });

  describe('interrupted run through the CLI @qemu @slow', function () {
    this.timeout(180_000);
    before(async function () {
      const why = (await qemuUnavailable()) ?? (await namespacesUnavailable());
      if (why) {
        console.log(`    (skipped: ${why})`);
        return this.skip();
      }
    });

    it('SIGINT during the media boot removes QEMU, the namespaces, the site servers and the temp dir', async () => {
      const child = execa('node', ['bin/osdlab.js', 'run', 'scenarios/bare-metal-bios-mbr-media.yaml', '--backend', 'qemu', '--out', `/tmp/osdlab-interrupt-test-${process.pid}`], { cwd: ROOT, reject: false, all: true });
      const needle = `osdlab-run-${child.pid}-`;
      const deadline = Date.now() + 150_000;
      while ((await leftoverQemu(needle)).length === 0) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`QEMU never started: ${String((await child).all)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      const namespaces = await leftoverNamespaces(`osdlab-run-${child.pid}-`);
      // The run's namespace, and one per site host on its subnet: DHCP server, DP, MP.
      expect(namespaces.map((n) => n.replace(/^osdlab-run-\d+-[a-z0-9]+/, '')).sort(), 'the run has a network: its namespaces exist while it runs').to.deep.equal(['', '-dhcp0', '-dp0', '-mp']);
      const servers = await execa('pgrep', ['-f', `main.ts /tmp/${needle}`], { reject: false });
      expect(servers.stdout.trim(), 'the site server processes run').to.not.equal('');
      child.kill('SIGINT');
      const result = await child;
      expect(result.exitCode === 130 || result.signal === 'SIGINT' || result.exitCode === 3, `exit ${result.exitCode} ${result.signal}: ${String(result.all)}`).to.equal(true);
      expect(await leftoverQemu(needle)).to.deep.equal([]);
      expect(await leftoverNamespaces(`osdlab-run-${child.pid}-`)).to.deep.equal([]);
      expect((await execa('pgrep', ['-f', `main.ts /tmp/${needle}`], { reject: false })).stdout.trim(), 'site server processes left').to.equal('');
      const { stdout } = await execa('sh', ['-c', `ls -d /tmp/${needle}* 2>/dev/null || true`]);
      expect(stdout, 'temp dir left').to.equal('');
      expect(await access(`/tmp/osdlab-interrupt-test-${process.pid}`).then(() => true, () => false), 'no run folder for an interrupted run').to.equal(false);
    });
  });
});
