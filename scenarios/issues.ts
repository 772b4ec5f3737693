// Zod issues → problems a user can act on: where (file:line:col, field path), what was found,
// what is allowed. Zod's own wording is used only as a last resort.
import type { z } from 'zod';
import type { InputProblem } from './errors.js';
import { allowedKeys, fieldSchemaAt, getAt } from './matrix-axes.js';
import type { Anchor, FieldPath, YamlSource } from './yaml-source.js';
import { formatPath } from './path.js';

type Issue = z.core.$ZodIssue;

/** A problem at a field of the source, positioned at the field's key or value. */
export function problemAt(source: YamlSource, path: FieldPath, message: string, anchor: Anchor = 'value'): InputProblem {
  const pos = source.locate(path, anchor);
  return { file: source.file, line: pos?.line, column: pos?.column, path: formatPath(path), message };
}

/** Describes a YAML value the way a user wrote it. */
export function describeFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `text "${value}"`;
  return `${typeof value} ${String(value)}`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a map',
  record: 'a map',
  array: 'a list',
  tuple: 'a list',
};

export function issuesToProblems(issues: readonly Issue[], source: YamlSource, schema: z.ZodType): InputProblem[] {
  const out: InputProblem[] = [];
  const visit = (list: readonly Issue[], prefix: FieldPath) => {
    for (const iss of list) {
      const path = [...prefix, ...(iss.path as Array<string | number>)];
      const found = getAt(source.data, path);
      switch (iss.code) {
        case 'unrecognized_keys': {
          const keys = fieldSchemaAt(schema, path);
          const allowed = 'schema' in keys ? allowedKeys(keys.schema) : undefined;
          for (const key of iss.keys) {
            out.push(problemAt(source, [...path, key], `unknown field "${key}"${allowed ? `; allowed: ${allowed.join(', ')}` : ''}`, 'key'));
          }
          break;
        }
        case 'invalid_union': {
          // Keep the branch that got past the type check (a map given to "string | map" reports the map's errors).
          const deep = iss.errors.filter((branch) => !branch.every((b) => b.code === 'invalid_type' && b.path.length === 0));
          if (deep.length === 1) visit(deep[0], path);
          else {
            const expected = [...new Set(iss.errors.map((b) => (b[0]?.code === 'invalid_type' ? TYPE_WORDS[b[0].expected] ?? b[0].expected : undefined)).filter(Boolean))];
            out.push(problemAt(source, path, `found ${describeFound(found)}; allowed: ${expected.join(' or ') || 'see the schema'}`));
          }
          break;
        }
        default:
          out.push(problemAt(source, path, messageFor(iss, found, path[path.length - 1]), anchorFor(iss)));
      }
    }
  };
  visit(issues, []);
  return dedupe(out);
}

function anchorFor(iss: Issue): Anchor {
  if (iss.code === 'custom' && (iss.params as { at?: Anchor } | undefined)?.at === 'key') return 'key';
  if (iss.code === 'invalid_key') return 'key';
  return 'value';
}

function messageFor(iss: Issue, found: unknown, field: string | number | undefined): string {
  switch (iss.code) {
    case 'invalid_value': {
      const values = iss.values.map(String);
      return values.length === 1 ? `${JSON.stringify(found)} is not allowed; allowed: ${values[0]}` : `${JSON.stringify(found)} is not one of ${values.join(', ')}`;
    }
    case 'invalid_type': {
      const expected = TYPE_WORDS[iss.expected] ?? iss.expected;
      if (found === undefined) return `required field "${String(field)}" is missing (${expected})`;
      return `found ${describeFound(found)}; allowed: ${expected}`;
    }
    case 'too_small':
      if (iss.origin === 'array' || iss.origin === 'set') return `needs at least ${String(iss.minimum)} ${iss.minimum === 1 ? 'entry' : 'entries'}`;
      if (iss.origin === 'string') return 'must not be empty';
      return `${String(found)} is too small; allowed: ${iss.inclusive === false ? 'more than' : 'at least'} ${String(iss.minimum)}`;
    case 'too_big':
      if (iss.origin === 'array' || iss.origin === 'set') return `has too many entries; allowed: at most ${String(iss.maximum)}`;
      return `${String(found)} is too large; allowed: ${iss.inclusive === false ? 'less than' : 'at most'} ${String(iss.maximum)}`;
    case 'invalid_format':
      return iss.message && !iss.message.startsWith('Invalid') ? iss.message : `${JSON.stringify(found)} does not have the expected form${iss.pattern ? ` (${iss.pattern})` : ''}`;
    case 'invalid_key':
      return `invalid name: ${iss.issues.map((i) => i.message).join('; ')}`;
    default:
      return iss.message;
  }
}

function dedupe(problems: InputProblem[]): InputProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.line}:${p.column}:${p.path}:${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
