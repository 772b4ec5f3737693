// Access log of a site server: one line per request, as IIS writes one for each DP/SMP request.
// Lines go to a file (appended) and to an optional listener (the run's results, tests).

import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

export interface AccessEntry {
  /** ISO 8601 time the request arrived. */
  time: string;
  client: string;
  method: string;
  /** What was asked for: "PKG00001.2/boot.wim", "store/PC01", "policy". */
  resource: string;
  /** The Range header as sent, "-" when none. */
  range: string;
  status: number;
  /** Body bytes sent or received. */
  bytes: number;
  durationMs: number;
}

export function accessLine(e: AccessEntry): string {
  return [e.time, e.client, e.method, e.resource, e.range, e.status, e.bytes, Math.round(e.durationMs)].join(' ');
}

export class AccessLog {
  private readonly file?: WriteStream;

  constructor(path?: string, private readonly listener?: (entry: AccessEntry) => void) {
    if (path) this.file = createWriteStream(path, { flags: 'a' });
  }

  record(entry: AccessEntry): void {
    // A request cut by the server's stop ends after the log closed: the listener still hears of it.
    if (this.file && !this.file.writableEnded) this.file.write(`${accessLine(entry)}\n`);
    this.listener?.(entry);
  }

  async close(): Promise<void> {
    if (!this.file || this.file.closed) return;
    this.file.end();
    await once(this.file, 'close');
  }
}
