// Console progress of `osdlab run`: on a terminal, a live block with one row per machine (phase, current step,
// bytes downloaded) redrawn in place, with each machine's result lines printed above it as it finishes; in CI
// logs and pipes (not a TTY, or CI=true), plain lines — one per step a machine starts and its result lines.
import type { MachineActivity } from '../harness/index.js';
import { formatBytes } from './html/format.js';

/** Where the view writes: process.stdout, or a buffer in tests. */
export interface ConsoleOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

export interface ProgressView {
  activity(activity: MachineActivity): void;
  /** A machine (or client group) finished: its result lines stay on the console. */
  finished(machine: string, lines: string[]): void;
  /** The run ended: the live block is removed. */
  close(): void;
}

export interface ProgressViewOptions {
  /** Environment to read CI from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Wall clock for throttling redraws (default Date.now). */
  now?: () => number;
  /** Least time between two redraws of the live block (default 100 ms). */
  redrawMs?: number;
}

/** The live view on a terminal, plain lines everywhere else. */
export function progressView(out: ConsoleOutput, options: ProgressViewOptions = {}): ProgressView {
  const env = options.env ?? process.env;
  return out.isTTY === true && env.CI !== 'true' ? new LiveProgressView(out, options) : new LineProgressView(out);
}

const stepText = (a: MachineActivity) => (a.step !== undefined ? `"${a.step}"` : '(before the first step)');

/** One line each time a machine starts a step (with what it downloaded so far), then its result lines. */
export class LineProgressView implements ProgressView {
  private readonly steps = new Map<string, string | undefined>();

  constructor(private readonly out: ConsoleOutput) {}

  activity(a: MachineActivity): void {
    if (a.phase === 'finished' || a.step === undefined || this.steps.get(a.machine) === a.step) return;
    this.steps.set(a.machine, a.step);
    const bytes = a.bytesDownloaded > 0 ? ` (${formatBytes(a.bytesDownloaded)} downloaded)` : '';
    this.out.write(`      ${a.machine}: step ${stepText(a)}${bytes}\n`);
  }

  finished(_machine: string, lines: string[]): void {
    this.out.write(lines.map((l) => `${l}\n`).join(''));
  }

  close(): void {}
}

const ESC = '\u001b[';

/** Cuts a row to the terminal's width (the cursor arithmetic assumes one screen line per row). */
function fit(text: string, columns: number): string {
  return text.length <= columns ? text : `${text.slice(0, Math.max(0, columns - 1))}…`;
}

/** The live block: rows for running machines, redrawn in place (cursor up, clear line) at most every redrawMs. */
export class LiveProgressView implements ProgressView {
  private readonly running = new Map<string, MachineActivity>();
  private drawnRows = 0;
  private lastDraw = -Infinity;
  private finishedCount = 0;
  private readonly now: () => number;
  private readonly redrawMs: number;

  constructor(
    private readonly out: ConsoleOutput,
    options: ProgressViewOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.redrawMs = options.redrawMs ?? 100;
  }

  activity(a: MachineActivity): void {
    if (a.phase === 'finished') this.running.delete(a.machine);
    else this.running.set(a.machine, a);
    if (this.now() - this.lastDraw >= this.redrawMs) this.redraw('');
  }

  finished(machine: string, lines: string[]): void {
    this.running.delete(machine);
    this.finishedCount++;
    // Result lines go where the block was; the block is drawn again below them.
    this.redraw(lines.map((l) => `${ESC}2K${l}\n`).join(''));
  }

  close(): void {
    this.redraw('', false);
  }

  /** The block's rows: a header, then one row per running machine, as many as the terminal has room for. */
  render(): string[] {
    if (this.running.size === 0) return [];
    // A terminal that does not know its size reports 0.
    const columns = this.out.columns || 80;
    const room = Math.max(2, (this.out.rows || 24) - 2);
    const machines = [...this.running.values()];
    const shown = machines.length > room ? machines.slice(0, room - 1) : machines;
    const width = Math.min(40, Math.max(...shown.map((a) => a.machine.length)));
    const rows = [`── ${this.running.size} running, ${this.finishedCount} finished ──`];
    for (const a of shown) {
      const bytes = a.bytesDownloaded > 0 ? `  ${formatBytes(a.bytesDownloaded)}` : '';
      rows.push(`${a.machine.padEnd(width)}  ${a.phase.padEnd(19)} ${stepText(a)}${bytes}`);
    }
    if (shown.length < machines.length) rows.push(`… and ${machines.length - shown.length} more`);
    return rows.map((r) => fit(r, columns));
  }

  private redraw(above: string, block = true): void {
    const rows = block ? this.render() : [];
    const up = this.drawnRows > 0 ? `${ESC}${this.drawnRows}A\r` : '';
    // Clear what is left of the old block when the new one is shorter.
    const stale = Math.max(0, this.drawnRows - rows.length - above.split('\n').length + 1);
    const body = rows.map((r) => `${ESC}2K${r}\n`).join('');
    this.out.write(`${up}${above}${body}${`${ESC}2K\n`.repeat(stale)}${stale > 0 ? `${ESC}${stale}A` : ''}`);
    this.drawnRows = rows.length;
    this.lastDraw = this.now();
  }
}
