// The subnet's DHCP server and the BOOTP codec, on loopback.
import { expect } from 'chai';
import fc from 'fast-check';
import { createSocket, type Socket } from 'node:dgram';
import { EnvironmentError } from '../../../scenarios/index.js';
import {
  BOOTREQUEST,
  BootpDecodeError,
  DhcpMessage,
  DhcpOption,
  clientArchitectureType,
  clientGuid,
  decodeBootp,
  encodeBootp,
  encodeClientGuid,
  ipOption,
  messageType,
  optionIp,
  optionString,
  type BootpPacket,
} from '../dhcp/bootp.js';
import { DhcpServer } from '../dhcp/server.js';
import { PxeResponderServer } from '../pxe/responder.js';

describe('BOOTP codec', () => {
  it('round-trips packets with options, long options split at 255 bytes', () => {
    fc.assert(
      fc.property(
        fc.record({
          xid: fc.integer({ min: 0, max: 0xffffffff }),
          flags: fc.constantFrom(0, 0x8000),
          file: fc.stringMatching(/^[A-Za-z0-9\\._-]{0,100}$/),
          vendor: fc.uint8Array({ minLength: 0, maxLength: 600 }),
        }),
        (c) => {
          const p: BootpPacket = {
            op: BOOTREQUEST, xid: c.xid, secs: 3, flags: c.flags, ciaddr: '198.18.0.5', yiaddr: '0.0.0.0', siaddr: '198.18.0.1', giaddr: '0.0.0.0', chaddr: '52:54:00:aa:bb:cc', sname: 'DP01', file: c.file,
            options: new Map([[DhcpOption.messageType, Buffer.from([1])], [DhcpOption.vendorSpecific, Buffer.from(c.vendor)]]),
          };
          const back = decodeBootp(encodeBootp(p));
          expect({ ...back, options: [...back.options] }).to.deep.equal({ ...p, options: [...p.options] });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads option 93 and prints option 97 the way SMBIOS and SMSPXE do', () => {
    const guid = '8A1C2B3D-4E5F-4A6B-9C7D-0E1F2A3B4C5D';
    const opt = encodeClientGuid(guid);
    expect(opt.toString('hex')).to.equal('003d2b1c8a5f4e6b4a9c7d0e1f2a3b4c5d');
    const p = decodeBootp(encodeBootp({ op: BOOTREQUEST, xid: 1, secs: 0, flags: 0, ciaddr: '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr: '0.0.0.0', chaddr: '52:54:00:00:00:01', sname: '', file: '', options: new Map([[DhcpOption.clientGuid, opt], [DhcpOption.clientArch, Buffer.from([0, 9])]]) }));
    expect(clientGuid(p)).to.equal(guid);
    expect(clientArchitectureType(p)).to.equal(9);
  });

  it('rejects what is not a DHCP packet', () => {
    expect(() => decodeBootp(Buffer.alloc(100))).to.throw(BootpDecodeError);
    const noCookie = encodeBootp({ op: BOOTREQUEST, xid: 1, secs: 0, flags: 0, ciaddr: '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr: '0.0.0.0', chaddr: '52:54:00:00:00:01', sname: '', file: '', options: new Map() });
    noCookie.writeUInt32BE(0, 236);
    expect(() => decodeBootp(noCookie)).to.throw(BootpDecodeError, /magic cookie/);
  });
});

describe('DHCP server (loopback)', function () {
  this.timeout(10_000);
  const ports = { server: 0, client: 0 };
  let socket: Socket;
  const heard: BootpPacket[] = [];
  let server: DhcpServer | undefined;

  before(async () => {
    socket = createSocket('udp4');
    socket.on('message', (m) => heard.push(decodeBootp(m)));
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    ports.client = socket.address().port;
  });
  after(() => socket.close());
  afterEach(async () => {
    heard.length = 0;
    await server?.close();
    server = undefined;
  });

  const start = async (over: { pxeClientOption60?: boolean; rangeEnd?: string } = {}) => {
    server = await DhcpServer.start({
      serverAddress: '198.18.0.1', subnetMask: '255.255.255.0', rangeStart: '198.18.0.100', rangeEnd: over.rangeEnd ?? '198.18.0.150',
      port: 0, clientPort: ports.client, replyAddress: '127.0.0.1', bindAddress: '127.0.0.1', ...(over.pxeClientOption60 ? { pxeClientOption60: true } : {}),
    });
    ports.server = server.port;
    return server;
  };
  const send = async (mac: string, type: number, options: [number, Buffer][] = []): Promise<BootpPacket | undefined> => {
    heard.length = 0;
    socket.send(encodeBootp({ op: BOOTREQUEST, xid: 7, secs: 0, flags: 0x8000, ciaddr: '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr: '0.0.0.0', chaddr: mac, sname: '', file: '', options: new Map([[DhcpOption.messageType, Buffer.from([type])], ...options]) }), ports.server, '127.0.0.1');
    for (let i = 0; i < 20 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    return heard[0];
  };

  it('offers, acknowledges and keeps each client\'s address; NAKs an address it did not offer', async () => {
    const s = await start();
    const offer = await send('52:54:00:00:00:01', DhcpMessage.discover);
    expect(messageType(offer!)).to.equal(DhcpMessage.offer);
    expect(offer!.yiaddr).to.equal('198.18.0.100');
    expect(optionIp(offer!, DhcpOption.serverId)).to.equal('198.18.0.1');
    expect(optionIp(offer!, DhcpOption.subnetMask)).to.equal('255.255.255.0');
    const ack = await send('52:54:00:00:00:01', DhcpMessage.request, [[DhcpOption.requestedAddress, ipOption('198.18.0.100')], [DhcpOption.serverId, ipOption('198.18.0.1')]]);
    expect(messageType(ack!)).to.equal(DhcpMessage.ack);
    expect((await send('52:54:00:00:00:02', DhcpMessage.discover))!.yiaddr).to.equal('198.18.0.101');
    expect((await send('52:54:00:00:00:01', DhcpMessage.discover))!.yiaddr).to.equal('198.18.0.100');
    const nak = await send('52:54:00:00:00:01', DhcpMessage.request, [[DhcpOption.requestedAddress, ipOption('198.18.0.140')]]);
    expect(messageType(nak!)).to.equal(DhcpMessage.nak);
    expect(s.leases()).to.deep.include({ mac: '52:54:00:00:00:01', address: '198.18.0.100', bound: true });
    expect(await send('52:54:00:00:00:77', DhcpMessage.request, [[DhcpOption.requestedAddress, ipOption('198.18.0.120')]])).to.equal(undefined);
  });

  it('stays silent for a REQUEST naming another server and frees the offer; no offer when the range is used up', async () => {
    const s = await start({ rangeEnd: '198.18.0.100' });
    await send('52:54:00:00:00:01', DhcpMessage.discover);
    expect(await send('52:54:00:00:00:01', DhcpMessage.request, [[DhcpOption.serverId, ipOption('198.18.0.2')]])).to.equal(undefined);
    expect(s.leases()).to.deep.equal([]);
    await send('52:54:00:00:00:01', DhcpMessage.discover);
    expect(await send('52:54:00:00:00:02', DhcpMessage.discover)).to.equal(undefined);
  });

  it('co-hosted with the PXE responder: option 60 "PXEClient" in its replies; a responder on 67 too is refused', async () => {
    await start({ pxeClientOption60: true });
    const offer = await send('52:54:00:00:00:01', DhcpMessage.discover);
    expect(optionString(offer!, DhcpOption.vendorClass)).to.equal('PXEClient');
    const clash = await PxeResponderServer.start({ id: 'DP01', serverAddress: '127.0.0.1', bindAddress: '127.0.0.1', ports: { dhcp: ports.server, pxe: 0 }, policy: { distributionPoint: 'DP01', bootImages: {} } }).catch((e: unknown) => e);
    expect(clash).to.be.instanceOf(EnvironmentError);
    expect((clash as Error).message).to.include(`UDP port ${ports.server} is already in use`);
  });
});
