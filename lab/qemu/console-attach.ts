// `osdlab console RUN MACHINE`: an engineer attaches to a running machine's serial console. QEMU
// serves the console on a socket in the run's short temp dir (and logs it to the run folder); the
// machine's run-folder entry `console.sock` is a symlink to that socket while the machine runs.
// Connecting goes to the link's target: a socket path in a deep run folder could exceed the
// 108-byte limit of AF_UNIX addresses.
import { connect } from 'node:net';
import { readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { EnvironmentError } from '../../scenarios/index.js';

/** Name of the link in the machine's run-folder entry. */
export const CONSOLE_LINK = 'console.sock';
/** Ctrl-]: the detach key of telnet and virsh console, which engineers know. */
export const DETACH_KEY = 0x1d;

export interface ConsoleStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  signal?: AbortSignal;
}

/**
 * Copies the console to `output` and `input` to the console until the machine stops ('stopped'),
 * the detach key arrives on `input` or `signal` aborts ('detached').
 */
export async function attachConsole(machineDir: string, streams: ConsoleStreams): Promise<'stopped' | 'detached'> {
  const socketPath = await readlink(join(machineDir, CONSOLE_LINK)).catch(() => undefined);
  if (!socketPath) throw new EnvironmentError(`no running machine at ${machineDir}: it has no ${CONSOLE_LINK} (the machine is not running, or was not started by the QEMU lab)`, `read ${join(machineDir, 'console.log')} for its console so far`);
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
