// Distribution point over HTTP, as IIS serves SMS_DP_SMSPKG$ to clients (osd-behaviours §4):
//   GET  /SMS_DP_SMSPKG$/<PKGID>[.<version>]/           the package's files (JSON)
//   GET  /SMS_DP_SMSPKG$/<PKGID>[.<version>]/<file>     the file; Range, If-Range, HEAD
//   POST /osdlab/distribute {packageId, version?}       "distribute later" (controlApi only)
// Limits: concurrent transfers (the next client gets 503 + Retry-After and backs off, as BITS
// does) and an optional rate shared by all clients. Access log: one line per request.

import { open, type FileHandle } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { HttpError, HttpService, field, readJson, sendJson, type Exchange, type ServiceOptions } from '../http/service.js';
import { contentRange, parseRange } from '../http/range.js';
import { TokenBucket } from '../http/token-bucket.js';
import { ConnectionClosedError, ZeroCopySender } from '../http/sendfile.js';
import { DpContent, type DpPackage } from './content.js';

export const DP_CONTENT_PREFIX = '/SMS_DP_SMSPKG$/';

export interface DistributionPointServerConfig extends ServiceOptions {
  id: string;
  /** Site (boundary group) the DP serves. */
  site: string;
  /** A protected DP serves only clients of its own site (the client's rule, see contentLocations). */
  protected?: boolean;
  packages: DpPackage[];
  /** Concurrent transfers; the next one is refused with 503. Default: unlimited. */
  maxConnections?: number;
  /** Retry-After sent with a 503, seconds. Default 5. */
  retryAfterSeconds?: number;
  /** Total rate for all clients, bytes/s. Default: unlimited. */
  rateBytesPerSec?: number;
  /** Serve POST /osdlab/distribute (for a DP in a child process). Default false. */
  controlApi?: boolean;
  /**
   * Send file bytes with sendfile(2) where the platform allows (as IIS and nginx do). Default
   * true; false sends through user space with streams (also the fallback off Linux).
   */
  zeroCopy?: boolean;
}

/** Read size per chunk: large enough that the per-chunk cost does not show on loopback. */
const CHUNK = 1024 * 1024;

export class DistributionPointServer extends HttpService {
  private readonly content: DpContent;
  private readonly bucket?: TokenBucket;
  private transfers = 0;
  private dropAfter?: number;
  private readonly zeroCopy?: ZeroCopySender;

  constructor(readonly config: DistributionPointServerConfig) {
    super(config);
    this.content = new DpContent(config.id, config.packages);
    if (config.zeroCopy ?? true) this.zeroCopy = ZeroCopySender.load();
    if (config.rateBytesPerSec !== undefined) this.bucket = new TokenBucket({ bytesPerSecond: config.rateBytesPerSec });
  }

  get id(): string {
    return this.config.id;
  }

  has(packageId: string): boolean {
    return this.content.has(packageId);
  }

  /** A scenario event: content reaches this DP; from now on it answers 200 instead of 404. */
  distribute(packageId: string, version?: number): void {
    this.content.distribute(packageId, version);
  }

  /** A fault: the next file transfer loses its connection after `bytes` body bytes. */
  dropNextTransferAfter(bytes: number): void {
    this.dropAfter = bytes;
  }

  /** Transfers in progress. */
  get activeTransfers(): number {
    return this.transfers;
  }

  protected override async handle(x: Exchange): Promise<void> {
    const path = x.url.pathname;
    if (path === '/osdlab/distribute' && this.config.controlApi) return this.handleDistribute(x);
    if (!path.startsWith(DP_CONTENT_PREFIX)) throw new HttpError(404, `no such path on distribution point ${this.id}: ${path}`);
    if (x.req.method !== 'GET' && x.req.method !== 'HEAD') throw new HttpError(405, `${x.req.method} is not allowed`, {}, { allow: 'GET, HEAD' });
    const rest = decodeURIComponent(path.slice(DP_CONTENT_PREFIX.length));
    const slash = rest.indexOf('/');
    const name = slash < 0 ? rest : rest.slice(0, slash);
    const file = slash < 0 ? '' : rest.slice(slash + 1);
    x.resource = rest;
    const entry = this.content.lookup(name);
    if (file === '') {
      sendJson(x.res, 200, { packageId: entry.packageId, version: entry.version, distributionPoint: this.id, files: await this.content.files(entry) });
      return;
    }
    await this.sendFile(x, await this.content.filePath(entry, file), `${entry.packageId}.${entry.version}`);
  }

