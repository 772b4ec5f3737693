// `osdlab console RUN MACHINE`: attach to a running QEMU-lab machine's serial console (Ctrl-] to
// detach). RUN is the run folder of `osdlab run --backend qemu` (or its run id); the machine's
// console log stays in the run folder's machines/<name>/console.log afterwards.
import type { Command } from 'commander';
import { join } from 'node:path';
import { attachConsole, locateMachineConsole } from '../lab/index.js';
import { safeFileName } from '../reports/index.js';

export function addConsoleCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('console')
    .description("Attach to a running QEMU-lab machine's serial console (Ctrl-] detaches)")
    .argument('<run>', 'run folder (--out) or run id of a running `osdlab run --backend qemu`')
    .argument('<machine>', 'machine name')
    .addHelpText('after', '\nExample:\n  osdlab run scenarios/bare-metal-bios-mbr-media.yaml --backend qemu --out runs/bios &\n  osdlab console runs/bios PC-BIOS-01\n')
    .action(async (run: string, machine: string) => {
      const dir = await locateMachineConsole(run, [machine, safeFileName(machine)]);
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
