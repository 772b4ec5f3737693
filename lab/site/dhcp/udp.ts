// A UDP socket bound for a DHCP-style service, with the bind failure told in the field's words.
import { createSocket, type Socket } from 'node:dgram';
import { EnvironmentError } from '../../../scenarios/index.js';

export interface BoundSocket {
  socket: Socket;
  close(): Promise<void>;
}

/** Binds udp4 on address:port with broadcast on; `what` names the service for the error. */
export async function bindUdp(address: string, port: number, what: string, onMessage: (msg: Buffer, from: { address: string; port: number }) => void): Promise<BoundSocket> {
  const socket = createSocket({ type: 'udp4', reuseAddr: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'EADDRINUSE'
          ? new EnvironmentError(`${what}: UDP port ${port} is already in use on this host`, port === 67 ? 'a DHCP server and the PXE responder share this host: let the responder listen on 4011 only (UseDHCPPorts=0) and have the DHCP server send option 60 "PXEClient"' : undefined)
          : e,
      );
    });
    socket.bind({ address, port, exclusive: true }, () => resolve());
  });
  socket.removeAllListeners('error');
  // A send to an unreachable broadcast must not crash the service; the caller sees it in its log.
  socket.on('error', () => undefined);
  socket.setBroadcast(true);
  socket.on('message', (msg, rinfo) => onMessage(msg, rinfo));
  let closed = false;
  return {
    socket,
    close: () =>
      new Promise<void>((resolve) => {
        if (closed) return resolve();
        closed = true;
        socket.close(() => resolve());
      }),
  };
}

export function sendUdp(socket: Socket, data: Buffer, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => socket.send(data, port, address, (e) => (e ? reject(e) : resolve())));
}
