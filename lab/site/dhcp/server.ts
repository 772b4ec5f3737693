// The subnet's ordinary DHCP server: leases from a range, DISCOVER → OFFER, REQUEST → ACK/NAK.
// With `pxeClientOption60` it is the co-hosted DHCP server of a PXE responder (WDSUTIL
// /DHCPOption60:Yes): its offers carry option 60 "PXEClient" so PXE clients ask port 4011 here.
import {
  BOOTREQUEST,
  DhcpMessage,
  DhcpOption,
  decodeBootp,
  encodeBootp,
  ipOption,
  messageType,
  optionIp,
  replyTo,
  uint32Option,
  type BootpPacket,
} from './bootp.js';
import { bindUdp, sendUdp, type BoundSocket } from './udp.js';

export interface DhcpServerOptions {
  /** The server's own address on the subnet (option 54). */
  serverAddress: string;
  subnetMask: string;
  rangeStart: string;
  rangeEnd: string;
  leaseSeconds?: number;
  router?: string;
  pxeClientOption60?: boolean;
  /** Default 67. */
  port?: number;
  /** Where replies go; default 68 on 255.255.255.255 (edk2 ignores offers to the subnet broadcast). */
  clientPort?: number;
  replyAddress?: string;
  /** Default 0.0.0.0: broadcasts reach only a socket bound to the wildcard address. */
  bindAddress?: string;
  log?: (message: string) => void;
}

export interface DhcpLease {
  mac: string;
  address: string;
  /** Bound (ACKed) or only offered. */
  bound: boolean;
}

const toInt = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const toIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

export class DhcpServer {
  private readonly leasesByMac = new Map<string, DhcpLease>();

  private constructor(
    private readonly options: DhcpServerOptions,
    private bound?: BoundSocket,
  ) {}

  static async start(options: DhcpServerOptions): Promise<DhcpServer> {
    const server = new DhcpServer(options);
    server.bound = await bindUdp(options.bindAddress ?? '0.0.0.0', options.port ?? 67, 'DHCP server', (msg) => void server.onMessage(msg));
    return server;
  }

  /** The bound port (0 in the options means the system chose it). */
  get port(): number {
    return this.bound!.socket.address().port;
  }

  leases(): DhcpLease[] {
    return [...this.leasesByMac.values()].map((l) => ({ ...l }));
  }

  async close(): Promise<void> {
    await this.bound?.close();
  }

  private log(message: string): void {
    this.options.log?.(message);
  }

  private async onMessage(msg: Buffer): Promise<void> {
    let request: BootpPacket;
    try {
      request = decodeBootp(msg);
    } catch (e) {
      this.log(`ignored a malformed packet: ${(e as Error).message}`);
      return;
    }
    if (request.op !== BOOTREQUEST) return;
    const type = messageType(request);
    if (type === DhcpMessage.discover) return this.offer(request);
    if (type === DhcpMessage.request) return this.acknowledge(request);
    if (type === DhcpMessage.release || type === DhcpMessage.decline) {
      this.leasesByMac.delete(request.chaddr);
      this.log(`${request.chaddr}: lease released`);
    }
  }

  private freeAddress(): string | undefined {
    const taken = new Set([...this.leasesByMac.values()].map((l) => l.address));
    for (let n = toInt(this.options.rangeStart); n <= toInt(this.options.rangeEnd); n++) {
      const ip = toIp(n);
      if (!taken.has(ip) && ip !== this.options.serverAddress) return ip;
    }
    return undefined;
  }

  private async offer(request: BootpPacket): Promise<void> {
    const lease = this.leasesByMac.get(request.chaddr) ?? { mac: request.chaddr, address: this.freeAddress() ?? '', bound: false };
    if (!lease.address) {
      this.log(`${request.chaddr}: no free address in ${this.options.rangeStart}-${this.options.rangeEnd}`);
      return;
    }
    this.leasesByMac.set(request.chaddr, lease);
    this.log(`${request.chaddr}: offering ${lease.address}`);
    await this.send(this.reply(request, DhcpMessage.offer, lease.address));
  }

  private async acknowledge(request: BootpPacket): Promise<void> {
    const serverId = optionIp(request, DhcpOption.serverId);
    const lease = this.leasesByMac.get(request.chaddr);
    if (serverId !== undefined && serverId !== this.options.serverAddress) {
      // The client took another server's offer.
      if (lease && !lease.bound) this.leasesByMac.delete(request.chaddr);
      return;
    }
    const wanted = optionIp(request, DhcpOption.requestedAddress) ?? (request.ciaddr !== '0.0.0.0' ? request.ciaddr : undefined);
    // RFC 2131 §4.3.2: a server with no record of the client stays silent.
    if (!lease) return this.log(`${request.chaddr}: REQUEST for ${wanted ?? 'no address'} from a client without a lease here`);
    if (wanted !== lease.address) {
      this.log(`${request.chaddr}: NAK for ${wanted ?? 'no address'}`);
      await this.send(replyTo(request, { options: new Map([[DhcpOption.messageType, Buffer.from([DhcpMessage.nak])], [DhcpOption.serverId, ipOption(this.options.serverAddress)]]) }));
      return;
    }
    lease.bound = true;
    this.log(`${request.chaddr}: acknowledged ${lease.address}`);
    await this.send(this.reply(request, DhcpMessage.ack, lease.address));
  }

  private reply(request: BootpPacket, type: number, address: string): BootpPacket {
    const o = this.options;
    const options = new Map<number, Buffer>([
      [DhcpOption.messageType, Buffer.from([type])],
      [DhcpOption.serverId, ipOption(o.serverAddress)],
      [DhcpOption.leaseTime, uint32Option(o.leaseSeconds ?? 3600)],
      [DhcpOption.subnetMask, ipOption(o.subnetMask)],
    ]);
    if (o.router) options.set(DhcpOption.router, ipOption(o.router));
    if (o.pxeClientOption60) options.set(DhcpOption.vendorClass, Buffer.from('PXEClient'));
    return replyTo(request, { yiaddr: address, siaddr: o.pxeClientOption60 ? o.serverAddress : '0.0.0.0', options });
  }

  private async send(packet: BootpPacket): Promise<void> {
    if (!this.bound) return;
    try {
      await sendUdp(this.bound.socket, encodeBootp(packet), this.options.clientPort ?? 68, this.options.replyAddress ?? '255.255.255.255');
    } catch (e) {
      this.log(`send failed: ${(e as Error).message}`);
    }
  }
}
