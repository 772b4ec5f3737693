// The task sequence's side of the state migration point: Request State Store with its retries
// (OSDStateSMPRetryCount attempts, OSDStateSMPRetryTime seconds apart) and the fallback to the
// network access account (OSDStateFallbackToNAA), then the upload (Capture User State), the
// download (Restore User State) and Release State Store (osd-behaviours §2.10–2.13).

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { createHash } from 'node:crypto';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface StateStoreRequestOptions {
  computer: string;
  operation: 'capture' | 'restore';
  /** OSDStateSMPRetryCount: further attempts after the first (0–600). */
  retryCount: number;
  /** OSDStateSMPRetryTime: seconds between attempts (0–30). */
  retryTimeSeconds: number;
  /** OSDStateFallbackToNAA. */
  fallbackToNetworkAccessAccount: boolean;
  networkAccessAccount?: { user: string; password: string };
  signal?: AbortSignal;
}

/** A refused or failed state-store operation, with the SMP's reason. */
export class StateStoreError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly attempts = 1,
  ) {
    super(message);
    this.name = 'StateStoreError';
  }
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export class StateStoreSession {
  constructor(
    readonly smpUrl: string,
    readonly computer: string,
    readonly account: 'computer' | 'networkAccessAccount',
    /** Where the state goes or comes from (OSDStateStorePath). */
    readonly storePath: string,
    readonly attempts: number,
    private readonly headers: Record<string, string>,
  ) {}

  /** Capture User State: sends the tar stream; resolves with what the SMP stored. */
  async upload(state: Readable, signal?: AbortSignal): Promise<{ bytes: number; sha256: string }> {
    let sent = 0;
    const counter = new Transform({ transform: (c: Buffer, _e, done) => { sent += c.length; done(null, c); } });
    const req = httpRequest(this.storePath, { method: 'PUT', headers: { ...this.headers, 'content-type': 'application/x-tar' }, signal, agent: false });
    const answered = new Promise<IncomingMessage>((resolve, reject) => {
      req.once('response', resolve);
      req.once('error', reject);
    });
    try {
      await Promise.all([pipeline(state, counter, req), answered]);
    } catch (error) {
      signal?.throwIfAborted();
      // The SMP may have answered (full, refused) before the body was all sent.
      const early = await Promise.race([answered.then(readAnswer), sleep(100).then(() => undefined)]).catch(() => undefined);
      if (early && early.status >= 400) throw refusal(early, 1);
      throw new StateStoreError(`the upload of the user state of ${this.computer} to ${this.storePath} broke after ${sent} bytes (${(error as Error).message}); the state migration point keeps the previous store`, 'uploadBroken');
    }
    const answer = await readAnswer(await answered);
    if (answer.status !== 201) throw refusal(answer, 1);
    return { bytes: answer.body.bytes as number, sha256: answer.body.sha256 as string };
  }

  /** Restore User State: writes the state into `destination`; checks its SHA-256 against the store's. */
  async restore(destination: Writable, signal?: AbortSignal): Promise<{ bytes: number; sha256: string }> {
    const res = await send(this.storePath, 'GET', this.headers, undefined, signal);
    if (res.statusCode !== 200) throw refusal(await readAnswer(res), 1);
    const hash = createHash('sha256');
    let bytes = 0;
    const tap = new Transform({ transform: (c: Buffer, _e, done) => { bytes += c.length; hash.update(c); done(null, c); } });
    try {
      await pipeline(res, tap, destination, { signal });
    } catch (error) {
      signal?.throwIfAborted();
      throw new StateStoreError(`the restore of the user state for ${this.computer} from ${this.storePath} broke after ${bytes} bytes (${(error as Error).message})`, 'restoreBroken');
    }
    const sha256 = hash.digest('hex');
    if (sha256 !== res.headers['x-osdlab-sha256']) throw new StateStoreError(`the user state restored for ${this.computer} does not match the store (SHA-256)`, 'corrupt');
    return { bytes, sha256 };
  }

  /** Release State Store. */
  async release(signal?: AbortSignal): Promise<{ deleteAt?: string }> {
    const answer = await readAnswer(await send(`${this.smpUrl}/smp/release`, 'POST', this.headers, '{}', signal));
    if (answer.status !== 200) throw refusal(answer, 1);
    return { deleteAt: answer.body.deleteAt as string | undefined };
  }
}

/** Request State Store: retries while the SMP is busy or unreachable, falls back to the NAA when allowed. */
export async function requestStateStore(smpUrl: string, options: StateStoreRequestOptions): Promise<StateStoreSession> {
  const computerHeaders = { 'x-osdlab-computer': options.computer };
  const naa = options.networkAccessAccount;
  const naaHeaders = naa ? { ...computerHeaders, authorization: `Basic ${Buffer.from(`${naa.user}:${naa.password}`).toString('base64')}` } : undefined;
  let headers: Record<string, string> = computerHeaders;
  let last: StateStoreError | undefined;
  const attempts = 1 + options.retryCount;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep(options.retryTimeSeconds * 1000, undefined, { signal: options.signal });
    let answer: Answer;
    try {
      answer = await readAnswer(await send(`${smpUrl}/smp/request`, 'POST', headers, JSON.stringify({ operation: options.operation }), options.signal));
    } catch (error) {
      options.signal?.throwIfAborted();
      last = new StateStoreError(`state migration point ${smpUrl} cannot be reached: ${(error as Error).message}`, 'unreachable', attempt);
      continue;
    }
    if (answer.status === 200) {
      return new StateStoreSession(smpUrl, options.computer, answer.body.account as 'computer' | 'networkAccessAccount', answer.body.storePath as string, attempt, headers);
    }
    last = refusal(answer, attempt);
    if (last.code === 'accessDenied' && headers === computerHeaders && options.fallbackToNetworkAccessAccount && naaHeaders) {
      headers = naaHeaders;
      attempt--;
      continue;
    }
    if (answer.body.retryable !== true) throw last;
  }
  throw last!;
}

function send(url: string, method: string, headers: Record<string, string>, body: string | undefined, signal?: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' }, signal, agent: false }, resolve);
    req.once('error', reject);
    req.end(body);
  });
}

async function readAnswer(res: IncomingMessage): Promise<Answer> {
  const chunks: Buffer[] = [];
  for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return { status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return { status: res.statusCode ?? 0, body: { error: text } };
  }
}

function refusal(answer: Answer, attempts: number): StateStoreError {
  const reason = typeof answer.body.error === 'string' ? answer.body.error : `HTTP ${answer.status}`;
  return new StateStoreError(reason, typeof answer.body.code === 'string' ? answer.body.code : `http${answer.status}`, attempts);
}
