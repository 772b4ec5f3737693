// The host side of the agent protocol against a scripted agent on a unix socket (no QEMU).
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AgentChannel, AgentError, type AgentFacts } from '../agent-channel.js';

type Reply = (request: { id: number; op: string; command?: string }, send: (msg: object) => void, socket: Socket) => void;

function facts(bootId: string): AgentFacts {
  return {
    agentVersion: 1, bootId, environment: 'WinPE', architecture: 'x86_64', kernel: 'k', firmware: 'bios', firmwarePlatformSize: null,
    memoryKB: 1, cpus: 1, smbios: { manufacturer: '', product: '', serial: '', uuid: '' }, pci: [], nics: [], disks: [], volumes: [],
  };
}

describe('lab/qemu agent channel (scripted agent)', () => {
  let dir: string;
  let server: Server | undefined;
  const requests: { id: number; op: string; command?: string }[] = [];

  async function agent(reply: Reply): Promise<string> {
    const path = join(dir, `agent-${requests.length}-${Date.now()}.sock`);
    server = createServer((socket) => {
      const send = (msg: object): void => void socket.write(`${JSON.stringify(msg)}\n`);
      createInterface({ input: socket }).on('line', (line) => {
        const req = JSON.parse(line) as { id: number; op: string; command?: string };
        requests.push(req);
        reply(req, send, socket);
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server?.listen(path, resolve));
    return path;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'osdlab-agent-test-'));
    requests.length = 0;
  });
  afterEach(async () => {
    server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('asks for hello, streams run output in order, decodes the command, serialises requests', async () => {
    let busy = false;
    let overlapped = false;
    const path = await agent((req, send) => {
      if (req.op === 'hello') send({ id: req.id, type: 'hello', facts: facts('b1') });
      if (req.op === 'run') {
        overlapped ||= busy;
        busy = true;
        const cmd = Buffer.from(req.command ?? '', 'base64').toString();
        setTimeout(() => {
          send({ id: req.id, type: 'output', data: `ran: ${cmd}` });
          send({ id: req.id, type: 'output', data: 'second line' });
          busy = false;
          send({ id: req.id, type: 'exit', code: cmd.length });
        }, 20);
      }
    });
    const channel = await AgentChannel.connect(path, { helloTimeoutMs: 2000 });
    try {
      expect(channel.helloFacts.bootId).to.equal('b1');
      const seen: string[] = [];
      const [a, b] = await Promise.all([
        channel.run('echo "x" ; exit 3', { timeoutMs: 2000, onOutput: (l) => seen.push(l) }),
        channel.run('two', { timeoutMs: 2000 }),
      ]);
      expect(a).to.deep.equal({ exitCode: 17, output: ['ran: echo "x" ; exit 3', 'second line'] });
      expect(b).to.deep.equal({ exitCode: 3, output: ['ran: two', 'second line'] });
      expect(seen).to.deep.equal(a.output);
      // One at a time: the second run was sent only after the first one's exit.
      expect(requests.map((r) => r.op)).to.deep.equal(['hello', 'run', 'run']);
      expect(overlapped).to.equal(false);
    } finally {
      channel.close();
    }
  });

  it('waits for the socket to appear, then for the hello; times out when none comes', async () => {
    const path = join(dir, 'late.sock');
    setTimeout(() => {
      server = createServer((s) => s.on('error', () => undefined));
      server.listen(path);
    }, 200);
    const err = await AgentChannel.connect(path, { helloTimeoutMs: 800 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AgentError);
    expect((err as Error).message).to.match(/agent hello: no answer within/);
  });

  it('honours AbortSignal while waiting for hello and during a request', async () => {
    const path = await agent((req, send) => {
      if (req.op === 'hello') send({ id: req.id, type: 'hello', facts: facts('b1') });
    });
    const early = AbortSignal.abort(new Error('run cancelled'));
    expect(((await AgentChannel.connect(path, { helloTimeoutMs: 2000, signal: early }).catch((e: Error) => e)) as Error).message).to.equal('run cancelled');
    const channel = await AgentChannel.connect(path, { helloTimeoutMs: 2000 });
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('stop waiting')), 50);
      const err = await channel.run('sleep 100', { timeoutMs: 10_000, signal: controller.signal }).catch((e: Error) => e);
      expect((err as Error).message).to.equal('stop waiting');
    } finally {
      channel.close();
    }
  });

  it('fails a request when the channel closes, reports agent errors, and waits for a new boot after reboot', async () => {
    const path = await agent((req, send, socket) => {
      if (req.op === 'hello') send({ id: req.id, type: 'hello', facts: facts('boot-1') });
      if (req.op === 'facts') send({ id: req.id, type: 'error', message: 'unknown op: facts' });
      if (req.op === 'reboot') {
        send({ id: req.id, type: 'ack' });
        setTimeout(() => send({ type: 'hello', facts: facts('boot-2') }), 50);
      }
      if (req.op === 'run') socket.destroy();
    });
    const channel = await AgentChannel.connect(path, { helloTimeoutMs: 2000 });
    const refused = await channel.facts({ timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(AgentError);
    expect((refused as Error).message).to.match(/unknown op: facts/);
    await channel.reboot({ timeoutMs: 2000 });
    const next = await channel.waitForNewBoot('boot-1', { timeoutMs: 2000 });
    expect(next.bootId).to.equal('boot-2');
    const closed = await channel.run('anything', { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(closed).to.be.instanceOf(AgentError);
    expect((closed as Error).message).to.match(/closed during run/);
  });
});
