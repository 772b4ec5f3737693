// A YAML file parsed with its syntax tree kept, so that any field path of the data can be
// mapped back to the line and column where it is written.
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import type { InputProblem, Locator } from './errors.js';
import { formatPath } from './path.js';

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
  const position = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  if (doc.errors.length > 0) {
    const nodes = walk(doc.contents as Node | null, []);
    return {
      problems: doc.errors.map((e) => {
        const message = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
        const at = nodeForError(nodes, e.pos[0], /^Flow (sequence|map)/.test(message));
        const pos = position(at && /^Flow (sequence|map)/.test(message) ? at.start : e.pos[0]);
        return { file, line: pos.line, column: pos.column, path: at && at.path.length ? formatPath(at.path) : undefined, message: `YAML syntax error: ${message}` };
      }),
    };
  }
  const locate = (path: FieldPath, anchor: Anchor = 'value') => {
    const found = findNode(doc, path);
    const node = anchor === 'key' && found.exact && found.key ? found.key : found.node;
    return node?.range ? position(node.range[0]) : undefined;
  };
  return { source: { file, data: doc.toJS({ maxAliasCount: 1000 }), locate, locator: (path) => locate(path) } };
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

interface PlacedNode {
  path: FieldPath;
  start: number;
  /** End of the node's value, without trailing comments and blank lines. */
  end: number;
  flow: boolean;
}

/** Every node of a (possibly broken) tree with its field path, in document order. */
function walk(node: Node | null | undefined, path: FieldPath): PlacedNode[] {
  if (!node?.range) return [];
  const here: PlacedNode = { path, start: node.range[0], end: node.range[1], flow: (isMap(node) || isSeq(node)) && node.flow === true };
  const children = isMap(node)
    ? node.items.flatMap((p) => {
        const at = [...path, isScalar(p.key) ? String(p.key.value) : String(p.key)];
        const key = (p.key as Node | null)?.range;
        return [...(key ? [{ path: at, start: key[0], end: key[1], flow: false }] : []), ...walk(p.value as Node | null, at)];
      })
    : isSeq(node)
      ? node.items.flatMap((item, i) => walk(item as Node, [...path, i]))
      : [];
  return [here, ...children];
}

/**
 * The node a syntax error belongs to: for an unclosed flow collection the last one opened before
 * the error (the parser notices only where the next line starts), otherwise the innermost node
 * that contains the error.
 */
function nodeForError(nodes: PlacedNode[], offset: number, flow: boolean): PlacedNode | undefined {
  if (flow) return nodes.filter((n) => n.flow && n.start < offset).at(-1);
  return nodes.filter((n) => n.start <= offset && offset < n.end).at(-1);
}
