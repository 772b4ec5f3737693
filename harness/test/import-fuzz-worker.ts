// The importer fuzz cases (run by harness/import/fuzz.test.ts in a worker thread, so that a case that
// never returns can be stopped): mutated real exports either import to a sane model or are refused
// with an InputError that says where (element path or line:column) and what — never a crash.
import { expect } from 'chai';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { readdirSync, readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import { InputError } from '../../scenarios/index.js';
import { importTaskSequenceBytes } from '../import/index.js';
import type { TaskSequence } from '../model.js';
import { walkTaskSequence } from '../tree.js';

/** What the test sends: the fixtures folder, how many cases, the first seed. */
export interface FuzzRequest {
  fixtures: string;
  cases: number;
  seed: number;
}

/** What the worker reports: each case as it starts (for the watchdog), a failure, or the totals. */
export type FuzzMessage =
  | { kind: 'start'; index: number; seed: number }
  | { kind: 'failure'; index: number; seed: number; message: string }
  | { kind: 'done'; accepted: number; rejected: number };

type Node = Record<string, unknown>;
const XML_OPTIONS = { preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', trimValues: false, parseTagValue: false, parseAttributeValue: false };
const parser = new XMLParser(XML_OPTIONS);
const builder = new XMLBuilder({ ...XML_OPTIONS, suppressEmptyNode: true });

/** mulberry32: a small seeded generator so a failing case can be replayed. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)] };
}
type Rng = ReturnType<typeof random>;

const nameOf = (n: Node) => Object.keys(n).find((k) => k !== ':@')!;
const childrenOf = (n: Node) => n[nameOf(n)] as Node[];
const isElement = (n: Node) => nameOf(n) !== '#text';

/** Every element with its parent list, root excluded. */
function elements(tree: Node[]): Array<{ node: Node; siblings: Node[] }> {
  const out: Array<{ node: Node; siblings: Node[] }> = [];
  const visit = (list: Node[]) => {
    for (const n of list) {
      if (!isElement(n)) continue;
      out.push({ node: n, siblings: list });
      visit(childrenOf(n));
    }
  };
  for (const root of tree) if (isElement(root)) visit(childrenOf(root));
  return out;
}

const JUNK = ['', ' ', 'yes', '-1', '99999999999', 'WinPE FullOS', '0x10', 'TRUE1', '3.1', 'Ω', 'null', '%VAR%', '0 30x10', 'and or', '\t'];

interface Mutation {
  kind: string;
  /** For a garbled attribute: which one, so a rejection must name it. */
  attribute?: string;
}

function mutateTree(tree: Node[], rng: Rng): Mutation {
  const all = elements(tree);
  const kind = rng.pick(['delete', 'duplicate', 'swap', 'move-into', 'delete-attribute', 'garble-attribute', 'rename']);
  if (all.length === 0) return { kind: 'none' };
  const { node, siblings } = rng.pick(all);
  switch (kind) {
    case 'delete':
      siblings.splice(siblings.indexOf(node), 1);
      return { kind };
    case 'duplicate':
      siblings.splice(siblings.indexOf(node), 0, structuredClone(node));
      return { kind };
    case 'swap': {
      const other = rng.pick(all);
      if (other.node === node || JSON.stringify(node).includes(JSON.stringify(other.node)) || JSON.stringify(other.node).includes(JSON.stringify(node))) return { kind: 'none' };
      const i = siblings.indexOf(node);
      const j = other.siblings.indexOf(other.node);
      siblings[i] = other.node;
      other.siblings[j] = node;
      return { kind };
    }
    case 'move-into': {
      const target = rng.pick(all);
      if (target.node === node || JSON.stringify(node).includes(JSON.stringify(target.node))) return { kind: 'none' };
      siblings.splice(siblings.indexOf(node), 1);
      childrenOf(target.node).push(node);
      return { kind };
    }
    case 'rename': {
      const name = nameOf(node);
      const renamed = rng.pick(['step', 'group', 'condition', 'operator', 'expression', 'variable', 'action', 'foo', 'subtasksequence']);
      node[renamed] = node[name];
      if (renamed !== name) delete node[name];
      return { kind };
    }
    default: {
      const attrs = node[':@'] as Record<string, string> | undefined;
      const names = Object.keys(attrs ?? {});
      if (!attrs || names.length === 0) return { kind: 'none' };
      const attribute = rng.pick(names);
      if (kind === 'delete-attribute') {
        delete attrs[attribute];
        return { kind };
      }
      attrs[attribute] = rng.next() < 0.2 ? 'x'.repeat(rng.int(5000)) : rng.pick(JUNK);
      return { kind, attribute };
    }
  }
}

function mutateText(text: string, rng: Rng): string {
  const at = rng.int(text.length + 1);
  if (rng.next() < 0.5) return text.slice(0, at);
  const junk = rng.pick(['<', '>', '&', '"', '</step>', '<group>', ']]>', '&#0;', '\u0000', '<!--', String.fromCharCode(rng.int(0xffff))]);
  return text.slice(0, at) + junk + text.slice(at);
}

function mutateBytes(bytes: Uint8Array, rng: Rng): Uint8Array {
  const out = bytes.slice(0, rng.next() < 0.3 ? rng.int(bytes.length) : bytes.length);
  for (let i = 0, n = 1 + rng.int(8); i < n && out.length > 0; i++) out[rng.int(out.length)] = rng.int(256);
  return out;
}

function wrapInObjectXml(sequence: string, rng: Rng): string {
  const value = rng.next() < 0.5 ? `<![CDATA[${sequence.replace(/]]>/g, ']] >')}]]>` : sequence.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<INSTANCE CLASSNAME="SMS_TaskSequencePackage"><PROPERTY NAME="PackageID"><VALUE>PS100001</VALUE></PROPERTY><PROPERTY NAME="Sequence"><VALUE>${value}</VALUE></PROPERTY></INSTANCE>`;
}

function sane(ts: TaskSequence): void {
  for (const { node } of walkTaskSequence(ts)) {
    expect(node.name).to.be.a('string');
    if (node.kind === 'step') {
      expect(['WinPE', 'FullOS', 'WinPEandFullOS']).to.include(node.runIn);
      expect(node.successCodes.every(Number.isFinite)).to.equal(true);
      expect(Number.isInteger(node.retryCount)).to.equal(true);
    }
  }
}

/** `needsPath`: the XML was well-formed (tree mutations), so the refusal must name the element. */
function checkRejection(err: unknown, mutation: Mutation, label: string, needsPath: boolean): void {
  if (!(err instanceof InputError)) throw new Error(`${label}: not an InputError: ${err instanceof Error ? err.stack : String(err)}`);
  expect(err.problems.length, label).to.be.greaterThan(0);
  for (const p of err.problems) {
    expect(p.message, label).to.be.a('string').and.not.match(/undefined|\[object Object\]|NaN|\n\s+at /);
    expect(p.path !== undefined || (!needsPath && (p.line !== undefined || p.file !== undefined)), `${label}: ${err.message}`).to.equal(true);
    if (p.path !== undefined) expect(p.path, label).to.match(/^(sequence|INSTANCE|\w+)(\/[\w]+\[\d+\])*( \(name ".*"\))?$/s);
  }
  if (mutation.attribute !== undefined) {
    expect(err.message, `${label} garbled ${mutation.attribute}`).to.satisfy(
      (m: string) => m.includes(`attribute ${mutation.attribute}`) || m.includes(`"${mutation.attribute}"`) || /has no|needs|variable \w+:|is given twice|unexpected element/.test(m),
    );
  }
}

function sequencesOf(file: string): string[] {
  const bytes = readFileSync(file);
  const texts = file.endsWith('.zip')
    ? Object.entries(unzipSync(bytes)).filter(([n]) => /object\.xml$/i.test(n)).map(([, d]) => new TextDecoder().decode(d))
    : [new TextDecoder().decode(bytes)];
  return texts.flatMap((t) => {
    const cdata = /<!\[CDATA\[\s*(<sequence[\s\S]*?<\/sequence>)/.exec(t);
    if (cdata) return [cdata[1]];
    return /<sequence[\s>]/.test(t) ? [t.replace(/^\uFEFF/, '').replace(/^<\?xml[^>]*\?>\s*/, '')] : [];
  });
}

/**
 * Parsed seed trees: each real sequence cut into one sequence per top-level group or step (with the
 * sequence's reference and variable lists), so that cases stay small and the fuzz stays fast.
 */
function seedTrees(sequences: string[]): Node[][] {
  return sequences.flatMap((xml) => {
    const tree = parser.parse(xml) as Node[];
    const root = tree.find(isElement)!;
    const body = childrenOf(root);
    const lists = body.filter((n) => isElement(n) && /List$/.test(nameOf(n)));
    return body
      .filter((n) => isElement(n) && !/List$/.test(nameOf(n)))
      .map((node) => [{ sequence: [...lists, node], ':@': root[':@'] }] as Node[]);
  });
}

function post(message: FuzzMessage): void {
  parentPort!.postMessage(message);
}

function run(request: FuzzRequest): void {
  const files = readdirSync(request.fixtures).filter((f) => /\.(zip|xml)$/i.test(f)).map((f) => join(request.fixtures, f));
  const seeds = seedTrees(files.flatMap(sequencesOf));
  const zips = files.filter((f) => f.endsWith('.zip')).map((f) => new Uint8Array(readFileSync(f)));
  expect(seeds.length).to.be.greaterThan(0);
  const counts = { accepted: 0, rejected: 0 };
  for (let i = 0; i < request.cases; i++) {
    const seed = request.seed + i;
    post({ kind: 'start', index: i, seed });
    const rng = random(seed);
    const label = `case ${i} (seed ${seed})`;
    const form = rng.int(10);
    let bytes: Uint8Array;
    let mutation: Mutation = { kind: 'bytes' };
    if (form === 0 && zips.length > 0) {
      bytes = mutateBytes(rng.pick(zips), rng);
    } else {
      const tree = structuredClone(rng.pick(seeds));
      for (let m = 0, n = 1 + rng.int(3); m < n; m++) mutation = n === 1 ? mutateTree(tree, rng) : { kind: mutateTree(tree, rng).kind };
      let text = builder.build(tree) as string;
      if (form === 1) text = mutateText(text, rng);
      if (form === 2 || form === 3) text = wrapInObjectXml(text, rng);
      bytes = form === 3 ? zipSync({ 'SMS_TaskSequencePackage/PS100001/object.xml': strToU8(text) }) : strToU8(text);
      if (form === 1) mutation = { kind: 'text' };
    }
    let imported: TaskSequence | undefined;
    let refusal: unknown;
    try {
      imported = importTaskSequenceBytes(bytes, 'fuzz.xml');
    } catch (err) {
      refusal = err;
    }
    try {
      if (imported) sane(imported);
      else checkRejection(refusal, mutation, label, form >= 2);
    } catch (failure) {
      post({ kind: 'failure', index: i, seed, message: (failure as Error).message });
      return;
    }
    if (imported) counts.accepted++;
    else counts.rejected++;
  }
  post({ kind: 'done', ...counts });
}

run(workerData as FuzzRequest);
