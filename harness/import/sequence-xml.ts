// The <sequence> document (ConfigMgr SMS_TaskSequencePackage.Sequence or MDT ts.xml) → TaskSequence.
// Grammar per ts-formats §a.2; MDT's differences (§b.2) are accepted: steps without `type`,
// `True`/`False`, empty <condition>, empty <action/> under groups, `expand`/`startIn` attributes.
import type {
  GlobalVariable, Group, PackageReference, RunIn, Step, StepVariable, TaskSequence, TaskSequenceNode, TaskSequenceSource,
} from '../model.js';
import { stepTypeByClass } from '../step-types.js';
import { parseConditionElement } from './condition-xml.js';
import { Where } from './where.js';
import type { XmlElement } from './xml-tree.js';

export const SCHEMA_VERSIONS = ['3.00', '3.10'];
const RUN_IN: RunIn[] = ['WinPE', 'FullOS', 'WinPEandFullOS'];
/** MDT leaves `type` off plain command-line steps; its engine runs <action> directly. */
const UNTYPED_STEP = 'SMS_TaskSequence_RunCommandLineAction';
const SUBTASKSEQUENCE = 'SMS_TaskSequence_SubTasksequence';

interface Walk {
  /** Set when anything only MDT writes is seen, to tell ts.xml from a ConfigMgr sequence. */
  mdt: boolean;
}

