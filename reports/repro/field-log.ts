// Reading an smsts.log (or MDT BDD.log) from the field. harness/smsts-log.ts parses the logs osdlab writes and
// is strict; field logs vary: BDD.log writes thread="" and file="ZTIGather", rolled or pasted logs have a
// broken record at a cut, and older tools write the simple format (ts-formats §c.1):
//   message  $$<Component><MM-DD-YYYY HH:MM:SS.mmm+bias><thread=N (0xN)>
// Every record is kept with its line number; text that is neither format is skipped and counted.

export interface FieldLogLine {
  message: string;
  component: string;
  /** 0 verbose, 1 information, 2 warning, 3 error; 1 when the format has none. */
  type: number;
  /** 1-based line of the log where the record starts. */
  line: number;
}

export interface FieldLog {
  format: 'cmtrace' | 'simple';
  lines: FieldLogLine[];
  /** Lines that belong to no record (a cut at a roll, a paste): reported, not fatal. */
  skipped: number;
}

const CMTRACE_ATTRS = /^<time="[^"]*"\s+date="[^"]*"\s+component="([^"]*)"\s+context="[^"]*"\s+type="(\d*)"\s+thread="[^"]*"\s+file="[^"]*"\s*>/;
const SIMPLE = /^(.*?)\s*\$\$<([^>]*)><[^>]*><thread=[^>]*>\s*$/;

export function readFieldLog(text: string): FieldLog {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  return body.includes('<![LOG[') ? readCmtrace(body) : readSimple(body);
}

function readCmtrace(text: string): FieldLog {
  const lines: FieldLogLine[] = [];
  let skipped = 0;
  let at = 0;
  let lineNo = 1;
  const advance = (to: number) => {
    for (let i = at; i < to; i++) if (text.charCodeAt(i) === 10) lineNo++;
    at = to;
  };
  while (at < text.length) {
    const start = text.indexOf('<![LOG[', at);
    if (start < 0) {
      if (text.slice(at).trim().length > 0) skipped++;
      break;
    }
    if (text.slice(at, start).trim().length > 0) skipped++;
    advance(start);
    const end = text.indexOf(']LOG]!>', start);
    if (end < 0) {
      skipped++;
      break;
    }
    const attrs = CMTRACE_ATTRS.exec(text.slice(end + 7, end + 7 + 400));
    const next = text.indexOf('<![LOG[', start + 7);
    // A record cut short: its message would swallow the next record; drop it and resume there.
    if (next >= 0 && next < end) {
      skipped++;
      advance(next);
      continue;
    }
    const message = text.slice(start + 7, end).replace(/\r\n?/g, '\n');
    if (!attrs) {
      skipped++;
      advance(end + 7);
      continue;
    }
    lines.push({ message, component: attrs[1], type: attrs[2] === '' ? 1 : Number(attrs[2]), line: lineNo });
    advance(end + 7 + attrs[0].length);
  }
  return { format: 'cmtrace', lines, skipped };
}

function readSimple(text: string): FieldLog {
  const lines: FieldLogLine[] = [];
  let skipped = 0;
  for (const [i, raw] of text.split(/\r\n|\r|\n/).entries()) {
    if (raw.trim().length === 0) continue;
    const m = SIMPLE.exec(raw);
    if (!m) {
      skipped++;
      continue;
    }
    lines.push({ message: m[1], component: m[2], type: 1, line: i + 1 });
  }
  return { format: 'simple', lines, skipped };
}
