// The lab runs on this host, found by the owner file each run writes into its temp dir
// (/tmp/osdlab-<runId>/owner.json): the stale-run sweep and `osdlab console` both start here.
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OWNER_FILE, type RunOwner } from './lab-run.js';

export interface LabRunOnHost {
  tempDir: string;
  owner: RunOwner;
  /** Whether the process that owns the run still exists. */
  alive: boolean;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function labRunsOnHost(tempRoot = tmpdir()): Promise<LabRunOnHost[]> {
  const runs: LabRunOnHost[] = [];
  for (const entry of await readdir(tempRoot).catch(() => [] as string[])) {
    if (!entry.startsWith('osdlab-')) continue;
    const tempDir = join(tempRoot, entry);
    const owner = await readFile(join(tempDir, OWNER_FILE), 'utf8').then((t) => JSON.parse(t) as RunOwner, () => undefined);
    if (owner) runs.push({ tempDir, owner, alive: processExists(owner.pid) });
  }
  return runs;
}
