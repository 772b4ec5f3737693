// Content from a distribution point over the lab network, as a ConfigMgr client gets it: the
// content location (which DP, which files, how big) is the management point's answer and known on
// the host; the bytes come from the DP over HTTP into the cache folder with busybox wget, resumed
// with `wget -c` (a Range request) after a broken connection. Without a network in the guest (no
// driver for its NIC in the boot image) the first download fails with wget's own error.
import { bringUpGuestNetwork } from './dp-network.js';
import { shellQuote, type GuestShell } from './guest-shell.js';
import type { ContentSource, LocatedContent } from './content-source.js';

/** A package as the DP holds it: file paths inside the package (with "/") and their sizes. */
export interface DpCatalogPackage {
  packageId: string;
  files: { path: string; bytes: number }[];
}

export interface DistributionPointContentSourceOptions {
  /** The DP's base URL on the lab network, e.g. http://198.18.10.10 */
  url: string;
  /** What the DP holds (the content location answer). */
  packages: readonly DpCatalogPackage[];
  /** wget attempts per file; each one after the first resumes with Range. Default 3. */
  attempts?: number;
}

/** The DP's content share, as IIS serves it to clients. */
const CONTENT_SHARE = 'SMS_DP_SMSPKG$';

export class DistributionPointContentSource implements ContentSource {
  constructor(private readonly options: DistributionPointContentSourceOptions) {}

  /** URL of a package folder on the DP. */
  packageUrl(packageId: string): string {
    return `${this.options.url.replace(/\/$/, '')}/${CONTENT_SHARE}/${packageId}`;
  }

  async locate(packageId: string): Promise<LocatedContent | undefined> {
    const p = this.options.packages.find((x) => x.packageId === packageId);
    if (!p) return undefined;
    return { location: this.packageUrl(packageId), bytes: p.files.reduce((sum, f) => sum + f.bytes, 0) };
  }

  async fetch(packageId: string, destination: string, guest: GuestShell, signal?: AbortSignal): Promise<{ ok: true } | { ok: false; output: string[] }> {
    const p = this.options.packages.find((x) => x.packageId === packageId);
    if (!p) return { ok: false, output: [`package ${packageId} is not on the distribution point ${this.options.url}`] };
    const network = await bringUpGuestNetwork(guest, signal);
    const r = await guest.run(downloadScript(this.packageUrl(packageId), p.files, destination, this.options.attempts ?? 3), 900, signal);
    return r.exitCode === 0 ? { ok: true } : { ok: false, output: [...network, ...r.output] };
  }
}

/** Shell script: each file with `wget -c` (attempts after the first resume with Range), then sync. */
export function downloadScript(packageUrl: string, files: DpCatalogPackage['files'], destination: string, attempts: number): string {
  const lines = [
    // wget's own words on failure (-q keeps the progress bar out, not the errors). No -T: Debian's
    // static busybox 1.35 wget segfaults with it.
    `get() { n=1; until wget -q -c -O "$2" "$1"; do [ $n -ge ${attempts} ] && { echo "download of $1 failed after $n attempt(s)"; return 1; }; n=$((n + 1)); sleep 2; done; }`,
  ];
  for (const f of files) {
    const url = `${packageUrl}/${f.path.split('/').map(encodeURIComponent).join('/')}`;
    const target = `${destination}/${f.path}`;
    lines.push(`mkdir -p ${shellQuote(target.replace(/\/[^/]*$/, ''))} && get ${shellQuote(url)} ${shellQuote(target)} || exit 1`);
  }
  lines.push('sync');
  return lines.join('\n');
}
