import { statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { hostSharesFromFiles } from '../model/host-shares-files.js';
import type { HostShares } from '../model/host-shares.js';
import { readByteLines } from '../otlp/byte-lines.js';
import { readFileByteLines } from '../otlp/file-byte-lines.js';
import { listSpanInputs, readSpanBatches, SpanInputError } from '../otlp/read-spans.js';
import type { ReadIssue, SpanRecord } from '../otlp/span-record.js';
import { KpiAggregator } from './aggregator.js';
import type { KpiRow } from './kpi-row.js';
import { RANGE_BYTES, rollupInParallel, rollupThreads, type ParallelOutcome, type Reported } from './parallel-rollup.js';
import { REGENERATED, RollupLineReader } from './rollup-line-reader.js';
import { rollupReadsAttribute, validateRollupSpan } from './span-schema.js';
import type { RollupWindow } from './windows.js';

/** Options of {@link rollupSpans}. */
export interface RollupOptions {
  /** Grid carbon intensity in gCO2e/kWh; without it `co2e_g` and `grid_intensity_g_per_kwh` are empty. */
  readonly gridIntensityGPerKwh?: number;
  /** Called once per bad line or span (file:line and reason); the rest is still read. */
  readonly onIssue?: (issue: ReadIssue) => void;
  /** Throw {@link SpanInputError} at the first bad input instead. */
  readonly strict?: boolean;
  /** Where `-` reads from; default process.stdin. */
  readonly stdin?: Readable;
  /** Characters of input consumed since the last call, for a progress bar. */
  readonly onProgress?: (chars: number) => void;
  /** One line per device whose processes could not all be placed on one counter line (host-shares.ts). */
  readonly onNote?: (line: string) => void;
  /**
   * Threads to read files with (worker threads, parallel-rollup.ts); default OPENJOULES_ROLLUP_THREADS, else the
   * machine's cores. 1 reads on this thread. The rows and issues are the same either way.
   */
  readonly threads?: number;
  /**
   * Size of the byte ranges the files are cut into for the threads (default 32 MiB); input under two ranges is read
   * on this thread. Set small only to test the parallel path.
   */
  readonly rangeBytes?: number;
}

/**
 * Computes one KPI row per bucket of `window` from spans, in one streaming pass: a span counts in the bucket in which
 * it ended. `inputs` are files, directories or `-` (read as OTLP/JSON lines), or spans already in memory. Spans in
 * files get their attributed joules across the processes that shared a device (a first pass, analysis/host-shares.ts,
 * taken only once a span with device readings turns up); spans from stdin or memory keep the shares their processes
 * recorded. Rows come
 * back in the window's bucket order, one per bucket even when it saw no span.
 */
export async function rollupSpans(
  inputs: readonly string[] | Iterable<SpanRecord> | AsyncIterable<SpanRecord>,
  window: RollupWindow,
  options: RollupOptions = {},
): Promise<KpiRow[]> {
  if (isPathList(inputs)) {
    // Large files are read on several threads, unless a span carries device readings; then, as on one thread:
    const parallel = await inParallel(inputs, window, options);
    if (parallel !== undefined && 'rows' in parallel) return parallel.rows;
    // Spans of several processes on one device share its joules, which takes a first pass over the files. Most input
    // carries no device readings: one pass assumes so and hands over to the two passes at the first span with any.
    const onePass = await rollupFiles(inputs, window, options, undefined, parallel?.handOver ?? NO_REPLAY);
    if (onePass.rows !== undefined) return onePass.rows;
    const shares = await hostSharesFromFiles(inputs);
    for (const d of shares?.devices ?? []) if (d.note) options.onNote?.(`${d.id}: ${d.note}`);
    return (await rollupFiles(inputs, window, options, shares ?? null, onePass.reported)).rows!;
  }
  const aggregator = new KpiAggregator(window);
  let index = 0;
  for await (const span of inputs) {
    index++;
    // Spans in memory come in no lines: every SPANS_PER_BATCH spans count as one.
    if (index % SPANS_PER_BATCH === 0) aggregator.endBatch();
    const reason = validateRollupSpan(span);
    if (reason === undefined) {
      aggregator.add(span);
      continue;
    }
    const issue = { file: '<spans>', line: index, reason };
    if (options.strict) throw new SpanInputError(issue);
    options.onIssue?.(issue);
  }
  return aggregator.rows(options.gridIntensityGPerKwh);
}

/**
 * The rollup on worker threads (parallel-rollup.ts), when it is worth it: regular files only (no stdin), more than
 * one thread, and at least two ranges of input. Undefined when not taken.
 */
async function inParallel(inputs: readonly string[], window: RollupWindow, options: RollupOptions): Promise<ParallelOutcome | undefined> {
  if (inputs.includes('-')) return undefined;
  const threads = rollupThreads(options.threads);
  if (threads < 2) return undefined;
  const files = await listSpanInputs(inputs);
  let bytes = 0;
  for (const file of files) {
    const info = statSync(file);
    if (!info.isFile()) return undefined;
    bytes += info.size;
  }
  const rangeBytes = options.rangeBytes ?? RANGE_BYTES;
  if (bytes < 2 * rangeBytes) return undefined;
  return rollupInParallel(files, window, {
    threads,
    rangeBytes,
    strict: options.strict,
    gridIntensityGPerKwh: options.gridIntensityGPerKwh,
    onIssue: options.onIssue,
    onProgress: options.onProgress,
  });
}

/** What a pass over the files reported (issues and progress), so a second pass over them reports only the rest. */
const NO_REPLAY: Reported = { issues: 0, chars: 0 };

/**
 * One pass over the files. `shares` undefined: the pass assumes no span carries device readings (`energy.device.ids`)
 * and stops at the first that does, giving no rows and what it reported so far (not when reading stdin, which cannot
 * be read twice). `shares` null or found: the final pass, which reports only what comes after `replayed` (the same
 * issues and bytes, in the same order, as the pass that stopped).
 */
async function rollupFiles(
  inputs: readonly string[],
  window: RollupWindow,
  options: RollupOptions,
  shares: HostShares | null | undefined,
  replayed: Reported,
): Promise<{ rows?: KpiRow[]; reported: Reported }> {
  const aggregator = new KpiAggregator(window);
  let issues = 0;
  let chars = 0;
  const onIssue = options.onIssue;
  const onProgress = options.onProgress;
  const counted = {
    onIssue: onIssue && ((issue: ReadIssue) => (++issues > replayed.issues ? onIssue(issue) : undefined)),
    strict: options.strict,
    onProgress: onProgress && ((n: number) => {
      const before = chars;
      chars += n;
      if (chars > replayed.chars) onProgress(chars - Math.max(before, replayed.chars));
    }),
  };
  if (shares === undefined) {
    // Spans without shares to apply: read straight into GenAI views (rollup-line-reader.ts), no attribute objects.
    const optimistic = !inputs.includes('-');
    const reader = new RollupLineReader();
    for (const source of await listSpanInputs(inputs)) {
      const name = source === '-' ? '<stdin>' : source;
      // Files through one reused buffer (file-byte-lines.ts): the reader keeps nothing of a line's bytes.
      const lines = source === '-' ? readByteLines(options.stdin ?? process.stdin, counted.onProgress) : readFileByteLines(source, 0, undefined, counted.onProgress);
      for await (const { line, bytes, start, end } of lines) {
        reader.read(bytes, start, end, name, line, counted);
        // A span with readings: its shares (and its neighbours') need the first pass. Checked before any row is made.
        if (optimistic && reader.readings) return { reported: { issues, chars } };
        const { views, flags } = reader;
        if (views.length === 0) continue;
        for (let i = 0; i < views.length; i++) aggregator.addView(views[i]!, flags[i] === REGENERATED);
        aggregator.endBatch();
      }
    }
    return { rows: aggregator.rows(options.gridIntensityGPerKwh), reported: { issues, chars } };
  }
  const batches = readSpanBatches(inputs, { ...counted, stdin: options.stdin, validate: validateRollupSpan, keepAttribute: rollupReadsAttribute });
  for await (const batch of batches) {
    for (const span of batch) aggregator.add(shares ? shares.apply(span) : span);
    aggregator.endBatch();
  }
  return { rows: aggregator.rows(options.gridIntensityGPerKwh), reported: { issues, chars } };
}

/** Batch size for spans given in memory (they come in no lines), see {@link KpiAggregator.endBatch}. */
const SPANS_PER_BATCH = 1024;

function isPathList(inputs: unknown): inputs is readonly string[] {
  return Array.isArray(inputs) && inputs.every((x) => typeof x === 'string');
}
