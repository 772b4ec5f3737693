// Rules across fields that the schema cannot state: unique names, references between sections,
// files the scenario points at, and ConfigMgr's own constraints between settings.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { InputProblem } from './errors.js';
import type { Machine } from './model.js';
import { EVENT_ACTIONS, type MachineFields, type ScenarioDocument } from './schema.js';
import type { FieldPath, YamlSource } from './yaml-source.js';
import { problemAt } from './issues.js';
import { formatPath } from './path.js';

interface Named {
  path: FieldPath;
  name: string;
}

export class CrossChecks {
  readonly problems: InputProblem[] = [];
  constructor(private readonly source: YamlSource) {}

  private add(path: FieldPath, message: string, anchor: 'key' | 'value' = 'value') {
    this.problems.push(problemAt(this.source, path, message, anchor));
  }

  /** Reports every repeat of a name; returns the set of names. */
  unique(what: string, items: Named[]): Set<string> {
    const first = new Map<string, Named>();
    for (const item of items) {
      const earlier = first.get(item.name);
      if (earlier) {
        const pos = this.source.locate(earlier.path);
        this.add(item.path, `duplicate ${what} "${item.name}"; already used by ${formatPath(earlier.path)}${pos ? ` (line ${pos.line})` : ''}`);
      } else first.set(item.name, item);
    }
    return new Set(first.keys());
  }

  reference(path: FieldPath, value: string | undefined, names: Set<string>, what: string) {
    if (value === undefined || names.has(value)) return;
    const allowed = names.size ? `allowed: ${[...names].slice(0, 12).join(', ')}${names.size > 12 ? ', …' : ''}` : `the file defines no ${what}`;
    this.add(path, `"${value}" is not a ${what} defined in this file; ${allowed}`);
  }

  async fileExists(path: FieldPath, written: string, baseDir: string, what: string): Promise<{ file: string; size: number } | undefined> {
    const file = resolve(baseDir, written);
    try {
      const s = await stat(file);
      return { file, size: s.isFile() ? s.size : 0 };
    } catch {
      this.add(path, `${what} "${written}" not found (looked for ${file})`);
      return undefined;
    }
  }

  fail(path: FieldPath, message: string, anchor: 'key' | 'value' = 'value') {
    this.add(path, message, anchor);
  }
}

const named = <T extends { name: string }>(list: T[], prefix: FieldPath): Named[] => list.map((x, i) => ({ name: x.name, path: [...prefix, i, 'name'] }));

