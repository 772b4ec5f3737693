// Commands in the guest for the machine's operations: agent runs with a time limit scaled for
// TCG, and the volumes mounted where the guest's commands find them (C: → /mnt/c).
import type { AgentChannel, RunResult } from '../agent-channel.js';

/** Where a drive letter's volume is mounted in the guest: "C:" → /mnt/c. */
export function mountPoint(letter: string): string {
  return `/mnt/${letter.slice(0, 1).toLowerCase()}`;
}

/** Quotes one word for sh. */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

/** A Windows path on a lettered volume as the guest sees it: C:\Windows\Temp → /mnt/c/Windows/Temp. */
export function guestPath(windowsPath: string): string {
  const m = /^([A-Za-z]):(.*)$/.exec(windowsPath);
  if (!m) return windowsPath.replaceAll('\\', '/');
  return `${mountPoint(m[1]!)}${m[2]!.replaceAll('\\', '/')}`;
}

/** Every drive-letter path in a command line rewritten for the guest (C:\a\b → /mnt/c/a/b). */
export function guestCommandLine(commandLine: string): string {
  return commandLine.replace(/(?<![\w/])([A-Za-z]):(\\[^\s"'<>|&;]*|(?=\s|$))/g, (_all, letter: string, rest: string) => guestPath(`${letter}:${rest}`));
}

/** Letters a command line or path names ("C:\…" → ["C:"]). */
export function lettersIn(text: string): string[] {
  return [...new Set([...text.matchAll(/\b([A-Za-z]):\\/g)].map((m) => `${m[1]!.toUpperCase()}:`))];
}

export class GuestShell {
  constructor(
    private readonly agent: AgentChannel,
    /** Multiplies every time limit (10 under TCG). */
    private readonly scale: number,
  ) {}

  /** Runs `script` with `sh -c`; `seconds` is the KVM-speed budget, scaled for the accelerator. */
  run(script: string, seconds: number, signal?: AbortSignal, cwd?: string): Promise<RunResult> {
    return this.agent.run(script, { timeoutMs: seconds * 1000 * this.scale, signal, cwd });
  }

  /** Runs a script that must succeed; its output on failure explains what went wrong. */
  async must(script: string, seconds: number, signal?: AbortSignal): Promise<string[]> {
    const r = await this.run(script, seconds, signal);
    if (r.exitCode !== 0) throw new GuestCommandError(script, r);
    return r.output;
  }
}

/** A guest command the machine relies on failed: the step fails with its output. */
export class GuestCommandError extends Error {
  constructor(
    readonly script: string,
    readonly result: RunResult,
  ) {
    super(`guest command failed (exit ${result.exitCode}): ${result.output.slice(-5).join(' | ')}`);
    this.name = 'GuestCommandError';
  }
}
