// Reading a restart's serial console: the firmware's and loader's own words for "nothing to boot".
// SeaBIOS and OVMF write them with -nographic (docs/qemu-lab.md); the text is the evidence a
// failed restart reports.

/** Messages that end a boot attempt for good, with the reason each stands for. */
const FAILURES: [RegExp, string][] = [
  [/No bootable device/, 'the BIOS found no bootable device (SeaBIOS: "No bootable device")'],
  [/BdsDxe: No bootable option or device was found/, 'the UEFI firmware found no bootable option or device (OVMF)'],
  [/UEFI Interactive Shell|Shell> /, 'the UEFI firmware found no boot loader and started its shell (OVMF)'],
  [/osdlab loader: no volume holds the operating system/, 'the boot loader found no volume holding the operating system'],
  [/Kernel panic/, 'the operating system kernel panicked while starting'],
];

/** Lines worth keeping as evidence: the firmware's boot attempts and failures. */
const EVIDENCE = /BdsDxe|No bootable|Boot failed|Booting from|not a bootable|Shell|osdlab loader|Kernel panic|error/i;

/** Console text without terminal escape sequences and carriage returns. */
export function plainConsole(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?=]*[A-Za-z]/g, '').replace(/\x1b[()][A-Z0-9]/g, '').replace(/\r/g, '');
}

/** Why the boot in `text` failed, or undefined while nothing says so. */
export function bootFailure(text: string): string | undefined {
  const plain = plainConsole(text);
  return FAILURES.find(([re]) => re.test(plain))?.[1];
}

/** The evidence lines of `text` (at most `max`, the last ones). */
export function consoleEvidence(text: string, max = 20): string[] {
  return plainConsole(text)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && EVIDENCE.test(l))
    .slice(-max);
}

/** Polls the console until the firmware or kernel shows a boot failure; resolves with its reason. */
export async function watchForBootFailure(consoleText: () => Promise<string>, signal: AbortSignal): Promise<string> {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    signal.throwIfAborted();
    const reason = bootFailure(await consoleText());
    if (reason) return reason;
  }
}
