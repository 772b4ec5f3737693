// Starts one lab machine: prepares its files, runs QEMU (inside the run's namespace when it has
// one), and registers its removal with the run. The command line itself comes from machine-command.
import { copyFile, mkdir, readFile, rm, symlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { AgentChannel } from './agent-channel.js';
import { CONSOLE_LINK } from './console-attach.js';
import type { CleanupRegistry } from './cleanup.js';
import { buildMachineCommand, type Accelerator, type MachinePaths, type QemuMachineSpec } from './machine-command.js';
import { QmpClient } from './qmp.js';

export interface LaunchOptions {
  spec: QemuMachineSpec;
  accel: Accelerator;
  /** Run output folder of this machine: the console log goes here. */
  outputDir: string;
  /** Short folder (the run's temp dir) for sockets, the pid file and the UEFI variable store. */
  stateDir: string;
  /** The run's namespace; QEMU starts inside it so its taps live there. */
  namespace?: string;
  cleanup: CleanupRegistry;
  signal?: AbortSignal;
}

export interface MachineExit {
  exitCode?: number;
  signal?: string;
  stderr: string;
}

export function machinePaths(outputDir: string, stateDir: string): MachinePaths {
  return {
    consoleLog: join(outputDir, 'console.log'),
    consoleSocket: join(stateDir, 'console.sock'),
    qmpSocket: join(stateDir, 'qmp.sock'),
    agentSocket: join(stateDir, 'agent.sock'),
    firmwareVars: join(stateDir, 'OVMF_VARS.fd'),
    pidFile: join(stateDir, 'qemu.pid'),
  };
}

export class QemuMachine {
  /** Resolves when QEMU exits, for whatever reason (power-off, crash, killed). */
  readonly exited: Promise<MachineExit>;

  constructor(
    readonly name: string,
    readonly paths: MachinePaths,
    private readonly child: ResultPromise,
  ) {
    this.exited = child.then((r) => ({
      exitCode: r.exitCode,
      signal: r.signal,
      stderr: String(r.stderr ?? ''),
    }));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Connects QMP, waiting (up to `timeoutMs`) for QEMU to create the socket. */
  async qmp(signal?: AbortSignal, timeoutMs = 30_000): Promise<QmpClient> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      try {
        return await QmpClient.connect(this.paths.qmpSocket, signal);
      } catch (err) {
        if (signal?.aborted || Date.now() > deadline || this.child.exitCode !== null) throw err;
        await sleep(50, undefined, { signal });
      }
    }
  }

  /** Connects to the agent and waits for its hello; fails early if QEMU exits meanwhile. */
  async agent(options: { helloTimeoutMs: number; signal?: AbortSignal }): Promise<AgentChannel> {
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    void this.exited.then((e) => {
      stop.abort(new Error(`machine ${this.name} stopped before its agent said hello (exit ${e.exitCode ?? e.signal}): ${e.stderr.trim()}`));
    });
    try {
      return await AgentChannel.connect(this.paths.agentSocket, { helloTimeoutMs: options.helloTimeoutMs, signal });
    } finally {
      stop.abort();
    }
  }

  /** The serial console so far (firmware, kernel and boot image messages). */
  async consoleText(): Promise<string> {
    return readFile(this.paths.consoleLog, 'utf8').catch(() => '');
  }

  /**
   * Resolves with the console text once it matches `pattern` (the evidence of a boot failure, say);
   * rejects when QEMU exits without it, the timeout passes or `signal` aborts.
   */
  async waitForConsole(pattern: RegExp, options: { timeoutMs: number; signal?: AbortSignal }): Promise<string> {
    const deadline = Date.now() + options.timeoutMs;
    while (true) {
      const text = await this.consoleText();
      if (pattern.test(text)) return text;
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`machine ${this.name} stopped; console never showed ${pattern}`);
      if (Date.now() > deadline) throw new Error(`machine ${this.name}: console did not show ${pattern} within ${Math.round(options.timeoutMs / 1000)} s`);
      await sleep(100, undefined, { signal: options.signal });
    }
  }

  /** Stops QEMU: SIGTERM, then SIGKILL after a grace period. Idempotent. */
  async stop(graceMs = 3000): Promise<MachineExit> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      try {
        return await this.exited;
      } finally {
        clearTimeout(timer);
      }
    }
    return this.exited;
  }
}

export async function launchMachine(options: LaunchOptions): Promise<QemuMachine> {
  const { spec } = options;
  const paths = machinePaths(options.outputDir, options.stateDir);
  const command = buildMachineCommand(spec, paths, options.accel);
  // Registered first so it runs last: after QEMU, which holds the sockets, has stopped.
  options.cleanup.add(`state dir of ${spec.name}`, () => rm(options.stateDir, { recursive: true, force: true }));
  await mkdir(options.outputDir, { recursive: true });
  await mkdir(options.stateDir, { recursive: true });
  if (command.firmwareVarsTemplate) await copyFile(command.firmwareVarsTemplate, paths.firmwareVars);
  options.signal?.throwIfAborted();
  const argv = options.namespace ? ['ip', 'netns', 'exec', options.namespace, command.binary, ...command.args] : [command.binary, ...command.args];
  // `ip netns exec` execs QEMU, so the child's pid is QEMU's and a signal to it reaches QEMU.
  const child = execa(argv[0], argv.slice(1), { stdin: 'ignore', stdout: 'ignore', stderr: 'pipe', reject: false, cleanup: true });
  const machine = new QemuMachine(spec.name, paths, child);
  // `osdlab console` finds the running machine's console through the run folder.
  const link = join(options.outputDir, CONSOLE_LINK);
  await rm(link, { force: true });
  await symlink(paths.consoleSocket, link);
  options.cleanup.add(`console link of ${spec.name}`, () => rm(link, { force: true }));
  const forget = options.cleanup.add(`QEMU of ${spec.name} (pid ${child.pid})`, async () => {
    await machine.stop();
  });
  // QEMU gone on its own (power-off, crash, killed from outside): nothing left to stop.
  void machine.exited.then(() => forget());
  return machine;
}
