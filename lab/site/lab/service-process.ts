// An HTTP site server (distribution point, management point) in its own process inside a lab
// namespace: `ip netns exec <ns> node --import tsx <main.ts> <config.json>`. The process prints one
// JSON line {"url": …} once it listens and stops on SIGTERM; its stop is registered with the run's
// cleanup before it is spawned.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { EnvironmentError } from '../../../scenarios/index.js';
import type { CleanupRegistry } from '../../qemu/index.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Entry points of the site servers that run as processes. */
export const SITE_SERVER_MAIN = {
  distributionPoint: fileURLToPath(new URL('../dp/main.ts', import.meta.url)),
  managementPoint: fileURLToPath(new URL('../mp/main.ts', import.meta.url)),
} as const;

export interface SiteServerProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts `main` with `config` (written to `configPath`) in `namespace`; resolves once it listens. */
export async function startSiteServerProcess(
  options: { namespace: string; main: string; config: unknown; configPath: string; label: string },
  cleanup: CleanupRegistry,
  signal?: AbortSignal,
): Promise<SiteServerProcess> {
  await writeFile(options.configPath, `${JSON.stringify(options.config, null, 2)}\n`);
  // The IPC channel is only there to close when this process dies: the server then stops (main.ts).
  const child = spawn('ip', ['netns', 'exec', options.namespace, process.execPath, '--import', 'tsx', options.main, options.configPath], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const forget = cleanup.add(`${options.label} process ${child.pid} in ${options.namespace}`, () => stopChild(child));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const onAbort = () => reject(signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      child.once('exit', (code) => reject(new EnvironmentError(`${options.label} in ${options.namespace} exited (${code}) before it listened: ${stderr.trim()}`)));
      createInterface({ input: child.stdout! }).once('line', (line) => {
        signal?.removeEventListener('abort', onAbort);
        try {
          resolve((JSON.parse(line) as { url: string }).url);
        } catch {
          reject(new EnvironmentError(`${options.label}: unexpected first line "${line}"`));
        }
      });
    });
    return {
      url,
      pid: child.pid!,
      stop: async () => {
        await stopChild(child);
        forget();
      },
    };
  } catch (e) {
    await stopChild(child);
    forget();
    throw e;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
  child.kill('SIGTERM');
  await exited;
  clearTimeout(kill);
}
