// Field behaviour of the PXE responder's decisions (osd-behaviours §5, ts-formats §d), the pure
// function and the responder on loopback, and agreement with the twin's PXE model.
import { expect } from 'chai';
import fc from 'fast-check';
import { createSocket, type Socket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { parseCmtrace } from '../../../harness/index.js';
import { InputError, loadScenario } from '../../../scenarios/index.js';
import { PxeResponder as TwinResponder, pxeAnswer, type PxeDeployment } from '../../twin/index.js';
import { BOOTREQUEST, DhcpMessage, DhcpOption, decodeBootp, encodeBootp, encodeClientGuid, type BootpPacket } from '../dhcp/bootp.js';
import { clientArchitecture, decidePxe, firstAnswer, pxeClientOutcome, type PxePolicy, type PxeRequest } from '../pxe/decision.js';
import { PxeResponderServer } from '../pxe/responder.js';
import { pxeSettingsFromScenario } from '../pxe/scenario-policy.js';

const MAC = '52:54:00:10:00:01';
const GUID = '8A1C2B3D-4E5F-4A6B-9C7D-0E1F2A3B4C5D';
const required: PxeDeployment = { id: 'Deploy Windows 11', bootImage: 'LAB00002', required: true, targets: [MAC] };
const available: PxeDeployment = { id: 'Refresh (available)', bootImage: 'LAB00002', required: false, targets: [MAC] };
const forUnknown: PxeDeployment = { id: 'Bare metal (unknown)', bootImage: 'LAB00002', required: true, targets: 'unknownComputers' };

const policy = (over: Partial<PxePolicy> = {}): PxePolicy => ({
  distributionPoint: 'DP01',
  bootImages: { x86: 'LAB00001', x64: 'LAB00002' },
  knownComputers: [MAC],
  deployments: [required],
  ...over,
});
const uefiX64: PxeRequest = { mac: MAC, smbiosGuid: GUID, firmware: 'uefi', architecture: 'x64' };
const headless = { pressesF12: false, attended: false };
const answer = (p: PxePolicy, r: PxeRequest, id = 'DP01', delayMs = 0) => ({ id, delayMs, decision: decidePxe(p, r) });

describe('PXE responder decisions', () => {
  it('an unknown computer is not serviced while unknown-computer support is off', () => {
    const stranger = { ...uefiX64, mac: '52:54:00:99:99:99', smbiosGuid: '11111111-2222-3333-4444-555555555555' };
    const off = decidePxe(policy({ deployments: [required, forUnknown] }), stranger);
    expect(off).to.deep.include({ action: 'ignore', known: false });
    expect((off as { reason: string }).reason).to.include('not in the database. Not serviced.');
    const on = decidePxe(policy({ deployments: [required, forUnknown], unknownComputerSupport: true }), stranger);
    expect(on).to.deep.include({ action: 'boot', known: false, deployment: forUnknown });
  });

  it('a computer is known by MAC or SMBIOS GUID; a known computer does not get the unknown-computers deployment', () => {
    const byGuid = decidePxe(policy({ knownComputers: [GUID], deployments: [{ ...required, targets: [GUID.toLowerCase()] }] }), { ...uefiX64, mac: '52:54:00:00:00:02' });
    expect(byGuid.action).to.equal('boot');
    const known = decidePxe(policy({ deployments: [forUnknown], unknownComputerSupport: true }), uefiX64);
    expect(known).to.deep.include({ action: 'ignore', known: true });
    expect((known as { reason: string }).reason).to.include('no advertisements found');
  });

  it('an x64 client with only an x86 boot image on the DP fails at PXE, even for an x86 task sequence', () => {
    const x86Only = policy({ bootImages: { x86: 'LAB00001' }, deployments: [{ ...required, bootImage: 'LAB00001' }] });
    const uefi = decidePxe(x86Only, uefiX64);
    expect(uefi).to.deep.include({ action: 'abort' });
    expect(uefi).to.not.have.property('bootFile');
    expect((uefi as { reason: string }).reason).to.include('no x64 boot image on the PXE distribution point DP01');
    const bios = decidePxe(x86Only, { ...uefiX64, firmware: 'bios' });
    expect(bios).to.deep.include({ action: 'abort', bootFile: 'SMSBoot\\x64\\abortpxe.com' });
    expect(pxeClientOutcome([answer(x86Only, uefiX64)], headless)).to.deep.include({ outcome: 'fails' });
    expect(decidePxe(x86Only, { ...uefiX64, architecture: 'x86' }).action).to.equal('boot');
  });

  it('the last required deployment is not offered again until it is cleared; an available one still is', () => {
    const ran = { ...uefiX64, lastRequiredDeployment: required.id };
    const silent = decidePxe(policy(), ran);
    expect(silent.action).to.equal('ignore');
    expect(pxeClientOutcome([answer(policy(), ran)], headless)).to.deep.equal({ outcome: 'fallsThrough', reason: 'PXE-E53: No boot filename received' });
    expect(decidePxe(policy({ deployments: [required, available] }), ran)).to.deep.include({ action: 'boot', deployment: available, prompt: 'f12' });
    expect(decidePxe(policy(), uefiX64)).to.deep.include({ action: 'boot', deployment: required, prompt: 'none', bootFile: 'SMSBoot\\x64\\bootmgfw.efi' });
  });

  it('required boots without a key; available needs F12 or falls through to the next boot device', () => {
    const p = policy({ deployments: [available] });
    expect(decidePxe(p, uefiX64)).to.deep.include({ bootFile: 'SMSBoot\\x64\\wdsmgfw.efi', prompt: 'f12' });
    expect(decidePxe(p, { ...uefiX64, firmware: 'bios' })).to.deep.include({ bootFile: 'SMSBoot\\x64\\pxeboot.com' });
    expect(decidePxe(policy(), { ...uefiX64, firmware: 'bios' })).to.deep.include({ bootFile: 'SMSBoot\\x64\\pxeboot.n12' });
    expect(pxeClientOutcome([answer(p, uefiX64)], headless)).to.deep.equal({ outcome: 'fallsThrough', reason: 'Press F12 for network service boot: no key pressed' });
    expect(pxeClientOutcome([answer(p, uefiX64)], { pressesF12: true, attended: false }).outcome).to.equal('boots');
  });

  it('a PXE password stalls a headless boot (the scenario timeout fails it); someone at the machine boots', () => {
    const p = policy({ password: 'P@ss' });
    expect(pxeClientOutcome([answer(p, uefiX64)], headless)).to.deep.include({ outcome: 'stalls', responder: 'DP01' });
    expect(pxeClientOutcome([answer(p, uefiX64)], { pressesF12: false, attended: true }).outcome).to.equal('boots');
  });

  it('the first answer wins: response delay lets a preferred responder answer first; a rogue server without delay wins', () => {
    const rogue = policy({ kind: 'other', foreignBootFile: 'pxelinux.0' });
    const rogueFirst = pxeClientOutcome([answer(policy(), uefiX64, 'DP01', 2000), answer(rogue, uefiX64, 'ROGUE', 0)], headless);
    expect(rogueFirst).to.deep.equal({ outcome: 'foreign', responder: 'ROGUE', bootFile: 'pxelinux.0' });
    const dpFirst = pxeClientOutcome([answer(rogue, uefiX64, 'ROGUE', 1000), answer(policy(), uefiX64, 'DP01', 0)], headless);
    expect(dpFirst.outcome).to.equal('boots');
    expect(firstAnswer([answer(policy(), uefiX64, 'DP01'), answer(policy(), uefiX64, 'DP02')])?.id).to.equal('DP01');
    // A responder that stays silent does not win by being fast.
    const silent = policy({ knownComputers: [] });
    expect(firstAnswer([answer(silent, uefiX64, 'DP01', 0), answer(policy(), uefiX64, 'DP02', 3000)])?.id).to.equal('DP02');
  });

  it('a disabled responder, or one not allowed on the interface, stays silent', () => {
    expect(decidePxe(policy({ enabled: false }), uefiX64).action).to.equal('ignore');
    expect(decidePxe(policy({ allowedInterfaces: ['eth1'] }), { ...uefiX64, interface: 'eth0' }).action).to.equal('ignore');
    expect(decidePxe(policy({ allowedInterfaces: ['eth1'] }), { ...uefiX64, interface: 'ETH1' }).action).to.equal('boot');
  });

  it('option 93: 0 BIOS, 6 EFI IA32, 7 and 9 x64 UEFI, others not served', () => {
    expect(clientArchitecture(0)).to.deep.include({ firmware: 'bios' });
    expect(clientArchitecture(6)).to.deep.include({ firmware: 'uefi', architecture: 'x86' });
    expect(clientArchitecture(7)).to.deep.include({ firmware: 'uefi', architecture: 'x64', label: 'EFI BC' });
    expect(clientArchitecture(9)).to.deep.include({ firmware: 'uefi', architecture: 'x64' });
    expect(clientArchitecture(11)).to.equal(undefined);
  });

  it('makes the same decision as the twin\'s PXE model for one responder', () => {
    const arbDeployment = fc.record({
      id: fc.constantFrom('A', 'B'),
      bootImage: fc.constant('LAB00002'),
      required: fc.boolean(),
      targets: fc.oneof(fc.constant('unknownComputers' as const), fc.subarray(['PC1', MAC, 'PC9'])),
    });
    fc.assert(
      fc.property(
        fc.record({
          enabled: fc.boolean(),
          unknownComputerSupport: fc.boolean(),
          known: fc.subarray(['PC1', MAC]),
          deployments: fc.array(arbDeployment, { maxLength: 3 }),
          images: fc.subarray(['x86', 'x64'] as const),
          architecture: fc.constantFrom('x86' as const, 'x64' as const),
          pressesF12: fc.boolean(),
          lastRan: fc.option(fc.constantFrom('A', 'B'), { nil: undefined }),
        }),
        (c) => {
          const bootImages = Object.fromEntries(c.images.map((a) => [a, `IMG-${a}`]));
          const config = { id: 'DP01', site: 'S1', enabled: c.enabled, unknownComputerSupport: c.unknownComputerSupport, bootImages, distributionPoint: 'DP01', deployments: c.deployments, knownComputers: c.known };
          const twin = new TwinResponder(config);
          const client = { name: 'PC1', mac: MAC, architecture: c.architecture, pressesF12: c.pressesF12 };
          const ran = c.deployments.find((d) => d.id === c.lastRan && d.required);
          if (ran) twin.recordRequiredRun(client, ran);
          const theirs = pxeAnswer(client, [twin]);
          const ours = pxeClientOutcome(
            [{ id: 'DP01', delayMs: 0, decision: decidePxe(config, { mac: MAC, name: 'PC1', firmware: 'uefi', architecture: c.architecture, ...(ran ? { lastRequiredDeployment: ran.id } : {}) }) }],
            { pressesF12: c.pressesF12, attended: false },
          );
          const map = { boot: 'boots', foreign: 'foreign', fail: 'fails', fallThrough: 'fallsThrough' } as const;
          expect(ours.outcome).to.equal(map[theirs.kind]);
          if (theirs.kind === 'boot' && ours.outcome === 'boots') expect(ours.decision.deployment.id).to.equal(theirs.deployment.id);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('PXE responder on the wire (loopback)', function () {
  this.timeout(10_000);
  const ports = { dhcp: 0, pxe: 0, client: 0 };
  let client: Socket;
  const heard: BootpPacket[] = [];
  const servers: PxeResponderServer[] = [];

  before(async () => {
    client = createSocket('udp4');
    client.on('message', (m) => heard.push(decodeBootp(m)));
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
    ports.client = client.address().port;
  });
  after(() => client.close());
  afterEach(async () => {
    heard.length = 0;
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  const start = async (over: Partial<Parameters<typeof PxeResponderServer.start>[0]> = {}, log: string[] = []) => {
    const s = await PxeResponderServer.start({ id: 'DP01', policy: policy(), serverAddress: '127.0.0.1', ports, replyAddress: '127.0.0.1', bindAddress: '127.0.0.1', log: (l) => log.push(l), ...over });
    servers.push(s);
    return s;
  };
  const discover = (over: { vendorClass?: string; type?: number; to?: number } = {}, to: PxeResponderServer = servers[0]!) => {
    const p = encodeBootp({
      op: BOOTREQUEST, xid: 0xabcdef01, secs: 0, flags: 0x8000, ciaddr: '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr: '0.0.0.0', chaddr: MAC, sname: '', file: '',
      options: new Map([
        [DhcpOption.messageType, Buffer.from([over.type ?? DhcpMessage.discover])],
        [DhcpOption.clientArch, Buffer.from([0, 7])],
        [DhcpOption.clientGuid, encodeClientGuid(GUID)],
        ...(over.vendorClass === '' ? [] : [[DhcpOption.vendorClass, Buffer.from(over.vendorClass ?? 'PXEClient:Arch:00007:UNDI:003016')] as [number, Buffer]]),
      ]),
    });
    client.send(p, over.to ?? to.boundPorts.dhcp!, '127.0.0.1');
  };
  const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('answers a PXE DISCOVER with a proxy offer and logs SMSPXE.log in CMTrace format', async () => {
    const log: string[] = [];
    await start({}, log);
    discover();
    await settle(200);
    expect(heard).to.have.length(1);
    expect(heard[0]).to.include({ xid: 0xabcdef01, yiaddr: '0.0.0.0', siaddr: '127.0.0.1', file: 'SMSBoot\\x64\\bootmgfw.efi' });
    const lines = parseCmtrace(log.join('\r\n'));
    expect(lines.every((l) => l.component === 'SMSPXE')).to.equal(true);
    expect(lines.map((l) => l.message).join('\n')).to.include('Type=97 UUID: ' + GUID).and.include(`${MAC.toUpperCase()}, ${GUID}: device is in the database.`);
  });

  it('ignores DHCP traffic that is not from a PXE client, and REQUESTs on 67 meant for the DHCP server', async () => {
    await start();
    discover({ vendorClass: '' });
    discover({ type: DhcpMessage.request });
    await settle(200);
    expect(heard).to.have.length(0);
  });

  it('waits its response delay before answering, so a faster responder is heard first', async () => {
    await start({ responseDelayMs: 300 });
    const rogue = await start({ id: 'ROGUE', policy: { ...policy(), kind: 'other', foreignBootFile: 'undionly.kpxe' } });
    const sent = performance.now();
    discover();
    discover({}, rogue);
    await settle(100);
    expect(heard.map((h) => h.file)).to.deep.equal(['undionly.kpxe']);
    while (heard.length < 2 && performance.now() - sent < 3000) await settle(20);
    expect(heard.map((h) => h.file)).to.deep.equal(['undionly.kpxe', 'SMSBoot\\x64\\bootmgfw.efi']);
    expect(rogue.events[0]!.decision.action).to.equal('foreign');
  });

  it('answers a boot-server REQUEST on 4011 with an ACK naming the boot file', async () => {
    const s = await start({ useDhcpPorts: false });
    discover({ type: DhcpMessage.request, to: s.boundPorts.pxe });
    await settle(200);
    expect(heard).to.have.length(1);
    expect(heard[0]!.file).to.equal('SMSBoot\\x64\\bootmgfw.efi');
  });
});

describe('PXE settings from a scenario', () => {
  it('reads the example UEFI PXE scenario: known by MAC and SMBIOS GUID, the required deployment, boot images, TFTP sizes', async () => {
    const scenario = await loadScenario(fileURLToPath(new URL('../../../scenarios/bare-metal-uefi-gpt-pxe.yaml', import.meta.url)));
    const s = pxeSettingsFromScenario(scenario, 'DP01');
    expect(s.policy.bootImages).to.deep.equal({ x86: 'LAB00001', x64: 'LAB00002' });
    expect(s.policy.knownComputers).to.include.members(['PC-UEFI-01', '52:54:00:10:00:01', '8A1C2B3D-4E5F-4A6B-9C7D-0E1F2A3B4C5D']);
    expect(s.tftp).to.deep.equal({ maxBlockSize: 4096, maxWindowSize: 4 });
    const byGuidOnly = decidePxe(s.policy, { mac: '52:54:00:ff:ff:ff', smbiosGuid: '8a1c2b3d-4e5f-4a6b-9c7d-0e1f2a3b4c5d', firmware: 'uefi', architecture: 'x64' });
    expect(byGuidOnly).to.deep.include({ action: 'boot', bootFile: 'SMSBoot\\x64\\bootmgfw.efi', prompt: 'none' });
    expect((byGuidOnly as { deployment: PxeDeployment }).deployment.id).to.equal('Deploy Windows 11 (UEFI)');
    expect(() => pxeSettingsFromScenario(scenario, 'DP09')).to.throw(InputError, /no distribution point "DP09"; allowed: DP01/);
  });
});
