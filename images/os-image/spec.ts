// The OS image spec: a YAML file describing a multi-index install.wim to build (docs/wim.md).
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { InputError, parseSize, parseYaml, type InputProblem, type YamlSource } from '../../scenarios/index.js';
import type { Compression } from '../wim/libwim.js';

export interface OsImageEdition {
  /** Image name as DISM and the ConfigMgr console show it ("Windows 11 Enterprise"). */
  name: string;
  /** EditionID of the SOFTWARE hive and the WIM's FLAGS ("Enterprise", "Education"). */
  edition: string;
  description: string;
}

export interface OsImageSpec {
  /** Where the spec came from, for messages; absent for a spec built in code. */
  file?: string;
  /** Product name without the edition ("Windows 11"). */
  product: string;
  /** Major.Minor.Build.Revision, e.g. "10.0.22631.2861". */
  version: string;
  architecture: 'x64' | 'x86';
  language: string;
  compression: Compression;
  /** Every file and directory gets this time, and so does the WIM's XML: same spec, same image. */
  timestamp: string;
  /** Filler bytes spread over the System32 binaries of each index (shared between indexes). */
  systemBytes: number;
  /** Directory whose files are laid over every index (the full-OS boot payload), absolute. */
  overlay?: string;
  images: OsImageEdition[];
}

const SIZE = z.string().refine((s) => parseSize(s).ok, { message: 'size' });

const editionShape = {
  name: z.string().min(1),
  edition: z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, { message: 'edition' }),
  description: z.string().optional(),
};

const osImageShape = {
  product: z.string().min(1),
  version: z.string().regex(/^\d+\.\d+\.\d+\.\d+$/, { message: 'version' }),
  architecture: z.enum(['x64', 'x86']).default('x64'),
  language: z.string().regex(/^[a-z]{2,3}-[A-Z]{2}$/, { message: 'language' }).default('en-US'),
  compression: z.enum(['none', 'xpress', 'lzx', 'lzms']).default('lzx'),
  timestamp: z
    .string()
    .refine((s) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(s) && !Number.isNaN(Date.parse(s)), { message: 'timestamp' })
    .default('2024-01-01T00:00:00Z'),
  systemSize: SIZE.default('4MB'),
  overlay: z.string().min(1).optional(),
  images: z.array(z.object(editionShape).strict()).min(1),
};

const schema = z.object({ osImage: z.object(osImageShape).strict() }).strict();

/** The fields allowed in the map at `path`, for "unknown field" messages. */
function allowedFields(path: ReadonlyArray<string | number>): string[] {
  if (path.length === 0) return ['osImage'];
  return Object.keys(path.length === 1 ? osImageShape : editionShape);
}

const ALLOWED: Record<string, string> = {
  size: 'a size such as 4MB or 1.5GB',
  version: 'Major.Minor.Build.Revision, e.g. 10.0.22631.2861 (quote it)',
  language: 'a language tag such as en-US',
  timestamp: 'a UTC time such as 2024-01-01T00:00:00Z',
  edition: 'an EditionID such as Enterprise or Education (letters and digits)',
};

/** Parses and checks a spec; every mistake is reported with its line, column and field path. */
export function parseOsImageSpec(text: string, file: string): OsImageSpec {
  const parsed = parseYaml(file, text);
  if ('problems' in parsed) throw new InputError(parsed.problems);
  const { source } = parsed;
  const result = schema.safeParse(source.data);
  if (!result.success) throw new InputError(result.error.issues.map((iss) => toProblem(iss, source)));
  const o = result.data.osImage;
  const names = new Set<string>();
  const problems: InputProblem[] = [];
  o.images.forEach((img, i) => {
    if (names.has(img.name)) problems.push(at(source, ['osImage', 'images', i, 'name'], `image name "${img.name}" is used twice; each index needs its own name`));
    names.add(img.name);
  });
  if (problems.length > 0) throw new InputError(problems);
  return {
    file,
    product: o.product,
    version: o.version,
    architecture: o.architecture,
    language: o.language,
    compression: o.compression,
    timestamp: o.timestamp,
    systemBytes: (parseSize(o.systemSize) as { value: number }).value,
    overlay: o.overlay === undefined ? undefined : resolve(dirname(file), o.overlay),
    images: o.images.map((img) => ({ name: img.name, edition: img.edition, description: img.description ?? img.name })),
  };
}

export async function loadOsImageSpec(file: string): Promise<OsImageSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError({ file, message: `cannot read the OS image spec: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
  }
  return parseOsImageSpec(text, file);
}

function at(source: YamlSource, path: Array<string | number>, message: string, anchor: 'key' | 'value' = 'value'): InputProblem {
  const pos = source.locate(path, anchor);
  const dotted = path.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('').slice(1);
  return { file: source.file, line: pos?.line, column: pos?.column, path: dotted, message };
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return typeof value === 'string' ? `"${value}"` : `${typeof value} ${String(value)}`;
}

function valueAt(data: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  return path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), data);
}

function toProblem(iss: z.core.$ZodIssue, source: YamlSource): InputProblem {
  const path = iss.path.filter((p): p is string | number => typeof p !== 'symbol');
  const found = describe(valueAt(source.data, path));
  switch (iss.code) {
    case 'unrecognized_keys':
      return at(source, [...path, iss.keys[0]], `unknown field${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `"${k}"`).join(', ')}; allowed: ${allowedFields(path).join(', ')}`, 'key');
    case 'invalid_value':
      return at(source, path, `found ${found}; allowed: ${iss.values.map(String).join(', ')}`);
    case 'invalid_type':
      return at(source, path, found === 'nothing' ? `missing; expected ${iss.expected === 'string' ? 'text' : iss.expected}` : `found ${found}; expected ${iss.expected === 'string' ? 'text' : iss.expected}`);
    case 'too_small':
      return at(source, path, `found ${found}; ${iss.origin === 'array' ? 'needs at least one entry' : 'must not be empty'}`);
    default:
      return at(source, path, `found ${found}; expected ${ALLOWED[iss.message] ?? iss.message}`);
  }
}
