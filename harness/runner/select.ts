// --only and --shard: which machines of the scenario this run executes. A capacity group is one unit
// (its clients share the links and the makespan), named by the group's name.
import { InputError } from '../../scenarios/index.js';
import type { MachinePlan } from '../lab-backend.js';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** "I/N" with 1 ≤ I ≤ N. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new InputError({ path: '--shard', message: `"${text}" is not a shard; allowed: I/N with 1 ≤ I ≤ N, e.g. 2/4` });
  }
  return { index, count };
}

const unitOf = (p: MachinePlan) => p.group ?? p.machine.name;

/** Exact name, or a glob with * and ? (brackets are literal: matrix names hold them). */
function matches(pattern: string, name: string): boolean {
  if (pattern === name) return true;
  if (!/[*?]/.test(pattern)) return false;
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(name);
}

/**
 * The plans to run, in scenario order. Shards: the unit names sorted, the k-th (0-based) going to
 * shard k mod N + 1 — every unit in exactly one shard, shards within one unit of each other in size,
 * and unchanged when the file is reordered. Returns the units left out as `skipped`.
 */
export function selectPlans(plans: MachinePlan[], only: string[] | undefined, shard: Shard | undefined): { selected: MachinePlan[]; skipped: string[] } {
  const units = [...new Set(plans.map(unitOf))];
  let chosen = new Set(units);
  if (only && only.length > 0) {
    for (const pattern of only) {
      if (!units.some((u) => matches(pattern, u))) {
        throw new InputError({ path: '--only', message: `no machine or client group named "${pattern}"; the scenario has ${units.slice(0, 20).join(', ')}${units.length > 20 ? ', …' : ''}` });
      }
    }
    chosen = new Set(units.filter((u) => only.some((p) => matches(p, u))));
  }
  if (shard) {
    const sorted = [...chosen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    chosen = new Set(sorted.filter((_, k) => k % shard.count === shard.index - 1));
  }
  return { selected: plans.filter((p) => chosen.has(unitOf(p))), skipped: units.filter((u) => !chosen.has(u)) };
}
