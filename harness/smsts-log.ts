// smsts.log in CMTrace's line format (ts-formats §c.1): writer with TSManager's rolling, and the parser.
// Times come from the machine's clock (virtual on the twin) so a log of a simulated run reads like a real one.

export type CmtraceSeverity = 0 | 1 | 2 | 3;

export interface CmtraceLine {
  message: string;
  /** Milliseconds since the epoch (UTC), recovered from time, date and the bias. */
  time: number;
  component: string;
  context: string;
  /** 0 verbose, 1 information, 2 warning, 3 error. */
  type: CmtraceSeverity;
  thread: number;
  file: string;
}

export interface LogFile {
  name: string;
  text: string;
}

export interface SmstsLogOptions {
  /** The clock of the machine whose log this is (ms since the epoch). */
  now: () => number;
  /** Minutes to add to local time to get UTC (+480 = UTC-8); 0 writes UTC. */
  biasMinutes?: number;
  /** SMSTSLogMaxSize: bytes before the log rolls to smsts-YYYYMMDD-HHMMSS.log; ConfigMgr's default is 1 MB. */
  maxSizeBytes?: number;
  thread?: number;
  /**
   * false: lines are counted but neither formatted nor kept, and files() is empty. For the clients of a
   * capacity plan, whose logs nobody reads (a formatted log is ~20 KB per client, ×10^5 clients).
   */
  keepText?: boolean;
}

const BOM = '\uFEFF';
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** TSManager's log: an in-memory smsts.log plus the segments it rolled, ready to be written out by the caller. */
export class SmstsLog {
  private readonly rolled: LogFile[] = [];
  private current = '';
  private currentBytes = 0;
  private lineCount = 0;
  maxSizeBytes: number;
  private readonly bias: number;
  private readonly thread: number;
  private readonly keepText: boolean;

  constructor(private readonly options: SmstsLogOptions) {
    this.maxSizeBytes = options.maxSizeBytes ?? 1024 * 1024;
    this.bias = options.biasMinutes ?? 0;
    this.thread = options.thread ?? 1328;
    this.keepText = options.keepText ?? true;
  }

  verbose(message: string, file: string, component = 'TSManager'): void {
    this.write(message, 0, file, component);
  }
  info(message: string, file: string, component = 'TSManager'): void {
    this.write(message, 1, file, component);
  }
  warning(message: string, file: string, component = 'TSManager'): void {
    this.write(message, 2, file, component);
  }
  error(message: string, file: string, component = 'TSManager'): void {
    this.write(message, 3, file, component);
  }

  write(message: string, type: CmtraceSeverity, file: string, component = 'TSManager'): void {
    this.lineCount++;
    if (!this.keepText) return;
    const now = this.options.now();
    const line = formatCmtraceLine({ message, time: now, component, context: '', type, thread: this.thread, file }, this.bias) + '\r\n';
    const bytes = Buffer.byteLength(line, 'utf8');
    if (this.currentBytes > 0 && this.currentBytes + bytes > this.maxSizeBytes) this.roll(now);
    this.current += line;
    this.currentBytes += bytes;
  }

  get lines(): number {
    return this.lineCount;
  }

  /** Rolled segments (oldest first) followed by the live smsts.log, each starting with the UTF-8 BOM; none when the text is not kept. */
  files(): LogFile[] {
    if (!this.keepText) return [];
    return [...this.rolled, { name: 'smsts.log', text: BOM + this.current }];
  }

  private roll(now: number): void {
    const local = new Date(now - this.bias * 60_000);
    const stamp = `${local.getUTCFullYear()}${pad(local.getUTCMonth() + 1)}${pad(local.getUTCDate())}-${pad(local.getUTCHours())}${pad(local.getUTCMinutes())}${pad(local.getUTCSeconds())}`;
    let name = `smsts-${stamp}.log`;
    // Two rolls within one second would collide; TSManager never rolls that fast, a virtual clock can.
    for (let n = 1; this.rolled.some((f) => f.name === name); n++) name = `smsts-${stamp}-${n}.log`;
    this.rolled.push({ name, text: BOM + this.current });
    this.current = '';
    this.currentBytes = 0;
  }
}

export function formatCmtraceLine(line: CmtraceLine, biasMinutes = 0): string {
  const local = new Date(line.time - biasMinutes * 60_000);
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.${pad(local.getUTCMilliseconds(), 3)}`;
  const bias = `${biasMinutes < 0 ? '-' : '+'}${Math.abs(biasMinutes)}`;
  const date = `${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}-${local.getUTCFullYear()}`;
  return (
    `<![LOG[${line.message}]LOG]!><time="${time}${bias}" date="${date}" component="${line.component}" ` +
    `context="${line.context}" type="${line.type}" thread="${line.thread}" file="${line.file}">`
  );
}

const ATTRS = /^<time="(\d{2}):(\d{2}):(\d{2})\.(\d{1,3})([+-]\d+)" date="(\d{2})-(\d{2})-(\d{4})" component="([^"]*)" context="([^"]*)" type="([0-3])" thread="(\d+)" file="([^"]*)">/;

export class CmtraceParseError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'CmtraceParseError';
  }
}

/** Parses CMTrace text; messages may span lines (a record ends at "]LOG]!>" and its attributes). */
export function parseCmtrace(text: string): CmtraceLine[] {
  const out: CmtraceLine[] = [];
  let i = text.startsWith(BOM) ? 1 : 0;
  while (true) {
    while (i < text.length && (text[i] === '\r' || text[i] === '\n')) i++;
    if (i >= text.length) return out;
    if (!text.startsWith('<![LOG[', i)) throw new CmtraceParseError(`expected "<![LOG[" at offset ${i}`, i);
    const end = text.indexOf(']LOG]!>', i);
    if (end < 0) throw new CmtraceParseError(`record at offset ${i} has no "]LOG]!>"`, i);
    const message = text.slice(i + 7, end);
    const m = ATTRS.exec(text.slice(end + 7, end + 7 + 400));
    if (!m) throw new CmtraceParseError(`record at offset ${i} has malformed attributes`, end + 7);
    const [, hh, mm, ss, ms, bias, mo, dd, yyyy, component, context, type, thread, file] = m;
    const local = Date.UTC(+yyyy, +mo - 1, +dd, +hh, +mm, +ss, +ms.padEnd(3, '0'));
    out.push({ message, time: local + Number(bias) * 60_000, component, context, type: Number(type) as CmtraceSeverity, thread: Number(thread), file });
    i = end + 7 + m[0].length;
  }
}
