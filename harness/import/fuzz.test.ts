// Thousands of mutated real exports through the importer (harness/test/import-fuzz-worker.ts), in a
// worker thread watched per case: a case that never returns is stopped and named, not waited for.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FuzzMessage, FuzzRequest } from '../test/import-fuzz-worker.js';

const FIXTURES = '/work/shared/fixtures/real-world';
const CASES = 2000;
/** A hang bound, not a speed check: a case imports in milliseconds, so only a runaway loop gets near it even on a loaded machine. */
const HANG_MS = 10_000;

/** Starts a TypeScript worker: the worker thread registers tsx itself before importing the module. */
function tsWorker(module: URL, workerData: unknown): Worker {
  const tsx = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(module.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}

function runFuzz(request: FuzzRequest): Promise<Extract<FuzzMessage, { kind: 'done' }>> {
  const worker = tsWorker(new URL('../test/import-fuzz-worker.ts', import.meta.url), request);
  return new Promise((resolve, reject) => {
    let current = 'loading the fixtures';
    let watchdog: NodeJS.Timeout;
    const finish = (outcome: () => void) => {
      clearTimeout(watchdog);
      void worker.terminate();
      outcome();
    };
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => finish(() => reject(new Error(`${current} did not return within ${HANG_MS} ms (a hang)`))), HANG_MS);
    };
    arm();
    worker.on('message', (m: FuzzMessage) => {
      if (m.kind === 'start') {
        current = `case ${m.index} (seed ${m.seed})`;
        arm();
      } else if (m.kind === 'failure') finish(() => reject(new Error(`case ${m.index} (seed ${m.seed}): ${m.message}`)));
      else finish(() => resolve(m));
    });
    worker.on('error', (err) => finish(() => reject(err)));
  });
}

describe('importer fuzz: mutated real exports', function () {
  this.timeout(120_000);
  before(function () {
    if (!existsSync(FIXTURES)) {
      console.log(`    (skipped: the real-world fixtures folder ${FIXTURES} is absent)`);
      this.skip();
    }
  });

  it(`${CASES} seeded cases: a sane model or an InputError naming where, never a crash or a hang`, async () => {
    const counts = await runFuzz({ fixtures: FIXTURES, cases: CASES, seed: 0x05d1ab });
    // Both outcomes must occur, or the mutations are not exercising the importer.
    expect(counts.accepted, 'accepted').to.be.greaterThan(CASES / 20);
    expect(counts.rejected, 'rejected').to.be.greaterThan(CASES / 20);
  });
});
