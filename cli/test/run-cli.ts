import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

export const OSDLAB = fileURLToPath(new URL('../../bin/osdlab.js', import.meta.url));

/** Runs the real CLI in a child process, as a user would. */
export async function runCli(args: string[], options: { cwd?: string; timeoutMs?: number } = {}) {
  const r = await execa(OSDLAB, args, { reject: false, cwd: options.cwd, timeout: options.timeoutMs ?? 60_000, env: { NO_COLOR: '1' } });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}
