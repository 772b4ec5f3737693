// `osdlab console RUN MACHINE`: an engineer attaches to a running machine's serial console. QEMU
// serves the console on a socket in the run's short temp dir and logs it beside; the machine's
// output folder holds `console.sock`, a symlink to that socket while the machine runs. The run is
// found by its id or its run folder (owner.json of the live runs on this host). Connecting goes to
// the link's target: a socket path in a deep folder could exceed the 108-byte AF_UNIX limit.
import { connect } from 'node:net';
import { access, readdir, readlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EnvironmentError, InputError } from '../../scenarios/index.js';
import { labRunsOnHost } from './run-owners.js';

/** Name of the link in the machine's run-folder entry. */
export const CONSOLE_LINK = 'console.sock';
/** Ctrl-]: the detach key of telnet and virsh console, which engineers know. */
export const DETACH_KEY = 0x1d;

export interface ConsoleStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  signal?: AbortSignal;
}

async function findLink(dir: string, names: ReadonlySet<string>, depth: number): Promise<string | undefined> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const sub = join(dir, e.name);
    if (names.has(e.name) && (await readlink(join(sub, CONSOLE_LINK)).then(() => true, () => false))) return sub;
  }
  if (depth === 0) return undefined;
  for (const e of entries.filter((x) => x.isDirectory())) {
    const found = await findLink(join(dir, e.name), names, depth - 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * The output folder of a running machine of a live run. `run` is the run id or its run folder;
 * `names` the folder names the machine may have (its name, its file-safe name).
 */
export async function locateMachineConsole(run: string, names: readonly string[], tempRoot?: string): Promise<string> {
  const live = (await labRunsOnHost(tempRoot)).filter((r) => r.alive && (r.owner.runId === run || r.owner.runFolder === resolve(run)));
  for (const r of live) {
    const dir = await findLink(r.tempDir, new Set(names), 3);
    if (dir) return dir;
  }
  const log = join(run, 'machines', names.at(-1) ?? '', 'console.log');
  if (await access(log).then(() => true, () => false)) throw new EnvironmentError(`${names[0]} of run ${run} is not running: there is no console to attach to`, `read its console log: ${log}`);
  if (live.length > 0) throw new InputError({ path: 'MACHINE', message: `found "${names[0]}", which is not a running machine of run ${run}; allowed: a machine the run has started` });
  throw new InputError({ path: 'RUN', message: `found "${run}", which is no running lab run on this host; allowed: the run folder or run id of a running \`osdlab run --backend qemu\`` });
}

/**
 * Copies the console to `output` and `input` to the console until the machine stops ('stopped'),
 * the detach key arrives on `input` or `signal` aborts ('detached').
 */
export async function attachConsole(machineDir: string, streams: ConsoleStreams): Promise<'stopped' | 'detached'> {
  const socketPath = await readlink(join(machineDir, CONSOLE_LINK)).catch(() => undefined);
  if (!socketPath) throw new EnvironmentError(`no running machine at ${machineDir}: it has no ${CONSOLE_LINK}`, `read ${join(machineDir, 'console.log')} for its console so far`);
  const socket = connect(socketPath);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', (err) => reject(new EnvironmentError(`machine console at ${machineDir} does not answer (${err.message}): the machine has stopped`, `read ${join(machineDir, 'console.log')}`)));
  });
  return new Promise((resolve) => {
    const finish = (how: 'stopped' | 'detached') => {
      streams.input.off('data', onInput);
      socket.unpipe();
      socket.destroy();
      resolve(how);
    };
    const onInput = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      const at = bytes.indexOf(DETACH_KEY);
      if (at >= 0) {
        if (at > 0) socket.write(bytes.subarray(0, at));
        finish('detached');
        return;
      }
      socket.write(bytes);
    };
    socket.pipe(streams.output, { end: false });
    streams.input.on('data', onInput);
    socket.once('close', () => finish('stopped'));
    streams.signal?.addEventListener('abort', () => finish('detached'), { once: true });
  });
}
