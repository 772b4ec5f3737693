import { expect } from 'chai';
import { access } from 'node:fs/promises';
import { CleanupRegistry } from '../cleanup.js';
import { withLabRun } from '../lab-run.js';
import { InputError } from '../../../scenarios/index.js';

describe('lab/qemu cleanup registry and lab run', () => {
  it('removes newest first, keeps going past a failure, and forgets what was removed normally', async () => {
    const reg = new CleanupRegistry();
    const order: string[] = [];
    reg.add('namespace', async () => void order.push('namespace'));
    reg.add('tap', async () => {
      order.push('tap');
      throw new Error('busy');
    });
    const forget = reg.add('gone already', async () => void order.push('gone already'));
    reg.add('qemu', async () => void order.push('qemu'));
    forget();
    const failures = await reg.runAll();
    expect(order).to.deep.equal(['qemu', 'tap', 'namespace']);
    expect(failures.map((f) => f.label)).to.deep.equal(['tap']);
    expect(reg.size).to.equal(0);
    expect(await reg.runAll()).to.deep.equal([]);
  });

  it('a run removes its temp dir and signal handlers whether the body succeeds or fails', async () => {
    const handlersBefore = process.listenerCount('SIGINT');
    const termBefore = process.listenerCount('SIGTERM');
    let dir = '';
    const result = await withLabRun('unit-ok', async (run) => {
      dir = run.tempDir;
      await access(dir);
      expect(process.listenerCount('SIGINT')).to.equal(handlersBefore + 1);
      return 42;
    });
    expect(result).to.equal(42);
    expect(await access(dir).then(() => true, () => false)).to.equal(false);
    const err = await withLabRun('unit-fail', async (run) => {
      dir = run.tempDir;
      throw new Error('boom');
    }).catch((e: Error) => e);
    expect((err as Error).message).to.equal('boom');
    expect(await access(dir).then(() => true, () => false)).to.equal(false);
    expect(process.listenerCount('SIGINT')).to.equal(handlersBefore);
    expect(process.listenerCount('SIGTERM')).to.equal(termBefore);
  });

  it('rejects a run id that cannot name a namespace', async () => {
    const err = await withLabRun('Bad Id!', async () => 1).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InputError);
  });
});