/** Checks references and ConfigMgr rules of the parsed document; machines are the expanded ones. */
export function checkReferences(doc: ScenarioDocument, machines: Machine[], checks: CrossChecks): void {
  const { site, content } = doc;
  const boundaries = checks.unique('boundary', named(site.boundaries, ['site', 'boundaries']));
  const dps = checks.unique('distribution point', named(site.distributionPoints, ['site', 'distributionPoints']));
  checks.unique('state migration point', named(site.stateMigrationPoints, ['site', 'stateMigrationPoints']));
  const collections = checks.unique('collection', named(doc.collections, ['collections']));
  const computers = checks.unique('computer record', named(doc.computers, ['computers']));
  const deployments = checks.unique('deployment', named(doc.deployments, ['deployments']));
  const media = checks.unique('media', named(doc.media, ['media']));
  checks.unique('client group', named(doc.clients, ['clients']));

  const kinds = ['bootImages', 'osImages', 'driverPackages', 'packages'] as const;
  const packageIds = checks.unique(
    'package ID',
    kinds.flatMap((k) => content[k].map((c, i) => ({ name: c.id, path: ['content', k, i, 'id'] }))),
  );
  const bootImages = new Set(content.bootImages.map((b) => b.id));
  const osImages = new Set(content.osImages.map((o) => o.id));

  const onBoundary = (list: { boundary?: string }[], prefix: FieldPath) =>
    list.forEach((x, i) => checks.reference([...prefix, i, 'boundary'], x.boundary, boundaries, 'boundary'));
  onBoundary(site.distributionPoints, ['site', 'distributionPoints']);
  onBoundary(site.stateMigrationPoints, ['site', 'stateMigrationPoints']);
  if (site.managementPoint) checks.reference(['site', 'managementPoint', 'boundary'], site.managementPoint.boundary, boundaries, 'boundary');
  site.links.forEach((l, i) => l.between.forEach((b, j) => checks.reference(['site', 'links', i, 'between', j], b, boundaries, 'boundary')));

  for (const k of kinds) {
    content[k].forEach((c, i) => c.distributionPoints?.forEach((dp, j) => checks.reference(['content', k, i, 'distributionPoints', j], dp, dps, 'distribution point')));
  }
  doc.collections.forEach((c, i) => c.members.forEach((m, j) => checks.reference(['collections', i, 'members', j], m, computers, 'computer record')));
  doc.computers.forEach((c, i) => {
    if (!c.mac && !c.smbiosGuid) checks.fail(['computers', i], 'a computer record needs a mac or an smbiosGuid (Import Computer Information requires one)');
  });

  doc.deployments.forEach((d, i) => {
    checks.reference(['deployments', i, 'collection'], d.collection, collections, 'collection');
    checks.reference(['deployments', i, 'bootImage'], d.bootImage, bootImages, 'boot image');
    if (d.contentDownload === 'downloadAll' && d.availableTo !== 'clients') {
      checks.fail(
        ['deployments', i, 'contentDownload'],
        '"downloadAll" cannot be used when the deployment is available to media and PXE (ConfigMgr rejects it); allowed here: downloadOnDemand, accessFromDp',
      );
    }
  });

  doc.media.forEach((m, i) => {
    checks.reference(['media', i, 'deployment'], m.deployment, deployments, 'deployment');
    checks.reference(['media', i, 'bootImage'], m.bootImage, bootImages, 'boot image');
    if (m.type !== 'boot' && !m.deployment) checks.fail(['media', i], `${m.type} media carry a task sequence: "deployment" is required`);
    const deployment = doc.deployments.find((d) => d.name === m.deployment);
    if (!m.bootImage && !deployment?.bootImage) checks.fail(['media', i], 'media need a boot image: set "bootImage" here or on the deployment');
  });

  doc.machines.forEach((m, i) => {
    checks.reference(['machines', i, 'boundary'], m.boundary, boundaries, 'boundary');
    checks.reference(['machines', i, 'media'], m.media, media, 'media');
    checkInstalledOs(m, ['machines', i], checks, osImages, packageIds);
  });
  const machineNames = checks.unique(
    'machine name',
    machines.map((m) => ({ name: m.name, path: m.axes ? [...m.sourcePath, 'matrix'] : [...m.sourcePath, 'name'] })),
  );
  // A repeated name already explains the repeated identity derived from it.
  const seen = new Set<string>();
  const distinct = machines.filter((m) => !seen.has(m.name) && seen.add(m.name));
  checks.unique('MAC address', distinct.map((m) => ({ name: m.nic.mac, path: m.axes ? [...m.sourcePath, 'matrix'] : [...m.sourcePath, 'nic', 'mac'] })));
  checks.unique('SMBIOS GUID', distinct.map((m) => ({ name: m.smbios.uuid, path: m.axes ? [...m.sourcePath, 'matrix'] : [...m.sourcePath, 'smbios', 'uuid'] })));

  doc.clients.forEach((g, i) => {
    checks.reference(['clients', i, 'boundary'], g.boundary, boundaries, 'boundary');
    checks.reference(['clients', i, 'collection'], g.collection, collections, 'collection');
    checks.reference(['clients', i, 'template', 'media'], g.template.media, media, 'media');
    checkInstalledOs(g.template, ['clients', i, 'template'], checks, osImages, packageIds);
    const clash = [...machineNames].find((n) => n.startsWith(`${g.name}-`) && /^\d+$/.test(n.slice(g.name.length + 1)));
    if (clash) checks.fail(['clients', i, 'name'], `client names ${g.name}-0001… would clash with machine "${clash}"`);
    const a = g.arrival;
    if (a.pattern === 'staggered' && (a.interval === undefined) === (a.over === undefined)) checks.fail(['clients', i, 'arrival'], 'staggered arrival needs exactly one of "interval" or "over"');
    if (a.pattern === 'schedule') {
      const total = (a.schedule ?? []).reduce((s, e) => s + e.count, 0);
      if (total !== g.count) checks.fail(['clients', i, 'arrival', 'schedule'], `the schedule starts ${total} clients; "count" is ${g.count}`);
    }
  });

  doc.events.forEach((e, i) => {
    const actions = EVENT_ACTIONS.filter((a) => e[a] !== undefined);
    if (actions.length !== 1) {
      checks.fail(['events', i], `an event has exactly one action; found ${actions.length ? actions.join(', ') : 'none'}; allowed: ${EVENT_ACTIONS.join(', ')}`);
      return;
    }
    if (e.to !== undefined && e.distributeContent === undefined) checks.fail(['events', i, 'to'], '"to" belongs to distributeContent', 'key');
    if (e.from !== undefined && e.removeContent === undefined) checks.fail(['events', i, 'from'], '"from" belongs to removeContent', 'key');
    const machine = e.clearLastPxeDeployment ?? e.powerOn ?? e.powerOff;
    const key = actions[0];
    if (machine !== undefined) checks.reference(['events', i, key], machine, machineNames, 'machine');
    if (e.distributeContent !== undefined || e.removeContent !== undefined) {
      checks.reference(['events', i, key], e.distributeContent ?? e.removeContent, packageIds, 'package ID');
      const dpKey = e.distributeContent !== undefined ? 'to' : 'from';
      if (e[dpKey] === undefined) checks.fail(['events', i], `${key} needs "${dpKey}": the distribution point`);
      else checks.reference(['events', i, dpKey], e[dpKey], dps, 'distribution point');
    }
  });
}

/** The installed OS lives on a partition of disk 0's initial layout. */
function checkInstalledOs(m: MachineFields, path: FieldPath, checks: CrossChecks, osImages: Set<string>, packageIds: Set<string>) {
  if (!m.installedOs) return;
  checks.reference([...path, 'installedOs', 'image', 'id'], m.installedOs.image?.id, osImages, 'package ID of an OS image');
  m.installedOs.clientCache.forEach((id, j) => checks.reference([...path, 'installedOs', 'clientCache', j], id, packageIds, 'package ID'));
  const layout = m.disks[0]?.layout;
  if (!layout || layout.partitions.length < m.installedOs.partition) {
    checks.fail([...path, 'installedOs', 'partition'], `disk 0 has no partition ${m.installedOs.partition} to hold the installed OS; give disks[0].layout`);
  }
}
