// Child-process side of a site host (see host.ts): runs inside a lab network namespace
// (`ip netns exec`), starts the DHCP server, PXE responder and TFTP server it is given over the
// IPC channel, forwards their log lines and takes "clear last PXE deployment" calls.
import { DhcpServer, type DhcpServerOptions } from '../dhcp/server.js';
import { TftpServer, type TftpServerOptions } from '../tftp/server.js';
import { PxeResponderServer, type PxeResponderOptions } from './responder.js';

export interface SiteHostConfig {
  dhcp?: Omit<DhcpServerOptions, 'log'>;
  pxe?: Omit<PxeResponderOptions, 'log' | 'now'>;
  tftp?: Omit<TftpServerOptions, 'log'>;
}

export type SiteHostRequest =
  | { type: 'start'; config: SiteHostConfig }
  | { type: 'clearLastPxeDeployment'; computer: string }
  | { type: 'recordRequiredRun'; mac: string; deploymentId: string };

export type SiteHostMessage =
  | { type: 'ready'; tftpPort?: number }
  | { type: 'failed'; message: string }
  | { type: 'log'; source: 'DHCP' | 'SMSPXE' | 'TFTP'; line: string }
  | { type: 'done'; id: number };

const send = (m: SiteHostMessage): void => {
  process.send?.(m);
};

async function main(): Promise<void> {
  let dhcp: DhcpServer | undefined;
  let pxe: PxeResponderServer | undefined;
  let tftp: TftpServer | undefined;
  const stop = async (): Promise<void> => {
    await Promise.allSettled([dhcp?.close(), pxe?.close(), tftp?.close()]);
    if (process.connected) process.disconnect();
  };
  process.on('disconnect', () => void stop());
  process.on('message', (m: SiteHostRequest & { id?: number }) => {
    void (async () => {
      switch (m.type) {
        case 'start':
          try {
            const c = m.config;
            if (c.tftp) tftp = await TftpServer.start({ ...c.tftp, log: (line) => send({ type: 'log', source: 'TFTP', line }) });
            if (c.dhcp) dhcp = await DhcpServer.start({ ...c.dhcp, log: (line) => send({ type: 'log', source: 'DHCP', line }) });
            if (c.pxe) pxe = await PxeResponderServer.start({ ...c.pxe, log: (line) => send({ type: 'log', source: 'SMSPXE', line }) });
            send({ type: 'ready', ...(tftp ? { tftpPort: tftp.port } : {}) });
          } catch (e) {
            send({ type: 'failed', message: (e as Error).message });
            await stop();
          }
          return;
        case 'clearLastPxeDeployment':
          pxe?.clearLastPxeDeployment(m.computer);
          break;
        case 'recordRequiredRun':
          pxe?.recordRequiredRun(m.mac, m.deploymentId);
          break;
      }
      if (m.id !== undefined) send({ type: 'done', id: m.id });
    })();
  });
}

void main();
