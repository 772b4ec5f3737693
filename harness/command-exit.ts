// A command line that is nothing but "exit N" (cmd /c exit N, exit /b N) exits with N wherever it runs: lint
// knows such a step always fails, and the twin answers it as cmd would (the QEMU lab's shell runs it for real).
// Drafts written by `osdlab repro` use it to fail a step with the exit code the field log shows.
const LITERAL_EXIT = /^\s*(?:cmd(?:\.exe)?\s+\/c\s+)?exit\s+(?:\/b\s+)?(-?\d+)\s*$/i;

/** N as written (negative for an HRESULT as cmd takes it), or undefined for any other command line. */
export function literalExitCode(commandLine: string): number | undefined {
  const m = LITERAL_EXIT.exec(commandLine);
  return m ? Number(m[1]) : undefined;
}
