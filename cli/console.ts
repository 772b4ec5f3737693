// `osdlab console RUN MACHINE`: attach to a running QEMU-lab machine's serial console (Ctrl-] to
// detach). The run folder is where `osdlab run --backend qemu` writes; its machines/<name>/
// entry holds console.log and, while the machine runs, the console.sock link.
import type { Command } from 'commander';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { attachConsole } from '../lab/index.js';
import { safeFileName } from '../reports/index.js';
import { InputError } from '../scenarios/index.js';

async function machineDir(run: string, machine: string): Promise<string> {
  if (!(await access(run).then(() => true, () => false))) throw new InputError({ path: 'RUN', message: `found "${run}", which does not exist; allowed: a run folder (osdlab run --out DIR)` });
  for (const name of new Set([machine, safeFileName(machine)])) {
    const dir = join(run, 'machines', name);
    if (await access(dir).then(() => true, () => false)) return dir;
  }
  throw new InputError({ path: 'MACHINE', message: `found "${machine}", which has no folder under ${join(run, 'machines')}; allowed: a machine name of that run` });
}

export function addConsoleCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('console')
    .description("Attach to a running QEMU-lab machine's serial console (Ctrl-] detaches)")
    .argument('<run>', 'run folder of a running `osdlab run --backend qemu`')
    .argument('<machine>', 'machine name')
    .addHelpText('after', '\nExample:\n  osdlab run scenarios/bare-metal-bios-mbr-media.yaml --backend qemu --out runs/bios &\n  osdlab console runs/bios PC-BIOS-01\n')
    .action(async (run: string, machine: string) => {
      const dir = await machineDir(run, machine);
      const tty = process.stdin.isTTY === true;
      if (tty) process.stdin.setRawMode(true);
      process.stderr.write(`osdlab: attached to ${machine}'s console (Ctrl-] detaches; the log is ${join(dir, 'console.log')})\n`);
      try {
        const how = await attachConsole(dir, { input: process.stdin, output: process.stdout });
        process.stderr.write(how === 'stopped' ? `\nosdlab: ${machine} stopped\n` : '\nosdlab: detached\n');
      } finally {
        if (tty) process.stdin.setRawMode(false);
        process.stdin.pause();
      }
      setExit(0);
    });
}
