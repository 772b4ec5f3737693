// loadScenario: file → validated, expanded Scenario, or an InputError listing every problem
// with its file, line, column and field path.
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { InputError, type InputProblem } from './errors.js';
import { CrossChecks, checkReferences } from './cross-checks.js';
import { issuesToProblems } from './issues.js';
import { buildMachines } from './machines.js';
import type { Content, Deployment, Scenario, ScenarioEvent } from './model.js';
import { scenarioSchema, type ScenarioDocument } from './schema.js';
import { parseYaml } from './yaml-source.js';

export async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError({ file, message: code === 'ENOENT' ? 'scenario file not found' : `cannot read the scenario file (${code ?? String(err)})` });
  }
  return parseScenario(file, text);
}

/** Parses scenario text as if read from `file` (relative paths resolve against its folder). */
export async function parseScenario(file: string, text: string): Promise<Scenario> {
  const parsed = parseYaml(file, text);
  if ('problems' in parsed) throw new InputError(parsed.problems);
  const { source } = parsed;
  if (source.data === null || source.data === undefined) throw new InputError({ file, line: 1, column: 1, message: 'the scenario file is empty' });
  const result = scenarioSchema.safeParse(source.data);
  if (!result.success) throw new InputError(sorted(issuesToProblems(result.error.issues, source, scenarioSchema)));
  const doc = result.data;

  const checks = new CrossChecks(source);
  const machines = buildMachines(doc.machines);
  checkReferences(doc, machines, checks);
  const baseDir = dirname(resolve(file));
  const [content, deployments] = await Promise.all([resolveContent(doc, checks, baseDir), resolveTaskSequences(doc, checks, baseDir)]);
  if (checks.problems.length > 0) throw new InputError(sorted(checks.problems));

  return {
    file: resolve(file),
    name: doc.name ?? basename(file, extname(file)),
    ...(doc.description !== undefined ? { description: doc.description } : {}),
    site: doc.site,
    content,
    collections: doc.collections,
    computers: doc.computers,
    deployments,
    media: doc.media,
    machines,
    clients: doc.clients.map((g, i) => ({ ...g, sourcePath: ['clients', i] })),
    events: doc.events.map(toEvent),
    locator: source.locator,
  };
}

async function resolveContent(doc: ScenarioDocument, checks: CrossChecks, baseDir: string): Promise<Content> {
  const allDps = doc.site.distributionPoints.map((d) => d.name);
  const one = async <T extends { size?: number; source?: string; distributionPoints?: string[] }>(c: T, path: Array<string | number>) => {
    const found = c.source !== undefined ? await checks.fileExists([...path, 'source'], c.source, baseDir, 'content source') : undefined;
    // An image captured in the run gets its size from the capture.
    const captured = 'capturedBy' in c && c.capturedBy !== undefined;
    if (c.size === undefined && c.source === undefined && !captured) checks.fail(path, 'content needs a "size", a "source", or both');
    if (c.size === undefined && found && found.size === 0) checks.fail([...path, 'source'], 'the source is a folder or empty: give "size" too');
    return { ...c, size: c.size ?? found?.size ?? 0, ...(found ? { source: found.file } : {}), distributionPoints: c.distributionPoints ?? allDps };
  };
  const kind = <K extends keyof ScenarioDocument['content']>(k: K) =>
    Promise.all(doc.content[k].map((c, i) => one(c as ScenarioDocument['content'][K][number], ['content', k, i])));
  const [bootImages, osImages, driverPackages, packages] = await Promise.all([kind('bootImages'), kind('osImages'), kind('driverPackages'), kind('packages')]);
  return { bootImages, osImages, driverPackages, packages } as Content;
}

async function resolveTaskSequences(doc: ScenarioDocument, checks: CrossChecks, baseDir: string): Promise<Deployment[]> {
  return Promise.all(
    doc.deployments.map(async (d, i): Promise<Deployment> => {
      const sourcePath = ['deployments', i, 'taskSequence'];
      if (typeof d.taskSequence !== 'string') return { ...d, taskSequence: { kind: 'inline', content: d.taskSequence, sourcePath } };
      const found = await checks.fileExists(sourcePath, d.taskSequence, baseDir, 'task-sequence file');
      return { ...d, taskSequence: { kind: 'file', file: found?.file ?? resolve(baseDir, d.taskSequence), written: d.taskSequence, sourcePath } };
    }),
  );
}

function toEvent(e: ScenarioDocument['events'][number], i: number): ScenarioEvent {
  const base = { at: e.at, sourcePath: ['events', i] };
  if (e.distributeContent !== undefined) return { ...base, action: 'distributeContent', packageId: e.distributeContent, distributionPoint: e.to! };
  if (e.removeContent !== undefined) return { ...base, action: 'removeContent', packageId: e.removeContent, distributionPoint: e.from! };
  if (e.clearLastPxeDeployment !== undefined) return { ...base, action: 'clearLastPxeDeployment', machine: e.clearLastPxeDeployment };
  if (e.powerOn !== undefined) return { ...base, action: 'powerOn', machine: e.powerOn };
  return { ...base, action: 'powerOff', machine: e.powerOff! };
}

function sorted(problems: InputProblem[]): InputProblem[] {
  return [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}
