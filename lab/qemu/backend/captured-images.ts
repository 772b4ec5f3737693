// OS images captured in the run (`capturedBy`, build and capture): the lab gives the capturing
// machine the site's capture share, and the WIM its Capture Operating System Image step writes
// there becomes the package's content for the media and content disks of machines started later
// (the runner starts those once the capture is done: harness/runner/captures.ts).
import { join } from 'node:path';
import type { CapturedImageFacts, MachinePlan } from '../../../harness/index.js';
import { WimFile } from '../../../images/index.js';
import type { Scenario } from '../../../scenarios/index.js';
import type { CaptureSite } from '../machine/index.js';
import type { MediaPackage } from '../media/index.js';

export class CapturedImages {
  /** PackageID → the captured WIM on the host. */
  private readonly captured = new Map<string, string>();
  /** Machine name → its last capture: the step's destination and the WIM on the host. */
  private readonly lastCapture = new Map<string, { destination: string; wimPath: string }>();
  private readonly shareRoot: string;

  constructor(
    private readonly scenario: Scenario,
    runDir: string,
  ) {
    this.shareRoot = join(runDir, 'shares');
  }

  /** The capture share as the machine of `plan` reaches it, reading its volumes from `diskPaths`. */
  siteFor(plan: MachinePlan, diskPaths: string[]): CaptureSite {
    const feeds = this.scenario.content.osImages.filter((o) => o.capturedBy?.machine === plan.machine.name).map((o) => o.id);
    return {
      shareRoot: this.shareRoot,
      diskImages: diskPaths.map((path) => ({ path, format: 'qcow2' as const })),
      onCaptured: (wimPath, destination) => {
        this.lastCapture.set(plan.machine.name, { destination, wimPath });
        for (const id of feeds) this.captured.set(id, wimPath);
      },
    };
  }

  /** The run's packages with every image captured so far (one not captured yet is on no media). */
  withCaptured(packages: MediaPackage[]): MediaPackage[] {
    return [...packages, ...[...this.captured].map(([id, wim]) => ({ id, files: { 'install.wim': wim } }))];
  }

  /** The machine's last captured WIM opened with the binding, for the scoring; undefined when it captured none. */
  observe(plan: MachinePlan): CapturedImageFacts | undefined {
    const last = this.lastCapture.get(plan.machine.name);
    if (!last) return undefined;
    const wim = WimFile.open(last.wimPath);
    try {
      const images = wim.images();
      const paths = new Set(wim.listDirTree(1).map((e) => e.path.toLowerCase()));
      const version = wim.imageProperty(1, 'VERSION');
      const asked = plan.machine.expect?.capturedImage?.files ?? [];
      return {
        destination: last.destination,
        imageCount: images.length,
        name: images[0]?.name ?? '',
        ...(images[0]?.description ? { description: images[0].description } : {}),
        ...(version !== undefined ? { version } : {}),
        files: Object.fromEntries(asked.map((f) => [f, paths.has(imagePath(f))])),
      };
    } finally {
      wim.close();
    }
  }
}

/** A Windows path as the expectation writes it (\\Windows\\x.txt) as libwim lists it (/windows/x.txt; NTFS ignores case). */
function imagePath(windowsPath: string): string {
  return `/${windowsPath.replace(/^[A-Za-z]:/, '').replaceAll('\\', '/').replace(/^\/+/, '')}`.toLowerCase();
}
