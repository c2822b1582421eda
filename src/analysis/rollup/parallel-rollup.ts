import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { SpanInputError } from '../otlp/read-spans.js';
import { KpiAggregator } from './aggregator.js';
import { CrossRangeTraces } from './cross-range-traces.js';
import { foldRange, type RangeTask } from './fold-range.js';
import type { KpiRow } from './kpi-row.js';
import { planRanges } from './range-plan.js';
import type { RangeResult } from './range-result.js';
import { acquireWorkers, releaseWorkers } from './rollup-workers.js';
import type { RollupWindow } from './windows.js';

/**
 * The size of the byte ranges the files are cut into: big enough that a range's fixed costs (a read stream, fresh
 * tables, the main thread's merge) are small beside its spans, small enough that the work spreads evenly over the
 * threads and that a range's state in a worker (per span ~10 bytes of logs, doubled while they grow) stays the same
 * whatever the input's size: memory then grows with the sessions, not with the input.
 */
export const RANGE_BYTES = 32 * 2 ** 20;

/** The environment variable read when neither `threads` nor `--threads` is given. */
export const ROLLUP_THREADS_ENV = 'OPENJOULES_ROLLUP_THREADS';

/**
 * The threads `rollup` reads files with: `threads` if given, else {@link ROLLUP_THREADS_ENV} in `env`, else one per
 * core (`os.availableParallelism()`). Throws a one-line RangeError for a setting that is not a whole number ≥ 1.
 */
export function rollupThreads(threads: number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  if (threads !== undefined) return checkedThreads(threads, String(threads), 'threads');
  const text = env[ROLLUP_THREADS_ENV]?.trim();
  if (text !== undefined && text !== '') return parseThreads(text, ROLLUP_THREADS_ENV);
  return availableParallelism();
}

/** A thread count as typed (`--threads`, {@link ROLLUP_THREADS_ENV}): a whole number ≥ 1; `source` names it in the error. */
export function parseThreads(text: string, source: string): number {
  return checkedThreads(/^\s*\d+\s*$/.test(text) ? Number(text) : NaN, text, source);
}

function checkedThreads(n: number, text: string, source: string): number {
  if (Number.isSafeInteger(n) && n >= 1) return n;
  throw new RangeError(`${source} must be a whole number ≥ 1 (threads to read files with), got "${text}"`);
}

/** What the one-thread pass must not report again when it takes over: the issues and bytes reported so far. */
export interface Reported {
  readonly issues: number;
  readonly chars: number;
}

/** How the parallel pass ended: rows, or a hand-over to one thread (device readings, or an ambiguity it cannot settle). */
export type ParallelOutcome = { readonly rows: KpiRow[] } | { readonly handOver: Reported };

/** Callbacks and settings of {@link rollupInParallel}. */
export interface ParallelOptions {
  readonly threads: number;
  readonly rangeBytes: number;
  readonly strict?: boolean;
  readonly gridIntensityGPerKwh?: number;
  readonly onIssue?: (issue: { file: string; line: number; reason: string }) => void;
  readonly onProgress?: (chars: number) => void;
}

/**
 * `rollup` over regular files on `threads` threads, this one and worker threads: the files cut into byte ranges at
 * line starts (range-plan.ts), each folded by a thread (fold-range.ts), the results taken in on this thread in input order — sessions, users and
 * flags (KpiAggregator.absorbSpans), the traces' sums replayed in order, the traces cut by a range's end joined
 * (cross-range-traces.ts) — so the rows are the same as one thread's, and so are the issues, in the same order.
 * Hands over to the one-thread path when a span carries device readings (their shares take two passes), a trace
 * carried two conversation ids across ranges, or a worker failed.
 */
export async function rollupInParallel(files: readonly string[], window: RollupWindow, options: ParallelOptions): Promise<ParallelOutcome> {
  const tasks = planRanges(files, options.rangeBytes, options.strict === true);
  const aggregator = new KpiAggregator(window);
  const traces = new CrossRangeTraces(aggregator);
  const pool = new WorkerPool(Math.min(options.threads, tasks.length), window, tasks);
  let issues = 0;
  let chars = 0;
  pool.onProgress = (bytes) => {
    chars += bytes;
    options.onProgress?.(bytes);
  };
  try {
    let lineBase = 0;
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[i]!;
      const result = await pool.result(i);
      if (result.readings) return { handOver: { issues, chars } };
      if (i > 0 && tasks[i - 1]!.file !== task.file) lineBase = 0;
      for (const { line, reason } of result.issues) {
        const issue = { file: task.file, line: lineBase + line, reason };
        if (options.strict) throw new SpanInputError(issue);
        issues++;
        options.onIssue?.(issue);
      }
      if (!aggregator.absorbSpans(result)) return { handOver: { issues, chars } };
      traces.takeRange(result, task.file, lineBase);
      lineBase += result.lines;
    }
  } catch (error) {
    if (error instanceof SpanInputError) throw error;
    // A worker that could not start or run (a bundle without its file, a worker killed): one thread takes over from
    // the start, reporting only what was not reported yet (and fails the same way if the input itself is at fault).
    return { handOver: { issues, chars } };
  } finally {
    pool.close();
  }
  traces.flush();
  return { rows: aggregator.rows(options.gridIntensityGPerKwh) };
}

