// The PXE responder of a distribution point on the wire: proxyDHCP on 67 next to the subnet's
// DHCP server, and 4011 (BINL) where PXE clients ask for the boot file. Co-hosted with a DHCP
// server (UseDHCPPorts=0) it listens on 4011 only and the DHCP server sends option 60.
// Each request goes through decidePxe(); SMSPXE.log records it in CMTrace format.
import { formatCmtraceLine, type Architecture, type CmtraceSeverity } from '../../../harness/index.js';
import {
  BOOTREQUEST,
  DhcpMessage,
  DhcpOption,
  clientArchitectureType,
  clientGuid,
  decodeBootp,
  encodeBootp,
  ipOption,
  messageType,
  optionString,
  replyTo,
  type BootpPacket,
} from '../dhcp/bootp.js';
import { bindUdp, sendUdp, type BoundSocket } from '../dhcp/udp.js';
import { clientArchitecture, decidePxe, type PxeDecision, type PxePolicy } from './decision.js';

export interface PxeResponderOptions {
  /** The distribution point's name, for the log. */
  id: string;
  policy: PxePolicy;
  /** The responder's own address: option 54 and the TFTP server (siaddr). */
  serverAddress: string;
  /** "PXE server response delay". */
  responseDelayMs?: number;
  /** Listen on 67 as proxyDHCP (default). false = UseDHCPPorts=0: 4011 only, for a host shared with a DHCP server. */
  useDhcpPorts?: boolean;
  /** The interface the responder listens on, checked against policy.allowedInterfaces. */
  interfaceName?: string;
  /** BIOS clients' CPU architecture by MAC (on a real site wdsnbp.com finds it out); default x86. */
  biosArchitectures?: Record<string, Architecture>;
  ports?: { dhcp?: number; pxe?: number; client?: number };
  /** Where replies to broadcasts go; default 255.255.255.255. */
  replyAddress?: string;
  bindAddress?: string;
  /** One SMSPXE.log line (CMTrace). */
  log?: (line: string) => void;
  now?: () => number;
}

/** A decision the responder made, for tests and the run's record. */
export interface PxeEvent {
  mac: string;
  smbiosGuid?: string;
  port: number;
  decision: PxeDecision;
}

const DISCOVERY_CONTROL_USE_BOOT_FILE = Buffer.from([6, 1, 0x08, 255]);

export class PxeResponderServer {
  private readonly sockets = new Map<'dhcp' | 'pxe', BoundSocket>();
  private readonly lastRequired = new Map<string, string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  readonly events: PxeEvent[] = [];

  private constructor(private readonly options: PxeResponderOptions) {}

  static async start(options: PxeResponderOptions): Promise<PxeResponderServer> {
    const r = new PxeResponderServer(options);
    const bind = options.bindAddress ?? '0.0.0.0';
    try {
      if (options.useDhcpPorts ?? true) r.sockets.set('dhcp', await bindUdp(bind, options.ports?.dhcp ?? 67, `PXE responder ${options.id} (proxyDHCP)`, (m, from) => r.onMessage(m, from, 'dhcp')));
      r.sockets.set('pxe', await bindUdp(bind, options.ports?.pxe ?? 4011, `PXE responder ${options.id}`, (m, from) => r.onMessage(m, from, 'pxe')));
    } catch (e) {
      await r.close();
      throw e;
    }
    r.log('================= PXE Provider loaded. =====================');
    return r;
  }

  /** The bound ports (a port given as 0 is chosen by the system). */
  get boundPorts(): { dhcp?: number; pxe: number } {
    const port = (k: 'dhcp' | 'pxe') => this.sockets.get(k)?.socket.address().port;
    return { ...(this.sockets.has('dhcp') ? { dhcp: port('dhcp')! } : {}), pxe: port('pxe')! };
  }

  /** "Clear Required PXE Deployments" for a computer, by MAC or SMBIOS GUID. */
  clearLastPxeDeployment(computer: string): void {
    for (const key of [...this.lastRequired.keys()]) if (key.toLowerCase() === computer.toLowerCase()) this.lastRequired.delete(key);
    this.log(`${computer}: last PXE deployment cleared`);
  }

  /** The computer started the required deployment it was offered; it is not offered again until cleared. */
  recordRequiredRun(mac: string, deploymentId: string): void {
    this.lastRequired.set(mac.toLowerCase(), deploymentId);
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const sockets = [...this.sockets.values()];
    this.sockets.clear();
    await Promise.all(sockets.map((s) => s.close()));
  }

  private log(message: string, type: CmtraceSeverity = 1): void {
    const now = this.options.now?.() ?? Date.now();
    this.options.log?.(formatCmtraceLine({ message, time: now, component: 'SMSPXE', context: '', type, thread: 3120, file: 'smspxe.cpp' }));
  }

