// `osdlab diff RUN_A RUN_B`: what changed between two runs of a scenario, per machine — steps whose status
// changed (what broke, what was fixed) and steps whose duration changed beyond a threshold (what got slower or
// faster), for nightly regression. Steps are matched by their position in the tree and their name.
import type { MachineResult, RunResult, StepResult } from '../harness/index.js';
import { InputError } from '../scenarios/index.js';

/** A relative change (0.2 = 20 %) or an absolute one in milliseconds. */
export type DiffThreshold = { kind: 'percent'; share: number } | { kind: 'duration'; ms: number };

/** Changes below this are noise however large their share (a 0.1 s step taking 0.3 s). */
export const PERCENT_NOISE_FLOOR_MS = 1000;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "20%", "30s", "2m", "500ms", "1h". */
export function parseThreshold(text: string): DiffThreshold {
  const m = /^(\d+(?:\.\d+)?)\s*(%|ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new InputError({ path: '--threshold', message: `"${text}" is not a threshold; allowed: a percentage (20%) or a duration (500ms, 30s, 2m, 1h)` });
  const value = Number(m[1]);
  return m[2] === '%' ? { kind: 'percent', share: value / 100 } : { kind: 'duration', ms: value * UNITS[m[2]!]! };
}

export type StepChangeKind = 'broke' | 'fixed' | 'status' | 'slower' | 'faster' | 'added' | 'removed';

export interface StepChange {
  kind: StepChangeKind;
  path: string;
  name: string;
  statusA?: StepResult['status'];
  statusB?: StepResult['status'];
  durationMsA?: number;
  durationMsB?: number;
}

export interface MachineDiff {
  name: string;
  /** "broke": passed in A, fails in B; "fixed": the other way; "added"/"removed": ran in one run only. */
  verdict: 'same' | 'broke' | 'fixed' | 'added' | 'removed';
  passA?: boolean;
  passB?: boolean;
  outcomeA?: MachineResult['outcome'];
  outcomeB?: MachineResult['outcome'];
  steps: StepChange[];
}

export interface RunDiff {
  threshold: DiffThreshold;
  /** Only machines with a change. */
  machines: MachineDiff[];
  /** Something broke: a machine that passed fails, or a step that succeeded fails. */
  broke: boolean;
}

function durationMs(s: StepResult): number | undefined {
  const start = s.start ? Date.parse(s.start) : NaN;
  const end = s.end ? Date.parse(s.end) : NaN;
  return Number.isFinite(start) && Number.isFinite(end) ? end - start : undefined;
}

function beyond(a: number, b: number, t: DiffThreshold): boolean {
  const delta = Math.abs(b - a);
  if (t.kind === 'duration') return delta > t.ms;
  return delta >= PERCENT_NOISE_FLOOR_MS && delta > t.share * a;
}

const ran = (s: StepResult['status'] | undefined) => s === 'success' || s === 'failed';

function statusKind(a: StepResult['status'], b: StepResult['status']): StepChangeKind {
  if (a === 'success' && b === 'failed') return 'broke';
  if (a === 'failed' && b === 'success') return 'fixed';
  return 'status';
}

function stepChanges(a: StepResult[], b: StepResult[], threshold: DiffThreshold): StepChange[] {
  const key = (s: StepResult) => `${s.path}\u0000${s.name}`;
  const inB = new Map(b.map((s) => [key(s), s]));
  const inA = new Set(a.map(key));
  const changes: StepChange[] = [];
  for (const sa of a) {
    const sb = inB.get(key(sa));
    const base = { path: sa.path, name: sa.name };
    if (!sb) {
      changes.push({ kind: 'removed', ...base, statusA: sa.status });
      continue;
    }
    const [da, db] = [durationMs(sa), durationMs(sb)];
    if (sa.status !== sb.status) {
      changes.push({ kind: statusKind(sa.status, sb.status), ...base, statusA: sa.status, statusB: sb.status, ...(da !== undefined ? { durationMsA: da } : {}), ...(db !== undefined ? { durationMsB: db } : {}) });
    } else if (sa.kind === 'step' && ran(sa.status) && da !== undefined && db !== undefined && beyond(da, db, threshold)) {
      changes.push({ kind: db > da ? 'slower' : 'faster', ...base, statusA: sa.status, statusB: sb.status, durationMsA: da, durationMsB: db });
    }
  }
  for (const sb of b) if (!inA.has(key(sb))) changes.push({ kind: 'added', path: sb.path, name: sb.name, statusB: sb.status });
  return changes;
}

export function diffRuns(a: RunResult, b: RunResult, threshold: DiffThreshold = { kind: 'percent', share: 0.1 }): RunDiff {
  const byName = new Map(b.machines.map((m) => [m.name, m]));
  const machines: MachineDiff[] = [];
  for (const ma of a.machines) {
    const mb = byName.get(ma.name);
    if (!mb) {
      machines.push({ name: ma.name, verdict: 'removed', passA: ma.pass, outcomeA: ma.outcome, steps: [] });
      continue;
    }
    const steps = stepChanges(ma.steps, mb.steps, threshold);
    const verdict = ma.pass === mb.pass ? 'same' : ma.pass ? 'broke' : 'fixed';
    if (verdict !== 'same' || steps.length > 0 || ma.outcome !== mb.outcome) {
      machines.push({ name: ma.name, verdict, passA: ma.pass, passB: mb.pass, outcomeA: ma.outcome, outcomeB: mb.outcome, steps });
    }
  }
  const inA = new Set(a.machines.map((m) => m.name));
  for (const mb of b.machines) if (!inA.has(mb.name)) machines.push({ name: mb.name, verdict: 'added', passB: mb.pass, outcomeB: mb.outcome, steps: [] });
  const broke = machines.some((m) => m.verdict === 'broke' || m.steps.some((s) => s.kind === 'broke'));
  return { threshold, machines, broke };
}

const seconds = (ms: number | undefined) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)}s`);

function stepLine(s: StepChange): string {
  const what = `step ${s.path} "${s.name}"`;
  switch (s.kind) {
    case 'slower':
    case 'faster': {
      const change = s.durationMsA! > 0 ? ` (${s.durationMsB! > s.durationMsA! ? '+' : ''}${Math.round(((s.durationMsB! - s.durationMsA!) / s.durationMsA!) * 100)}%)` : '';
      return `${s.kind.padEnd(7)} ${what}: ${seconds(s.durationMsA)} → ${seconds(s.durationMsB)}${change}`;
    }
    case 'added':
      return `added   ${what} (${s.statusB})`;
    case 'removed':
      return `removed ${what} (was ${s.statusA})`;
    default:
      return `${s.kind.padEnd(7)} ${what}: ${s.statusA} → ${s.statusB}`;
  }
}

/** The diff as text: a block per machine that changed, and a last line saying whether anything broke. */
export function formatRunDiff(diff: RunDiff): string[] {
  const lines: string[] = [];
  for (const m of diff.machines) {
    const verdict =
      m.verdict === 'added' ? `only in B (${m.outcomeB}, ${m.passB ? 'pass' : 'fail'})`
      : m.verdict === 'removed' ? `only in A (${m.outcomeA}, ${m.passA ? 'pass' : 'fail'})`
      : m.verdict === 'same' ? `${m.passB ? 'pass' : 'fail'} in both${m.outcomeA !== m.outcomeB ? ` (${m.outcomeA} → ${m.outcomeB})` : ''}`
      : `${m.verdict.toUpperCase()}: ${m.passA ? 'pass' : 'fail'} → ${m.passB ? 'pass' : 'fail'} (${m.outcomeA} → ${m.outcomeB})`;
    lines.push(`${m.name}  ${verdict}`);
    for (const s of m.steps) lines.push(`  ${stepLine(s)}`);
  }
  const t = diff.threshold.kind === 'percent' ? `${Math.round(diff.threshold.share * 100)}%` : `${diff.threshold.ms / 1000}s`;
  lines.push(diff.machines.length === 0 ? `no changes (duration threshold ${t})` : `${diff.machines.length} machine${diff.machines.length === 1 ? '' : 's'} changed (duration threshold ${t}); ${diff.broke ? 'something broke' : 'nothing broke'}`);
  return lines;
}
