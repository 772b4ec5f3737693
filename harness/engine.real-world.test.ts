// Real-world task sequences through the engine on the control-flow dry-run machine: every node ends in one
// status, nothing throws, and smsts.log parses with its steps in the order of the result.
import { expect } from 'chai';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runTaskSequence } from './engine.js';
import { importTaskSequenceFile } from './import/index.js';
import type { TaskSequenceNode } from './model.js';
import { parseCmtrace } from './smsts-log.js';
import { InMemoryMachine, installedDisk } from './test-backend.js';

const FIXTURES = '/work/shared/fixtures/real-world';

function paths(nodes: TaskSequenceNode[], prefix = ''): string[] {
  return nodes.flatMap((n, i) => {
    const path = prefix ? `${prefix}/${i + 1}` : String(i + 1);
    return n.kind === 'group' ? [path, ...paths(n.children, path)] : [path];
  });
}

describe('engine: real-world task sequences (dry-run machine)', function () {
  const files = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((f) => /\.(zip|xml)$/i.test(f)) : [];
  if (files.length === 0) it.skip(`${FIXTURES} is absent: the real-world fixtures are not shipped with the repository`);

  for (const file of files) {
    it(file, async () => {
      const sequence = await importTaskSequenceFile(join(FIXTURES, file));
      const machine = new InMemoryMachine({ facts: { disks: [installedDisk()] }, controlFlowOnly: true });
      const result = await runTaskSequence({ sequence, machine });
      expect(result.outcome, `${result.failedStep}: ${result.error}`).to.equal('success');
      expect(result.steps.map((s) => s.path).sort()).to.deep.equal(paths(sequence.children).sort());
      const lines = parseCmtrace(result.log.files().map((f) => f.text).join(''));
      let cursor = 0;
      for (const s of result.steps.filter((r) => r.status !== 'notRun' && !r.reason?.startsWith('The parent group'))) {
        const i = lines.findIndex((l, n) => n >= cursor && (l.message.includes(`(${s.name})`) || l.message.includes(`Instruction name: ${s.name}.`)));
        expect(i, `${s.path} ${s.name} in smsts.log after line ${cursor}`).to.be.greaterThan(-1);
        cursor = i;
      }
    });
  }
});
