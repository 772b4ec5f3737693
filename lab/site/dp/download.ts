// A client's download of one file from a distribution point, BITS-style: a broken connection or
// a restarted DP is resumed with Range (and If-Range, so changed content starts over), a busy DP
// (503) is retried after its Retry-After. Content that is not on the DP (404) is not retried:
// whether to wait for distribution or fail is the deployment's decision, so it is the caller's.

import { request, type IncomingMessage } from 'node:http';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, stat, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface DownloadOptions {
  signal?: AbortSignal;
  /** Connection attempts in all (first try, resumes, busy retries). Default 10. */
  attempts?: number;
  /** Wait after a broken or refused connection, ms. Default 1000. */
  retryDelayMs?: number;
  /** Longest Retry-After honoured, ms (a DP may ask for more). Default 60 000. */
  maxRetryAfterMs?: number;
  onEvent?: (event: DownloadEvent) => void;
}

export type DownloadEvent =
  | { kind: 'connect'; attempt: number; offset: number }
  | { kind: 'broken'; attempt: number; offset: number; reason: string }
  | { kind: 'busy'; attempt: number; retryAfterMs: number }
  | { kind: 'restart'; attempt: number; reason: string };

export interface DownloadResult {
  bytes: number;
  sha256: string;
  /** Connections that continued a partial file with Range. */
  resumes: number;
}

/** The DP does not have the content (404): its status and reason as the DP gave them. */
export class ContentNotFoundError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
    readonly state?: string,
  ) {
    super(`${url}: ${reason}`);
    this.name = 'ContentNotFoundError';
  }
}

export class DownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DownloadError';
  }
}

/** Downloads `url` to `destination` (through `destination.partial`); resolves when complete. */
export async function downloadWithResume(url: string, destination: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const partial = `${destination}.partial`;
  const attempts = options.attempts ?? 10;
  let etag: string | undefined;
  let resumes = 0;
  let lastProblem = '';
  await rm(partial, { force: true });
  for (let attempt = 1; attempt <= attempts; attempt++) {
    options.signal?.throwIfAborted();
    const offset = (await stat(partial).catch(() => undefined))?.size ?? 0;
    options.onEvent?.({ kind: 'connect', attempt, offset });
    const headers: Record<string, string> = {};
    if (offset > 0 && etag) {
      headers.range = `bytes=${offset}-`;
      headers['if-range'] = etag;
    }
    let res: IncomingMessage;
    try {
      res = await get(url, headers, options.signal);
    } catch (error) {
      options.signal?.throwIfAborted();
      lastProblem = (error as Error).message;
      options.onEvent?.({ kind: 'broken', attempt, offset, reason: lastProblem });
      await sleep(options.retryDelayMs ?? 1000, undefined, { signal: options.signal });
      continue;
    }
    const status = res.statusCode ?? 0;
    if (status === 404) throw new ContentNotFoundError(url, ...(await reasonOf(res)));
    if (status === 503) {
      const after = Number(res.headers['retry-after']);
      const wait = Math.min(Number.isFinite(after) ? after * 1000 : (options.retryDelayMs ?? 1000), options.maxRetryAfterMs ?? 60_000);
      res.resume();
      lastProblem = `distribution point busy (503)`;
      options.onEvent?.({ kind: 'busy', attempt, retryAfterMs: wait });
      await sleep(wait, undefined, { signal: options.signal });
      continue;
    }
    if (status !== 200 && status !== 206) {
      const [reason] = await reasonOf(res);
      throw new DownloadError(`${url}: HTTP ${status}: ${reason}`);
    }
    const continuing = status === 206;
    if (continuing && !res.headers['content-range']?.startsWith(`bytes ${offset}-`)) {
      res.destroy();
      throw new DownloadError(`${url}: asked for bytes from ${offset}, got Content-Range ${res.headers['content-range']}`);
    }
    if (!continuing && offset > 0) options.onEvent?.({ kind: 'restart', attempt, reason: 'the content changed on the distribution point (If-Range did not match)' });
    if (continuing) resumes++;
    etag = typeof res.headers.etag === 'string' ? res.headers.etag : undefined;
    try {
      await pipeline(res, createWriteStream(partial, { flags: continuing ? 'a' : 'w' }), { signal: options.signal });
    } catch (error) {
      options.signal?.throwIfAborted();
      const have = (await stat(partial).catch(() => undefined))?.size ?? 0;
      lastProblem = (error as Error).message;
      options.onEvent?.({ kind: 'broken', attempt, offset: have, reason: lastProblem });
      await sleep(options.retryDelayMs ?? 1000, undefined, { signal: options.signal });
      continue;
    }
    const expected = totalSize(res);
    const have = (await stat(partial)).size;
    if (expected !== undefined && have !== expected) {
      lastProblem = `got ${have} of ${expected} bytes`;
      options.onEvent?.({ kind: 'broken', attempt, offset: have, reason: lastProblem });
      continue;
    }
    await rename(partial, destination);
    return { bytes: have, sha256: await sha256File(destination), resumes };
  }
  throw new DownloadError(`${url}: not complete after ${attempts} attempts; last problem: ${lastProblem}`);
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

function get(url: string, headers: Record<string, string>, signal?: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, signal, agent: false }, resolve);
    req.once('error', reject);
    req.end();
  });
}

/** Size of the whole file from Content-Range (206) or Content-Length (200). */
function totalSize(res: IncomingMessage): number | undefined {
  const range = res.headers['content-range'];
  if (range) return Number(range.slice(range.lastIndexOf('/') + 1));
  const length = res.headers['content-length'];
  return length === undefined ? undefined : Number(length);
}

async function reasonOf(res: IncomingMessage): Promise<[string, string | undefined]> {
  const chunks: Buffer[] = [];
  for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    const body = JSON.parse(text) as { error?: string; state?: string };
    return [body.error ?? text, body.state];
  } catch {
    return [text || `HTTP ${res.statusCode}`, undefined];
  }
}
