import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { InputError, loadScenario, parseScenario, type InputProblem } from '../index.js';
import { runCli } from '../../cli/test/run-cli.js';

const dir = fileURLToPath(new URL('./broken/', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));

// Each deliberately broken file, with where its one problem must be reported.
const CASES = [
  { file: 'wrong-enum.yaml', line: 5, column: 15, path: 'machines[0].firmware', message: /"efi" is not one of bios, uefi/ },
  { file: 'missing-field.yaml', line: 5, column: 5, path: 'deployments[0].collection', message: /required field "collection" is missing/ },
  { file: 'unknown-field.yaml', line: 5, column: 5, path: 'machines[0].nics', message: /unknown field "nics"; allowed: .*\bnic\b/ },
  { file: 'bad-size-unit.yaml', line: 6, column: 13, path: 'machines[0].memory', message: /"4GX" is not a size; .*MB, GB/ },
  { file: 'duplicate-machine.yaml', line: 6, column: 11, path: 'machines[2].name', message: /duplicate machine name "PC01"; already used by machines\[0\]\.name \(line 3\)/ },
  { file: 'matrix-unknown-field.yaml', line: 6, column: 7, path: 'machines[0].matrix.partitionSytle', message: /"partitionSytle" is not a machine field; allowed: .*partitionStyle/ },
  { file: 'yaml-syntax.yaml', line: 4, column: 16, path: 'machines[0].bootOrder', message: /YAML syntax error: Flow sequence .* end with a \]/ },
  { file: 'ts-not-found.yaml', line: 7, column: 19, path: 'deployments[0].taskSequence', message: /task-sequence file "exports\/missing-ts\.zip" not found/ },
  { file: 'negative-bandwidth.yaml', line: 8, column: 18, path: 'site.links[0].bandwidth', message: /"-100Mbit" is not allowed; the bandwidth must be greater than zero/ },
  { file: 'mac-malformed.yaml', line: 6, column: 12, path: 'machines[0].nic.mac', message: /"52:54:00:12:34" is not a MAC address/ },
];

async function problemsOf(file: string): Promise<InputProblem[]> {
  try {
    await loadScenario(file);
  } catch (err) {
    if (err instanceof InputError) return err.problems;
    throw err;
  }
  throw new Error(`${file} loaded without problems`);
}

describe('scenario validation errors', () => {
  for (const c of CASES) {
    it(`${c.file}: ${c.path} at ${c.line}:${c.column}`, async () => {
      const file = `${dir}${c.file}`;
      const problems = await problemsOf(file);
      expect(problems, JSON.stringify(problems)).to.have.length(1);
      const [p] = problems;
      expect({ file: p.file, line: p.line, column: p.column, path: p.path }).to.deep.equal({ file, line: c.line, column: c.column, path: c.path });
      expect(p.message).to.match(c.message);
    });
  }

  it('the real CLI exits 2 and prints file:line:col path for every broken file, without a stack trace', async function () {
    this.timeout(60_000);
    const files = CASES.map((c) => relative(root, `${dir}${c.file}`));
    const r = await runCli(['validate', ...files], { cwd: root });
    expect(r.exitCode).to.equal(2);
    for (const [i, c] of CASES.entries()) {
      expect(r.stderr).to.include(`${files[i]}:${c.line}:${c.column} ${c.path}: `);
    }
    expect(r.stderr).not.to.match(/\bat .*\.(ts|js):\d+/);
    expect(r.stderr).not.to.match(/internal error/);
    expect(r.stdout).to.equal('');
  });

  it('a scenario file that does not exist is an input problem, not a crash', async () => {
    const problems = await problemsOf(`${dir}no-such-file.yaml`);
    expect(problems).to.deep.equal([{ file: `${dir}no-such-file.yaml`, message: 'scenario file not found' }]);
  });

  it('an empty scenario (nothing but comments) is reported, not taken as valid', async () => {
    const err = await parseScenario('/virtual/empty.yaml', '# nothing yet\n').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InputError);
    expect((err as InputError).message).to.equal('/virtual/empty.yaml:1:1: the scenario file is empty');
  });

  it('the real CLI reports one bad file among good ones and still exits 2', async function () {
    this.timeout(60_000);
    const r = await runCli(['validate', 'scenarios/bare-metal-uefi-gpt-pxe.yaml', 'scenarios/test/broken/wrong-enum.yaml'], { cwd: root });
    expect(r.exitCode).to.equal(2);
    expect(r.stdout).to.match(/^ok {2}scenarios\/bare-metal-uefi-gpt-pxe\.yaml \(1 machine\)$/m);
    expect(r.stderr.trim()).to.equal('scenarios/test/broken/wrong-enum.yaml:5:15 machines[0].firmware: "efi" is not one of bios, uefi');
  });
});
