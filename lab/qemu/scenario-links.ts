// The scenario's WAN links (site.links) on a run's lab network. The QEMU lab builds hub-and-spoke
// sites: of the two boundaries of a link, the one holding the management point is the hub (else the
// first named), the other is the branch behind the link.
import { EnvironmentError, type Scenario } from '../../scenarios/index.js';
import type { LabNetwork } from './lab-network.js';
import { probeLinkEmulator, type WanShaping } from './wan-link.js';

export interface ShapedLink {
  hub: string;
  branch: string;
  shaping: WanShaping;
}

/** The links between boundaries that are on the lab network (`subnets`: boundary → lab subnet). */
export function scenarioWanLinks(scenario: Scenario, subnets: ReadonlyMap<string, string>): ShapedLink[] {
  const mpBoundary = scenario.site.managementPoint?.boundary;
  return scenario.site.links
    .filter((l) => subnets.has(l.between[0]) && subnets.has(l.between[1]))
    .map((l) => {
      const [a, b] = l.between[1] === mpBoundary ? [l.between[1], l.between[0]] : l.between;
      return {
        hub: a,
        branch: b,
        shaping: { rateKbit: l.bandwidth / 1000, delayMs: l.latency, lossPercent: l.loss * 100 },
      };
    });
}

/** Puts each branch behind its shaped link; before site servers bind to the branch gateways. */
export async function shapeScenarioLinks(
  net: LabNetwork,
  scenario: Scenario,
  subnets: ReadonlyMap<string, string>,
  socketDir: string,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<ShapedLink[]> {
  const links = scenarioWanLinks(scenario, subnets);
  if (links.length === 0) return links;
  const probe = await probeLinkEmulator();
  if (!probe.emulator) throw new EnvironmentError(`WAN links of ${scenario.name}: ${probe.detail}`, 'apt-get install vde2 (scripts/setup.sh does), or run the scenario on the twin');
  for (const l of links) {
    await net.addWanLink(subnets.get(l.hub)!, subnets.get(l.branch)!, l.shaping, probe.emulator, socketDir, signal);
    log(`WAN link ${l.hub} ↔ ${l.branch}: ${l.shaping.rateKbit} kbit/s, ${l.shaping.delayMs} ms one way, ${l.shaping.lossPercent}% loss (delay and loss by ${probe.emulator})`);
  }
  return links;
}
