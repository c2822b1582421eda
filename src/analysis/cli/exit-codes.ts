/**
 * The exit statuses of every `openjoules` command: one table, so a script can tell "done" from "done, but some input
 * was skipped" from "nothing done", whatever the command.
 */
export const EXIT = {
  /** Done; every input line was read. */
  OK: 0,
  /** Done from the rest: some lines or spans were bad, reported on stderr as `file:line: reason`, and skipped. */
  SKIPPED: 1,
  /**
   * Nothing done: a usage error (an unknown or wrong flag, no input), `--strict` met a bad input, an input could not
   * be read or an output could not be written.
   */
  FAILED: 2,
  /** Done and written, but sending the result on (`attribute --otlp-endpoint`) failed for some of it. */
  SEND_FAILED: 3,
} as const;

/** One of {@link EXIT}'s values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The status of a run that read its inputs: OK, or SKIPPED when any bad line or span was skipped. */
export function exitForSkipped(skipped: number): ExitCode {
  return skipped > 0 ? EXIT.SKIPPED : EXIT.OK;
}
