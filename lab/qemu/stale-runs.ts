// Leftovers of lab runs whose process died without cleaning up (SIGKILL, power loss of the host
// process): found by the owner file in /tmp/osdlab-<runId>/ naming a process that no longer exists.
// The sweep stops their QEMU processes, deletes their namespaces (the run's and its site hosts')
// and removes the temp dir.
import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { LabNetwork, namespaceName } from './lab-network.js';
import { labRunsOnHost } from './run-owners.js';

/** The run's namespace and its site hosts' (osdlab-<runId>-dp0, -mp, …). */
async function runNamespaces(runId: string): Promise<string[]> {
  const ns = namespaceName(runId);
  const listed = (await execa('ip', ['netns', 'list'], { reject: false })).stdout.split('\n').map((l) => l.split(' ')[0]!);
  return [ns, ...listed.filter((n) => n.startsWith(`${ns}-`))];
}

/** QEMU pids from the run's pid files, only while the process really is that run's QEMU (pids get reused). */
async function runQemuPids(tempDir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const machine of await readdir(tempDir, { withFileTypes: true })) {
    if (!machine.isDirectory()) continue;
    const pid = Number((await readFile(join(tempDir, machine.name, 'qemu.pid'), 'utf8').catch(() => '')).trim());
    if (!pid) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('qemu-system') && cmdline.includes(tempDir)) pids.push(pid);
  }
  return pids;
}

/** Removes the leftovers of every dead run under `tempRoot`; returns the run ids swept. */
export async function sweepStaleRuns(tempRoot = tmpdir()): Promise<string[]> {
  const swept: string[] = [];
  for (const { tempDir, owner, alive } of await labRunsOnHost(tempRoot)) {
    if (alive) continue;
    for (const pid of await runQemuPids(tempDir)) process.kill(pid, 'SIGKILL');
    for (const ns of await runNamespaces(owner.runId)) await LabNetwork.removeNamespace(ns);
    await rm(tempDir, { recursive: true, force: true });
    swept.push(owner.runId);
  }
  return swept;
}
