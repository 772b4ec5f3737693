// PXE on the QEMU lab: the netboot loader's configuration, the guest's download and policy scripts,
// and (with root, QEMU, OVMF and GRUB) both bare-metal PXE scenarios end to end through the CLI:
// firmware PXE from our proxyDHCP + TFTP, the boot image over TFTP, policy from the MP, the OS image
// from the DP over HTTP, and the run folder's SMSPXE.log, DP access log and console log.
import { expect } from 'chai';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { downloadScript, guestNetworkScript } from '../../machine/index.js';
import { leftoverNamespaces, namespacesUnavailable, qemuUnavailable } from '../../test/helpers.js';
import { policyScript } from '../mp-policy.js';
import { PXE_LAUNCH_ARG, pxeGrubConfig } from '../pxe-boot-files.js';
import { pxeConsoleLines } from '../pxe-launch.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

describe('lab/qemu/backend: PXE pieces', () => {
  it('the netboot loader loads the boot image over TFTP by relative names and tells the agent it was PXE-started', () => {
    const options = { dpAddress: '198.18.10.10', bootImage: { id: 'LAB00002' }, append: 'console=ttyS0 osdlab.environment=WinPE', mpUrl: 'http://198.18.10.3' };
    const efi = pxeGrubConfig(options, 'linux');
    // The TFTP server refuses absolute names, so nothing may follow ")" with a "/".
    expect(efi).to.include("linux '(tftp,198.18.10.10)SMSImages/LAB00002/vmlinuz' console=ttyS0 osdlab.environment=WinPE");
    expect(efi).to.include(`${PXE_LAUNCH_ARG} osdlab.dp=http://198.18.10.10 osdlab.mp=http://198.18.10.3`);
    expect(efi).to.include("initrd '(tftp,198.18.10.10)SMSImages/LAB00002/initrd.img'").and.not.match(/\)\//);
    const bios = pxeGrubConfig(options, 'linux16');
    expect(bios).to.include("linux16 '(tftp,").and.include("initrd16 '(tftp,");
    expect(pxeGrubConfig({ ...options, bootImage: undefined }, 'linux')).to.include('no x64 boot image on this distribution point').and.not.include('linux ');
  });

  it('downloads every file with wget -c (Range on a retry) into the cache folder, failing with wget\'s words', () => {
    const script = downloadScript('http://198.18.10.10/SMS_DP_SMSPKG$/LAB00003', [{ path: 'install.wim', bytes: 3 }, { path: 'sub dir/a+b.txt', bytes: 1 }], '/mnt/c/_SMSTaskSequence/Packages/LAB00003', 3);
    expect(script).to.include("get 'http://198.18.10.10/SMS_DP_SMSPKG$/LAB00003/install.wim' '/mnt/c/_SMSTaskSequence/Packages/LAB00003/install.wim' || exit 1");
    expect(script).to.include("'http://198.18.10.10/SMS_DP_SMSPKG$/LAB00003/sub%20dir/a%2Bb.txt'");
    expect(script).to.include('wget -q -c -O "$2" "$1"').and.not.include(' -T ');
    expect(guestNetworkScript()).to.include('udhcpc -i "$i"').and.include('no network adapter has a driver');
  });

  it('asks the MP for the computer\'s record, then for the policy of its SMS GUID', () => {
    const script = policyScript('http://198.18.10.3', { mac: '52:54:00:10:00:01', smbiosGuid: 'X' });
    expect(script).to.include(`--post-data '{"mac":"52:54:00:10:00:01","smbiosGuid":"X"}' 'http://198.18.10.3/mp/register'`);
    expect(script).to.include(`--post-data '{"smsGuid":"'"$guid"'"}' 'http://198.18.10.3/mp/policy'`);
  });

  it('keeps the PXE client\'s and the loader\'s console lines as evidence', () => {
    const console = 'noise\r\nNext server: 198.18.10.10\r\nFilename: SMSBoot\\x64\\bootmgfw.efi\r\n\x1b[2Jtftp://198.18.10.10/SMSBoot\\x64\\bootmgfw.efi... ok\r\nosdlab PXE: loading boot image LAB00002 from tftp://198.18.10.10\r\n';
    expect(pxeConsoleLines(console)).to.deep.equal(['Next server: 198.18.10.10', 'Filename: SMSBoot\\x64\\bootmgfw.efi', 'tftp://198.18.10.10/SMSBoot\\x64\\bootmgfw.efi... ok', 'osdlab PXE: loading boot image LAB00002 from tftp://198.18.10.10']);
  });
});

interface Result {
  pass: boolean;
  machines: { name: string; outcome: string; failedStep?: string; pass: boolean; expectations: { what: string; pass: boolean }[]; steps: { name: string; status: string; reason?: string }[] }[];
}

