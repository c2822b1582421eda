import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { listSpanInputs, SpanInputError } from '../otlp/read-spans.js';
import { formatIssue } from '../otlp/span-record.js';
import { parseThreads, ROLLUP_THREADS_ENV } from '../rollup/parallel-rollup.js';
import { createProgress } from '../rollup/progress.js';
import { rollupSpans } from '../rollup/rollup.js';
import { parseWindow, WindowError } from '../rollup/windows.js';
import { ROLLUP_FORMATS, writeRow, type RollupFormat } from '../rollup/write.js';
import { defineCliCommand } from './command.js';
import { COMMANDS } from './commands.js';
import { EXIT, exitForSkipped } from './exit-codes.js';
import { envOf, say, type CommandIo } from './io.js';

/** Exit statuses of `openjoules rollup`: the table every command shares (exit-codes.ts). */
export const ROLLUP_EXIT = EXIT;

/** What a run did, returned by the command for callers of citty's `runCommand`. */
export interface RollupRunResult {
  readonly exitCode: number;
  readonly written: readonly string[];
  readonly skipped: number;
  /** Buckets that saw no span, so nothing was written for them (an existing file there is kept). */
  readonly empty: readonly string[];
}

/** The environment variable read when `--grid-intensity` is not given, in gCO2e/kWh. */
export const GRID_INTENSITY_ENV = 'OPENJOULES_GRID_INTENSITY';

/** Parsed options of `openjoules rollup`. */
export interface RollupCliOptions {
  readonly inputs: readonly string[];
  readonly out: string;
  readonly hours?: string;
  readonly datetime?: string;
  readonly daily?: string;
  /** The seed's `--daily-backfill YYYY-MM-DD`: the same as `daily`. */
  readonly dailyBackfill?: string;
  readonly format: string;
  /** As typed; the environment's value when the flag is absent. */
  readonly gridIntensity?: string;
  readonly strict: boolean;
  /** As typed (`--threads`); default: the environment's OPENJOULES_ROLLUP_THREADS, else one per core. */
  readonly threads?: string;
  /** The environment's OPENJOULES_ROLLUP_THREADS. */
  readonly threadsEnv?: string;
}

/** How many empty bucket keys the closing line names before it counts the rest. */
const EMPTY_NAMED = 5;

export default defineCliCommand({
  meta: { name: 'rollup', description: COMMANDS.rollup.description },
  args: {
    input: { type: 'string', alias: 'i', description: 'OTLP/JSON lines: a file, a directory (recursive) or - for stdin; repeatable', required: true },
    out: { type: 'string', alias: 'o', description: 'Output directory', default: 'openjoules-kpis' },
    hours: { type: 'string', description: 'Backfill the N last completed UTC hours (default: the last one)' },
    datetime: { type: 'string', description: 'One UTC hour, YYYY-MM-DDTHH' },
    daily: { type: 'string', description: 'One UTC day, YYYY-MM-DD (writes daily/YYYY-MM-DD.<ext>)' },
    'daily-backfill': { type: 'string', description: "The seed's name for --daily: one UTC day, YYYY-MM-DD", valueHint: 'YYYY-MM-DD' },
    format: { type: 'enum', options: [...ROLLUP_FORMATS], description: 'csv, json or parquet', default: 'csv' },
    'grid-intensity': { type: 'string', description: `Grid intensity in gCO2e/kWh for co2e_g (or $${GRID_INTENSITY_ENV}); empty when neither is set` },
    strict: { type: 'boolean', description: 'Stop at the first bad input (exit 2) instead of skipping it', default: false },
    threads: { type: 'string', description: `Threads to read files with (or $${ROLLUP_THREADS_ENV}; default: one per core); 1 reads on one thread`, valueHint: 'N' },
  },
  run: ({ args, inputs, io }) =>
    runRollup(
      {
        inputs,
        out: args.out,
        hours: args.hours,
        datetime: args.datetime,
        daily: args.daily,
        dailyBackfill: args['daily-backfill'],
        format: args.format ?? 'csv',
        gridIntensity: args['grid-intensity'] ?? envOf(io)[GRID_INTENSITY_ENV],
        strict: args.strict,
        threads: args.threads,
        threadsEnv: envOf(io)[ROLLUP_THREADS_ENV],
      },
      io,
    ),
});

