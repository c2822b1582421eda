import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SpanInputError } from '../otlp/read-spans.js';
import { formatIssue } from '../otlp/span-record.js';
import { formatSummaryTable } from '../summary/format.js';
import { summarizeSpans } from '../summary/summary.js';
import { defineCliCommand } from './command.js';
import { COMMANDS } from './commands.js';
import { EXIT, exitForSkipped } from './exit-codes.js';
import { say, type CommandIo } from './io.js';

/**
 * Exit statuses of `openjoules summary`: the table every command shares (exit-codes.ts). `BAD_INPUT` is the earlier
 * name of `FAILED` for `--strict` (2); a failure other than `--strict` used to exit 1 and now exits 2, and skipped
 * lines now exit 1 where they exited 0.
 */
export const SUMMARY_EXIT = { ...EXIT, BAD_INPUT: EXIT.FAILED } as const;

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
  const fail = (message: string): number => {
    say(io.stderr, `openjoules summary: ${message}`);
    return EXIT.FAILED;
  };
  if (args.inputs.length === 0) return fail('no input; give --input <file|dir|-> (repeatable)');
  let result: Awaited<ReturnType<typeof summarizeSpans>>;
  try {
    result = await summarizeSpans(args.inputs, {
      strict: args.strict,
      stdin: io.stdin,
      onIssue: (issue) => say(io.stderr, formatIssue(issue)),
      onNote: (line) => say(io.stderr, `openjoules summary: ${line}`),
    });
  } catch (error) {
    if (error instanceof SpanInputError) {
      say(io.stderr, formatIssue(error.issue));
      return fail('stopped at the first bad line (--strict); nothing written');
    }
    return fail((error as Error).message);
  }
  const { summary, issues } = result;
  if (issues.length > 0) say(io.stderr, `${issues.length} ${issues.length === 1 ? 'line' : 'lines'} skipped`);
  const json = `${JSON.stringify(summary, null, 2)}\n`;
  if (args.out === '-') {
    say(io.stdout, json);
    return exitForSkipped(issues.length);
  }
  try {
    await mkdir(dirname(args.out), { recursive: true });
    await writeFile(args.out, json);
  } catch (error) {
    return fail(`cannot write ${args.out}: ${(error as Error).message}`);
  }
  say(io.stdout, io.stdout.isTTY ? `${formatSummaryTable(summary)}\n\nwrote ${args.out}` : args.out);
  return exitForSkipped(issues.length);
}

export default defineCliCommand({
  meta: { name: 'summary', description: COMMANDS.summary.description },
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
  run: ({ args, inputs, io }) => runSummary({ inputs, out: args.out, strict: args.strict }, io),
});
