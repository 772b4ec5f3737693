// A log file a site server appends one line to per event (access log, status messages).

import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

export class LineFile {
  private readonly file: WriteStream;

  constructor(path: string) {
    this.file = createWriteStream(path, { flags: 'a' });
  }

  write(line: string): void {
    // Handlers of connections cut by a stop finish after the file closed: their lines are dropped.
    if (!this.file.writableEnded) this.file.write(`${line}\n`);
  }

  async close(): Promise<void> {
    if (this.file.closed) return;
    this.file.end();
    await once(this.file, 'close');
  }
}
