import type { StatsGrouping, StatsReport } from '../stats/aggregate.js';
import { DEFAULT_STEADY_STATE_CONFIG } from '../stats/steady-state.js';
import type { VllmSection } from '../stats/vllm-section.js';
import { defineCliCommand } from './command.js';
import { COMMANDS } from './commands.js';
import { EXIT, exitForSkipped } from './exit-codes.js';
import { say, type CommandIo } from './io.js';
import { collectFlag } from './options.js';
import { readCommandSpans } from './read-command-spans.js';
import { parseTimeArg, TimeArgError } from './time-arg.js';

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
  /** Only calls that started at or after this: ISO time, duration back from now (`2h`) or unix seconds. */
  readonly since?: string;
  /** Only calls that started at or before this; same forms as `since`. */
  readonly until?: string;
  /**
   * Leave out warmup calls as the seed's steady-state detector counts them: the first `warmupSamples` calls of each
   * model (5, or `warmup` when given) and every call flagged `openjoules.warmup`.
   */
  readonly excludeWarmup?: boolean;
  /** "Now" for durations, epoch ms; default the clock. */
  readonly nowMs?: number;
  /**
   * vLLM servers or saved `/metrics` pages (`--vllm-metrics`, repeatable): one gives the server's figures since it
   * started, two those of the interval between the first and the last (stats/vllm-section.ts).
   */
  readonly vllmMetrics?: readonly string[];
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
  const given = args.warmup === undefined ? undefined : Number(args.warmup);
  if (given !== undefined && !(Number.isInteger(given) && given >= 0)) return fail(`--warmup must be a whole number ≥ 0, got "${args.warmup}"`);
  const warmup = given ?? (args.excludeWarmup ? DEFAULT_STEADY_STATE_CONFIG.warmupSamples : undefined);
  let since: number | undefined;
  let until: number | undefined;
  try {
    if (args.since !== undefined) since = parseTimeArg('--since', args.since, args.nowMs);
    if (args.until !== undefined) until = parseTimeArg('--until', args.until, args.nowMs);
  } catch (error) {
    if (error instanceof TimeArgError) return fail(error.message);
    throw error;
  }
  if (since !== undefined && until !== undefined && since > until) return fail(`--since (${args.since}) is after --until (${args.until})`);
  const gpus = args.gpus === undefined ? undefined : Number(args.gpus);
  if (gpus !== undefined && !(Number.isInteger(gpus) && gpus >= 1)) return fail(`--gpus must be a whole number ≥ 1, got "${args.gpus}"`);
  const storePath = args.store ?? DEFAULT_STATS_STORE;
  if (args.ingestOnly && args.inputs.length === 0) return fail('ingest: no input; give --input <file|dir|-> (repeatable)');

  let skipped = 0;
  let vllm: VllmSection | undefined;
  if (args.vllmMetrics !== undefined && args.vllmMetrics.length > 0) {
    const { readVllmSection } = await import('../stats/vllm-section.js');
    const read = await readVllmSection(args.vllmMetrics);
    if ('problem' in read) {
      if (args.strict) return fail(`--vllm-metrics ${read.problem}`);
      say(io.stderr, `openjoules stats: --vllm-metrics ${read.problem}; left out`);
      skipped++;
    } else {
      vllm = read.section;
    }
  }

  const { TelemetryStore, TelemetryStoreError } = await import('../stats/store.js');
  if (args.inputs.length > 0) {
    const { spansToTelemetryRecords } = await import('../stats/telemetry-record.js');
    const read = await readCommandSpans(args.inputs, { strict: args.strict, io, label: 'stats', nothingDone: 'nothing stored' });
    if ('error' in read) return fail(read.error);
    const { spans } = read;
    skipped += read.skipped;
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
    if (!(await stat(storePath).catch(() => undefined))) {
      // The server's view alone is worth printing: nothing was ingested yet, but the user asked for it.
      if (args.vllmMetrics !== undefined && args.vllmMetrics.length > 0 && args.inputs.length === 0) return printVllmOnly(vllm, args, io, skipped);
      return fail(`no store at ${storePath}; give --input to ingest spans first`);
    }
    const store = await TelemetryStore.open(storePath);
    try {
      report = aggregateStats(store, { by, warmup, gpu: args.gpu, numGpus: gpus, since, until });
    } finally {
      store.close();
    }
  } catch (error) {
    return fail((error as Error).message);
  }
  if (args.json) {
    const column = GROUP_COLUMN[by];
    const groups = report.groups.map(({ key, ...rest }) => ({ [column]: key, ...rest }));
    say(io.stdout, JSON.stringify({ store: storePath, ...report, groups, ...(vllm ? { vllm } : {}) }, null, 2));
  } else {
    say(io.stdout, formatStatsTable(report, storePath));
    if (vllm) {
      const { formatVllmSection } = await import('../stats/vllm-section.js');
      say(io.stdout, `\n${formatVllmSection(vllm)}`);
    }
  }
  return exitCode;
}

