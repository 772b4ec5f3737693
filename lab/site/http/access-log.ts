// Access log of a site server: one line per request, as IIS writes one for each DP/SMP request.
// Lines go to a file (appended) and to an optional listener (the run's results, tests).

import { LineFile } from './line-file.js';

export interface AccessEntry {
  /** ISO 8601 time the request arrived. */
  time: string;
  client: string;
  method: string;
  /** What was asked for: "LAB00001/boot.wim", "store/PC01", "policy". */
  resource: string;
  /** The Range header as sent, "-" when none. */
  range: string;
  /** 0 when the connection ended before an answer. */
  status: number;
  /** Body bytes handed to the connection (sent) or received. */
  bytes: number;
  durationMs: number;
}

export function accessLine(e: AccessEntry): string {
  return [e.time, e.client, e.method, e.resource, e.range, e.status, e.bytes, Math.round(e.durationMs)].join(' ');
}

export class AccessLog {
  private readonly file?: LineFile;

  constructor(path?: string, private readonly listener?: (entry: AccessEntry) => void) {
    if (path) this.file = new LineFile(path);
  }

  record(entry: AccessEntry): void {
    this.file?.write(accessLine(entry));
    this.listener?.(entry);
  }

  async close(): Promise<void> {
    await this.file?.close();
  }
}
