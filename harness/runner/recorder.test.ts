// The recorder between the engine and a machine: the cache as downloads and evictions show it, content used in
// place (on a DP or on media) kept out of the cache, a repartition emptying it, restarts, and the activity events.
import { expect } from 'chai';
import type { ContentOutcome, ContentRequest, TaskSequenceMachine } from '../machine.js';
import { MachineRecorder, WatchedLog, type MachineActivity } from './recorder.js';

const MB = 1024 * 1024;

/** A machine whose downloads answer from a table; every other operation succeeds after a second. */
function machine(answers: Record<string, ContentOutcome>): TaskSequenceMachine {
  let now = Date.UTC(2026, 10, 23, 14, 0, 0);
  const ok = async () => {
    now += 1000;
    return { exitCode: 0 };
  };
  const inner = {
    name: 'PC01',
    clock: { now: () => now, sleep: async (ms: number) => void (now += ms) },
    downloadContent: async (r: ContentRequest) => {
      now += 10_000;
      return answers[r.packageId] ?? { exitCode: 2 };
    },
    partitionDisk: ok,
    restart: async () => {
      now += 60_000;
      return { booted: false, reason: 'no disk' };
    },
  };
  return inner as unknown as TaskSequenceMachine;
}

const request = (packageId: string): ContentRequest => ({ packageId, mode: 'downloadOnDemand', destination: 'tsCache' });

describe('runner: machine recorder', () => {
  it('follows the cache through downloads, evictions, content in place and a repartition', async () => {
    const events: MachineActivity[] = [];
    const inner = machine({
      A: { exitCode: 0, location: 'C:\\_SMSTaskSequence\\Packages\\A', bytes: 300 * MB },
      B: { exitCode: 0, location: 'C:\\_SMSTaskSequence\\Packages\\B', bytes: 500 * MB, output: ['evicted A from the cache'] },
      DP: { exitCode: 0, location: '\\\\DP01\\SMSPKGC$\\DP', bytes: 100 * MB },
      MEDIA: { exitCode: 0, location: 'D:\\SMS\\PKG\\MEDIA', bytes: 50 * MB },
    });
    const r = new MachineRecorder(inner, (a) => events.push(a), 5120 * MB);
    await r.downloadContent(request('A'));
    await r.downloadContent(request('B'));
    await r.downloadContent(request('DP'));
    await r.downloadContent(request('MEDIA'));
    await r.downloadContent(request('MISSING'));
    await r.partitionDisk({ diskIndex: 0, style: 'gpt', diskType: 'basic', partitions: [] });
    await r.restart('FullOS');
    const rec = r.finished([]);
    expect(rec.cache.map((c) => c.usedBytes / MB)).to.deep.equal([300, 500, 0]);
    expect(rec.downloads.map((d) => [d.packageId, d.bytes / MB, d.source])).to.deep.equal([
      ['A', 300, undefined],
      ['B', 500, undefined],
      ['DP', 100, 'DP01'],
      ['MEDIA', 50, undefined],
    ]);
    expect(Date.parse(rec.downloads[0]!.end) - Date.parse(rec.downloads[0]!.start)).to.equal(10_000);
    expect(rec.reboots.map((b) => b.target)).to.deep.equal(['FullOS']);
    expect(rec.cacheLimitBytes).to.equal(5120 * MB);
    expect(events.map((e) => e.phase)).to.include.members(['downloading content', 'partitioning disk', 'restarting', 'finished']);
    expect(events.at(-1)!.bytesDownloaded / MB).to.equal(950);
  });

  it('reads the step under way from smsts.log as the engine writes it', () => {
    const steps: string[] = [];
    const log = new WatchedLog({ now: () => 0 }, (s) => steps.push(s));
    log.info('Start executing an instruction. Instruction name: Apply Operating System Image. Instruction pointer: 4', 'engine.cxx:143');
    log.info('The action (Apply Operating System Image) has been skipped because it is disabled', 'instruction.cxx:613');
    log.info('Start executing an instruction. Instruction name: Setup Windows. and ConfigMgr. Instruction pointer: 12', 'engine.cxx:143');
    expect(steps).to.deep.equal(['Apply Operating System Image', 'Setup Windows. and ConfigMgr']);
    expect(log.files()[0]!.text).to.contain('Instruction name: Apply Operating System Image');
  });
});
