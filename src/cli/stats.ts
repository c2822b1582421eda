import type { StatsGrouping, StatsReport } from '../stats/aggregate.js';
import { defineCliCommand } from './command.js';
import { COMMANDS } from './commands.js';
import { EXIT, exitForSkipped } from './exit-codes.js';
import { say, type CommandIo } from './io.js';
import { readCommandSpans } from './read-command-spans.js';

/** Exit statuses of `openjoules stats`: the table every command shares (exit-codes.ts). */
export const STATS_EXIT = EXIT;

const GROUPINGS: readonly StatsGrouping[] = ['model', 'engine', 'agent', 'batch'];

/** Default store (SQLite, the seed's `telemetry` table), in the folder every openjoules command writes to. */
export const DEFAULT_STATS_STORE = 'openjoules-out/telemetry.db';

/** Parsed options of `openjoules stats`. */
export interface StatsArgs {
  readonly inputs: readonly string[];
  /** Only add the inputs to the store (`openjoules stats ingest`), print no stats. */
  readonly ingestOnly?: boolean;
  readonly store?: string;
  readonly by?: string;
  readonly json?: boolean;
  /** Leave out the first N calls per model (string as typed, validated here). */
  readonly warmup?: string;
  readonly gpu?: string;
  /** GPUs per call with --gpu (default 1). */
  readonly gpus?: string;
  /** Batch id for ingested calls that have no `openjoules.batch.id`. */
  readonly batch?: string;
  readonly strict?: boolean;
}

/** What {@link runStats} needs from the process, so tests can run it in-process. */
export type StatsIo = CommandIo;

/**
 * Runs `openjoules stats`: ingests the inputs' LLM calls into the persistent store (idempotent: a span already
 * stored is not added again), then prints per-model (engine, agent, batch) statistics of everything stored: a
 * table, or with --json the report as JSON. Bad lines go to stderr as `file:line: reason`.
 */
export async function runStats(args: StatsArgs, io: StatsIo): Promise<number> {
  const fail = (message: string): number => {
    say(io.stderr, `openjoules stats: ${message}`);
    return STATS_EXIT.FAILED;
  };
  const by = (args.by ?? 'model') as StatsGrouping;
  if (!GROUPINGS.includes(by)) return fail(`--by must be one of ${GROUPINGS.join(', ')}, got "${args.by}"`);
  const warmup = args.warmup === undefined ? undefined : Number(args.warmup);
  if (warmup !== undefined && !(Number.isInteger(warmup) && warmup >= 0)) return fail(`--warmup must be a whole number ≥ 0, got "${args.warmup}"`);
  const gpus = args.gpus === undefined ? undefined : Number(args.gpus);
  if (gpus !== undefined && !(Number.isInteger(gpus) && gpus >= 1)) return fail(`--gpus must be a whole number ≥ 1, got "${args.gpus}"`);
  const storePath = args.store ?? DEFAULT_STATS_STORE;
  if (args.ingestOnly && args.inputs.length === 0) return fail('ingest: no input; give --input <file|dir|-> (repeatable)');

  const { TelemetryStore, TelemetryStoreError } = await import('../stats/store.js');
  let skipped = 0;
  if (args.inputs.length > 0) {
    const { spansToTelemetryRecords } = await import('../stats/telemetry-record.js');
    const read = await readCommandSpans(args.inputs, { strict: args.strict, io, label: 'stats', nothingDone: 'nothing stored' });
    if ('error' in read) return fail(read.error);
    const { spans } = read;
    skipped = read.skipped;
    const records = spansToTelemetryRecords(spans, { batchId: args.batch });
    try {
      const result = await TelemetryStore.update(storePath, (store) => store.ingest(records));
      say(
        io.stderr,
        `openjoules stats: ${records.length} LLM call(s) from ${spans.length} spans: ${result.inserted} new, ${result.duplicates} already in ${storePath}; ${skipped} bad input(s) skipped${skipped > 0 ? ' (see above)' : ''}`,
      );
    } catch (error) {
      return fail(error instanceof TelemetryStoreError ? error.message : `cannot store: ${(error as Error).message}`);
    }
  }
  const exitCode = exitForSkipped(skipped);
  if (args.ingestOnly) return exitCode;

  const { aggregateStats, GROUP_COLUMN } = await import('../stats/aggregate.js');
  const { formatStatsTable } = await import('../stats/format.js');
  let report: StatsReport;
  try {
    const { stat } = await import('node:fs/promises');
    if (!(await stat(storePath).catch(() => undefined))) return fail(`no store at ${storePath}; give --input to ingest spans first`);
    const store = await TelemetryStore.open(storePath);
    try {
      report = aggregateStats(store, { by, warmup, gpu: args.gpu, numGpus: gpus });
    } finally {
      store.close();
    }
  } catch (error) {
    return fail((error as Error).message);
  }
  if (args.json) {
    const column = GROUP_COLUMN[by];
    const groups = report.groups.map(({ key, ...rest }) => ({ [column]: key, ...rest }));
    say(io.stdout, JSON.stringify({ store: storePath, ...report, groups }, null, 2));
  } else {
    say(io.stdout, formatStatsTable(report, storePath));
  }
  return exitCode;
}

export default defineCliCommand({
  meta: { name: 'stats', description: COMMANDS.stats.description },
  args: {
    input: { type: 'string', alias: 'i', description: 'Span file, directory or - for stdin, added to the store first; repeatable', valueHint: 'file|dir|-' },
    store: { type: 'string', description: `The store (SQLite file), default ${DEFAULT_STATS_STORE}` },
    by: { type: 'string', description: 'Group by model, engine, agent or batch', default: 'model', valueHint: 'model|engine|agent|batch' },
    json: { type: 'boolean', description: 'Print the report as JSON instead of a table', default: false },
    warmup: { type: 'string', description: 'Leave out the first N calls of each model, and calls flagged openjoules.warmup' },
    gpu: { type: 'string', description: 'GPU for MFU/MBU when the spans name none, e.g. "NVIDIA H100 80GB HBM3"' },
    gpus: { type: 'string', description: 'GPUs per call with --gpu (default 1)' },
    batch: { type: 'string', description: 'Batch id for ingested calls that carry no openjoules.batch.id' },
    strict: { type: 'boolean', description: 'Stop at the first bad input (exit 2), storing nothing', default: false },
  },
  run({ args, rawArgs, inputsOf, io }) {
    const ingestOnly = rawArgs[0] === 'ingest';
    return runStats(
      {
        inputs: inputsOf(ingestOnly ? rawArgs.slice(1) : rawArgs),
        ingestOnly,
        store: args.store,
        by: args.by,
        json: args.json,
        warmup: args.warmup,
        gpu: args.gpu,
        gpus: args.gpus,
        batch: args.batch,
        strict: args.strict,
      },
      io,
    );
  },
});
