// Matrix axes name machine fields ("firmware", "nic.model", "disks[0].size"). This module finds
// the schema of such a field and checks a machine's matrix against it while the file is parsed,
// so a bad axis or value is reported at its own line.
import { z } from 'zod';

export type AxisPath = Array<string | number>;

/** "disks[0].size" → ["disks", 0, "size"]; undefined when it is not a field path. */
export function parseAxis(axis: string): AxisPath | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*(\.[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*)*$/.test(axis)) return undefined;
  const path: AxisPath = [];
  for (const m of axis.matchAll(/([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]/g)) path.push(m[1] ?? Number(m[2]));
  return path;
}

/** Strips optional/default/prefault wrappers and transforms to reach the object or array inside. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else return s;
  }
}

/** The field names an object schema allows at a path (for "allowed: …" in messages). */
export function allowedKeys(schema: z.ZodType): string[] | undefined {
  const s = unwrap(schema);
  return s instanceof z.ZodObject ? Object.keys(s.shape) : undefined;
}

/** The schema of the field at `path`, or the reason there is none. */
export function fieldSchemaAt(root: z.ZodType, path: AxisPath): { schema: z.ZodType } | { error: string } {
  let current = root;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const s = unwrap(current);
    if (typeof seg === 'number') {
      if (!(s instanceof z.ZodArray)) return { error: `${describe(path.slice(0, i))} is not a list` };
      current = s.element as z.ZodType;
    } else {
      if (!(s instanceof z.ZodObject) || !(seg in s.shape)) {
        const keys = allowedKeys(s);
        const where = i === 0 ? 'a machine field' : `a field of ${describe(path.slice(0, i))}`;
        return { error: `"${seg}" is not ${where}${keys ? `; allowed: ${keys.join(', ')}` : ''}` };
      }
      current = s.shape[seg] as z.ZodType;
    }
  }
  return { schema: current };
}

export function describe(path: AxisPath): string {
  return path.map((seg, i) => (typeof seg === 'number' ? `[${seg}]` : i === 0 ? seg : `.${seg}`)).join('');
}

export function getAt(value: unknown, path: AxisPath): unknown {
  let v = value;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * superRefine for a machine: axes name fields of `fields`, values fit them, expect rules name axes.
 * It runs even when other fields of the machine are wrong (so all problems show at once), hence
 * it reads the machine as unknown data.
 */
export function checkMatrix(fields: z.ZodType) {
  return (machine: unknown, ctx: z.RefinementCtx): void => {
    if (!isMap(machine)) return;
    const matrix = isMap(machine.matrix) ? machine.matrix : {};
    const axes = Object.keys(matrix);
    for (const [axis, values] of Object.entries(matrix)) {
      const path = parseAxis(axis);
      if (!path) {
        ctx.addIssue({ code: 'custom', path: ['matrix', axis], message: `"${axis}" is not a field path; write it like firmware, nic.model or disks[0].size`, params: { at: 'key' } });
        continue;
      }
      const found = fieldSchemaAt(fields, path);
      if ('error' in found) {
        ctx.addIssue({ code: 'custom', path: ['matrix', axis], message: found.error, params: { at: 'key' } });
        continue;
      }
      const parent = getAt(machine, path.slice(0, -1));
      if (parent === null || typeof parent !== 'object') {
        ctx.addIssue({ code: 'custom', path: ['matrix', axis], message: `the machine has no ${describe(path.slice(0, -1))} for this axis to vary`, params: { at: 'key' } });
        continue;
      }
      if (!Array.isArray(values)) continue;
      values.forEach((value, j) => {
        const r = found.schema.safeParse(value);
        if (!r.success) for (const iss of r.error.issues) ctx.addIssue({ ...iss, path: ['matrix', axis, j, ...iss.path] } as z.core.$ZodRawIssue);
      });
    }
    if (Array.isArray(machine.expect)) {
      machine.expect.forEach((rule: unknown, i) => {
        if (!isMap(rule) || !isMap(rule.when)) return;
        for (const key of Object.keys(rule.when)) {
          if (!axes.includes(key)) {
            const allowed = axes.length ? `allowed: ${axes.join(', ')}` : 'the machine has no matrix';
            ctx.addIssue({ code: 'custom', path: ['expect', i, 'when', key], message: `"${key}" is not a matrix axis of this machine; ${allowed}`, params: { at: 'key' } });
          }
        }
      });
    }
  };
}
