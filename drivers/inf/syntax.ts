// The INF line grammar (learn.microsoft.com "General Syntax Rules for INF Files"): sections in
// brackets, `key = value, value` or value-only lines, `;` comments outside quotes, a trailing `\`
// continuing the line, sections of the same name merged. Values keep their quotes here; string
// substitution and unquoting happen in expandValue once [Strings] is known.
import { InputError } from '../../scenarios/index.js';

export interface InfEntry {
  /** 1-based line where the (possibly continued) line starts. */
  line: number;
  /** Text left of the first `=` outside quotes, trimmed; absent on value-only lines. */
  key?: string;
  /** Comma-separated items, trimmed, quotes still in place. */
  values: string[];
}

export interface InfSection {
  name: string;
  /** Line of the first header with this name. */
  line: number;
  entries: InfEntry[];
}

export interface InfDocument {
  file: string;
  /** By lower-case name: section names are case-insensitive. */
  sections: Map<string, InfSection>;
}

export function inputError(file: string, line: number | undefined, path: string, message: string): InputError {
  return new InputError({ file, line, path, message });
}

/** Splits at `separator` outside double quotes; quotes are kept. */
function splitOutsideQuotes(text: string, separator: string, limit = Infinity): string[] {
  const parts: string[] = [];
  let inQuotes = false;
  let start = 0;
  for (let i = 0; i < text.length && parts.length < limit - 1; i++) {
    const c = text[i];
    if (c === '"') inQuotes = !inQuotes;
    else if (c === separator && !inQuotes) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Removes a `;` comment (outside quotes); reports a quote left open at the end of the line. */
function stripComment(text: string, file: string, line: number): string {
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') inQuotes = !inQuotes;
    else if (c === ';' && !inQuotes) return text.slice(0, i);
  }
  if (inQuotes) throw inputError(file, line, '', `a double quote is not closed on this line: ${text.trim()}`);
  return text;
}

export function parseInfSyntax(text: string, file: string): InfDocument {
  const physical = text.split(/\r\n|\n|\r/);
  const sections = new Map<string, InfSection>();
  let current: InfSection | undefined;
  for (let i = 0; i < physical.length; i++) {
    const line = i + 1;
    let logical = stripComment(physical[i], file, line).trimEnd();
    while (logical.endsWith('\\') && i + 1 < physical.length) {
      i++;
      logical = logical.slice(0, -1) + stripComment(physical[i], file, i + 1).trimEnd();
    }
    logical = logical.trim();
    if (logical === '') continue;
    if (logical.startsWith('[')) {
      const close = logical.indexOf(']');
      if (close < 0) throw inputError(file, line, logical, 'section header has no closing "]"');
      const name = logical.slice(1, close).trim();
      if (name === '') throw inputError(file, line, logical, 'empty section name');
      const key = name.toLowerCase();
      current = sections.get(key) ?? { name, line, entries: [] };
      sections.set(key, current);
      continue;
    }
    if (!current) throw inputError(file, line, '', `text before the first [section]: ${logical}`);
    const [left, right] = splitOutsideQuotes(logical, '=', 2);
    const entry: InfEntry =
      right === undefined
        ? { line, values: splitOutsideQuotes(left, ',').map((v) => v.trim()) }
        : { line, key: left.trim(), values: splitOutsideQuotes(right, ',').map((v) => v.trim()) };
    current.entries.push(entry);
  }
  return { file, sections };
}

/**
 * Resolves `%strkey%` from [Strings], `%%` to `%`, and removes double quotes (`""` inside quotes is a
 * literal quote). Numeric tokens such as `%12%` are directory IDs, left for the installer.
 */
export function expandValue(raw: string, lookup: (key: string) => string | undefined, onUnknown: (key: string) => string): string {
  let out = '';
  let inQuotes = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '"') {
      if (inQuotes && raw[i + 1] === '"') {
        out += '"';
        i++;
      } else inQuotes = !inQuotes;
      continue;
    }
    if (c !== '%') {
      out += c;
      continue;
    }
    const end = raw.indexOf('%', i + 1);
    if (end < 0) {
      out += c;
      continue;
    }
    const key = raw.slice(i + 1, end);
    i = end;
    if (key === '') out += '%';
    else if (/^\d+$/.test(key)) out += `%${key}%`;
    else out += lookup(key) ?? onUnknown(key);
  }
  return out;
}