  private async handleDistribute(x: Exchange): Promise<void> {
    if (x.req.method !== 'POST') throw new HttpError(405, 'use POST', {}, { allow: 'POST' });
    const body = await readJson(x.req);
    const packageId = field(body, 'packageId');
    const version = (body as { version?: unknown }).version;
    if (version !== undefined && !Number.isInteger(version)) throw new HttpError(400, 'field "version" must be an integer');
    x.resource = `distribute/${packageId}`;
    try {
      this.distribute(packageId, version as number | undefined);
    } catch (error) {
      throw new HttpError(404, (error as Error).message);
    }
    sendJson(x.res, 200, { packageId, distributionPoint: this.id, distributed: true });
  }

  private async sendFile(x: Exchange, path: string, tag: string): Promise<void> {
    const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'EISDIR') throw new HttpError(404, `no file ${x.resource} on distribution point ${this.id}`);
      throw error;
    });
    try {
      const s = await handle.stat();
      if (!s.isFile()) throw new HttpError(404, `no file ${x.resource} on distribution point ${this.id}`);
      // Stable across DP restarts, so a client resumes the same bytes with If-Range.
      const etag = `"${tag}-${s.size}-${Math.floor(s.mtimeMs)}"`;
      const ifRange = x.req.headers['if-range'];
      const range = ifRange !== undefined && ifRange !== etag ? { kind: 'full' as const } : parseRange(x.req.headers.range, s.size);
      const headers: Record<string, string | number> = {
        'accept-ranges': 'bytes',
        etag,
        'last-modified': s.mtime.toUTCString(),
        'content-type': 'application/octet-stream',
      };
      if (range.kind === 'unsatisfiable') {
        x.res.writeHead(416, { ...headers, 'content-range': contentRange(range, s.size)!, 'content-length': 0 });
        x.res.end();
        return;
      }
      if (x.req.method === 'HEAD') {
        x.res.writeHead(200, { ...headers, 'content-length': s.size });
        x.res.end();
        return;
      }
      if (this.transfers >= (this.config.maxConnections ?? Infinity)) {
        const retry = String(this.config.retryAfterSeconds ?? 5);
        throw new HttpError(503, `distribution point ${this.id} is serving its maximum of ${this.config.maxConnections} clients`, {}, { 'retry-after': retry });
      }
      const start = range.kind === 'partial' ? range.start : 0;
      const end = range.kind === 'partial' ? range.end : s.size - 1;
      if (range.kind === 'partial') headers['content-range'] = contentRange(range, s.size)!;
      headers['content-length'] = end - start + 1;
      this.transfers++;
      try {
        x.res.writeHead(range.kind === 'partial' ? 206 : 200, headers);
        // The client learns at once that it has a slot, not with the first (rate-limited) bytes.
        x.res.flushHeaders();
        await this.pump(x, handle, start, end);
      } finally {
        this.transfers--;
      }
    } finally {
      await handle.close();
    }
  }

  /** Sends bytes start..end (inclusive) through the rate limit; stops when the client goes away. */
  private async pump(x: Exchange, handle: FileHandle, start: number, end: number): Promise<void> {
    const res: ServerResponse = x.res;
    const gone = new AbortController();
    const onClose = () => gone.abort();
    res.once('close', onClose);
    const dropAt = this.dropAfter;
    this.dropAfter = undefined;
    const last = dropAt === undefined ? end : Math.min(end, start + dropAt - 1);
    const bucket = this.bucket;
    const socket = res.socket;
    try {
      if (this.zeroCopy && socket && this.zeroCopy.usable(socket)) {
        // The headers must have left Node's queue before bytes go to the socket behind its back.
        if (socket.writableLength > 0) await once(socket, 'drain', { signal: gone.signal });
        await this.zeroCopy.send(socket, handle, start, last - start + 1, {
          ...(bucket ? { chunk: bucket.burst, beforeStep: (n: number) => bucket.take(n, gone.signal) } : {}),
          onSent: (n) => {
            x.bytes += n;
          },
        });
        // sendfile's bytes are in the kernel's queue: they reach the client before the FIN of a drop.
        if (last === end) res.end();
        else res.destroy();
        return;
      }
      // Under a rate limit, chunks no larger than the bucket's burst keep the pace smooth.
      const source = handle.createReadStream({ start, end: last, highWaterMark: Math.min(CHUNK, bucket?.burst ?? CHUNK), autoClose: false });
      if (bucket) {
        const meter = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            bucket.take(chunk.length, gone.signal).then(() => {
              x.bytes += chunk.length;
              done(null, chunk);
            }, done);
          },
        });
        await pipeline(source, meter, res, { end: last === end });
      } else {
        source.on('data', (chunk: Buffer | string) => {
          x.bytes += chunk.length;
        });
        await pipeline(source, res, { end: last === end });
      }
      if (last !== end) {
        // The fault: the bytes sent so far reach the client, then the connection breaks.
        await new Promise((resolve) => res.write('', resolve));
        res.destroy();
      }
    } catch (error) {
      if (!gone.signal.aborted && !(error instanceof ConnectionClosedError)) throw error;
    } finally {
      res.off('close', onClose);
    }
  }
}