async function pxeUnavailable(): Promise<string | undefined> {
  const why = (await qemuUnavailable()) ?? (await namespacesUnavailable());
  if (why) return why;
  if ((await execa('grub-mkimage', ['--version'], { reject: false })).exitCode !== 0) return 'grub-mkimage is not installed';
  if (!(await access('/usr/share/OVMF/OVMF_CODE_4M.fd').then(() => true, () => false))) return 'no OVMF';
  return undefined;
}

describe('osdlab run --backend qemu, bare metal by PXE @qemu @slow', function () {
  this.timeout(1_500_000);
  let out: string;

  before(async function () {
    const why = await pxeUnavailable();
    if (why) {
      console.log(`    (skipped: ${why})`);
      return this.skip();
    }
    out = await mkdtemp(join(tmpdir(), 'osdlab-qemu-pxe-'));
  });
  after(() => out && rm(out, { recursive: true, force: true }));

  async function run(scenario: string, folder: string): Promise<{ result: Result; all: string; exitCode: number | undefined }> {
    const started = Date.now();
    const dir = join(out, folder);
    const child = execa('node', ['bin/osdlab.js', 'run', `scenarios/${scenario}.yaml`, '--backend', 'qemu', '--out', dir], { cwd: ROOT, reject: false, all: true });
    const r = await child;
    console.log(`      (wall time ${Math.round((Date.now() - started) / 1000)} s)`);
    const result = JSON.parse(await readFile(join(dir, 'result.json'), 'utf8')) as Result;
    expect(await leftoverNamespaces(`osdlab-run-${child.pid}-`), 'namespaces left').to.deep.equal([]);
    return { result, all: String(r.all), exitCode: r.exitCode };
  }

  const read = (dir: string, ...path: string[]) => readFile(join(out, dir, ...path), 'utf8');

  it('UEFI + GPT: OVMF PXE-boots bootmgfw.efi, the boot image gets its policy from the MP and its content from the DP', async () => {
    const { result, all, exitCode } = await run('bare-metal-uefi-gpt-pxe', 'uefi');
    const machine = result.machines[0]!;
    const consoleLog = await read('uefi', 'machines', 'PC-UEFI-01', 'console.log');
    expect(consoleLog, 'the firmware took the boot file from our proxyDHCP').to.include('SMSBoot\\x64\\bootmgfw.efi');
    expect(consoleLog).to.include('osdlab PXE: loading boot image LAB00002 from tftp://');
    expect(await read('uefi', 'site', 'DP01', 'SMSPXE.log')).to.include('Type=93 Client Arch: EFI BC').and.include('found mandatory advertisement Deploy Windows 11 (UEFI)').and.include('sending boot file SMSBoot\\x64\\bootmgfw.efi');
    expect(await read('uefi', 'site', 'DP01', 'tftp.log')).to.match(/SMSImages[\\/]LAB00002[\\/]initrd\.img complete/);
    expect(await read('uefi', 'site', 'DP01', 'access.log'), 'the OS image came from the DP over HTTP').to.match(/GET LAB00003\/install\.wim - 20[06] \d+/);
    expect(await read('uefi', 'site', 'MP01', 'access.log')).to.include('/mp/register').and.include('/mp/policy');
    const smsts = await read('uefi', 'machines', 'PC-UEFI-01', 'smsts.log');
    expect(smsts).to.include('Boot image started by PXE').and.include('policy: Deploy Windows 11 (UEFI) (required)').and.include('component="TSPxe"');
    // Every expectation of the scenario, "Apply Device Drivers" included (Auto Apply Drivers is real on this backend now).
    expect(machine.expectations.filter((e) => !e.pass), `${all}\n${JSON.stringify(machine.steps)}`).to.deep.equal([]);
    expect(exitCode).to.equal(0);
  });

  it('BIOS + MBR: SeaBIOS + iPXE fetch pxeboot.n12 for the x64 machine, and the deployment completes', async () => {
    const { result, all, exitCode } = await run('bare-metal-bios-mbr-pxe', 'bios');
    const machine = result.machines[0]!;
    expect(await read('bios', 'machines', 'PC-BIOS-PXE-01', 'console.log')).to.include('SMSBoot\\x64\\pxeboot.n12');
    expect(await read('bios', 'site', 'DP01', 'SMSPXE.log')).to.include('Type=93 Client Arch: x86 BIOS').and.include('sending boot file SMSBoot\\x64\\pxeboot.n12');
    expect(await read('bios', 'site', 'DP01', 'access.log')).to.match(/GET LAB00003\/install\.wim - 20[06] \d+/);
    expect(machine.expectations.filter((e) => !e.pass), `${all}\n${JSON.stringify(machine.steps)}`).to.deep.equal([]);
    expect(exitCode).to.equal(0);
  });
});
