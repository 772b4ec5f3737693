import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectionClosedError, ZeroCopySender } from './sendfile.js';

/** A server-side socket and its client, connected on loopback. */
async function socketPair(server: Server): Promise<{ sending: Socket; receiving: Socket }> {
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const receiving = connect((server.address() as { port: number }).port, '127.0.0.1');
  const [[sending]] = await Promise.all([accepted, once(receiving, 'connect')]);
  return { sending, receiving };
}

describe('zero-copy sending (sendfile through koffi)', function () {
  this.timeout(20_000);
  const sender = ZeroCopySender.load();
  let dir: string;
  let server: Server;
  const data = randomBytes(16 * 1024 * 1024 + 77);

  before(async function () {
    if (!sender) this.skip();
    dir = await mkdtemp(join(tmpdir(), 'osdlab-sendfile-'));
    await writeFile(join(dir, 'file'), data);
    server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  after(async () => {
    server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is available on Linux', () => {
    expect(process.platform !== 'linux' || sender !== undefined).to.be.true;
  });

  it('sends a range byte-exactly to a slow reader (the send buffer fills, libuv waits for room) in rate-limit steps', async () => {
    const { sending, receiving } = await socketPair(server);
    const got: Buffer[] = [];
    receiving.on('data', (b: Buffer) => {
      got.push(b);
      // A reader slower than the sender: the kernel's send buffer fills and sendfile says EAGAIN.
      receiving.pause();
      setTimeout(() => receiving.resume(), 1);
    });
    // Held back at first: more than both sockets' buffers together is on its way.
    receiving.pause();
    setTimeout(() => receiving.resume(), 100);
    const file = await open(join(dir, 'file'), 'r');
    const steps: number[] = [];
    let sent = 0;
    try {
      await sender!.send(sending, file, 1000, data.length - 2000, {
        chunk: 1024 * 1024,
        beforeStep: async (n) => {
          steps.push(n);
        },
        onSent: (n) => {
          sent += n;
        },
      });
    } finally {
      await file.close();
    }
    sending.end();
    await once(receiving, 'end');
    expect(Buffer.concat(got).equals(data.subarray(1000, data.length - 1000))).to.be.true;
    expect(sent).to.equal(data.length - 2000);
    expect(steps.slice(0, -1).every((n) => n === 1024 * 1024)).to.be.true;
    expect(steps.reduce((a, b) => a + b, 0)).to.equal(data.length - 2000);
  });

  it('rejects with ConnectionClosedError when the client goes away mid-transfer', async () => {
    const { sending, receiving } = await socketPair(server);
    sending.on('error', () => undefined);
    receiving.pause();
    const file = await open(join(dir, 'file'), 'r');
    try {
      const sent = sender!.send(sending, file, 0, data.length, { onSent: () => undefined });
      await sleep(50);
      receiving.destroy();
      const error = await sent.then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(ConnectionClosedError);
    } finally {
      await file.close();
      sending.destroy();
    }
  });
});
