// Real-client tests of the proxyDHCP, the DHCP server and the TFTP server on a lab network:
// busybox udhcpc in its own namespace on the lab bridge (198.18.200.0/24), the distribution
// point (PXE responder + TFTP) in the lab namespace, the subnet's DHCP server on another host.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LabNetwork, withLabRun, type LabRun } from '../../qemu/index.js';
import { BOOTREQUEST, DhcpMessage, DhcpOption, clientGuid, decodeBootp, encodeBootp, encodeClientGuid, messageType, optionString, type BootpPacket } from '../dhcp/bootp.js';
import type { PxePolicy } from '../pxe/decision.js';
import { SiteHost } from '../pxe/host.js';
import { addBroadcastRoute, addLabHost, canCreateNamespaces, inNamespace, type LabHost } from './pxe-lab.js';

const SUBNET = { name: 'lab', cidr: '198.18.200.0/24' };
const DP = '198.18.200.1';
const DHCP_HOST = '198.18.200.2';
const KNOWN_MAC = '52:54:00:20:00:01';
const KNOWN_GUID = '8A1C2B3D-4E5F-4A6B-9C7D-0E1F2A3B4C5D';

const policy = (over: Partial<PxePolicy> = {}): PxePolicy => ({
  distributionPoint: 'DP01',
  bootImages: { x86: 'LAB00001', x64: 'LAB00002' },
  knownComputers: [KNOWN_MAC, KNOWN_GUID],
  deployments: [{ id: 'Deploy Windows 11', bootImage: 'LAB00002', required: true, targets: [KNOWN_MAC, KNOWN_GUID] }],
  ...over,
});

/** Every DHCP packet that reaches `port` in the client's namespace (what the client could hear). */
function listen(host: LabHost, port: number, run: LabRun): Promise<{ packets: { from: string; packet: BootpPacket }[]; stop: () => Promise<void> }> {
  const js = `const d=require('dgram').createSocket({type:'udp4',reuseAddr:true});d.on('message',(m,r)=>console.log(JSON.stringify({from:r.address,hex:m.toString('hex')})));d.bind(${port},()=>console.log('READY'));`;
  const child: ChildProcess = spawn('ip', ['netns', 'exec', host.namespace, process.execPath, '-e', js], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  const forget = run.cleanup.add('udp listener', stop);
  const packets: { from: string; packet: BootpPacket }[] = [];
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`listener exited ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line === 'READY') return resolve({ packets, stop: async () => (await stop(), forget()) });
      const { from, hex } = JSON.parse(line) as { from: string; hex: string };
      packets.push({ from, packet: decodeBootp(Buffer.from(hex, 'hex')) });
    });
  });
}

interface Udhcpc {
  exitCode: number | undefined;
  events: Record<string, string>[];
}

async function udhcpc(host: LabHost, dir: string, args: string[]): Promise<Udhcpc> {
  const script = join(dir, 'udhcpc.sh');
  const out = join(dir, `events-${Date.now()}-${Math.random()}.txt`);
  await writeFile(script, `#!/bin/sh\necho "event=$1 ip=$ip siaddr=$siaddr serverid=$serverid boot_file=$boot_file" >> "$UDHCPC_EVENTS"\n`);
  await chmod(script, 0o755);
  await writeFile(out, '');
  const r = await inNamespace(host.namespace, 'env', [`UDHCPC_EVENTS=${out}`, 'udhcpc', '-i', host.ifname, '-f', '-q', '-n', '-t', '2', '-T', '1', '-s', script, ...args]);
  const events = (await readFile(out, 'utf8'))
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => Object.fromEntries(l.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])));
  return { exitCode: r.exitCode, events };
}

const pxeArgs = (arch: number, guid?: string) => [
  '-V',
  `PXEClient:Arch:${String(arch).padStart(5, '0')}:UNDI:003016`,
  '-x',
  `0x5d:${arch.toString(16).padStart(4, '0')}`,
  ...(guid ? ['-x', `0x61:${encodeClientGuid(guid).toString('hex')}`] : []),
];

const offersFrom = (packets: { from: string; packet: BootpPacket }[], server: string) =>
  packets.filter((p) => p.from === server && messageType(p.packet) === DhcpMessage.offer).map((p) => p.packet);

const waitFor = async (check: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; !check() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
};

