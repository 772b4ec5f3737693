// The task sequences a scenario deploys, imported once and checked the way ConfigMgr checks a
// deployment before it starts (osd-behaviours §1.7: references are validated before running, and
// "download all content before starting" is refused when a step repartitions the cache disk).
// `osdlab validate` and `osdlab run` share this, so a scenario that validates also starts.
import { InputError, type Deployment, type InputProblem, type Scenario } from '../scenarios/index.js';
import { importTaskSequenceFile, importTaskSequenceYaml } from './import/index.js';
import { lintScenarioFor, lintTaskSequence, type LintIssue, type LintRule } from './lint.js';
import type { TaskSequence } from './model.js';

/** Findings that stop a deployment before it starts; the others fail (or not) at run time. */
const PRE_FLIGHT_RULES: ReadonlySet<LintRule> = new Set(['cache-repartitioned', 'missing-content']);

export interface ScenarioSequences {
  /** Deployment name → its imported task sequence. */
  sequences: Map<string, TaskSequence>;
  /** Lint findings that do not refuse the deployment, per deployment name. */
  findings: { deployment: string; issue: LintIssue }[];
}

export async function importScenarioSequences(scenario: Scenario, deployments: Deployment[] = scenario.deployments): Promise<ScenarioSequences> {
  const sequences = new Map<string, TaskSequence>();
  const findings: ScenarioSequences['findings'] = [];
  const problems: InputProblem[] = [];
  for (const deployment of deployments) {
    if (sequences.has(deployment.name)) continue;
    const ref = deployment.taskSequence;
    let sequence: TaskSequence;
    try {
      sequence =
        ref.kind === 'file'
          ? await importTaskSequenceFile(ref.file)
          : importTaskSequenceYaml(ref.content, { file: scenario.file, locator: scenario.locator, basePath: ref.sourcePath });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push(...err.problems);
      continue;
    }
    sequences.set(deployment.name, sequence);
    for (const issue of lintTaskSequence(sequence, lintScenarioFor(scenario, [deployment]))) {
      if (issue.severity === 'error' && PRE_FLIGHT_RULES.has(issue.rule)) {
        problems.push({
          file: issue.location?.file ?? scenario.file,
          line: issue.location?.line,
          column: issue.location?.column,
          path: `deployments "${deployment.name}"${issue.name ? ` step "${issue.name}"` : ''}`,
          message: issue.message,
        });
      } else {
        findings.push({ deployment: deployment.name, issue });
      }
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return { sequences, findings };
}
