// The run's summary: one row per machine (or client group) with its outcome and expectations.
import type { MachineResult, RunResult } from '../../../harness/index.js';
import { escapeHtml } from '../escape.js';
import { formatElapsed, isoMs } from '../format.js';

/** Anchor of a machine's section; by position, since names may hold any character. */
export const machineAnchor = (index: number): string => `machine-${index + 1}`;

function duration(m: MachineResult): string {
  if (m.clients) return formatElapsed(m.clients.makespanMs / 1000);
  const starts = m.steps.map((s) => isoMs(s.start)).filter((t): t is number => t !== undefined);
  const ends = m.steps.map((s) => isoMs(s.end)).filter((t): t is number => t !== undefined);
  return starts.length && ends.length ? formatElapsed((Math.max(...ends) - Math.min(...starts)) / 1000) : '–';
}

function outcomeCell(m: MachineResult): string {
  const badge = `<span class="badge ${m.outcome}">${m.outcome}</span>`;
  if (!m.clients) return badge;
  const counts = Object.entries(m.clients.outcomes).map(([o, n]) => `${n} ${o}`).join(', ');
  return `${badge} <span class="muted">${escapeHtml(`${m.clients.count} clients: ${counts}`)}</span>`;
}

export function summarySection(result: RunResult): string {
  const rows = result.machines.map((m, i) => {
    const passed = m.expectations.filter((e) => e.pass).length;
    const axes = Object.entries(m.axes ?? {}).map(([k, v]) => `${k}=${v}`).join(', ');
    return `<tr class="${m.pass ? 'pass' : 'fail'}"><td><a href="#${machineAnchor(i)}">${escapeHtml(m.name)}</a></td><td>${escapeHtml(axes)}</td><td>${outcomeCell(m)}</td><td>${escapeHtml(m.failedStep ?? m.error ?? '')}</td><td class="num">${passed} / ${m.expectations.length}</td><td class="num">${duration(m)}</td><td><span class="badge ${m.pass ? 'success' : 'failed'}">${m.pass ? 'pass' : 'fail'}</span></td></tr>`;
  });
  const passing = result.machines.filter((m) => m.pass).length;
  return [
    '<section id="summary"><h2>Summary</h2>',
    `<p>${passing} of ${result.machines.length} machines met every expectation.</p>`,
    '<table class="summary"><thead><tr><th>machine</th><th>axes</th><th>outcome</th><th>failed step / lab error</th><th>expectations held</th><th>duration</th><th>result</th></tr></thead>',
    `<tbody>${rows.join('\n')}</tbody></table></section>`,
  ].join('\n');
}