describe('PXE responder, DHCP and TFTP with real clients in lab namespaces', function () {
  this.timeout(120_000);
  let dir: string;

  before(async function () {
    if (!(await canCreateNamespaces())) this.skip();
    dir = await mkdtemp(join(tmpdir(), 'osdlab-pxe-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const lab = (body: (ctx: { run: LabRun; net: LabNetwork; client: LabHost; dhcpHost: LabHost }) => Promise<void>) =>
    withLabRun(`pxe-${process.pid}-${Math.floor(Math.random() * 1e6)}`, async (run) => {
      const net = await LabNetwork.create(run.runId, [SUBNET], run.cleanup, run.signal);
      await addBroadcastRoute(net, SUBNET.name);
      const dhcpHost = await addLabHost(run, net, SUBNET.name, 'dhcp', { address: DHCP_HOST });
      const client = await addLabHost(run, net, SUBNET.name, 'c1', { mac: KNOWN_MAC });
      await body({ run, net, client, dhcpHost });
    }, { handleSignals: false });

  const dhcpConfig = { serverAddress: DHCP_HOST, subnetMask: '255.255.255.0', rangeStart: '198.18.200.100', rangeEnd: '198.18.200.150' };

  it('proxyDHCP beside the subnet DHCP server: an address from the DHCP server, the boot file per architecture from the responder', async () => {
    await lab(async ({ run, net, client, dhcpHost }) => {
      // The response delay lets udhcpc (not a PXE client: it takes the first offer) bind the DHCP server's address.
      const dp = await SiteHost.start(net.namespace, { pxe: { id: 'DP01', serverAddress: DP, responseDelayMs: 800, policy: policy(), biosArchitectures: { [KNOWN_MAC]: 'x64' } } }, run.cleanup);
      await SiteHost.start(dhcpHost.namespace, { dhcp: dhcpConfig }, run.cleanup);
      const cases: [number, string][] = [
        [0, 'SMSBoot\\x64\\pxeboot.n12'],
        [6, 'SMSBoot\\x86\\bootmgfw.efi'],
        [7, 'SMSBoot\\x64\\bootmgfw.efi'],
        [9, 'SMSBoot\\x64\\bootmgfw.efi'],
      ];
      for (const [arch, bootFile] of cases) {
        const heard = await listen(client, 68, run);
        const r = await udhcpc(client, dir, pxeArgs(arch));
        await waitFor(() => offersFrom(heard.packets, DP).length > 0, 3000);
        await heard.stop();
        const bound = r.events.find((e) => e.event === 'bound');
        expect(bound, `udhcpc events for arch ${arch}: ${JSON.stringify(r.events)}`).to.not.equal(undefined);
        expect(bound!.serverid).to.equal(DHCP_HOST);
        expect(bound!.ip).to.match(/^198\.18\.200\.1\d\d$/);
        const proxy = offersFrom(heard.packets, DP);
        expect(proxy.length, `proxy offers for arch ${arch}`).to.be.greaterThan(0);
        expect(proxy[0]!.file).to.equal(bootFile);
        expect(proxy[0]!.yiaddr).to.equal('0.0.0.0');
        expect(proxy[0]!.siaddr).to.equal(DP);
        expect(optionString(proxy[0]!, DhcpOption.vendorClass)).to.equal('PXEClient');
      }
      expect(dp.smspxeLog()).to.include('Type=93 Client Arch: EFI BC').and.include('device is in the database.').and.include('found mandatory advertisement Deploy Windows 11');
    });
  });

  it('an unknown computer gets an address but no PXE answer while unknown-computer support is off; known by SMBIOS GUID it does', async () => {
    await lab(async ({ run, net, client, dhcpHost }) => {
      const unknownMac = '52:54:00:20:00:99';
      await inNamespace(client.namespace, 'ip', ['link', 'set', client.ifname, 'address', unknownMac]);
      const dp = await SiteHost.start(net.namespace, { pxe: { id: 'DP01', serverAddress: DP, responseDelayMs: 300, policy: policy() } }, run.cleanup);
      await SiteHost.start(dhcpHost.namespace, { dhcp: dhcpConfig }, run.cleanup);

      const heard = await listen(client, 68, run);
      const unknown = await udhcpc(client, dir, pxeArgs(7, '11111111-2222-3333-4444-555555555555'));
      await new Promise((r) => setTimeout(r, 700));
      await heard.stop();
      expect(unknown.events.some((e) => e.event === 'bound')).to.equal(true);
      expect(offersFrom(heard.packets, DP)).to.have.length(0);
      expect(dp.smspxeLog()).to.include('device is not in the database. Not serviced.');

      const heard2 = await listen(client, 68, run);
      await udhcpc(client, dir, pxeArgs(7, KNOWN_GUID));
      await waitFor(() => offersFrom(heard2.packets, DP).length > 0, 3000);
      await heard2.stop();
      const offer = offersFrom(heard2.packets, DP)[0];
      expect(offer?.file).to.equal('SMSBoot\\x64\\bootmgfw.efi');
      expect(clientGuid(offer!)).to.equal(KNOWN_GUID);
    });
  });

  it('co-hosted with the DHCP server: port 67 clashes unless the responder keeps to 4011; then option 60 sends the client to 4011 for its boot file, fetched by TFTP', async () => {
    await lab(async ({ run, net, client }) => {
      const root = join(dir, 'RemoteInstall');
      await mkdir(join(root, 'SMSBoot', 'x64'), { recursive: true });
      const nbp = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 251));
      await writeFile(join(root, 'SMSBoot', 'x64', 'bootmgfw.efi'), nbp);
      const coHosted = { dhcp: { ...dhcpConfig, serverAddress: DP, pxeClientOption60: true } };
      let clash: Error | undefined;
      await SiteHost.start(net.namespace, { ...coHosted, pxe: { id: 'DP01', serverAddress: DP, policy: policy() } }, run.cleanup).catch((e: Error) => (clash = e));
      expect(clash?.message).to.match(/port 67 is already in use/);

      const dp = await SiteHost.start(net.namespace, { ...coHosted, pxe: { id: 'DP01', serverAddress: DP, useDhcpPorts: false, policy: policy() }, tftp: { root, maxBlockSize: 1456 } }, run.cleanup);
      const heard = await listen(client, 68, run);
      const lease = await udhcpc(client, dir, pxeArgs(7));
      await heard.stop();
      const bound = lease.events.find((e) => e.event === 'bound');
      expect(bound?.serverid).to.equal(DP);
      const offer = offersFrom(heard.packets, DP)[0]!;
      expect(optionString(offer, DhcpOption.vendorClass)).to.equal('PXEClient');
      expect(offer.file).to.equal('');

      // No installed client speaks to 4011 (Debian's busybox lacks udhcpc -P): the PXE ROM's
      // boot-server request is sent from the client's namespace with our codec, as the ROM would.
      await inNamespace(client.namespace, 'ip', ['addr', 'add', `${bound!.ip}/24`, 'dev', client.ifname]);
      const request = encodeBootp({
        op: BOOTREQUEST, xid: 0x1234, secs: 0, flags: 0, ciaddr: bound!.ip!, yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr: '0.0.0.0', chaddr: KNOWN_MAC, sname: '', file: '',
        options: new Map([
          [DhcpOption.messageType, Buffer.from([DhcpMessage.request])],
          [DhcpOption.vendorClass, Buffer.from('PXEClient:Arch:00007:UNDI:003016')],
          [DhcpOption.clientArch, Buffer.from([0, 7])],
        ]),
      });
      const js = `const d=require('dgram').createSocket('udp4');d.on('message',(m)=>{console.log(m.toString('hex'));process.exit(0)});d.bind(68,()=>d.send(Buffer.from('${request.toString('hex')}','hex'),4011,'${DP}'));setTimeout(()=>process.exit(1),3000);`;
      const answer = await inNamespace(client.namespace, process.execPath, ['-e', js]);
      expect(answer.exitCode, answer.stderr).to.equal(0);
      const ack = decodeBootp(Buffer.from(answer.stdout.trim(), 'hex'));
      expect(messageType(ack)).to.equal(DhcpMessage.ack);
      expect(ack.file).to.equal('SMSBoot\\x64\\bootmgfw.efi');
      expect(ack.siaddr).to.equal(DP);

      const out = join(dir, 'nbp.efi');
      const t = await inNamespace(client.namespace, 'tftp', [DP, '-m', 'binary', '-c', 'get', ack.file, out]);
      expect(t.exitCode, t.stderr + t.stdout).to.equal(0);
      expect((await readFile(out)).equals(nbp)).to.equal(true);
      expect(dp.log.some((l) => l.source === 'TFTP' && l.line.includes('complete'))).to.equal(true);
    });
  });

  it('the last required deployment is not offered again until the scenario clears it', async () => {
    await lab(async ({ run, net, client, dhcpHost }) => {
      const dp = await SiteHost.start(net.namespace, { pxe: { id: 'DP01', serverAddress: DP, responseDelayMs: 300, policy: policy() } }, run.cleanup);
      await SiteHost.start(dhcpHost.namespace, { dhcp: dhcpConfig }, run.cleanup);
      const proxyOffers = async () => {
        const heard = await listen(client, 68, run);
        await udhcpc(client, dir, pxeArgs(7));
        await new Promise((r) => setTimeout(r, 700));
        await heard.stop();
        return offersFrom(heard.packets, DP);
      };
      await dp.recordRequiredRun(KNOWN_MAC, 'Deploy Windows 11');
      expect(await proxyOffers()).to.have.length(0);
      expect(dp.smspxeLog()).to.include('already ran');
      await dp.clearLastPxeDeployment(KNOWN_MAC);
      expect((await proxyOffers())[0]?.file).to.equal('SMSBoot\\x64\\bootmgfw.efi');
    });
  });
});