/** `stats --vllm-metrics …` before any call was stored: the server's section alone. */
async function printVllmOnly(vllm: VllmSection | undefined, args: StatsArgs, io: StatsIo, skipped: number): Promise<number> {
  if (!vllm) return STATS_EXIT.FAILED;
  if (args.json) {
    say(io.stdout, JSON.stringify({ vllm }, null, 2));
  } else {
    const { formatVllmSection } = await import('../stats/vllm-section.js');
    say(io.stdout, formatVllmSection(vllm));
  }
  return exitForSkipped(skipped);
}

export default defineCliCommand({
  meta: { name: 'stats', description: COMMANDS.stats.description },
  args: {
    input: { type: 'string', alias: 'i', description: 'Span file, directory or - for stdin, added to the store first; repeatable', valueHint: 'file|dir|-' },
    store: { type: 'string', description: `The store (SQLite file), default ${DEFAULT_STATS_STORE}` },
    by: { type: 'string', description: 'Group by model, engine, agent or batch', default: 'model', valueHint: 'model|engine|agent|batch' },
    json: { type: 'boolean', description: 'Print the report as JSON instead of a table', default: false },
    since: { type: 'string', description: 'Only calls started at or after this: ISO time (UTC unless an offset is given), a duration back from now (2h, 7d, 1h30m) or unix seconds', valueHint: 'time' },
    until: { type: 'string', description: 'Only calls started at or before this; same forms as --since', valueHint: 'time' },
    warmup: { type: 'string', description: 'Leave out the first N calls of each model, and calls flagged openjoules.warmup' },
    'exclude-warmup': {
      type: 'boolean',
      description: `Leave out warmup calls as the steady-state detector counts them: the first ${DEFAULT_STEADY_STATE_CONFIG.warmupSamples} of each model (or --warmup N), and calls flagged openjoules.warmup`,
      default: false,
    },
    gpu: { type: 'string', description: 'GPU for MFU/MBU when the spans name none, e.g. "NVIDIA H100 80GB HBM3"' },
    gpus: { type: 'string', description: 'GPUs per call with --gpu (default 1)' },
    batch: { type: 'string', description: 'Batch id for ingested calls that carry no openjoules.batch.id' },
    strict: { type: 'boolean', description: 'Stop at the first bad input (exit 2), storing nothing', default: false },
    'vllm-metrics': {
      type: 'string',
      description:
        "A vLLM server (http://host:8000) or a saved copy of its /metrics page, repeatable: its TTFT, e2e and ITL percentiles, KV cache and queue since it started, or between the first and the last given",
      valueHint: 'url|file',
    },
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
        excludeWarmup: args['exclude-warmup'],
        since: args.since,
        until: args.until,
        gpu: args.gpu,
        gpus: args.gpus,
        batch: args.batch,
        strict: args.strict,
        vllmMetrics: collectFlag(rawArgs, ['--vllm-metrics']),
      },
      io,
    );
  },
});
