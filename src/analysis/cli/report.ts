import { stat } from 'node:fs/promises';
import { listSpanInputs, SpanInputError } from '../otlp/read-spans.js';
import { formatIssue } from '../otlp/span-record.js';
import { createProgress } from '../rollup/progress.js';
import { EmptyReportError, writeReport } from '../report/write-report.js';
import { defineCliCommand } from './command.js';
import { COMMANDS } from './commands.js';
import { EXIT, exitForSkipped } from './exit-codes.js';
import { say, type CommandIo } from './io.js';

/** Exit statuses of `openjoules report`: the table every command shares (exit-codes.ts). */
export const REPORT_EXIT = EXIT;

/** What a run did, returned by the command for callers of citty's `runCommand`. */
export interface ReportRunResult {
  readonly exitCode: number;
  readonly out?: string;
  readonly spans: number;
  readonly skipped: number;
}

/** Default output, in the folder every openjoules command writes to (git-ignored). */
export const DEFAULT_REPORT_OUT = 'openjoules-out/report.html';

/** Options of `openjoules report`, parsed. */
export interface ReportCliOptions {
  readonly inputs: readonly string[];
  readonly out: string;
  readonly traceId?: string;
  readonly strict: boolean;
}

/**
 * Runs `openjoules report`: stderr gets each bad line as `file:line: reason` and one count line; stdout gets the
 * written path (one line, for scripts).
 */
export async function runReport(o: ReportCliOptions, io: CommandIo): Promise<ReportRunResult> {
  const fail = (message: string, skipped = 0): ReportRunResult => {
    say(io.stderr, `openjoules report: ${message}`);
    return { exitCode: REPORT_EXIT.FAILED, spans: 0, skipped };
  };
  if (o.inputs.length === 0) return fail('no input; give --input <file|dir|-> (repeatable)');
  if (o.traceId !== undefined && !/^[0-9a-fA-F]{32}$/.test(o.traceId)) return fail(`--trace must be a 32-hex-digit trace id, got "${o.traceId}"`);
  let total = 0;
  try {
    for (const source of await listSpanInputs(o.inputs)) if (source !== '-') total += (await stat(source)).size;
  } catch (error) {
    return fail(`cannot read input: ${(error as Error).message}`);
  }
  const progress = createProgress(io.stderr as NodeJS.WriteStream, total, 'report');
  let skipped = 0;
  try {
    const result = await writeReport(o.inputs, o.out, {
      traceId: o.traceId,
      strict: o.strict,
      stdin: io.stdin,
      onProgress: (n) => progress.advance(n),
      onIssue: (issue) => {
        skipped++;
        progress.done();
        say(io.stderr, formatIssue(issue));
      },
      onNote: (line) => {
        progress.done();
        say(io.stderr, `openjoules report: ${line}`);
      },
    });
    progress.done();
    say(io.stdout, result.out);
    say(io.stderr, `openjoules report: ${result.spans} span(s) in ${result.traces} trace(s), ${skipped} bad input(s) skipped${skipped > 0 ? ' (see above)' : ''}`);
    return { exitCode: exitForSkipped(skipped), out: result.out, spans: result.spans, skipped };
  } catch (error) {
    progress.done();
    if (error instanceof SpanInputError) return fail(`${formatIssue(error.issue)} (--strict: stopped, nothing written)`, skipped);
    if (error instanceof EmptyReportError) return fail(`${error.message}; nothing written`, skipped);
    return fail((error as Error).message, skipped);
  }
}

export default defineCliCommand({
  meta: { name: 'report', description: COMMANDS.report.description },
  args: {
    input: { type: 'string', alias: 'i', description: 'OTLP/JSON lines: a file, a directory (recursive) or - for stdin; repeatable', valueHint: 'file|dir|-' },
    out: { type: 'string', alias: 'o', description: 'Where to write the HTML', default: DEFAULT_REPORT_OUT },
    trace: { type: 'string', alias: 't', description: 'Only this trace (32 hex digits)' },
    strict: { type: 'boolean', description: 'Stop at the first bad input (exit 2) instead of skipping it', default: false },
  },
  run: ({ args, inputs, io }) => runReport({ inputs, out: args.out, traceId: args.trace, strict: args.strict }, io),
});
