// The shared libraries a dynamically linked tool needs in the boot image, as `ldd` resolves them.
import { execa } from 'execa';

/** Absolute paths of every library (and the dynamic loader) `binary` loads; empty for static binaries. */
export async function sharedLibraries(binary: string, signal?: AbortSignal): Promise<string[]> {
  const r = await execa('ldd', [binary], { reject: false, cancelSignal: signal });
  if (r.exitCode !== 0) {
    if (/not a dynamic executable/.test(`${r.stdout}${r.stderr}`)) return [];
    throw new Error(`ldd ${binary} failed: ${r.stderr.trim()}`);
  }
  const libs: string[] = [];
  for (const line of r.stdout.split('\n')) {
    if (/=> not found/.test(line)) throw new Error(`${binary} needs a library that is not installed: ${line.trim()}`);
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]);
  }
  return libs;
}
