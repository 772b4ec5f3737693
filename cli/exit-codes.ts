// The CLI's exit codes: part of the contract CI pipelines rely on (README "Exit codes").
export const EXIT = {
  /** Every expectation held (run), the input is valid (validate), all checks passed (doctor). */
  ok: 0,
  /** Some expectation failed, or lint found errors. */
  failed: 1,
  /** Bad input or usage: the message names the file, line and field. */
  badInput: 2,
  /** The environment cannot run it (missing QEMU, no namespace permission); the message says how to fix it. */
  environment: 3,
  /** A defect in osdlab itself: the stack trace is printed for the bug report. */
  internal: 4,
} as const;