function bool(el: XmlElement, where: Where, attr: string, fallback = false): boolean {
  const raw = el.attributes[attr];
  if (raw === undefined || raw.trim() === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  return where.fail(el, `attribute ${attr}: "${raw}" is not true or false`);
}

function integer(el: XmlElement, where: Where, attr: string): number | undefined {
  const raw = el.attributes[attr];
  if (raw === undefined || raw.trim() === '') return undefined;
  if (!/^\s*\d{1,9}\s*$/.test(raw)) return where.fail(el, `attribute ${attr}: "${raw}" is not a whole number`);
  return Number(raw);
}

function successCodes(el: XmlElement, where: Where): number[] {
  const raw = el.attributes.successCodeList;
  // SMS_TaskSequence_Action's SuccessCodes default is "0 3010".
  if (raw === undefined) return [0, 3010];
  const parts = raw.trim().split(/\s+/).filter((s) => s !== '');
  if (parts.length === 0) return [0];
  for (const p of parts) {
    if (!/^-?\d{1,10}$/.test(p)) where.fail(el, `attribute successCodeList: "${p}" in "${raw}" is not an exit code (space-separated integers)`);
  }
  return parts.map(Number);
}

function childrenOnly(el: XmlElement, where: Where, allowed: string[]): void {
  el.children.forEach((c, i) => {
    if (!allowed.includes(c.name)) {
      where.child(c, i, el.children).fail(c, `unexpected element <${c.name}> in <${el.name}>; allowed: ${allowed.join(', ')}`);
    }
  });
}

function single(el: XmlElement, where: Where, name: string): XmlElement | undefined {
  const found = el.children.filter((c) => c.name === name);
  if (found.length > 1) {
    const second = found[1];
    where.child(second, el.children.indexOf(second), el.children).fail(second, `<${el.name}> has more than one <${name}>`);
  }
  return found[0];
}

function variables(list: XmlElement | undefined, where: Where): StepVariable[] {
  if (!list) return [];
  const listWhere = where.child(list, 0, [list]);
  return list.children.map((v, i) => {
    const w = listWhere.child(v, i, list.children);
    if (v.name !== 'variable') w.fail(v, `unexpected element <${v.name}> in <${list.name}>; allowed: variable`);
    const name = v.attributes.name;
    if (name === undefined || name.trim() === '') w.fail(v, 'variable has no name attribute');
    return { name, property: v.attributes.property, value: v.text, hidden: bool(v, w, 'hidden') };
  });
}

function base(el: XmlElement, where: Where) {
  const name = el.attributes.name;
  if (name === undefined) where.fail(el, `<${el.name}> has no name attribute`);
  const conditionEl = single(el, where, 'condition');
  return {
    name,
    description: el.attributes.description ?? '',
    disabled: bool(el, where, 'disable'),
    continueOnError: bool(el, where, 'continueOnError'),
    condition: conditionEl ? parseConditionElement(conditionEl, where.child(conditionEl, el.children.indexOf(conditionEl), el.children)) : undefined,
    location: where.location(el),
  };
}

function parseStep(el: XmlElement, where: Where, walk: Walk): Step {
  childrenOnly(el, where, ['condition', 'action', 'defaultVarList']);
  const sub = el.name === 'subtasksequence';
  const rawType = el.attributes.type;
  if (rawType !== undefined && rawType.trim() === '') where.fail(el, 'attribute type is empty');
  if (rawType === undefined && !sub) walk.mdt = true;
  const type = rawType?.trim() ?? (sub ? SUBTASKSEQUENCE : UNTYPED_STEP);
  if (/^BDD_/i.test(type) || el.attributes.startIn !== undefined) walk.mdt = true;
  const known = stepTypeByClass(type);
  const runInRaw = el.attributes.runIn;
  // An absent runIn is SupportedEnvironment's default (ts-formats §a.2), whatever the type: MDT often leaves it off.
  let runIn: RunIn = 'WinPEandFullOS';
  if (runInRaw !== undefined) {
    const match = RUN_IN.find((r) => r.toLowerCase() === runInRaw.trim().toLowerCase());
    if (!match) where.fail(el, `attribute runIn: "${runInRaw}" is not one of ${RUN_IN.join(', ')}`);
    runIn = match;
  }
  const timeout = integer(el, where, 'timeout');
  return {
    kind: 'step',
    ...base(el, where),
    type,
    action: single(el, where, 'action')?.text ?? '',
    runIn,
    successCodes: successCodes(el, where),
    ...(timeout !== undefined ? { timeoutSeconds: timeout } : {}),
    retryCount: integer(el, where, 'retryCount') ?? known?.retryCount ?? 0,
    runFromNet: bool(el, where, 'runFromNet'),
    variables: variables(single(el, where, 'defaultVarList'), where),
    subTaskSequence: sub,
  };
}

function parseNodes(el: XmlElement, where: Where, walk: Walk, skip: string[]): TaskSequenceNode[] {
  const nodes: TaskSequenceNode[] = [];
  el.children.forEach((c, i) => {
    const w = where.child(c, i, el.children);
    if (c.name === 'group') nodes.push(parseGroup(c, w, walk));
    else if (c.name === 'step' || c.name === 'subtasksequence') nodes.push(parseStep(c, w, walk));
    else if (!skip.includes(c.name)) {
      w.fail(c, `unexpected element <${c.name}> in <${el.name}>; allowed: ${[...skip, 'group', 'step', 'subtasksequence'].join(', ')}`);
    }
  });
  return nodes;
}

function parseGroup(el: XmlElement, where: Where, walk: Walk): Group {
  if (el.attributes.expand !== undefined) walk.mdt = true;
  const action = single(el, where, 'action');
  // MDT writes an empty <action /> under groups; a group has nothing to run, so anything else is a mistake.
  if (action && action.text.trim() !== '') where.child(action, el.children.indexOf(action), el.children).fail(action, 'a group cannot have a command line in <action>');
  return { kind: 'group', ...base(el, where), children: parseNodes(el, where, walk, ['condition', 'action']) };
}

function globalVariables(el: XmlElement | undefined, where: Where): GlobalVariable[] {
  return variables(el, where).map(({ name, property, value }) => ({ name, value, ...(property !== undefined ? { property } : {}) }));
}

function references(el: XmlElement | undefined, where: Where): PackageReference[] {
  if (!el) return [];
  const listWhere = where.child(el, 0, [el]);
  return el.children.map((r, i) => {
    const w = listWhere.child(r, i, el.children);
    if (r.name !== 'reference') w.fail(r, `unexpected element <${r.name}> in <referenceList>; allowed: reference`);
    const { package: pkg, program, application } = r.attributes;
    if (pkg === undefined && application === undefined) w.fail(r, 'reference names neither a package nor an application');
    return { ...(pkg !== undefined ? { package: pkg } : {}), ...(program !== undefined ? { program } : {}), ...(application !== undefined ? { application } : {}) };
  });
}

/** Converts a parsed <sequence> root; `source` is detected (ConfigMgr vs MDT) unless the caller knows it. */
export function sequenceFromXml(root: XmlElement, file: string | undefined, source?: TaskSequenceSource): TaskSequence {
  const where = Where.root(file, root);
  if (root.name !== 'sequence') where.fail(root, `the root element is <${root.name}>; a task sequence is a <sequence> element`);
  const version = root.attributes.version;
  if (version === undefined) where.fail(root, `<sequence> has no version attribute; supported: ${SCHEMA_VERSIONS.join(', ')}`);
  if (!SCHEMA_VERSIONS.includes(version.trim())) where.fail(root, `attribute version: "${version}" is not a supported schema version (${SCHEMA_VERSIONS.join(', ')})`);
  const walk: Walk = { mdt: root.attributes.name !== undefined };
  const children = parseNodes(root, where, walk, ['referenceList', 'globalVarList']);
  return {
    version: version.trim(),
    ...(root.attributes.name !== undefined ? { name: root.attributes.name } : {}),
    ...(root.attributes.description !== undefined ? { description: root.attributes.description } : {}),
    source: source ?? (walk.mdt ? 'mdt' : 'configmgr'),
    ...(file !== undefined ? { file } : {}),
    children,
    globalVariables: globalVariables(single(root, where, 'globalVarList'), where),
    references: references(single(root, where, 'referenceList'), where),
  };
}
