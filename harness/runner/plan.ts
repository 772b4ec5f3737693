// Which deployment each machine of a scenario runs, and how it gets there — resolved as the site
// would: the computer record (name, MAC, SMBIOS GUID), its collections (or the unknown-computer
// collections), the deployments to those collections, and the machine's media, client and boot order.
import { clientMachine, InputError, type ClientGroup, type Collection, type Deployment, type Machine, type Scenario } from '../../scenarios/index.js';
import type { LaunchMode, MachinePlan } from '../lab-backend.js';

const PXE_OR_MEDIA: ReadonlyArray<Deployment['availableTo']> = ['clientsMediaAndPxe', 'mediaAndPxe', 'mediaAndPxeHidden'];
const CLIENTS: ReadonlyArray<Deployment['availableTo']> = ['clients', 'clientsMediaAndPxe'];

/** "machines[0].nic", as the loader writes field paths. */
export function formatFieldPath(path: ReadonlyArray<string | number>): string {
  return path.map((seg) => (typeof seg === 'number' ? `[${seg}]` : `.${seg}`)).join('').replace(/^\./, '');
}

/** An InputError pointing at a field of the scenario file. */
export function scenarioProblem(scenario: Scenario, path: ReadonlyArray<string | number>, message: string): InputError {
  const pos = scenario.locator(path);
  return new InputError({ file: scenario.file, line: pos?.line, column: pos?.column, path: formatFieldPath(path), message });
}

/** Plans for the scenario's machines (file order, matrix expanded), then each client of each capacity group. */
export function planScenario(scenario: Scenario): MachinePlan[] {
  const plans = scenario.machines.map((m) => planMachine(scenario, m, undefined, powerOnEvent(scenario, m.name)));
  for (const group of scenario.clients) {
    const arrivals = arrivalTimes(scenario, group);
    for (let n = 1; n <= group.count; n++) plans.push(planMachine(scenario, clientMachine(group, n), group, arrivals[n - 1]!));
  }
  return plans;
}

function powerOnEvent(scenario: Scenario, machine: string): number {
  const times = scenario.events.filter((e) => e.action === 'powerOn' && e.machine === machine).map((e) => e.at);
  return times.length > 0 ? Math.min(...times) : 0;
}

/** Power-on time of each client of a group (ms after the start), per its arrival pattern. */
export function arrivalTimes(scenario: Scenario, group: ClientGroup): number[] {
  const { arrival, count } = group;
  const at = (path: string) => [...group.sourcePath, 'arrival', path];
  switch (arrival.pattern) {
    case 'allAtOnce':
      return Array.from({ length: count }, () => 0);
    case 'staggered': {
      if (arrival.interval !== undefined) return Array.from({ length: count }, (_, i) => i * arrival.interval!);
      if (arrival.over !== undefined) return Array.from({ length: count }, (_, i) => (count > 1 ? (i * arrival.over!) / (count - 1) : 0));
      throw scenarioProblem(scenario, at('pattern'), 'a staggered arrival needs "interval" (one client every …) or "over" (spread evenly over …)');
    }
    case 'schedule': {
      const times = [...(arrival.schedule ?? [])].sort((a, b) => a.at - b.at).flatMap((s) => Array.from({ length: s.count }, () => s.at));
      if (times.length !== count) {
        throw scenarioProblem(scenario, at('schedule'), `the schedule starts ${times.length} clients; the group has count ${count}`);
      }
      return times;
    }
  }
}

function planMachine(scenario: Scenario, machine: Machine, group: ClientGroup | undefined, powerOnAtMs: number): MachinePlan {
  const computer = group
    ? undefined
    : scenario.computers.find(
        (c) =>
          (c.mac !== undefined && c.mac.toUpperCase() === machine.nic.mac.toUpperCase()) ||
          (c.smbiosGuid !== undefined && c.smbiosGuid.toUpperCase() === machine.smbios.uuid.toUpperCase()) ||
          c.name.toLowerCase() === machine.name.toLowerCase(),
      );
  const collections = membership(scenario, computer?.name, group);
  const chosen = chooseDeployment(scenario, machine, collections);
  if ('problem' in chosen) {
    const what = group ? `client group "${group.name}" (${machine.name})` : `machine "${machine.name}"`;
    const member = computer ? `computer record "${computer.name}"` : 'an unknown computer';
    const inCollections = collections.length > 0 ? `collections ${collections.map((c) => `"${c.name}"`).join(', ')}` : 'no collection';
    throw scenarioProblem(scenario, machine.sourcePath, `${what} runs no deployment: it is ${member} in ${inCollections}; ${chosen.problem}`);
  }
  return {
    machine,
    ...(computer ? { computer } : {}),
    collections,
    deployment: chosen.deployment,
    ...(chosen.media ? { media: chosen.media } : {}),
    launch: chosen.launch,
    ...(group ? { group: group.name } : {}),
    powerOnAtMs,
  };
}

function membership(scenario: Scenario, computer: string | undefined, group: ClientGroup | undefined): Collection[] {
  if (group?.collection) return scenario.collections.filter((c) => c.name === group.collection);
  if (computer) return scenario.collections.filter((c) => c.members.includes(computer));
  return scenario.collections.filter((c) => c.unknownComputers);
}

type Choice = { deployment: Deployment; launch: LaunchMode; media?: Scenario['media'][number] } | { problem: string };

/** Media first (when attached and in the boot order), then the ConfigMgr client of an installed OS, then PXE. */
function chooseDeployment(scenario: Scenario, machine: Machine, collections: Collection[]): Choice {
  const targeted = scenario.deployments.filter((d) => collections.some((c) => c.name === d.collection));
  const pick = (allowed: ReadonlyArray<Deployment['availableTo']>) => {
    const usable = targeted.filter((d) => allowed.includes(d.availableTo));
    return usable.find((d) => d.purpose === 'required') ?? usable[0];
  };
  const media = machine.media !== undefined && machine.bootOrder.includes('media') ? scenario.media.find((m) => m.name === machine.media) : undefined;
  if (media) {
    if (media.type === 'boot') {
      const deployment = pick(PXE_OR_MEDIA);
      return deployment ? { deployment, launch: 'bootMedia', media } : { problem: `no deployment to its collections is available to media and PXE (boot media "${media.name}")` };
    }
    const deployment = scenario.deployments.find((d) => d.name === media.deployment);
    if (!deployment) return { problem: `media "${media.name}" carries no deployment` };
    return { deployment, launch: media.type === 'standalone' ? 'standaloneMedia' : 'prestagedMedia', media };
  }
  if (machine.installedOs?.configMgrClient) {
    const deployment = pick(CLIENTS);
    if (deployment) return { deployment, launch: 'client' };
  }
  if (machine.bootOrder.includes('pxe')) {
    const deployment = pick(PXE_OR_MEDIA);
    if (deployment) return { deployment, launch: 'pxe' };
  }
  const ways = [
    machine.installedOs?.configMgrClient ? 'no deployment to them is available to ConfigMgr clients' : 'it has no ConfigMgr client',
    machine.bootOrder.includes('pxe') ? 'none is available to media and PXE' : 'its boot order has no PXE',
  ];
  return { problem: ways.join(', and ') };
}
