// Host side of the agent channel (docs/agent-protocol.md): the QEMU chardev socket behind the
// guest's virtio-serial port org.osdlab.agent. Line-delimited JSON, one request at a time.
import { createConnection, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** The agent script the boot image installs as /usr/bin/osdlab-agent. */
export const AGENT_SCRIPT = fileURLToPath(new URL('./agent/osdlab-agent.sh', import.meta.url));

export interface AgentPciDevice {
  slot: string;
  /** Lower-case hex as sysfs writes it, without 0x: "1af4". */
  vendor: string;
  device: string;
  subsystemVendor: string;
  subsystem: string;
  revision: string;
  class: string;
  /** The driver bound to the device's function (for virtio: virtio_net, not virtio-pci); null when none. */
  driver: string | null;
}

export interface AgentFacts {
  agentVersion: number;
  /** Changes on every boot: tells a new environment's hello from a repeated one. */
  bootId: string;
  environment: 'WinPE' | 'FullOS';
  architecture: string;
  kernel: string;
  firmware: 'bios' | 'uefi';
  /** 64 or 32 on UEFI; null on BIOS. */
  firmwarePlatformSize: number | null;
  memoryKB: number;
  cpus: number;
  smbios: { manufacturer: string; product: string; serial: string; uuid: string };
  pci: AgentPciDevice[];
  nics: { name: string; mac: string; operstate: string; device: string; driver: string; ipv4: string[] }[];
  disks: { name: string; sizeBytes: number; model: string; removable: number; device: string }[];
  volumes: { device: string; mountPoint: string; fileSystem: string }[];
}

export interface RunResult {
  exitCode: number;
  /** Output lines (stdout and stderr merged, as they came). */
  output: string[];
}

type AgentMessage =
  | { type: 'hello'; id?: number; facts: AgentFacts }
  | { type: 'facts'; id: number; facts: AgentFacts }
  | { type: 'output'; id: number; data: string }
  | { type: 'exit'; id: number; code: number }
  | { type: 'ack'; id: number }
  | { type: 'error'; id?: number; message: string };

/** The channel closed (the machine stopped or rebooted mid-request) or the agent refused a request. */
export class AgentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentError';
  }
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/** Rejects when `signal` aborts or `ms` pass; resolves with `work` otherwise. */
async function within<T>(work: Promise<T>, ms: number, what: string, signal?: AbortSignal): Promise<T> {
  const timer = new AbortController();
  const both = signal ? AbortSignal.any([signal, timer.signal]) : timer.signal;
  const timeout = sleep(ms, undefined, { signal: both }).then(
    () => Promise.reject(new AgentError(`${what}: no answer within ${Math.round(ms / 1000)} s`)),
    () => Promise.reject(signal?.aborted ? abortError(signal) : new Error('cancelled')),
  );
  try {
    return await Promise.race([work, timeout]);
  } finally {
    timer.abort();
    timeout.catch(() => undefined);
  }
}

async function connectWhenReady(path: string, deadline: number, signal?: AbortSignal): Promise<Socket> {
  while (true) {
    signal?.throwIfAborted();
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const s = createConnection(path);
        s.once('connect', () => resolve(s));
        s.once('error', reject);
      });
    } catch (err) {
      // QEMU creates the socket while it starts; until then ENOENT or ECONNREFUSED.
      if (Date.now() > deadline) throw new AgentError(`cannot connect to the agent socket ${path}: ${(err as Error).message}`);
      await sleep(50, undefined, { signal });
    }
  }
}

export class AgentChannel {
  private readonly emitter = new EventEmitter();
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private lastHello?: AgentFacts;

