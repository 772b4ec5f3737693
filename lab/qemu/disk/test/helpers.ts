// Shared by the disk tests: scratch images, the independent tools' views of them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export const MIB = 1024 * 1024;

/** Why the disk tools are missing here, or undefined when all are installed. */
export async function toolsUnavailable(tools: string[]): Promise<string | undefined> {
  for (const tool of tools) {
    const found = await execa('sh', ['-c', `command -v ${tool}`], { reject: false });
    if (found.exitCode !== 0) return `${tool} is not installed (run scripts/setup.sh)`;
  }
  return undefined;
}

export async function scratchDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'osdlab-disk-test-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Registers the suite's hooks: skip (saying why) when a tool is missing, else a scratch folder
 * removed after the suite. Returns the folder's path once the suite runs.
 */
export function scratchForSuite(tools: string[]): () => string {
  let scratch: Awaited<ReturnType<typeof scratchDir>> | undefined;
  before(async function () {
    const why = await toolsUnavailable(tools);
    if (why) {
      console.log(`    (skipped: ${why})`);
      return this.skip();
    }
    scratch = await scratchDir();
  });
  after(async () => {
    await scratch?.remove();
  });
  return () => scratch!.dir;
}

/** A sparse raw image of `bytes`. */
export async function rawImage(path: string, bytes: number): Promise<string> {
  await execa('truncate', ['-s', String(bytes), path]);
  return path;
}

export interface SfdiskPartition {
  node: string;
  start: number;
  size: number;
  type: string;
  bootable?: boolean;
  name?: string;
  attrs?: string;
  uuid?: string;
}

export async function sfdiskJson(path: string): Promise<{ label: string; partitions: SfdiskPartition[] }> {
  const { stdout } = await execa('sfdisk', ['--json', path]);
  return (JSON.parse(stdout) as { partitiontable: { label: string; partitions: SfdiskPartition[] } }).partitiontable;
}

/** ldmtool prints JSON on stdout; it warns on stderr that an image file has no sector size. */
export async function ldmtool(image: string, ...args: string[]): Promise<unknown> {
  const { stdout } = await execa('ldmtool', args[0] === 'scan' ? ['scan', image] : ['-d', image, ...args]);
  return JSON.parse(stdout);
}
