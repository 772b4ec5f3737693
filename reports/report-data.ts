// The HTML report's per-machine data from what the runner recorded: the recordings as they are, with each
// download named as the site knows the package.
import type { MachineRecording } from '../harness/index.js';
import type { Scenario } from '../scenarios/index.js';
import type { MachineReportData } from './html/types.js';

export function reportData(recordings: Map<string, MachineRecording>, content: Scenario['content']): Record<string, MachineReportData> {
  const names = new Map<string, string>();
  for (const p of [...content.bootImages, ...content.osImages, ...content.driverPackages, ...content.packages]) names.set(p.id, p.name);
  const out: Record<string, MachineReportData> = {};
  for (const [machine, r] of recordings) {
    const downloads = r.downloads.map((d) => {
      const name = names.get(d.packageId);
      return name === undefined ? d : { ...d, name };
    });
    out[machine] = { ...r, downloads };
  }
  return out;
}