  private onMessage(msg: Buffer, from: { address: string; port: number }, where: 'dhcp' | 'pxe'): void {
    let request: BootpPacket;
    try {
      request = decodeBootp(msg);
    } catch {
      return;
    }
    if (request.op !== BOOTREQUEST) return;
    const type = messageType(request);
    const vendorClass = optionString(request, DhcpOption.vendorClass) ?? '';
    if (!vendorClass.startsWith('PXEClient')) return;
    // On 67 a proxyDHCP answers DISCOVERs only; a REQUEST there is for the DHCP server's offer.
    if (where === 'dhcp' && type !== DhcpMessage.discover) return;
    if (where === 'pxe' && type !== DhcpMessage.request && type !== DhcpMessage.inform && type !== DhcpMessage.discover) return;
    this.handle(request, from, where, vendorClass);
  }

  private handle(request: BootpPacket, from: { address: string; port: number }, where: 'dhcp' | 'pxe', vendorClass: string): void {
    const o = this.options;
    const guid = clientGuid(request);
    const archType = clientArchitectureType(request);
    const arch = clientArchitecture(archType);
    const who = `${request.chaddr.toUpperCase()}, ${guid ?? '00000000-0000-0000-0000-000000000000'}`;
    this.log(
      [
        '============> Received from client:',
        `Operation: BootRequest (1) Addr type: 1 Addr Len: 6 Hop Count: 0 ID: ${request.xid.toString(16).toUpperCase().padStart(8, '0')}`,
        `Type=53 Msg Type: ${messageType(request)}`,
        `Type=93 Client Arch: ${arch?.label ?? `unsupported (${archType})`}`,
        ...(guid ? [`Type=97 UUID: ${guid}`] : []),
        `Type=60 ClassId: ${vendorClass}`,
      ].join('\n'),
      0,
    );
    if (!arch) {
      this.log(`${who}: client architecture ${archType} is not supported. Not serviced.`, 2);
      return;
    }
    const lastRequiredDeployment = this.lastRequired.get(request.chaddr.toLowerCase());
    const decision = decidePxe(o.policy, {
      mac: request.chaddr,
      ...(guid ? { smbiosGuid: guid } : {}),
      firmware: arch.firmware,
      architecture: arch.architecture ?? o.biosArchitectures?.[request.chaddr.toLowerCase()] ?? 'x86',
      ...(o.interfaceName !== undefined ? { interface: o.interfaceName } : {}),
      ...(lastRequiredDeployment !== undefined ? { lastRequiredDeployment } : {}),
    });
    this.events.push({ mac: request.chaddr, ...(guid ? { smbiosGuid: guid } : {}), port: where === 'dhcp' ? (o.ports?.dhcp ?? 67) : (o.ports?.pxe ?? 4011), decision });
    if ('known' in decision && decision.known !== undefined) this.log(`${who}: device is ${decision.known ? '' : 'not '}in the database.`);
    let bootFile: string | undefined;
    switch (decision.action) {
      case 'ignore':
        this.log(`${who}: ${decision.reason}`, decision.reason.includes('Not serviced') ? 1 : 2);
        return;
      case 'abort':
        this.log(`${who}: ${decision.reason}`, 3);
        bootFile = decision.bootFile;
        break;
      case 'foreign':
        bootFile = decision.bootFile;
        break;
      case 'boot':
        this.log(`${who}: found ${decision.deployment.required ? 'mandatory' : 'optional'} advertisement ${decision.deployment.id}`);
        if (decision.passwordRequired) this.log(`${who}: the boot asks for the PXE password`);
        bootFile = decision.bootFile;
        break;
    }
    if (bootFile === undefined) return;
    const reply = replyTo(request, {
      siaddr: o.serverAddress,
      sname: o.id,
      file: bootFile,
      options: new Map<number, Buffer>([
        [DhcpOption.messageType, Buffer.from([messageType(request) === DhcpMessage.discover ? DhcpMessage.offer : DhcpMessage.ack])],
        [DhcpOption.serverId, ipOption(o.serverAddress)],
        [DhcpOption.vendorClass, Buffer.from('PXEClient')],
        [DhcpOption.vendorSpecific, DISCOVERY_CONTROL_USE_BOOT_FILE],
        ...(request.options.has(DhcpOption.clientGuid) ? [[DhcpOption.clientGuid, request.options.get(DhcpOption.clientGuid)!] as [number, Buffer]] : []),
      ]),
    });
    // On 4011 the answer goes back where the request came from (broadcast if the client has no
    // address yet); on 67, to the DHCP client port as a broadcast.
    const broadcast = o.replyAddress ?? '255.255.255.255';
    const target =
      where === 'pxe' ? { address: from.address === '0.0.0.0' ? broadcast : from.address, port: from.port } : { address: broadcast, port: o.ports?.client ?? 68 };
    const send = (): void => {
      this.log(`${who}: sending boot file ${bootFile} (next server ${o.serverAddress})`);
      const socket = this.sockets.get(where)?.socket;
      if (!socket) return;
      sendUdp(socket, encodeBootp(reply), target.port, target.address).catch((e: Error) => this.log(`${who}: send failed: ${e.message}`, 3));
    };
    const delay = o.responseDelayMs ?? 0;
    if (delay <= 0) return send();
    this.log(`${who}: waiting ${delay} ms (PXE response delay)`, 0);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      send();
    }, delay);
    this.timers.add(timer);
  }
}