  private constructor(private readonly socket: Socket) {
    const lines = createInterface({ input: socket, crlfDelay: Infinity });
    lines.on('line', (line) => this.receive(line));
    lines.on('error', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.emitter.emit('closed');
    });
  }

  /**
   * Connects to the chardev socket (waiting for QEMU to create it) and asks for a hello. The guest
   * reads the request once its agent starts, so the timeout must cover the whole boot (scale it for TCG).
   */
  static async connect(socketPath: string, options: { helloTimeoutMs: number; signal?: AbortSignal }): Promise<AgentChannel> {
    const deadline = Date.now() + options.helloTimeoutMs;
    const socket = await connectWhenReady(socketPath, deadline, options.signal);
    const channel = new AgentChannel(socket);
    try {
      const hello = channel.nextHello();
      channel.send({ id: 0, op: 'hello' });
      await within(hello, Math.max(0, deadline - Date.now()), 'agent hello', options.signal);
      return channel;
    } catch (err) {
      channel.close();
      throw err;
    }
  }

  private receive(line: string): void {
    let msg: AgentMessage;
    try {
      msg = JSON.parse(line) as AgentMessage;
    } catch {
      // Not the agent's (e.g. a partial line from before a reboot); the protocol has no other senders.
      return;
    }
    if (msg.type === 'hello') this.lastHello = msg.facts;
    this.emitter.emit('message', msg);
  }

  private send(request: Record<string, unknown>): void {
    this.socket.write(`${JSON.stringify(request)}\n`);
  }

  /** The facts of the latest hello: the environment now running. */
  get helloFacts(): AgentFacts {
    if (!this.lastHello) throw new AgentError('the agent has not said hello');
    return this.lastHello;
  }

  private nextHello(differentBootFrom?: string): Promise<AgentFacts> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: AgentMessage): void => {
        if (m.type !== 'hello' || m.facts.bootId === differentBootFrom) return;
        this.emitter.off('closed', onClosed);
        this.emitter.off('message', onMessage);
        resolve(m.facts);
      };
      const onClosed = (): void => {
        this.emitter.off('message', onMessage);
        reject(new AgentError('agent channel closed before hello'));
      };
      this.emitter.on('message', onMessage);
      this.emitter.once('closed', onClosed);
    });
  }

  /**
   * After a reboot: resolves when the agent of a boot other than `previousBootId` says hello
   * (at once if that hello already came).
   */
  waitForNewBoot(previousBootId: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<AgentFacts> {
    if (this.lastHello && this.lastHello.bootId !== previousBootId) return Promise.resolve(this.lastHello);
    return within(this.nextHello(previousBootId), options.timeoutMs, 'agent hello after reboot', options.signal);
  }

  /**
   * One request: resolves when its final message arrives. Requests are serialised, as the agent
   * executes one at a time. Aborting stops waiting; the guest command itself runs to its end.
   */
  private request<T>(op: string, extra: Record<string, unknown>, onMessage: (m: AgentMessage) => T | undefined, options: { timeoutMs: number; signal?: AbortSignal }): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.closed) throw new AgentError('agent channel is closed');
      const id = this.nextId++;
      const answer = new Promise<T>((resolve, reject) => {
        const done = (): void => {
          this.emitter.off('message', listener);
          this.emitter.off('closed', onClosed);
        };
        const listener = (m: AgentMessage): void => {
          if (!('id' in m) || m.id !== id) return;
          if (m.type === 'error') {
            done();
            reject(new AgentError(`agent refused ${op}: ${m.message}`));
            return;
          }
          const result = onMessage(m);
          if (result === undefined) return;
          done();
          resolve(result);
        };
        const onClosed = (): void => {
          done();
          reject(new AgentError(`agent channel closed during ${op}`));
        };
        this.emitter.on('message', listener);
        this.emitter.once('closed', onClosed);
      });
      this.send({ id, op, ...extra });
      return within(answer, options.timeoutMs, `agent ${op}`, options.signal);
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  facts(options: { timeoutMs: number; signal?: AbortSignal }): Promise<AgentFacts> {
    return this.request('facts', {}, (m) => (m.type === 'facts' ? m.facts : undefined), options);
  }

  /** Runs a shell command in the guest (in `cwd`, default /); `onOutput` sees each line as it comes. */
  run(command: string, options: { timeoutMs: number; signal?: AbortSignal; cwd?: string; onOutput?: (line: string) => void }): Promise<RunResult> {
    const output: string[] = [];
    // The guest has no JSON parser: strings travel base64-encoded so busybox can cut them out.
    const base64 = (text: string): string => Buffer.from(text).toString('base64');
    const args = { command: base64(command), ...(options.cwd ? { cwd: base64(options.cwd) } : {}) };
    return this.request('run', args, (m) => {
      if (m.type === 'output') {
        output.push(m.data);
        options.onOutput?.(m.data);
        return undefined;
      }
      return m.type === 'exit' ? { exitCode: m.code, output } : undefined;
    }, options);
  }

  /** Asks the guest to reboot at once; resolves when it acknowledged (then use waitForNewBoot). */
  reboot(options: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
    return this.request('reboot', {}, (m) => (m.type === 'ack' ? true : undefined), options).then(() => undefined);
  }

  poweroff(options: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
    return this.request('poweroff', {}, (m) => (m.type === 'ack' ? true : undefined), options).then(() => undefined);
  }

  close(): void {
    this.socket.destroy();
  }
}