/**
 * `size` threads folding the ranges in order, each taking the next range when done: this thread and `size - 1`
 * workers. This thread folds ranges too, between taking in results (a small share of the work), so that one isolate
 * fewer is started, warms up its code (a range folded before the code is optimised takes about twice the CPU) and
 * holds memory. Results are kept until asked for.
 */
class WorkerPool {
  onProgress: (bytes: number) => void = () => {};
  private readonly _workers: Worker[];
  private readonly _results = new Map<number, RangeResult>();
  private readonly _waiting = new Map<number, { resolve: (r: RangeResult) => void; reject: (e: Error) => void }>();
  private _next = 0;
  private _failure: Error | undefined;
  /** Abandons this thread's range at {@link close} (its result is no longer wanted after a hand-over). */
  private readonly _here = new AbortController();

  constructor(
    size: number,
    private readonly _window: RollupWindow,
    private readonly _tasks: readonly RangeTask[],
  ) {
    // This thread first: a worker takes a while to start.
    this._foldHere();
    this._workers = acquireWorkers(size - 1);
    for (const worker of this._workers) {
      worker.on('message', (message: WorkerMessage) => this._onMessage(worker, message));
      worker.on('error', (error) => this._fail(error));
      worker.on('exit', (code) => this._fail(new Error(`rollup worker exited with code ${code}`)));
      this._send(worker);
    }
  }

  /** The result of range `index`, once its worker is done. */
  result(index: number): Promise<RangeResult> {
    if (this._failure) return Promise.reject(this._failure);
    const done = this._results.get(index);
    if (done !== undefined) {
      this._results.delete(index);
      return Promise.resolve(done);
    }
    return new Promise((resolve, reject) => this._waiting.set(index, { resolve, reject }));
  }

  /** Hands the workers back: kept for the next run if they finished every range they were sent, else ended. */
  close(): void {
    releaseWorkers(this._workers, this._failure === undefined && this._next >= this._tasks.length && this._busy === 0);
    this._here.abort();
  }

  private _busy = 0;

  /** Folds the next range on this thread, then the next, until none is left. */
  private _foldHere(): void {
    if (this._here.signal.aborted || this._failure !== undefined || this._next >= this._tasks.length) return;
    const index = this._next++;
    this._busy++;
    const signal = this._here.signal;
    const onProgress = (bytes: number): void => {
      if (!signal.aborted) this.onProgress(bytes);
    };
    foldRange(this._tasks[index]!, this._window, onProgress, signal).then(
      (result) => {
        this._busy--;
        this._deliver(index, result);
        this._foldHere();
      },
      (error: unknown) => {
        this._busy--;
        if (!signal.aborted) this._fail(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  private _deliver(index: number, result: RangeResult): void {
    const waiting = this._waiting.get(index);
    if (waiting === undefined) this._results.set(index, result);
    else {
      this._waiting.delete(index);
      waiting.resolve(result);
    }
  }

  private _send(worker: Worker): void {
    if (this._next >= this._tasks.length) return;
    const index = this._next++;
    this._busy++;
    worker.postMessage({ index, task: this._tasks[index], window: this._window });
  }

  private _onMessage(worker: Worker, message: WorkerMessage): void {
    if (message.type === 'progress') return this.onProgress(message.bytes);
    this._busy--;
    if (message.type === 'error') return this._fail(new Error(`rollup worker: ${message.message}`));
    this._send(worker);
    this._deliver(message.index, message.result);
  }

  private _fail(error: Error): void {
    this._failure ??= error;
    for (const { reject } of this._waiting.values()) reject(this._failure);
    this._waiting.clear();
  }
}

type WorkerMessage =
  | { type: 'progress'; bytes: number }
  | { type: 'error'; index: number; message: string }
  | { type: 'result'; index: number; result: RangeResult };
