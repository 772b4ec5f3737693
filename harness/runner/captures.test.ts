// Build and capture in one run: the machine applying a captured image waits for the capture, gets
// the captured files, and `capturedBy` mistakes are InputErrors at the field.
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseScenario, InputError } from '../../scenarios/index.js';
import { TwinBackend } from '../../lab/index.js';
import { runScenario } from '../runner.js';

const SCENARIO = fileURLToPath(new URL('../../scenarios/build-and-capture.yaml', import.meta.url));

async function scenarioText(): Promise<string> {
  return readFile(SCENARIO, 'utf8');
}

async function inputError(text: string, options: { only?: string[] } = {}): Promise<string> {
  const scenario = await parseScenario(SCENARIO, text);
  const err = await runScenario(scenario, { backend: new TwinBackend(), ...options }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).to.be.instanceOf(InputError);
  return (err as Error).message;
}

describe('harness/runner: images captured in the run (capturedBy)', function () {
  it('build-and-capture.yaml on the twin: PC01 starts after REF01 captured, and holds what was installed on the reference', async () => {
    const scenario = await parseScenario(SCENARIO, await scenarioText());
    const { result } = await runScenario(scenario, { backend: new TwinBackend() });
    expect(result.machines.map((m) => [m.name, m.outcome, m.pass])).to.deep.equal([
      ['REF01', 'success', true],
      ['PC01', 'success', true],
    ]);
    const [ref, pc] = result.machines;
    const captured = ref!.steps.find((s) => s.name === 'Capture the Reference Machine')!;
    const firstOfPc = pc!.steps.find((s) => s.start !== undefined)!;
    expect(Date.parse(firstOfPc.start!)).to.be.at.least(Date.parse(captured.end!));
  });

  it('a capture that never happens leaves the image on no distribution point: PC01 fails at the apply', async () => {
    const skipped = (await scenarioText()).replace(
      '              type: CaptureOperatingSystemImage\n',
      '              type: CaptureOperatingSystemImage\n              condition: { variable: _SMSTSInWinPE, equals: "false" }\n',
    );
    const { result } = await runScenario(await parseScenario(SCENARIO, skipped), { backend: new TwinBackend() });
    const [ref, pc] = result.machines;
    expect(ref!.steps.find((s) => s.name === 'Capture the Reference Machine')!.status).to.equal('skipped');
    expect([pc!.outcome, pc!.failedStep]).to.deep.equal(['failed', 'Apply the captured image']);
    expect(pc!.variables._SMSTSLastActionRetCode).to.equal(String(0x80040102));
    const scored = ref!.expectations.find((e) => e.what === 'captured image name')!;
    expect([scored.pass, scored.actual]).to.deep.equal([false, 'no image captured']);
  });

  it('names the machine, the step, --only, self-capture and a source at the capturedBy field', async () => {
    const text = await scenarioText();
    expect(await inputError(text.replace('capturedBy: { machine: REF01,', 'capturedBy: { machine: REF99,'))).to.match(/content\.osImages\[1\]\.capturedBy\.machine: "REF99" is not a machine of this scenario; allowed: REF01, PC01/);
    expect(await inputError(text.replace('step: Capture the Reference Machine }', 'step: Capture }'))).to.match(/capturedBy\.step: the task sequence of "REF01" \(deployment "Build and capture Windows 11"\) has no enabled Capture Operating System Image step named "Capture"/);
    expect(await inputError(text, { only: ['PC01'] })).to.match(/capturedBy\.machine: machine "PC01" applies LAB00010, captured by "REF01", which this run leaves out/);
    const own = text.replace('with: { ImagePackageID: LAB00003, OSDImageIndex: 1, DestinationVariable: OSDisk }', 'with: { ImagePackageID: LAB00010, OSDImageIndex: 1, DestinationVariable: OSDisk }');
    expect(await inputError(own)).to.match(/"REF01" captures LAB00010 and its own task sequence applies it/);
    const withSource = text.replace('      capturedBy: { machine: REF01,', '      source: build-and-capture.yaml\n      capturedBy: { machine: REF01,');
    expect(await inputError(withSource)).to.match(/capturedBy: an image captured in the run has no "source"/);
  });
});
