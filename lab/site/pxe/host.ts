// A site host inside a lab network namespace: one child process (`ip netns exec <ns> node …`)
// running the DHCP server, PXE responder and/or TFTP server. Node cannot enter a namespace itself,
// hence the process; its stop is registered with the run's cleanup before it starts.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EnvironmentError } from '../../../scenarios/index.js';
import type { CleanupRegistry } from '../../qemu/index.js';
import type { SiteHostConfig, SiteHostMessage, SiteHostRequest } from './host-process.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HOST_PROCESS = fileURLToPath(new URL('./host-process.ts', import.meta.url));

export interface SiteHostLogLine {
  source: 'DHCP' | 'SMSPXE' | 'TFTP';
  line: string;
}

export class SiteHost {
  readonly log: SiteHostLogLine[] = [];
  private nextId = 0;
  private readonly waiting = new Map<number, () => void>();
  private exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly tftpPort: number | undefined,
  ) {
    this.exited = new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
  }

  /** Starts the services in `namespace`; the child is stopped by `cleanup` if the caller does not stop it. */
  static async start(namespace: string, config: SiteHostConfig, cleanup: CleanupRegistry, signal?: AbortSignal): Promise<SiteHost> {
    const child = spawn('ip', ['netns', 'exec', namespace, process.execPath, '--import', 'tsx', HOST_PROCESS], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const forget = cleanup.add(`site host process ${child.pid} in ${namespace}`, () => stopChild(child));
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const log: SiteHostLogLine[] = [];
    const collect = (m: SiteHostMessage): void => {
      if (m.type === 'log') log.push({ source: m.source, line: m.line });
    };
    child.on('message', collect);
    try {
      const ready = await new Promise<number | undefined>((resolve, reject) => {
        const onAbort = () => reject(signal!.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
        child.once('exit', (code) => reject(new EnvironmentError(`site host in ${namespace} exited (${code}) before it was ready: ${stderr.trim()}`)));
        child.on('message', (m: SiteHostMessage) => {
          if (m.type === 'ready') resolve(m.tftpPort);
          if (m.type === 'failed') reject(new EnvironmentError(`site host in ${namespace}: ${m.message}`));
        });
        child.send({ type: 'start', config } satisfies SiteHostRequest);
      });
      const host = new SiteHost(child, ready);
      host.log.push(...log);
      child.off('message', collect);
      child.on('message', (m: SiteHostMessage) => {
        if (m.type === 'log') host.log.push({ source: m.source, line: m.line });
        if (m.type === 'done') host.waiting.get(m.id)?.();
      });
      host.exited = host.exited.then(() => forget());
      return host;
    } catch (e) {
      await stopChild(child);
      forget();
      throw e;
    }
  }

  /** SMSPXE.log so far (CMTrace lines). */
  smspxeLog(): string {
    return this.log.filter((l) => l.source === 'SMSPXE').map((l) => `${l.line}\r\n`).join('');
  }

  /** "Clear Required PXE Deployments" (the scenario event). */
  clearLastPxeDeployment(computer: string): Promise<void> {
    return this.call({ type: 'clearLastPxeDeployment', computer });
  }

  recordRequiredRun(mac: string, deploymentId: string): Promise<void> {
    return this.call({ type: 'recordRequiredRun', mac, deploymentId });
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
    await this.exited;
  }

  private call(request: SiteHostRequest): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!this.child.connected) return reject(new Error('site host has stopped'));
      this.waiting.set(id, () => {
        this.waiting.delete(id);
        resolve();
      });
      this.child.send({ ...request, id });
    });
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
  child.kill('SIGTERM');
  await exited;
  clearTimeout(kill);
}
