// Where the machine's content comes from: a content medium the lab attaches (an ISO with one folder
// per package, mounted in the guest by its volume label), or the distribution point over HTTP
// (dp-content-source.ts: busybox wget with Range into the cache).
import { execa } from 'execa';
import { EnvironmentError } from '../../../scenarios/index.js';
import { shellQuote, type GuestShell } from './guest-shell.js';

export interface LocatedContent {
  /** Where the package can be read in place (Access content directly from the DP). */
  location: string;
  bytes: number;
}

export interface ContentSource {
  /** The package's size and in-place location, or undefined when the source does not have it. */
  locate(packageId: string, guest: GuestShell, signal?: AbortSignal): Promise<LocatedContent | undefined>;
  /** Copies the package's files into the guest folder `destination` (which exists). */
  fetch(packageId: string, destination: string, guest: GuestShell, signal?: AbortSignal): Promise<{ ok: true } | { ok: false; output: string[] }>;
}

/** The label the content medium carries (ISO 9660 volume id). */
export const CONTENT_MEDIA_LABEL = 'OSDLAB_CONTENT';
const MOUNT = '/run/osdlab-content';

/** A content medium attached to the machine: a CD whose folders are package IDs. */
export class MediaContentSource implements ContentSource {
  constructor(private readonly label = CONTENT_MEDIA_LABEL) {}

  private mountScript(): string {
    return `grep -q ' ${MOUNT} ' /proc/mounts || { dev=$(blkid -c /dev/null -l -o device -t LABEL=${shellQuote(this.label)}) && mkdir -p ${MOUNT} && mount -t iso9660 -r "$dev" ${MOUNT}; }`;
  }

  async locate(packageId: string, guest: GuestShell, signal?: AbortSignal): Promise<LocatedContent | undefined> {
    const dir = `${MOUNT}/${packageId}`;
    const r = await guest.run(`${this.mountScript()} && [ -d ${shellQuote(dir)} ] && find ${shellQuote(dir)} -type f -exec stat -c %s {} + | awk '{ s += $1 } END { print s + 0 }'`, 30, signal);
    if (r.exitCode !== 0) return undefined;
    return { location: dir, bytes: Number(r.output.at(-1) ?? 0) };
  }

  async fetch(packageId: string, destination: string, guest: GuestShell, signal?: AbortSignal): Promise<{ ok: true } | { ok: false; output: string[] }> {
    const r = await guest.run(`${this.mountScript()} && cp -R ${shellQuote(`${MOUNT}/${packageId}`)}/. ${shellQuote(destination)}/ && sync`, 300, signal);
    return r.exitCode === 0 ? { ok: true } : { ok: false, output: r.output };
  }
}

/** Writes a content medium (ISO 9660 + Rock Ridge) from a host folder holding one folder per package. */
export async function writeContentMedia(folder: string, isoPath: string, signal?: AbortSignal, label = CONTENT_MEDIA_LABEL): Promise<void> {
  const r = await execa('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-V', label, '-o', isoPath, folder], { reject: false, cancelSignal: signal });
  if (r.exitCode !== 0) throw new EnvironmentError(`xorriso could not write the content medium: ${r.stderr.trim()}`, 'apt-get install xorriso');
}
