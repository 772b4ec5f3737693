// XML text → a small element tree that knows where each element starts (line and column),
// so importer errors and lint messages can point into single-line exports.
// fast-xml-parser parses; a scanner over the same text finds start-tag offsets in document order.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { InputError } from '../../scenarios/index.js';

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text and CDATA directly inside the element. */
  text: string;
  line: number;
  column: number;
}

/** Where the XML text sits in its file: a sequence inside object.xml's CDATA starts mid-file. */
export interface XmlOrigin {
  file?: string;
  line?: number;
  column?: number;
}

type OrderedNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  htmlEntities: true,
});

/** Offsets of every start tag in document order, skipping comments, CDATA, PIs and DOCTYPE. */
function startTagOffsets(xml: string): number[] {
  const offsets: number[] = [];
  let i = xml.indexOf('<');
  while (i >= 0 && i < xml.length) {
    let next = i + 1;
    if (xml.startsWith('<!--', i)) next = xml.indexOf('-->', i + 4) + 3;
    else if (xml.startsWith('<![CDATA[', i)) next = xml.indexOf(']]>', i + 9) + 3;
    else if (xml.startsWith('<?', i)) next = xml.indexOf('?>', i + 2) + 2;
    else if (xml.startsWith('<!', i)) next = xml.indexOf('>', i + 2) + 1;
    else if (xml[i + 1] !== '/') offsets.push(i);
    if (next <= i) break;
    i = xml.indexOf('<', next);
  }
  return offsets;
}

function lineStarts(xml: string): number[] {
  const starts = [0];
  for (let i = 0; i < xml.length; i++) if (xml.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function position(starts: number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo] + 1 };
}

/** Parses well-formed XML with exactly one root element; anything else is an InputError with line:column. */
export function parseXml(xml: string, origin: XmlOrigin = {}): XmlElement {
  const text = xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml;
  const starts = lineStarts(text);
  const place = (p: { line: number; column: number }) => ({
    line: (origin.line ?? 1) + p.line - 1,
    column: p.line === 1 ? (origin.column ?? 1) + p.column - 1 : p.column,
  });
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { line, col, msg } = valid.err;
    // For a document cut short the validator lists the open elements as a JSON array; say it plainly.
    const open = /^Invalid '(\[[\s\S]*\])' found\.$/.exec(msg);
    const unclosed = open ? [...open[1].matchAll(/"([^"]*)"/g)].map((m) => m[1]) : undefined;
    const message = unclosed
      ? `not well-formed XML: the document ends before ${unclosed.map((n) => `<${n}>`).join(' ')} ${unclosed.length === 1 ? 'is' : 'are'} closed (is the file truncated?)`
      : `not well-formed XML: ${msg}`;
    throw new InputError({
      file: origin.file,
      ...place(unclosed ? position(starts, text.length) : { line: line ?? 1, column: col ?? 1 }),
      message,
    });
  }
  const offsets = startTagOffsets(text);
  let next = 0;
  const build = (nodes: OrderedNode[]): XmlElement[] => {
    const out: XmlElement[] = [];
    for (const node of nodes) {
      const name = Object.keys(node).find((k) => k !== ':@');
      if (name === undefined || name === '#text') continue;
      const offset = offsets[next++] ?? 0;
      const body = node[name] as OrderedNode[];
      const element: XmlElement = {
        name,
        attributes: { ...((node[':@'] as Record<string, string> | undefined) ?? {}) },
        children: [],
        text: body.filter((n) => '#text' in n).map((n) => String(n['#text'])).join(''),
        ...place(position(starts, offset)),
      };
      element.children = build(body);
      out.push(element);
    }
    return out;
  };
  let parsed: OrderedNode[];
  try {
    parsed = parser.parse(text) as OrderedNode[];
  } catch (err) {
    // The validator accepted it, but the parser may still refuse (entity limits, nesting depth).
    throw new InputError({ file: origin.file, ...place({ line: 1, column: 1 }), message: `cannot read the XML: ${(err as Error).message}` });
  }
  const roots = build(parsed);
  if (roots.length !== 1) {
    throw new InputError({ file: origin.file, ...place({ line: 1, column: 1 }), message: `expected one root element, found ${roots.length}` });
  }
  return roots[0];
}
