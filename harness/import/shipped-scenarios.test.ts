// The task sequences written inline in the shipped example scenarios import with the scenario's
// Locator and pass lint against their own scenario.
import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadScenario } from '../../scenarios/index.js';
import { lintScenarioFor, lintTaskSequence } from '../lint.js';
import { importTaskSequenceYaml } from './index.js';

const DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));

describe('task sequences of the shipped scenarios', () => {
  for (const name of readdirSync(DIR).filter((f) => f.endsWith('.yaml'))) {
    it(`${name}: inline task sequences import and have no lint errors`, async () => {
      const scenario = await loadScenario(DIR + name);
      for (const d of scenario.deployments) {
        if (d.taskSequence.kind !== 'inline') continue;
        const ts = importTaskSequenceYaml(d.taskSequence.content, { file: scenario.file, locator: scenario.locator, basePath: d.taskSequence.sourcePath });
        expect(ts.children.length, d.name).to.be.greaterThan(0);
        // Positions are the scenario file's: the first step sits below the deployment's taskSequence key.
        expect(ts.children[0].location?.file).to.equal(scenario.file);
        expect(ts.children[0].location?.line).to.be.greaterThan(scenario.locator(d.taskSequence.sourcePath)!.line);
        const errors = lintTaskSequence(ts, lintScenarioFor(scenario, [d])).filter((i) => i.severity === 'error');
        expect(errors, d.name).to.deep.equal([]);
      }
    });
  }
});
