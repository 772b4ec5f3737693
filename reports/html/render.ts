// The HTML report: one self-contained file. Charts are inline SVG drawn here, styles are inline, and the
// page has no script, font or image to fetch, so it opens from a CI artifact with no network.
import { escapeHtml } from './escape.js';
import { capacitySection } from './sections/capacity.js';
import { machineSection } from './sections/machine.js';
import { summarySection } from './sections/summary.js';
import { STATUS_COLOURS } from './svg/palette.js';
import type { HtmlReportInput } from './types.js';

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2933;margin:24px;max-width:1200px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #e4e7eb;padding-bottom:4px}h3{font-size:15px;margin:20px 0 6px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #e4e7eb;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f5f7fa}
td.num{text-align:right;font-variant-numeric:tabular-nums}tr.fail td{background:#fff5f5}code{font-size:12px;word-break:break-all}
.badge{display:inline-block;padding:0 6px;border-radius:8px;font-size:12px;color:#fff}.badge.success{background:#2e9d5b}.badge.failed{background:#d64545}.badge.error{background:#b7791f}
.muted{color:#616e7c}.ended{color:#d64545}.legend span{display:inline-block;margin-right:14px}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px;border:1px solid #9aa5b1}
svg.chart{display:block;max-width:100%;height:auto;margin:8px 0}
`;

function statusLegend(): string {
  const items = Object.entries(STATUS_COLOURS).map(([status, colour]) => `<span><i style="background:${colour}"></i>${status}</span>`);
  return `<p class="legend">${items.join('')}<span>┆ restart</span><span>▭ group band</span></p>`;
}

export function renderHtmlReport(input: HtmlReportInput): string {
  const { result } = input;
  const title = input.title ?? `osdlab: ${result.scenario}`;
  const body = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="muted">${escapeHtml(`Scenario ${result.scenario} on the ${result.backend} backend, ${result.startedAt} – ${result.finishedAt}`)} — <span class="badge ${result.pass ? 'success' : 'failed'}">${result.pass ? 'pass' : 'fail'}</span></p>`,
  ];
  // A capacity plan alone has no machines to summarise.
  if (result.machines.length > 0) body.push(summarySection(result), statusLegend());
  result.machines.forEach((m, i) => body.push(machineSection(m, i, input.machines?.[m.name])));
  if (input.capacity) body.push(capacitySection(input.capacity));
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No network at view time, whatever the file ends up containing.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}
