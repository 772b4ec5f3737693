// A small QMP client: JSON lines over QEMU's unix socket. Power control (reset, power-off, quit)
// and state queries for the lab; events are kept for whoever waits for them.
import { createConnection, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { EventEmitter, once } from 'node:events';

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp: { seconds: number; microseconds: number };
}

export interface QmpGreeting {
  QMP: { version: { qemu: { major: number; minor: number; micro: number } }; capabilities: string[] };
}

export interface QmpStatus {
  status: string;
  running: boolean;
  singlestep?: boolean;
}

/** QEMU answered a command with an error (its class, e.g. "CommandNotFound", and description). */
export class QmpError extends Error {
  constructor(
    readonly errorClass: string,
    readonly description: string,
    readonly command: string,
  ) {
    super(`QMP ${command}: ${errorClass}: ${description}`);
    this.name = 'QmpError';
  }
}

interface Pending {
  command: string;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

export class QmpClient {
  private readonly pending = new Map<number, Pending>();
  private readonly emitter = new EventEmitter();
  private readonly events: QmpEvent[] = [];
  private nextId = 1;
  private closedError?: Error;

  private constructor(
    private readonly socket: Socket,
    readonly greeting: QmpGreeting,
  ) {}

  /** Connects, reads the greeting and negotiates capabilities. */
  static async connect(path: string, signal?: AbortSignal): Promise<QmpClient> {
    const socket = createConnection(path);
    const lines = createInterface({ input: socket, crlfDelay: Infinity });
    // `quit` resets the connection; without these handlers that reset would crash the process.
    socket.on('error', () => undefined);
    lines.on('error', () => undefined);
    const onAbort = (): void => {
      socket.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const [first] = (await once(lines, 'line', { signal })) as [string];
      const greeting = JSON.parse(first) as QmpGreeting;
      if (!greeting.QMP) throw new Error(`not a QMP greeting: ${first}`);
      const client = new QmpClient(socket, greeting);
      lines.on('line', (line) => client.receive(line));
      socket.on('close', () => client.fail(new Error('QMP connection closed')));
      await client.execute('qmp_capabilities');
      return client;
    } catch (err) {
      socket.destroy();
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private receive(line: string): void {
    const msg = JSON.parse(line) as { id?: number; return?: unknown; error?: { class: string; desc: string }; event?: string };
    if (msg.event) {
      const event = msg as QmpEvent;
      this.events.push(event);
      this.emitter.emit('event', event);
      return;
    }
    if (msg.id === undefined) return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.error) p.reject(new QmpError(msg.error.class, msg.error.desc, p.command));
    else p.resolve(msg.return);
  }

  private fail(err: Error): void {
    this.closedError ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.emitter.emit('closed');
  }

  /** Sends one command and resolves with its `return` value, matched by id. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject });
      this.socket.write(`${JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id })}\n`);
    });
  }

  queryStatus(): Promise<QmpStatus> {
    return this.execute<QmpStatus>('query-status');
  }

  /** The reset button. */
  systemReset(): Promise<void> {
    return this.execute('system_reset');
  }

  /** The power button (ACPI): the guest decides what to do with it. */
  systemPowerdown(): Promise<void> {
    return this.execute('system_powerdown');
  }

  /** Pulls the plug: QEMU exits at once; the closing connection is not an error. */
  async quit(): Promise<void> {
    try {
      await this.execute('quit');
    } catch (err) {
      if (!(err instanceof Error && err.message === 'QMP connection closed')) throw err;
    }
  }

  /** Every event received so far, oldest first. */
  receivedEvents(): readonly QmpEvent[] {
    return this.events;
  }

  /**
   * Resolves with the first event named `name` among those received from position `since` of
   * receivedEvents() on (default: the next one to arrive), so an event that raced ahead is not lost.
   */
  waitForEvent(name: string, signal?: AbortSignal, since = this.events.length): Promise<QmpEvent> {
    const seen = this.events.slice(since).find((e) => e.event === name);
    if (seen) return Promise.resolve(seen);
    return new Promise<QmpEvent>((resolve, reject) => {
      const cleanup = (): void => {
        this.emitter.off('event', onEvent);
        this.emitter.off('closed', onClosed);
        signal?.removeEventListener('abort', onAbort);
      };
      const onEvent = (e: QmpEvent): void => {
        if (e.event !== name) return;
        cleanup();
        resolve(e);
      };
      const onClosed = (): void => {
        cleanup();
        reject(this.closedError ?? new Error('QMP connection closed'));
      };
      const onAbort = (): void => {
        cleanup();
        reject(signal?.reason ?? new Error('aborted'));
      };
      if (signal?.aborted) return onAbort();
      if (this.closedError) return onClosed();
      this.emitter.on('event', onEvent);
      this.emitter.once('closed', onClosed);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
