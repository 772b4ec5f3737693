// One lab run's lifetime: a short temp dir (unix socket paths must stay under 108 bytes), a
// cleanup registry, and SIGINT/SIGTERM handlers that abort the run, remove everything it created
// and then let the signal end the process as usual. Handlers are removed when the run ends.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InputError } from '../../scenarios/index.js';
import { CleanupRegistry, type CleanupFailure } from './cleanup.js';

export interface LabRun {
  readonly runId: string;
  /** /tmp/osdlab-<runId>: sockets, pid files, firmware variable copies. Removed at the end. */
  readonly tempDir: string;
  readonly cleanup: CleanupRegistry;
  /** Aborted when the run is interrupted (SIGINT, SIGTERM) or the caller's signal aborts. */
  readonly signal: AbortSignal;
}

export interface LabRunOptions {
  signal?: AbortSignal;
  /** Default: the OS temp dir. */
  tempRoot?: string;
  /** Install SIGINT/SIGTERM handlers for the run (the CLI does; library callers may not want to). */
  handleSignals?: boolean;
  /** How long an interrupted run may take to wind down before cleanup starts anyway. */
  interruptGraceMs?: number;
  /** Told about removals that failed (the run's result still stands). */
  onCleanupFailures?: (failures: CleanupFailure[]) => void;
  /** The run folder the run's results go to: `osdlab console RUN MACHINE` finds the run by it. */
  runFolder?: string;
}

/** What owner.json in a run's temp dir says. */
export interface RunOwner {
  pid: number;
  runId: string;
  runFolder?: string;
}

/** The run was interrupted by a signal. */
export class LabInterrupted extends Error {
  constructor(readonly signalName: NodeJS.Signals) {
    super(`lab run interrupted by ${signalName}`);
    this.name = 'LabInterrupted';
  }
}

/** In each run's temp dir: which process owns the run. */
export const OWNER_FILE = 'owner.json';

const RUN_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

export function validateRunId(runId: string): void {
  if (!RUN_ID.test(runId)) {
    throw new InputError({ path: 'runId', message: `found "${runId}"; allowed: 1–40 of a-z, 0-9 and "-", starting with a letter or digit` });
  }
}

export async function withLabRun<T>(runId: string, body: (run: LabRun) => Promise<T>, options: LabRunOptions = {}): Promise<T> {
  validateRunId(runId);
  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  const cleanup = new CleanupRegistry();
  const tempDir = join(options.tempRoot ?? tmpdir(), `osdlab-${runId}`);
  let interrupted: NodeJS.Signals | undefined;
  let graceTimer: NodeJS.Timeout | undefined;

  const finish = async (): Promise<void> => {
    const failures = await cleanup.runAll();
    if (failures.length > 0) options.onCleanupFailures?.(failures);
  };
  const onSignal = (name: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = name;
    controller.abort(new LabInterrupted(name));
    // Remove everything now (stopping QEMU also ends a body that waits on the machine); the pass in
    // `finally` then catches whatever the body created in between. A body that never settles must
    // not keep the process alive: after the grace period, clean up and go anyway.
    void finish();
    graceTimer = setTimeout(() => {
      void finish().then(() => reraise(name));
    }, options.interruptGraceMs ?? 10_000);
  };
  const handlers: [NodeJS.Signals, () => void][] = [
    ['SIGINT', () => onSignal('SIGINT')],
    ['SIGTERM', () => onSignal('SIGTERM')],
  ];
  const removeHandlers = (): void => {
    for (const [name, h] of handlers) process.off(name, h);
  };
  const reraise = (name: NodeJS.Signals): void => {
    removeHandlers();
    process.kill(process.pid, name);
  };
  if (options.handleSignals ?? true) for (const [name, h] of handlers) process.on(name, h);

  try {
    // Registered before it exists, so an interrupt in between still removes it.
    cleanup.add(`temp dir ${tempDir}`, () => rm(tempDir, { recursive: true, force: true }));
    await mkdir(tempDir, { recursive: true });
    // Lets a later sweep recognise this run's leftovers if this process dies without cleaning up (SIGKILL).
    const owner: RunOwner = { pid: process.pid, runId, ...(options.runFolder !== undefined ? { runFolder: resolve(options.runFolder) } : {}) };
    await writeFile(join(tempDir, OWNER_FILE), `${JSON.stringify(owner)}\n`);
    return await body({ runId, tempDir, cleanup, signal });
  } finally {
    await finish();
    // The body may have re-created it (mkdir -p of a machine's state dir) after an interrupt's first pass.
    await rm(tempDir, { recursive: true, force: true });
    if (graceTimer) clearTimeout(graceTimer);
    if (interrupted) reraise(interrupted);
    else removeHandlers();
  }
}
