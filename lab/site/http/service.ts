// What the DP, MP and SMP share as HTTP servers on node:http: listening on a given address,
// one access-log line per request, JSON bodies and answers, and a close that ends every
// connection (a stopped site server drops its clients, as a stopped IIS does).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { once } from 'node:events';
import { AccessLog, type AccessEntry } from './access-log.js';

/** An answer other than 2xx, with the reason the client gets in the JSON body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** One request being served: handlers fill in what the access log names. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Set by the handler: what was asked for. */
  resource: string;
  /** Body bytes sent or received, counted by the handler. */
  bytes: number;
}

export interface ServiceOptions {
  /** Default 127.0.0.1 (tests); the lab passes the server's lab address. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  accessLogPath?: string;
  onAccess?: (entry: AccessEntry) => void;
  /** Told of a failure after the answer started (the client sees a cut connection). */
  onError?: (error: unknown, resource: string) => void;
}

export abstract class HttpService {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private readonly log: AccessLog;

  constructor(protected readonly serviceOptions: ServiceOptions) {
    this.log = new AccessLog(serviceOptions.accessLogPath, serviceOptions.onAccess);
  }

  /** Starts listening; resolves with the base URL ("http://127.0.0.1:40123"). */
  async start(): Promise<string> {
    if (this.server) throw new Error('already started');
    const server = createServer((req, res) => void this.dispatch(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.listen(this.serviceOptions.port ?? 0, this.serviceOptions.host ?? '127.0.0.1');
    await once(server, 'listening');
    this.server = server;
    return this.url;
  }

  get url(): string {
    const address = this.server?.address();
    if (!address || typeof address === 'string') throw new Error('not listening');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  /** Stops listening and drops every connection, also those in the middle of a transfer. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      const closed = once(server, 'close');
      server.close();
      for (const s of this.sockets) s.destroy();
      await closed;
    }
    await this.log.close();
  }

  protected abstract handle(x: Exchange): Promise<void>;

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const time = new Date().toISOString();
    const client = req.socket.remoteAddress ?? '-';
    const x: Exchange = { req, res, url: new URL(req.url ?? '/', 'http://site'), resource: '-', bytes: 0 };
    const closed = once(res, 'close');
    try {
      await this.handle(x);
    } catch (error) {
      if (res.headersSent) {
        this.serviceOptions.onError?.(error, x.resource);
        res.destroy();
      } else if (error instanceof HttpError) {
        sendJson(res, error.status, { error: error.message, ...error.details }, error.headers);
      } else {
        sendJson(res, 500, { error: error instanceof Error ? error.message : String(error) });
      }
    }
    // Logged once both the answer and the handler are done (a cut upload has cleaned up by then).
    await closed;
    this.log.record({
      time,
      client,
      method: req.method ?? '-',
      resource: x.resource,
      range: req.headers.range ?? '-',
      // A response cut before its headers went out was never answered: 0.
      status: res.headersSent ? res.statusCode : 0,
      bytes: x.bytes,
      durationMs: performance.now() - started,
    });
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Reads a JSON request body of at most `limit` bytes. */
export async function readJson(req: IncomingMessage, limit = 1024 * 1024): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `request body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
  } catch {
    throw new HttpError(400, 'request body is not JSON');
  }
}

/** A required string field of a JSON body. */
export function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | null)?.[name];
  if (typeof value !== 'string' || value === '') throw new HttpError(400, `field "${name}" must be a non-empty string`);
  return value;
}

/** An optional string field of a JSON body. */
export function optionalField(body: unknown, name: string): string | undefined {
  const value = (body as Record<string, unknown> | null)?.[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new HttpError(400, `field "${name}" must be a string`);
  return value;
}