/**
 * Runs `openjoules rollup`: one KPI file per bucket of the window that saw spans; a bucket with none is left alone,
 * so re-running over inputs that no longer hold an hour's spans never overwrites its file with zeros (the seed skips
 * such an hour too). stdout gets each written path; stderr each bad line and one closing line.
 */
export async function runRollup(o: RollupCliOptions, io: CommandIo): Promise<RollupRunResult> {
  const fail = (message: string): RollupRunResult => {
    say(io.stderr, `openjoules rollup: ${message}`);
    return { exitCode: EXIT.FAILED, written: [], skipped: 0, empty: [] };
  };
  if (o.inputs.length === 0) return fail('no input; give --input <file|dir|-> (repeatable)');
  if (!(ROLLUP_FORMATS as readonly string[]).includes(o.format)) return fail(`--format must be one of ${ROLLUP_FORMATS.join(', ')}`);
  const format = o.format as RollupFormat;
  let window;
  let gridIntensity: number | undefined;
  let threads: number | undefined;
  let total = 0;
  try {
    const hours = o.hours === undefined ? undefined : Number(o.hours);
    if (o.daily !== undefined && o.dailyBackfill !== undefined) return fail('give one of --daily, --daily-backfill (the same flag)');
    window = parseWindow({ hours, datetime: o.datetime, daily: o.daily ?? o.dailyBackfill });
    if (o.gridIntensity !== undefined && o.gridIntensity.trim() !== '') {
      gridIntensity = Number(o.gridIntensity);
      if (!Number.isFinite(gridIntensity) || gridIntensity < 0) return fail(`grid intensity must be a number ≥ 0 (gCO2e/kWh), got "${o.gridIntensity}"`);
    }
    try {
      if (o.threads !== undefined) threads = parseThreads(o.threads, '--threads');
      else if (o.threadsEnv !== undefined && o.threadsEnv.trim() !== '') threads = parseThreads(o.threadsEnv, ROLLUP_THREADS_ENV);
      else threads = availableParallelism();
    } catch (error) {
      return fail((error as Error).message);
    }
    for (const source of await listSpanInputs(o.inputs)) if (source !== '-') total += (await stat(source)).size;
  } catch (error) {
    return fail(error instanceof WindowError ? error.message : `cannot read input: ${(error as Error).message}`);
  }

  let skipped = 0;
  const progress = createProgress(io.stderr as NodeJS.WriteStream, total);
  let rows;
  try {
    rows = await rollupSpans(o.inputs, window, {
      gridIntensityGPerKwh: gridIntensity,
      strict: o.strict,
      threads,
      stdin: io.stdin,
      onProgress: (n) => progress.advance(n),
      onNote: (line) => {
        progress.done();
        say(io.stderr, `openjoules rollup: ${line}`);
      },
      onIssue: (issue) => {
        skipped++;
        progress.done();
        say(io.stderr, formatIssue(issue));
      },
    });
  } catch (error) {
    progress.done();
    if (error instanceof SpanInputError) return fail(`${formatIssue(error.issue)} (--strict: stopped, nothing written)`);
    return fail((error as Error).message);
  }
  progress.done();

  const written: string[] = [];
  const empty: string[] = [];
  for (const row of rows) {
    if (row.spans === 0) {
      empty.push(row.bucket);
      continue;
    }
    try {
      written.push(await writeRow(o.out, row, format));
    } catch (error) {
      return fail(`cannot write ${row.bucket}: ${(error as Error).message}`);
    }
    say(io.stdout, written[written.length - 1]!);
  }
  if (empty.length > 0) {
    const named = empty.slice(0, EMPTY_NAMED).join(', ') + (empty.length > EMPTY_NAMED ? ` and ${empty.length - EMPTY_NAMED} more` : '');
    say(io.stderr, `openjoules rollup: no spans in ${named}; nothing written there (existing files kept)`);
  }
  const spans = rows.reduce((sum, row) => sum + row.spans, 0);
  say(io.stderr, `openjoules rollup: ${written.length} file(s), ${spans} span(s) in window, ${skipped} bad input(s) skipped${skipped > 0 ? ' (see above)' : ''}`);
  return { exitCode: exitForSkipped(skipped), written, skipped, empty };
}
