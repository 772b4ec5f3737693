// Scoring: compares what a run showed with the scenario's `expect:` block. Shared by both
// backends, so the twin and the QEMU lab give the same verdict for the same observations.
// Every field given in the expectation is checked and reported, pass or fail, with
// expected and actual, so a red CI run says exactly what differed.
import type { Expectation } from '../scenarios/index.js';
import type { CapturedImageFacts } from './lab-backend.js';
import type { DiskFacts, PartitionFacts } from './machine.js';
import type { ExpectationResult, MachineOutcome, StepResult } from './result.js';

/** What the runner observed of one machine after its task sequence ended. */
export interface Observation {
  outcome: MachineOutcome;
  failedStep?: string;
  steps: StepResult[];
  variables: Record<string, string>;
  /** Disks as read back after the run (the twin's model, or the QEMU lab's read-back). */
  disks: DiskFacts[];
  /** Path → present, for the paths the expectation names. */
  files: Record<string, boolean>;
  userStateRestored: boolean;
  bootsToFullOs: boolean;
  capturedImage?: CapturedImageFacts;
  durationMs: number;
}

/** The captured WIM: each field given is checked; no capture at all fails each of them. */
function scoreCapture(expected: NonNullable<Expectation['capturedImage']>, seen: CapturedImageFacts | undefined, check: (what: string, expected: unknown, actual: unknown, pass?: boolean) => void): void {
  const none = 'no image captured';
  if (expected.imageCount !== undefined) check('captured image count', expected.imageCount, seen?.imageCount ?? none);
  if (expected.name !== undefined) check('captured image name', expected.name, seen?.name ?? none);
  if (expected.description !== undefined) check('captured image description', expected.description, seen ? (seen.description ?? null) : none);
  if (expected.version !== undefined) check('captured image version', expected.version, seen ? (seen.version ?? null) : none);
  for (const path of expected.files ?? []) check(`captured image holds ${path}`, true, seen?.files[path] ?? false);
}

/** Partition sizes match when within 1% or 16 MiB: layouts are aligned and rounded by the tools. */
const SIZE_TOLERANCE = { fraction: 0.01, bytes: 16 * 2 ** 20 };

type ExpectedPartition = NonNullable<NonNullable<Expectation['disks']>[number]['partitions']>[number];

export function scoreMachine(expect: Expectation | undefined, seen: Observation): ExpectationResult[] {
  if (!expect) return [];
  const results: ExpectationResult[] = [];
  const check = (what: string, expected: unknown, actual: unknown, pass = sameValue(expected, actual)) =>
    results.push({ what, pass, expected, actual });

  if (expect.outcome !== undefined) check('outcome', expect.outcome, seen.outcome);
  if (expect.failedStep !== undefined) check('failedStep', expect.failedStep, seen.failedStep ?? null);
  for (const [name, status] of Object.entries(expect.steps ?? {})) {
    const matching = seen.steps.filter((s) => s.name.toLowerCase() === name.toLowerCase());
    const actual = matching.length === 0 ? 'absent' : matching[matching.length - 1].status;
    check(`step "${name}" status`, status, actual);
  }
  for (const [name, value] of Object.entries(expect.variables ?? {})) {
    const key = Object.keys(seen.variables).find((k) => k.toLowerCase() === name.toLowerCase());
    // ConfigMgr compares variable values case-insensitively; so does the scoring.
    const actual = key === undefined ? null : seen.variables[key];
    check(`variable ${name}`, value, actual, actual !== null && actual.toLowerCase() === value.toLowerCase());
  }
  for (const disk of expect.disks ?? []) scoreDisk(disk, seen.disks, check);
  for (const path of expect.files ?? []) check(`file ${path} present`, true, seen.files[path] ?? false);
  for (const path of expect.absentFiles ?? []) check(`file ${path} absent`, true, !(seen.files[path] ?? false));
  if (expect.userStateRestored !== undefined) check('userStateRestored', expect.userStateRestored, seen.userStateRestored);
  if (expect.bootsToFullOs !== undefined) check('bootsToFullOs', expect.bootsToFullOs, seen.bootsToFullOs);
  if (expect.capturedImage) scoreCapture(expect.capturedImage, seen.capturedImage, check);
  if (expect.duration) {
    const { min, max } = expect.duration;
    const pass = (min === undefined || seen.durationMs >= min) && (max === undefined || seen.durationMs <= max);
    check('duration (ms)', { min, max }, seen.durationMs, pass);
  }
  return results;
}

function scoreDisk(
  disk: NonNullable<Expectation['disks']>[number],
  disks: DiskFacts[],
  check: (what: string, expected: unknown, actual: unknown, pass?: boolean) => void,
): void {
  const actual = disks.find((d) => d.index === disk.index);
  const prefix = `disk ${disk.index}`;
  if (!actual) {
    check(`${prefix} present`, true, false);
    return;
  }
  if (disk.style !== undefined) check(`${prefix} partition style`, disk.style, actual.style);
  if (disk.type !== undefined) check(`${prefix} type`, disk.type, actual.dynamic ? 'dynamic' : 'basic');
  if (disk.partitions === undefined) return;
  check(`${prefix} partition count`, disk.partitions.length, actual.partitions.length);
  disk.partitions.forEach((want, i) => {
    const got = actual.partitions[i];
    const where = `${prefix} partition ${i + 1}`;
    if (!got) {
      check(`${where} present`, true, false);
      return;
    }
    scorePartition(want, got, actual.sizeBytes, where, check);
  });
}

function scorePartition(
  want: ExpectedPartition,
  got: PartitionFacts,
  diskBytes: number,
  where: string,
  check: (what: string, expected: unknown, actual: unknown, pass?: boolean) => void,
): void {
  if (want.type !== undefined) check(`${where} type`, want.type, got.type);
  if (want.fileSystem !== undefined) check(`${where} file system`, want.fileSystem, got.fileSystem ?? null);
  if (want.label !== undefined) check(`${where} label`, want.label, got.label ?? null, (got.label ?? '').toLowerCase() === want.label.toLowerCase());
  if (want.active !== undefined) check(`${where} active`, want.active, got.active);
  if (want.size !== undefined) {
    const expectedBytes = 'bytes' in want.size ? want.size.bytes : (want.size.percent / 100) * diskBytes;
    const slack = Math.max(SIZE_TOLERANCE.bytes, expectedBytes * SIZE_TOLERANCE.fraction);
    check(`${where} size (bytes)`, Math.round(expectedBytes), got.sizeBytes, Math.abs(got.sizeBytes - expectedBytes) <= slack);
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
