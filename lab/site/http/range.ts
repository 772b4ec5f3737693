// The Range header of a download (RFC 9110 §14): BITS and our resuming client ask for one byte
// range at a time, so one range is honoured; a multi-range request is answered with the whole file
// (a server may ignore Range), never with multipart.

export type RangeAnswer =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const SPEC = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/i;

/** What to send for `header` on a file of `size` bytes; `end` is inclusive. */
export function parseRange(header: string | undefined, size: number): RangeAnswer {
  if (header === undefined) return { kind: 'full' };
  if (header.includes(',')) return { kind: 'full' };
  const m = SPEC.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
  if (m[1] === '') {
    // Suffix range: the last N bytes.
    const n = Number(m[2]);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end };
}

/** Content-Range value for a partial answer, or for a 416 (`bytes *\/size`). */
export function contentRange(answer: RangeAnswer, size: number): string | undefined {
  if (answer.kind === 'partial') return `bytes ${answer.start}-${answer.end}/${size}`;
  if (answer.kind === 'unsatisfiable') return `bytes */${size}`;
  return undefined;
}
