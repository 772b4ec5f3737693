// Sweeps: `--sweep clients=100..5000:100 --sweep multicast=on,off` — parameters of the scenario a
// capacity plan varies, their values, the cartesian product of several, and the scenario of each
// combination. Numbers are in base units (bits/s, bytes); values may be written with units.

import { InputError, parseBandwidth, parseSize, type Parsed, type Scenario } from '../../../scenarios/index.js';

export const SWEEP_PARAMETERS = ['clients', 'multicast', 'linkBandwidth', 'tftpBlockSize', 'tftpWindowSize', 'cacheSize'] as const;
export type SweepParameter = (typeof SWEEP_PARAMETERS)[number];
export type SweepValue = number | string;
export type SweepPoint = Record<string, SweepValue>;

export interface SweepAxis {
  parameter: SweepParameter;
  values: SweepValue[];
}

interface ParameterRule {
  /** What the parameter means, for messages. */
  what: string;
  parse(text: string): Parsed;
  min: number;
  max: number;
  integer: boolean;
}

const count = (text: string): Parsed => (/^\d+$/.test(text) ? { ok: true, value: Number(text) } : { ok: false, message: `"${text}" is not a whole number` });

const NUMERIC: Record<Exclude<SweepParameter, 'multicast'>, ParameterRule> = {
  clients: { what: 'clients per client group', parse: count, min: 1, max: 1_000_000, integer: true },
  linkBandwidth: { what: 'bandwidth of every WAN link (e.g. 100Mbit)', parse: parseBandwidth, min: 1, max: Infinity, integer: false },
  tftpBlockSize: { what: 'RamDiskTFTPBlockSize of every PXE point, bytes', parse: count, min: 512, max: 65464, integer: true },
  tftpWindowSize: { what: 'RamDiskTFTPWindowSize of every PXE point, blocks', parse: count, min: 1, max: 64, integer: true },
  cacheSize: { what: 'client cache size of every machine and client (e.g. 5GB)', parse: parseSize, min: 1, max: Infinity, integer: false },
};

const usage = (message: string) => new InputError({ path: '--sweep', message });

/** "clients=100..500:100", "multicast=on,off", "linkBandwidth=10Mbit,100Mbit", "cacheSize=1GB..10GB:3GB". */
export function parseSweep(spec: string): SweepAxis {
  const eq = spec.indexOf('=');
  const name = eq < 0 ? spec : spec.slice(0, eq).trim();
  if (!(SWEEP_PARAMETERS as readonly string[]).includes(name)) {
    throw usage(`"${name}" is not a sweep parameter; allowed: ${SWEEP_PARAMETERS.join(', ')} (written NAME=VALUES)`);
  }
  const parameter = name as SweepParameter;
  const items = spec.slice(eq + 1).split(',').map((s) => s.trim());
  if (eq < 0 || items.some((s) => s === '')) throw usage(`${parameter}: give values as a list (a,b,c) or a range (from..to:step), e.g. ${example(parameter)}`);
  if (parameter === 'multicast') {
    const bad = items.find((s) => s !== 'on' && s !== 'off');
    if (bad !== undefined) throw usage(`multicast: "${bad}" is not allowed; allowed: on, off`);
    return { parameter, values: [...new Set(items)] };
  }
  const rule = NUMERIC[parameter];
  const values = items.flatMap((item) => expandItem(parameter, rule, item));
  return { parameter, values: [...new Set(values)] };
}

function example(parameter: SweepParameter): string {
  return { clients: 'clients=100..5000:500', multicast: 'multicast=on,off', linkBandwidth: 'linkBandwidth=10Mbit,100Mbit,1Gbit', tftpBlockSize: 'tftpBlockSize=1456,4096,8192', tftpWindowSize: 'tftpWindowSize=1..8:1', cacheSize: 'cacheSize=1GB,5GB,10GB' }[parameter];
}

/** A value, or a range from..to:step (to included; without a step, five evenly spaced values). */
function expandItem(parameter: SweepParameter, rule: ParameterRule, item: string): number[] {
  const range = /^(.+?)\.\.(.+?)(?::(.+))?$/.exec(item);
  const one = (text: string): number => {
    const parsed = rule.parse(text.trim());
    if (!parsed.ok) throw usage(`${parameter}: ${parsed.message}`);
    if (parsed.value < rule.min || parsed.value > rule.max || (rule.integer && !Number.isInteger(parsed.value))) {
      throw usage(`${parameter}: ${text.trim()} is outside ${rule.min}–${rule.max === Infinity ? '∞' : rule.max} (${rule.what})`);
    }
    return parsed.value;
  };
  if (!range) return [one(item)];
  const from = one(range[1]!);
  const to = one(range[2]!);
  if (to < from) throw usage(`${parameter}: the range ${item} runs backwards`);
  const step = range[3] !== undefined ? one(range[3]) : (to - from) / 4;
  if (!(step > 0)) return [from];
  const values: number[] = [];
  for (let i = 0; from + i * step <= to * (1 + 1e-12); i++) values.push(rule.integer ? Math.round(from + i * step) : from + i * step);
  if (values[values.length - 1] !== to) values.push(to);
  return values;
}

/** Every combination of the axes, the first axis varying slowest. */
export function sweepPoints(axes: SweepAxis[]): SweepPoint[] {
  let points: SweepPoint[] = [{}];
  for (const axis of axes) points = points.flatMap((p) => axis.values.map((v) => ({ ...p, [axis.parameter]: v })));
  return points;
}

/** The scenario with one sweep point's values in place (the loaded scenario is not changed). */
export function scenarioVariant(scenario: Scenario, point: SweepPoint): Scenario {
  let s: Scenario = { ...scenario };
  for (const [parameter, value] of Object.entries(point)) s = apply(s, parameter as SweepParameter, value);
  return s;
}

function apply(s: Scenario, parameter: SweepParameter, value: SweepValue): Scenario {
  const need = (ok: boolean, what: string) => {
    if (!ok) throw usage(`${parameter}: the scenario has no ${what} to vary`);
  };
  switch (parameter) {
    case 'clients':
      need(s.clients.length > 0, 'client groups (clients:)');
      return { ...s, clients: s.clients.map((g) => ({ ...g, count: value as number })) };
    case 'multicast': {
      const on = value === 'on';
      need(s.content.osImages.length > 0, 'OS images');
      return {
        ...s,
        content: { ...s.content, osImages: s.content.osImages.map((o) => ({ ...o, multicast: on })) },
        // Multicast settings the DP has are kept; a DP without any gets the defaults of the scenario format.
        site: { ...s.site, distributionPoints: s.site.distributionPoints.map((dp) => ({ ...dp, multicast: { maxClients: 100, ...dp.multicast, enabled: on } })) },
      };
    }
    case 'linkBandwidth':
      need(s.site.links.length > 0, 'WAN links (site.links)');
      return { ...s, site: { ...s.site, links: s.site.links.map((l) => ({ ...l, bandwidth: value as number })) } };
    case 'tftpBlockSize':
    case 'tftpWindowSize': {
      need(s.site.distributionPoints.some((dp) => dp.pxe), 'PXE-enabled distribution points');
      const field = parameter;
      return { ...s, site: { ...s.site, distributionPoints: s.site.distributionPoints.map((dp) => (dp.pxe ? { ...dp, pxe: { ...dp.pxe, [field]: value as number } } : dp)) } };
    }
    case 'cacheSize':
      return {
        ...s,
        machines: s.machines.map((m) => ({ ...m, clientCacheSize: value as number })),
        clients: s.clients.map((g) => ({ ...g, template: { ...g.template, clientCacheSize: value as number } })),
      };
  }
}
