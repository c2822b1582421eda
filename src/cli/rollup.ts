import { stat } from 'node:fs/promises';
import { defineCommand } from 'citty';
import { collectInputs } from './inputs.js';
import { listSpanInputs, SpanInputError } from '../otlp/read-spans.js';
import { formatIssue } from '../otlp/span-record.js';
import { createProgress } from '../rollup/progress.js';
import { rollupSpans } from '../rollup/rollup.js';
import { parseWindow, WindowError } from '../rollup/windows.js';
import { ROLLUP_FORMATS, writeRow, type RollupFormat } from '../rollup/write.js';

/** Exit statuses of `openjoules rollup`. */
export const ROLLUP_EXIT = {
  /** Every input line was read; rows written. */
  OK: 0,
  /** Some lines or spans were bad, reported and skipped; rows written from the rest. */
  SKIPPED: 1,
  /** `--strict` met bad input, a flag was wrong, or an input could not be opened; nothing written. */
  FAILED: 2,
} as const;

/** What a run did, returned by the command for callers of citty's `runCommand`. */
export interface RollupRunResult {
  readonly exitCode: number;
  readonly written: readonly string[];
  readonly skipped: number;
}

/** The environment variable read when `--grid-intensity` is not given, in gCO2e/kWh. */
export const GRID_INTENSITY_ENV = 'OPENJOULES_GRID_INTENSITY';

export default defineCommand({
  meta: { name: 'rollup', description: 'Hourly (or daily) KPI rows from OpenTelemetry spans, one file per UTC bucket' },
  args: {
    input: { type: 'string', alias: 'i', description: 'OTLP/JSON lines: a file, a directory (recursive) or - for stdin; repeatable', required: true },
    out: { type: 'string', alias: 'o', description: 'Output directory', default: 'openjoules-kpis' },
    hours: { type: 'string', description: 'Backfill the N last completed UTC hours (default: the last one)' },
    datetime: { type: 'string', description: 'One UTC hour, YYYY-MM-DDTHH' },
    daily: { type: 'string', description: 'One UTC day, YYYY-MM-DD (writes daily/YYYY-MM-DD.<ext>)' },
    format: { type: 'enum', options: [...ROLLUP_FORMATS], description: 'csv, json or parquet', default: 'csv' },
    'grid-intensity': { type: 'string', description: `Grid intensity in gCO2e/kWh for co2e_g (or $${GRID_INTENSITY_ENV}); empty when neither is set` },
    strict: { type: 'boolean', description: 'Stop at the first bad input (exit 2) instead of skipping it', default: false },
  },
  async run({ args, rawArgs }): Promise<RollupRunResult> {
    const result = await runRollup({
      inputs: collectInputs(rawArgs, ['--out', '-o', '--hours', '--datetime', '--daily', '--format', '--grid-intensity']),
      out: args.out,
      hours: args.hours,
      datetime: args.datetime,
      daily: args.daily,
      format: args.format as RollupFormat,
      gridIntensity: args['grid-intensity'] ?? process.env[GRID_INTENSITY_ENV],
      strict: args.strict,
    });
    process.exitCode = result.exitCode;
    return result;
  },
});

interface RollupCliOptions {
  inputs: string[];
  out: string;
  hours: string | undefined;
  datetime: string | undefined;
  daily: string | undefined;
  format: RollupFormat;
  gridIntensity: string | undefined;
  strict: boolean;
}

async function runRollup(o: RollupCliOptions): Promise<RollupRunResult> {
  const fail = (message: string): RollupRunResult => {
    process.stderr.write(`openjoules rollup: ${message}\n`);
    return { exitCode: ROLLUP_EXIT.FAILED, written: [], skipped: 0 };
  };
  let window;
  let gridIntensity: number | undefined;
  let total = 0;
  try {
    const hours = o.hours === undefined ? undefined : Number(o.hours);
    window = parseWindow({ hours, datetime: o.datetime, daily: o.daily });
    if (o.gridIntensity !== undefined && o.gridIntensity.trim() !== '') {
      gridIntensity = Number(o.gridIntensity);
      if (!Number.isFinite(gridIntensity) || gridIntensity < 0) return fail(`grid intensity must be a number ≥ 0 (gCO2e/kWh), got "${o.gridIntensity}"`);
    }
    if (!ROLLUP_FORMATS.includes(o.format)) return fail(`--format must be one of ${ROLLUP_FORMATS.join(', ')}`);
    for (const source of await listSpanInputs(o.inputs)) if (source !== '-') total += (await stat(source)).size;
  } catch (error) {
    return fail(error instanceof WindowError ? error.message : `cannot read input: ${(error as Error).message}`);
  }

  let skipped = 0;
  const progress = createProgress(process.stderr, total);
  let rows;
  try {
    rows = await rollupSpans(o.inputs, window, {
      gridIntensityGPerKwh: gridIntensity,
      strict: o.strict,
      onProgress: (n) => progress.advance(n),
      onIssue: (issue) => {
        skipped++;
        progress.done();
        process.stderr.write(`${formatIssue(issue)}\n`);
      },
    });
  } catch (error) {
    progress.done();
    if (error instanceof SpanInputError) return fail(`${formatIssue(error.issue)} (--strict: stopped, nothing written)`);
    return fail((error as Error).message);
  }
  progress.done();

  const written: string[] = [];
  for (const row of rows) {
    const path = await writeRow(o.out, row, o.format);
    written.push(path);
    process.stdout.write(`${path}\n`);
  }
  const spans = rows.reduce((sum, row) => sum + row.spans, 0);
  process.stderr.write(
    `openjoules rollup: ${written.length} file(s), ${spans} span(s) in window, ${skipped} bad input(s) skipped${skipped > 0 ? ' (see above)' : ''}\n`,
  );
  return { exitCode: skipped > 0 ? ROLLUP_EXIT.SKIPPED : ROLLUP_EXIT.OK, written, skipped };
}
