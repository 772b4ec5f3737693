// JUnit XML for CI systems: one test suite per scenario, one test case per machine, the failed
// expectations (expected/actual) and the tail of the machine's smsts.log in the failure body.
import type { MachineResult, RunResult } from '../harness/index.js';

export interface JUnitOptions {
  /** Machine name → last lines of its smsts.log, shown under a failure. */
  logTails?: Record<string, string[]>;
  /** Machines of the scenario this run did not execute (filtered by --only or --shard). */
  skipped?: string[];
}

const escapeXml = (s: string) =>
  s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c)
    // XML 1.0 forbids most control characters, and CI parsers reject the file if one slips in.
    .split('')
    .filter((c) => c >= ' ' || c === '\t' || c === '\n' || c === '\r')
    .join('');

function seconds(m: MachineResult): number {
  const starts = m.steps.map((s) => (s.start ? Date.parse(s.start) : NaN)).filter(Number.isFinite);
  const ends = m.steps.map((s) => (s.end ? Date.parse(s.end) : NaN)).filter(Number.isFinite);
  if (starts.length === 0 || ends.length === 0) return 0;
  return Math.max(0, (Math.max(...ends) - Math.min(...starts)) / 1000);
}

function failureBody(m: MachineResult, tail: string[] | undefined): string {
  const lines = m.expectations
    .filter((e) => !e.pass)
    .map((e) => `${e.what}: expected ${JSON.stringify(e.expected)}, actual ${JSON.stringify(e.actual)}`);
  if (m.error) lines.unshift(`lab error: ${m.error}`);
  if (tail && tail.length > 0) lines.push('', '--- smsts.log (tail) ---', ...tail);
  return lines.join('\n');
}

export function toJUnit(result: RunResult, options: JUnitOptions = {}): string {
  const suite = escapeXml(result.scenario);
  const skipped = options.skipped ?? [];
  const failures = result.machines.filter((m) => !m.pass && m.outcome !== 'error').length;
  const errors = result.machines.filter((m) => !m.pass && m.outcome === 'error').length;
  const total = result.machines.reduce((t, m) => t + seconds(m), 0);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites name="osdlab" tests="${result.machines.length + skipped.length}" failures="${failures}" errors="${errors}" skipped="${skipped.length}" time="${total.toFixed(3)}">`,
  );
  out.push(
    `  <testsuite name="${suite}" tests="${result.machines.length + skipped.length}" failures="${failures}" errors="${errors}" skipped="${skipped.length}" time="${total.toFixed(3)}" timestamp="${escapeXml(result.startedAt)}">`,
  );
  out.push(`    <properties><property name="backend" value="${result.backend}"/></properties>`);
  for (const m of result.machines) {
    const head = `    <testcase classname="${suite}" name="${escapeXml(m.name)}" time="${seconds(m).toFixed(3)}"`;
    if (m.pass) {
      out.push(`${head}/>`);
      continue;
    }
    const tag = m.outcome === 'error' ? 'error' : 'failure';
    const firstFailed = m.expectations.find((e) => !e.pass);
    const message = m.error ?? (firstFailed ? `${firstFailed.what}: expected ${JSON.stringify(firstFailed.expected)}, actual ${JSON.stringify(firstFailed.actual)}` : `outcome ${m.outcome}`);
    out.push(`${head}>`);
    out.push(`      <${tag} message="${escapeXml(message)}" type="${tag === 'error' ? 'LabError' : 'ExpectationFailed'}">${escapeXml(failureBody(m, options.logTails?.[m.name]))}</${tag}>`);
    out.push('    </testcase>');
  }
  for (const name of skipped) out.push(`    <testcase classname="${suite}" name="${escapeXml(name)}" time="0.000"><skipped message="not in this run (filtered)"/></testcase>`);
  out.push('  </testsuite>', '</testsuites>', '');
  return out.join('\n');
}
