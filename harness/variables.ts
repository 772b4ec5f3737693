// The task-sequence environment (osd-behaviours §3): ConfigMgr's naming and value rules, case-insensitive
// names, read-only "_" variables, the 10 MB cap, precedence of the creation methods and %VAR% expansion.

/** Longest value ConfigMgr stores in one variable. */
export const MAX_VALUE_LENGTH = 4000;
/** "the total size of the task sequence environment may not exceed 10 MB" — counted as UTF-16 bytes of names and values. */
export const MAX_ENVIRONMENT_BYTES = 10 * 1024 * 1024;

const USER_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,255}$/;
const READ_ONLY_NAME = /^_[A-Za-z0-9_-]{0,255}$/;

/** A write the task-sequence environment refuses, in the words smsts.log uses; the step that tried it fails. */
export class VariableRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VariableRuleError';
  }
}

/** Who writes: the engine may set read-only "_" variables, everything else (steps, users, media) may not. */
export type VariableWriter = 'engine' | 'user';

/** Why a name cannot be written by `writer`, or undefined when it can. Leading and trailing spaces are ignored, as ConfigMgr does. */
export function variableNameProblem(name: string, writer: VariableWriter): string | undefined {
  const n = name.trim();
  if (n.length === 0) return 'a variable name must have 1 to 256 characters';
  if (n.length > 256) return `variable name "${n.slice(0, 40)}…" is longer than 256 characters`;
  if (READ_ONLY_NAME.test(n)) {
    return writer === 'engine' ? undefined : `variable "${n}" is read-only: names starting with "_" are set only by the task sequence engine`;
  }
  if (!USER_NAME.test(n)) {
    return `variable name "${n}" is not allowed: it must start with a letter and hold only letters, digits, "_" and "-"`;
  }
  return undefined;
}

export function valueProblem(name: string, value: string): string | undefined {
  return value.length > MAX_VALUE_LENGTH
    ? `the value of variable "${name}" has ${value.length} characters; the limit is ${MAX_VALUE_LENGTH}`
    : undefined;
}

const fold = (name: string) => name.trim().toLowerCase();
const bytesOf = (name: string, value: string) => (name.length + value.length) * 2;

/** Case-insensitive variable store; keeps the spelling of the first write, as TSEnv does. */
export class VariableStore {
  private readonly entries = new Map<string, { name: string; value: string }>();
  private bytes = 0;

  get(name: string): string | undefined {
    return this.entries.get(fold(name))?.value;
  }

  has(name: string): boolean {
    return this.entries.has(fold(name));
  }

  /** Sets (or, with an empty value, deletes) a variable; throws VariableRuleError when ConfigMgr would refuse. */
  set(name: string, value: string, writer: VariableWriter = 'user'): void {
    const problem = variableNameProblem(name, writer) ?? valueProblem(name.trim(), value);
    if (problem) throw new VariableRuleError(problem);
    const key = fold(name);
    const old = this.entries.get(key);
    if (value === '') {
      if (old) this.bytes -= bytesOf(old.name, old.value);
      this.entries.delete(key);
      return;
    }
    const spelled = old?.name ?? name.trim();
    const next = this.bytes - (old ? bytesOf(old.name, old.value) : 0) + bytesOf(spelled, value);
    if (next > MAX_ENVIRONMENT_BYTES) {
      throw new VariableRuleError(`setting "${spelled}" would make the task sequence environment larger than 10 MB`);
    }
    this.entries.set(key, { name: spelled, value });
    this.bytes = next;
  }

  delete(name: string, writer: VariableWriter = 'user'): void {
    this.set(name, '', writer);
  }

  /** A plain, serialisable copy, sorted by name so that two runs compare equal. */
  snapshot(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const { name, value } of [...this.entries.values()].sort((a, b) => fold(a.name).localeCompare(fold(b.name)))) out[name] = value;
    return out;
  }

  static fromSnapshot(snapshot: Record<string, string>): VariableStore {
    const store = new VariableStore();
    for (const [name, value] of Object.entries(snapshot)) store.set(name, value, 'engine');
    return store;
  }
}

/** Collection variables of one collection the computer is a member of; precedence 1 (lowest) … 9 (highest). */
export interface CollectionVariables {
  collection?: string;
  precedence: number;
  variables: Record<string, string>;
}

/** The variables a deployment brings before the first step (osd-behaviours §3.1–3.2). */
export interface DeploymentVariables {
  collections?: CollectionVariables[];
  computer?: Record<string, string>;
  /** Variables of the media the sequence runs from. */
  media?: Record<string, string>;
  /** Stand-alone media: computer and collection variables do not apply; media variables replace them. */
  standaloneMedia?: boolean;
  /** Saved in the environment before the first step, as a pre-execution hook does (osd-behaviours §3.1). */
  preStart?: Record<string, string>;
}

export interface VariableLayer {
  source: 'collection' | 'computer' | 'media' | 'taskSequence' | 'preStart';
  variables: Record<string, string>;
}

/**
 * The deployment's variables lowest precedence first: task sequence globals, collections by precedence,
 * then the computer (or, on stand-alone media, only the media), then what was saved before the first step. Set Task Sequence Variable and Set Dynamic
 * Variables write at run time and so beat all of these; step defaults only fill what none of them set.
 */
export function deploymentLayers(deployment: DeploymentVariables, taskSequence: Record<string, string> = {}): VariableLayer[] {
  const layers: VariableLayer[] = [{ source: 'taskSequence', variables: taskSequence }];
  const preStart: VariableLayer = { source: 'preStart', variables: deployment.preStart ?? {} };
  if (deployment.standaloneMedia) {
    layers.push({ source: 'media', variables: deployment.media ?? {} }, preStart);
    return layers;
  }
  const collections = [...(deployment.collections ?? [])].sort((a, b) => a.precedence - b.precedence);
  for (const c of collections) layers.push({ source: 'collection', variables: c.variables });
  // Boot media fetches policy from the site, so its variables sit under the computer's (osd-behaviours §3.2).
  if (deployment.media) layers.push({ source: 'media', variables: deployment.media });
  layers.push({ source: 'computer', variables: deployment.computer ?? {} }, preStart);
  return layers;
}

/**
 * Expands %NAME% the way ExpandEnvironmentStrings does: a defined name is replaced, an unknown one is left
 * as written and its closing "%" may open the next reference.
 */
export function expandVariables(text: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('%', i);
    if (open < 0) break;
    const close = text.indexOf('%', open + 1);
    if (close < 0) break;
    const name = text.slice(open + 1, close);
    const value = name.length > 0 ? lookup(name) : undefined;
    if (value !== undefined) {
      out += text.slice(i, open) + value;
      i = close + 1;
    } else {
      out += text.slice(i, close);
      i = close;
    }
  }
  return out + text.slice(i);
}
