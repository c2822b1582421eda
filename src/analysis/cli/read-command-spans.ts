import type { SpanRecord } from '../otlp/span-record.js';
import { SpanInputError } from '../otlp/read-spans.js';
import { formatIssue } from '../otlp/span-record.js';
import type { CommandIo } from './io.js';

/** Spans read for a command, or the one-line reason the command must stop. */
export type CommandSpans = { readonly spans: SpanRecord[]; readonly skipped: number } | { readonly error: string };

/**
 * Reads every span of a command's inputs the way every command does: a progress bar on a terminal, each bad line on
 * stderr as `file:line: reason` and counted, `--strict` stopping at the first (`nothingDone` says what was not done),
 * and a note on stderr for each device whose processes' spans could not all be put on one line (as `summary` prints).
 */
export async function readCommandSpans(
  inputs: readonly string[],
  options: { readonly strict?: boolean; readonly io: CommandIo; readonly label: string; readonly nothingDone: string },
): Promise<CommandSpans> {
  // Loaded when a command runs, so `openjoules --help` stays light.
  const { readAllSpans } = await import('../export-data/read-traces.js');
  let skipped = 0;
  try {
    const spans = await readAllSpans(inputs, {
      strict: options.strict,
      stdin: options.io.stdin,
      progressStream: options.io.stderr as NodeJS.WriteStream,
      progressLabel: options.label,
      onIssue: (issue) => {
        skipped++;
        options.io.stderr.write(`${formatIssue(issue)}\n`);
      },
      onNote: (line) => options.io.stderr.write(`openjoules ${options.label}: ${line}\n`),
    });
    return { spans, skipped };
  } catch (error) {
    if (error instanceof SpanInputError) return { error: `${formatIssue(error.issue)} (--strict: stopped, ${options.nothingDone})` };
    return { error: `cannot read input: ${(error as Error).message}` };
  }
}
