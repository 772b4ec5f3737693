// The console progress of `osdlab run`: plain lines for CI logs and pipes, and the live view of a terminal,
// drawn into a string buffer and played on a small terminal model (cursor up, carriage return, clear line)
// to see the screen a user would see. Fed with the activity of a real twin run.
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { runScenario, type MachineActivity } from '../../harness/index.js';
import { TwinBackend } from '../../lab/index.js';
import { loadScenario } from '../../scenarios/index.js';
import { LineProgressView, LiveProgressView, progressView, type ConsoleOutput } from '../index.js';

const MATRIX = fileURLToPath(new URL('../../scenarios/hardware-matrix.yaml', import.meta.url));

/** A terminal screen: what the escape sequences the view writes leave on it. */
class Screen implements ConsoleOutput {
  readonly isTTY = true;
  readonly lines: string[] = [''];
  private row = 0;
  private col = 0;
  written = '';

  constructor(
    readonly columns = 100,
    readonly rows = 40,
  ) {}

  write(text: string): boolean {
    this.written += text;
    for (let i = 0; i < text.length; i++) {
      const esc = text[i] === '\u001b' ? /^\[(\d*)([AK])/.exec(text.slice(i + 1)) : null;
      if (esc) {
        if (esc[2] === 'A') this.row = Math.max(0, this.row - Number(esc[1] || 1));
        else this.lines[this.row] = '';
        i += esc[0].length;
      } else if (text[i] === '\r') {
        this.col = 0;
      } else if (text[i] === '\n') {
        this.row++;
        this.col = 0;
        while (this.lines.length <= this.row) this.lines.push('');
      } else {
        const line = this.lines[this.row]!.padEnd(this.col);
        this.lines[this.row] = line.slice(0, this.col) + text[i] + line.slice(this.col + 1);
        this.col++;
      }
    }
    return true;
  }

  /** The screen without trailing empty lines. */
  text(): string[] {
    const out = [...this.lines];
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    return out;
  }
}

describe('console progress', function () {
  this.timeout(60_000);
  let activities: MachineActivity[];
  let finishes: string[];

  before(async () => {
    activities = [];
    finishes = [];
    const scenario = await loadScenario(MATRIX);
    await runScenario(scenario, { backend: new TwinBackend(), shard: { index: 1, count: 4 }, onActivity: (a) => activities.push(a), onProgress: (p) => finishes.push(p.result.name) });
  });

  /** The run's events in order: every activity, each machine's result line after its "finished" activity. */
  function replay(view: { activity(a: MachineActivity): void; finished(m: string, lines: string[]): void; close(): void }) {
    for (const a of activities) {
      view.activity(a);
      if (a.phase === 'finished') view.finished(a.machine, [`RESULT ${a.machine}`]);
    }
    view.close();
  }

  it('the runner reports each machine starting, its steps with their operations, its downloads, and its end', () => {
    expect(finishes).to.have.length(4);
    for (const machine of finishes) {
      const mine = activities.filter((a) => a.machine === machine);
      expect(mine[0]!.phase).to.equal('starting');
      expect(mine.at(-1)!.phase).to.equal('finished');
      expect(mine.some((a) => a.phase === 'partitioning disk' && a.step?.startsWith('Partition'))).to.equal(true);
      expect(mine.some((a) => a.phase === 'downloading content')).to.equal(true);
      // Bytes only grow, and the OS image came down.
      const bytes = mine.map((a) => a.bytesDownloaded);
      expect(bytes).to.deep.equal([...bytes].sort((x, y) => x - y));
      expect(bytes.at(-1)).to.be.greaterThan(3e9);
    }
  });

  it('line mode: one line per step a machine starts, with what it downloaded, and the result lines', () => {
    const out = new Screen();
    const view = new LineProgressView(out);
    replay(view);
    expect(out.written).not.to.contain('\u001b[');
    const lines = out.written.trimEnd().split('\n');
    const first = finishes[0]!;
    const mine = lines.filter((l) => l.includes(`${first}:`) || l === `RESULT ${first}`);
    expect(mine[0]).to.match(/^ {6}\S+: step "Partition Disk 0[^"]*"$/).and.to.contain(first);
    expect(mine).to.include(`RESULT ${first}`);
    // Steps after the OS image came down say so.
    expect(lines.some((l) => /: step "Setup Windows and ConfigMgr" \(\d+(\.\d)? GB downloaded\)$/.test(l))).to.equal(true);
    // A step is announced once, however many operations it runs.
    expect(new Set(mine).size).to.equal(mine.length);
  });

  it('picks plain lines when not a terminal or under CI=true, the live view on a terminal', () => {
    expect(progressView({ write: () => true }, { env: {} })).to.be.instanceOf(LineProgressView);
    expect(progressView(new Screen(), { env: { CI: 'true' } })).to.be.instanceOf(LineProgressView);
    expect(progressView(new Screen(), { env: {} })).to.be.instanceOf(LiveProgressView);
  });

  it('live view: a row per running machine redrawn in place, result lines kept above, nothing left at the end', () => {
    const screen = new Screen();
    const view = new LiveProgressView(screen, { redrawMs: 0 });
    // Mid-run: stop after the first machine finished.
    const firstEnd = activities.findIndex((a) => a.phase === 'finished');
    for (const a of activities.slice(0, firstEnd + 1)) {
      view.activity(a);
      if (a.phase === 'finished') view.finished(a.machine, [`RESULT ${a.machine}`]);
    }
    const running = new Set(activities.slice(0, firstEnd + 1).map((a) => a.machine));
    running.delete(activities[firstEnd]!.machine);
    const mid = screen.text();
    expect(mid[0]).to.equal(`RESULT ${activities[firstEnd]!.machine}`);
    expect(mid[1]).to.equal(`── ${running.size} running, 1 finished ──`);
    expect(mid.slice(2)).to.have.length(running.size);
    for (const row of mid.slice(2)) {
      const [machine] = row.split(/\s{2,}/);
      expect(running.has(machine!), row).to.equal(true);
      const last = activities.slice(0, firstEnd + 1).filter((a) => a.machine === machine).at(-1)!;
      expect(row).to.contain(last.phase).and.to.contain(last.step === undefined ? '(before the first step)' : `"${last.step}"`);
    }
    // The view rewrote its block in place rather than scrolling: far fewer screen lines than redraws.
    expect(screen.lines.length).to.be.lessThan(10);
    for (const a of activities.slice(firstEnd + 1)) {
      view.activity(a);
      if (a.phase === 'finished') view.finished(a.machine, [`RESULT ${a.machine}`]);
    }
    view.close();
    expect(screen.text()).to.deep.equal(finishes.map((m) => `RESULT ${m}`));
  });

  it('live view: rows fit the terminal width, and a block taller than the terminal says how many more run', () => {
    const screen = new Screen(40, 6);
    const view = new LiveProgressView(screen, { redrawMs: 0 });
    for (let n = 1; n <= 9; n++) view.activity({ machine: `PC${n}[uefi,x64,gpt,dynamic]`, step: 'Apply Operating System Image', phase: 'downloading content', bytesDownloaded: n * 1e9, at: 0 });
    const rows = view.render();
    expect(rows).to.have.length(5);
    expect(rows.at(-1)).to.equal('… and 6 more');
    for (const r of rows) expect(r.length).to.be.at.most(40);
    expect(rows[1]!.endsWith('…')).to.equal(true);
    // A terminal that does not know its size (columns and rows 0) gets 80×24.
    const unsized = new LiveProgressView({ write: () => true, isTTY: true, columns: 0, rows: 0 }, { redrawMs: 0 });
    unsized.activity({ machine: 'PC01', step: 'Partition Disk 0', phase: 'partitioning disk', bytesDownloaded: 0, at: 0 });
    expect(unsized.render()[1]).to.equal(`PC01  ${'partitioning disk'.padEnd(19)} "Partition Disk 0"`);
  });

  it('live view: redraws at most once per interval, whatever the rate of events', () => {
    let now = 0;
    const screen = new Screen();
    let writes = 0;
    const counted = { write: (t: string) => (writes++, screen.write(t)), isTTY: true, columns: 100, rows: 40 };
    const view = new LiveProgressView(counted, { redrawMs: 100, now: () => now });
    for (let i = 0; i < 1000; i++) {
      now += 1;
      view.activity({ machine: 'PC01', phase: 'running', step: `step ${i}`, bytesDownloaded: 0, at: 0 });
    }
    expect(writes).to.be.within(10, 11);
    // The block shows the latest state once drawn again.
    now += 100;
    view.activity({ machine: 'PC01', phase: 'running', step: 'last', bytesDownloaded: 0, at: 0 });
    expect(screen.text().at(-1)).to.contain('"last"');
  });
});
