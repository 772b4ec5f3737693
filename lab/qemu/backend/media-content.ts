// Stand-alone and prestaged media carry their content: SMS/PKG/<PackageID>/ on the media itself,
// which the boot image mounts by its volume label (lab/qemu/media).
import { mountByLabelCommand, MEDIA_LABEL, PACKAGE_FOLDER } from '../media/index.js';
import type { ContentSource, GuestShell, LocatedContent } from '../machine/index.js';
import { shellQuote } from '../machine/guest-shell.js';

const MOUNT = '/run/osdlab-media';

export class MediaPackageSource implements ContentSource {
  private folder(packageId: string): string {
    return `${MOUNT}/${PACKAGE_FOLDER}/${packageId}`;
  }

  async locate(packageId: string, guest: GuestShell, signal?: AbortSignal): Promise<LocatedContent | undefined> {
    const dir = shellQuote(this.folder(packageId));
    const r = await guest.run(`(${mountByLabelCommand(MEDIA_LABEL, MOUNT)}) >&2 && [ -d ${dir} ] && find ${dir} -type f -exec stat -c %s {} + | awk '{ s += $1 } END { print s + 0 }'`, 60, signal);
    if (r.exitCode !== 0) return undefined;
    return { location: this.folder(packageId), bytes: Number(r.output.at(-1) ?? 0) };
  }

  async fetch(packageId: string, destination: string, guest: GuestShell, signal?: AbortSignal): Promise<{ ok: true } | { ok: false; output: string[] }> {
    const r = await guest.run(`(${mountByLabelCommand(MEDIA_LABEL, MOUNT)}) && cp -R ${shellQuote(this.folder(packageId))}/. ${shellQuote(destination)}/ && sync`, 300, signal);
    return r.exitCode === 0 ? { ok: true } : { ok: false, output: r.output };
  }
}
