// Disk layout as a drawn bar per disk: partitions in order of offset, unallocated space hatched.
import type { DiskFacts, PartitionFacts } from '../../../harness/index.js';
import { clip, escapeHtml } from '../escape.js';
import { formatBytes } from '../format.js';
import { svgChart, type ChartBox } from './frame.js';
import { INK, MUTED } from './palette.js';

const PARTITION_COLOURS: Record<string, string> = { efi: '#e69f00', msr: '#cc79a7', recovery: '#d55e00', primary: '#0072b2', extended: '#56b4e9', logical: '#009e73' };
const ROW = 54;
/** Narrowest segment drawn: a 16 MB MSR on a 1 TB disk must still be visible. */
const MIN_SEGMENT = 6;

interface Segment {
  bytes: number;
  partition?: PartitionFacts;
}

function segments(disk: DiskFacts): Segment[] {
  const out: Segment[] = [];
  let cursor = 0;
  for (const p of [...disk.partitions].sort((a, b) => a.offsetBytes - b.offsetBytes)) {
    if (p.offsetBytes - cursor > disk.sizeBytes * 0.001) out.push({ bytes: p.offsetBytes - cursor });
    out.push({ bytes: p.sizeBytes, partition: p });
    cursor = Math.max(cursor, p.offsetBytes + p.sizeBytes);
  }
  if (disk.sizeBytes - cursor > disk.sizeBytes * 0.001) out.push({ bytes: disk.sizeBytes - cursor });
  return out;
}

/** Widths proportional to size, with small segments widened to MIN_SEGMENT at the expense of the large ones. */
export function segmentWidths(bytes: number[], total: number): number[] {
  const sum = bytes.reduce((a, b) => a + b, 0) || 1;
  const widths = bytes.map((b) => Math.max(MIN_SEGMENT, (b / sum) * total));
  const excess = widths.reduce((a, b) => a + b, 0) - total;
  const shrinkable = widths.reduce((a, w) => a + (w - MIN_SEGMENT), 0);
  return excess <= 0 || shrinkable <= 0 ? widths : widths.map((w) => w - (excess * (w - MIN_SEGMENT)) / shrinkable);
}

function partitionLabel(p: PartitionFacts): string {
  return [`${p.number}`, p.type, p.fileSystem, p.label, p.driveLetter].filter(Boolean).join(' ');
}

/** `key` makes the hatch pattern's id unique on a page with several machines. */
export function diskLayoutChart(title: string, disks: DiskFacts[], key: string, width = 900): string {
  const hatch = `unallocated-${key}`;
  const box: ChartBox = { width, height: 30 + disks.length * ROW + 10, left: 130, right: 20, top: 30, bottom: 10 };
  const span = width - box.left - box.right;
  const body = [
    `<defs><pattern id="${hatch}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#f5f7fa"/><line x1="0" y1="0" x2="0" y2="6" stroke="#cbd2d9" stroke-width="2"/></pattern></defs>`,
  ];
  let partitions = 0;
  disks.forEach((disk, row) => {
    const y = box.top + row * ROW;
    const head = `Disk ${disk.index}${disk.dynamic ? ' (dynamic)' : ''}`;
    body.push(
      `<text x="${box.left - 8}" y="${y + 16}" text-anchor="end" fill="${INK}" font-weight="600">${escapeHtml(head)}</text>`,
      `<text x="${box.left - 8}" y="${y + 30}" text-anchor="end" fill="${MUTED}">${escapeHtml(`${disk.style.toUpperCase()}, ${formatBytes(disk.sizeBytes)}`)}</text>`,
    );
    const parts = segments(disk);
    const widths = segmentWidths(parts.map((s) => s.bytes), span);
    let x = box.left;
    parts.forEach((s, i) => {
      const w = widths[i]!;
      const p = s.partition;
      const tip = p ? `${partitionLabel(p)}, ${formatBytes(p.sizeBytes)}` : `unallocated, ${formatBytes(s.bytes)}`;
      const fill = p ? (PARTITION_COLOURS[p.type] ?? '#7b8794') : `url(#${hatch})`;
      if (p) partitions++;
      body.push(`<rect class="${p ? 'partition' : 'unallocated'}" x="${x.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="34" fill="${fill}" stroke="#ffffff"><title>${escapeHtml(tip)}</title></rect>`);
      const text = p ? partitionLabel(p) : 'unallocated';
      const fits = Math.floor((w - 8) / 7);
      if (fits >= 3) {
        body.push(`<text x="${(x + 4).toFixed(1)}" y="${y + 19}" fill="${p ? '#ffffff' : MUTED}">${escapeHtml(clip(text, fits))}</text>`);
        body.push(`<text x="${(x + 4).toFixed(1)}" y="${y + 33}" fill="${p ? '#ffffff' : MUTED}">${escapeHtml(clip(formatBytes(s.bytes), fits))}</text>`);
      }
      x += w;
    });
    if (parts.length === 0) body.push(`<rect class="unallocated" x="${box.left}" y="${y + 4}" width="${span}" height="34" fill="url(#${hatch})"><title>raw disk</title></rect>`);
  });
  return svgChart('disk', title, box, body, { partitions, disks: disks.length });
}
