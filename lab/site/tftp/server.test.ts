// A boot file that shrinks while it is being served: the transfer ends with a TFTP error instead of
// sending whatever an unfilled buffer held as the rest of the file.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { truncateSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tftpGet } from './client.js';
import { TftpError } from './packets.js';
import { TftpServer } from './server.js';

describe('TFTP server: a boot file truncated during a transfer', function () {
  this.timeout(20_000);
  let root: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'osdlab-tftp-shrink-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('fails the transfer with an error naming the file', async () => {
    // Larger than one read chunk (1 MiB), so a second read happens after the truncation.
    await writeFile(join(root, 'boot.wim'), randomBytes(3 * 1024 * 1024));
    const server = await TftpServer.start({ root, address: '127.0.0.1', port: 0 });
    try {
      const error = await tftpGet({
        host: '127.0.0.1',
        port: server.port,
        file: 'boot.wim',
        blockSize: 1456,
        windowSize: 8,
        dropData: (block, seen) => {
          if (block === 10 && seen === 1) truncateSync(join(root, 'boot.wim'), 100_000);
          return false;
        },
      }).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(TftpError);
      expect((error as Error).message).to.match(/boot\.wim became shorter during the transfer/);
      expect(server.completed[0]?.outcome).to.equal('error');
    } finally {
      await server.close();
    }
  });
});
