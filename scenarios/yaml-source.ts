// A YAML file parsed with its syntax tree kept, so that any field path of the data can be
// mapped back to the line and column where it is written.
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import type { InputProblem, Locator } from './errors.js';

export type FieldPath = ReadonlyArray<string | number>;

/** Which part of a field to point at: its value (a wrong value), its key (an unknown field). */
export type Anchor = 'value' | 'key';

export interface YamlSource {
  file: string;
  data: unknown;
  /** Line and column of the field at `path` (or of its nearest written ancestor, for a missing field). */
  locate(path: FieldPath, anchor?: Anchor): { line: number; column: number } | undefined;
  locator: Locator;
}

export function parseYaml(file: string, text: string): { source: YamlSource } | { problems: InputProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => ({
        file,
        line: e.linePos?.[0].line,
        column: e.linePos?.[0].col,
        message: `YAML syntax error: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
      })),
    };
  }
  const position = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const locate = (path: FieldPath, anchor: Anchor = 'value') => {
    const found = findNode(doc, path);
    const node = anchor === 'key' && found.exact && found.key ? found.key : found.node;
    return node?.range ? position(node.range[0]) : undefined;
  };
  return { source: { file, data: doc.toJS({ maxAliasCount: 1000 }) ?? {}, locate, locator: (path) => locate(path) } };
}

/** Walks the tree along `path`; stops at the deepest node that exists. */
function findNode(doc: Document, path: FieldPath): { node?: Node; key?: Node; exact: boolean } {
  let node: Node | undefined = (doc.contents as Node | null) ?? undefined;
  let key: Node | undefined;
  for (const seg of path) {
    let next: { node?: Node; key?: Node } | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      // A key without a value ("name:") has no value node: point at the key.
      if (pair) next = { node: (pair.value as Node | null) ?? (pair.key as Node), key: pair.key as Node };
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (item) next = { node: item };
    }
    if (!next) return { node, key, exact: false };
    node = next.node;
    key = next.key;
  }
  return { node, key, exact: true };
}
