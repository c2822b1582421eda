import { mkdir, writeFile } from 'node:fs/promises';
import type { CommandIo } from './io.js';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { defineCommand } from 'citty';
import { collectInputs } from './inputs.js';
import { SpanInputError } from '../otlp/read-spans.js';
import { formatIssue } from '../otlp/span-record.js';
import { formatSummaryTable } from '../summary/format.js';
import { summarizeSpans } from '../summary/summary.js';

/** Exit statuses of `openjoules summary`. */
export const SUMMARY_EXIT = {
  /** Summary written; bad lines, if any, were reported and skipped. */
  OK: 0,
  /** Nothing written: no input given, an input could not be read, or the output could not be written. */
  FAILED: 1,
  /** Nothing written: `--strict` and a bad line. */
  BAD_INPUT: 2,
} as const;

/** What {@link runSummary} needs from the process, so tests can run it in-process. */
export type SummaryIo = CommandIo;

/** Parsed options of `openjoules summary`. */
export interface SummaryArgs {
  readonly inputs: readonly string[];
  /** Output path; `-` writes the JSON to stdout. */
  readonly out: string;
  readonly strict: boolean;
}

/** Default output, in the folder every openjoules command writes to (git-ignored). */
export const DEFAULT_SUMMARY_OUT = 'openjoules-out/summary.json';

/**
 * Runs `openjoules summary` and returns its exit status. Writes the summary JSON (indent 2) to `out`; on a
 * terminal prints the table, on a pipe prints only the output path (one line, for scripts). Every bad line goes to
 * stderr as `file:line: reason`, followed by a count line.
 */
export async function runSummary(args: SummaryArgs, io: SummaryIo): Promise<number> {
  const say = (stream: Writable, text: string): void => void stream.write(text.endsWith('\n') ? text : `${text}\n`);
  if (args.inputs.length === 0) {
    say(io.stderr, 'openjoules summary: no input; give --input <file|dir|-> (repeatable)');
    return SUMMARY_EXIT.FAILED;
  }
  let result: Awaited<ReturnType<typeof summarizeSpans>>;
  try {
    result = await summarizeSpans(args.inputs, {
      strict: args.strict,
      stdin: io.stdin,
      onIssue: (issue) => say(io.stderr, formatIssue(issue)),
    });
  } catch (error) {
    if (error instanceof SpanInputError) {
      say(io.stderr, `${formatIssue(error.issue)}\nopenjoules summary: stopped at the first bad line (--strict); nothing written`);
      return SUMMARY_EXIT.BAD_INPUT;
    }
    say(io.stderr, `openjoules summary: ${(error as Error).message}`);
    return SUMMARY_EXIT.FAILED;
  }
  const { summary, issues } = result;
  if (issues.length > 0) say(io.stderr, `${issues.length} ${issues.length === 1 ? 'line' : 'lines'} skipped`);
  const json = `${JSON.stringify(summary, null, 2)}\n`;
  if (args.out === '-') {
    say(io.stdout, json);
    return SUMMARY_EXIT.OK;
  }
  try {
    await mkdir(dirname(args.out), { recursive: true });
    await writeFile(args.out, json);
  } catch (error) {
    say(io.stderr, `openjoules summary: cannot write ${args.out}: ${(error as Error).message}`);
    return SUMMARY_EXIT.FAILED;
  }
  say(io.stdout, io.stdout.isTTY ? `${formatSummaryTable(summary)}\n\nwrote ${args.out}` : args.out);
  return SUMMARY_EXIT.OK;
}

export default defineCommand({
  meta: {
    name: 'summary',
    description: 'Summarize OTLP/JSON span files into the seed summary.json (totals, efficiency, statistics).',
  },
  args: {
    input: {
      type: 'string',
      alias: 'i',
      description: 'Span file, directory (searched for *.json, *.jsonl) or - for stdin; repeatable',
      valueHint: 'file|dir|-',
    },
    out: { type: 'string', alias: 'o', description: 'Where to write the summary JSON; - for stdout', default: DEFAULT_SUMMARY_OUT },
    strict: { type: 'boolean', description: 'Stop with exit status 2 at the first bad line instead of skipping it', default: false },
  },
  async run({ args, rawArgs }) {
    process.exitCode = await runSummary(
      { inputs: collectInputs(rawArgs, ['--out', '-o']), out: args.out, strict: args.strict },
      { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin },
    );
  },
});
