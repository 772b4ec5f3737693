// A mistake in the user's input (scenario, task sequence, INF, command line): reported as
// "file:line:col path: message" with exit code 2 and no stack trace.

export interface InputProblem {
  file?: string;
  line?: number;
  column?: number;
  /** Field path in the document, e.g. "machines[0].firmware" or "sequence/group[2]/step[1]". */
  path?: string;
  message: string;
}

export function formatProblem(p: InputProblem): string {
  let where = p.file ?? '';
  if (p.file && p.line !== undefined) where += `:${p.line}${p.column !== undefined ? `:${p.column}` : ''}`;
  const head = [where, p.path].filter((s) => s && s.length > 0).join(' ');
  return head ? `${head}: ${p.message}` : p.message;
}

export class InputError extends Error {
  readonly problems: InputProblem[];
  constructor(problems: InputProblem | InputProblem[]) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.map(formatProblem).join('\n'));
    this.name = 'InputError';
    this.problems = list;
  }
}

/** The environment cannot run what was asked (missing QEMU, no namespace permission): exit code 3. */
export class EnvironmentError extends Error {
  readonly fix?: string;
  constructor(message: string, fix?: string) {
    super(fix ? `${message}\n  fix: ${fix}` : message);
    this.name = 'EnvironmentError';
    this.fix = fix;
  }
}

/** Maps a field path inside a loaded YAML document back to its line and column (1-based). */
export type Locator = (path: ReadonlyArray<string | number>) => { line: number; column: number } | undefined;
