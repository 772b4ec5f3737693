// Step timeline of one machine: a row per group and step in task-sequence order, bars coloured by status,
// each group a band behind its steps, restarts as vertical marks.
import type { StepResult } from '../../../harness/index.js';
import { clip, escapeHtml } from '../escape.js';
import { formatElapsed, isoMs } from '../format.js';
import { plotArea, svgChart, xAxis, type ChartBox } from './frame.js';
import { INK, MUTED, STATUS_COLOURS } from './palette.js';
import { linearScale } from './scale.js';

export interface TimelineMark {
  /** Epoch milliseconds on the machine's clock. */
  at: number;
  label: string;
}

const ROW = 20;
const INDENT = 12;
/** Bars of steps that took no time on the clock (skipped by a condition) still need to be seen. */
const MIN_BAR = 3;

const depthOf = (path: string) => path.split('/').length - 1;
const within = (group: string, path: string) => path.startsWith(`${group}/`);

export function ganttChart(title: string, steps: StepResult[], marks: TimelineMark[], width = 1100): string {
  const box: ChartBox = { width, height: 44 + steps.length * ROW + 40, left: 340, right: 24, top: 44, bottom: 40 };
  const { x0, x1, y0, y1 } = plotArea(box);
  const times = steps.flatMap((s) => [isoMs(s.start), isoMs(s.end)]).filter((t): t is number => t !== undefined);
  const origin = times.length > 0 ? Math.min(...times) : (marks[0]?.at ?? 0);
  const last = Math.max(origin + 1000, ...times, ...marks.map((m) => m.at));
  const x = linearScale(0, (last - origin) / 1000, x0, x1, { kind: 'time', fixed: true });
  const at = (ms: number) => x((ms - origin) / 1000);
  const body = [xAxis(x, box, formatElapsed, 'time since the first step')];
  const rowOf = new Map(steps.map((s, i) => [s.path, i]));

  // Bands first, so bars and text are drawn over them.
  for (const g of steps.filter((s) => s.kind === 'group')) {
    const first = rowOf.get(g.path)!;
    const members = steps.filter((s) => within(g.path, s.path)).map((s) => rowOf.get(s.path)!);
    const lastRow = Math.max(first, ...members);
    const start = isoMs(g.start);
    const end = isoMs(g.end);
    const inset = depthOf(g.path) * 2;
    const bx = start === undefined ? x0 : at(start);
    const bw = start === undefined || end === undefined ? x1 - x0 : Math.max(MIN_BAR, at(end) - bx);
    body.push(`<rect class="band" x="${(bx - 2 + inset).toFixed(1)}" y="${y0 + first * ROW + 1 + inset}" width="${(bw + 4 - 2 * inset).toFixed(1)}" height="${(lastRow - first + 1) * ROW - 2 - 2 * inset}" rx="4" fill="${STATUS_COLOURS[g.status]}" fill-opacity="0.10" stroke="${g.status === 'notRun' ? MUTED : STATUS_COLOURS[g.status]}" stroke-opacity="0.6"${start === undefined ? ' stroke-dasharray="3 3"' : ''}><title>${escapeHtml(`${g.name}: ${g.status}`)}</title></rect>`);
  }

  let bars = 0;
  steps.forEach((s, i) => {
    const y = y0 + i * ROW;
    const indent = depthOf(s.path) * INDENT;
    const weight = s.kind === 'group' ? ' font-weight="600"' : '';
    const tip = [`${s.path} ${s.name}`, s.type, s.status, s.exitCode !== undefined ? `exit code ${s.exitCode}` : '', s.reason ?? ''].filter(Boolean).join(' — ');
    body.push(`<text x="${8 + indent}" y="${y + 14}" fill="${s.status === 'notRun' ? MUTED : INK}"${weight}>${escapeHtml(clip(s.name, Math.floor((box.left - 16 - indent) / 7)))}<title>${escapeHtml(tip)}</title></text>`);
    const start = isoMs(s.start);
    const end = isoMs(s.end) ?? start;
    if (start === undefined || end === undefined) {
      body.push(`<text x="${x0 + 4}" y="${y + 14}" fill="${MUTED}" font-style="italic">${escapeHtml(s.status === 'notRun' ? 'not run' : s.status)}</text>`);
      return;
    }
    const bx = at(start);
    const bw = Math.max(MIN_BAR, at(end) - bx);
    if (s.kind === 'group') {
      body.push(`<rect class="group-bar" x="${bx.toFixed(1)}" y="${y + 8}" width="${bw.toFixed(1)}" height="4" fill="${STATUS_COLOURS[s.status]}"><title>${escapeHtml(tip)}</title></rect>`);
      return;
    }
    bars++;
    body.push(`<rect class="bar" data-status="${s.status}" x="${bx.toFixed(1)}" y="${y + 3}" width="${bw.toFixed(1)}" height="${ROW - 6}" rx="2" fill="${STATUS_COLOURS[s.status]}" stroke="${INK}" stroke-opacity="0.25"><title>${escapeHtml(`${tip} (${formatElapsed((end - start) / 1000)})`)}</title></rect>`);
  });

  for (const m of marks) {
    const mx = at(m.at).toFixed(1);
    body.push(`<g class="reboot"><line x1="${mx}" y1="${y0 - 4}" x2="${mx}" y2="${y1}" stroke="${INK}" stroke-width="1.5" stroke-dasharray="5 3"/><text x="${mx}" y="${y0 - 8}" text-anchor="middle" fill="${INK}">${escapeHtml(m.label)}</text><title>${escapeHtml(`restart: ${m.label}`)}</title></g>`);
  }
  return svgChart('gantt', title, box, body, { bars, rows: steps.length, reboots: marks.length });
}
