import type { GenAiSpan } from '../model/genai-span.js';
import { releaseArrays } from './release-arrays.js';
import type { SpanForest } from '../model/span-forest.js';
import { TraceAssembler } from '../model/trace-assembler.js';
import type { SpanRecord } from '../otlp/span-record.js';
import { sessionFlags } from './aggregator.js';
import { Hash64Table } from './hash64-table.js';
import type { RangeResult } from './range-result.js';
import { SessionTable } from './session-table.js';
import { keyHi, keyLo, traceKey64 } from './trace-id-table.js';
import { addTraceSums, type TraceSumSink } from './trace-sums.js';
import { bucketStartOf, type RollupWindow } from './windows.js';

/**
 * What a worker thread folds from one byte range of the input, for the main thread to take in after the ranges
 * before it (parallel-rollup.ts), with the same rows as one thread. Per span as {@link KpiAggregator}: its session,
 * user, bucket and events, in tables local to the range (sessions numbered in order of first sight here). Per trace
 * whose root is here, its additions to the buckets (trace-sums.ts) in a log, not summed: float sums depend on their
 * order, so the main thread replays every range's log in input order. Traces still waiting for their root at the
 * end are not handed on: each span's trace id (as 64 bits) and place let the main thread join them with the next
 * range's spans of the same traces, and a trace of this range whose spans began in an earlier one is redone there.
 */
export class RangeAggregator implements TraceSumSink {
  private readonly _bucketIndex = new Map<number, number>();
  private readonly _sessions = new SessionTable();
  private readonly _bucketSessions = new Hash64Table();
  private readonly _bucketUsers = new Hash64Table();
  private readonly _bucketSpans: Float64Array;
  private readonly _events: Array<[number, SpanRecord['events']]> = [];
  private readonly _traces = new TraceAssembler((forest, first) => this._addTrace(forest, first));
  private readonly _bucketOf = (endMs: number): number => this._bucketIndex.get(bucketStartOf(endMs, this._window.granularity)) ?? -1;

  private _spans = 0;
  private _lastTraceId: string | undefined;
  private _lastHi = 0;
  private _lastLo = 0;
  private _traceHi = new Int32Array(INITIAL);
  private _traceLo = new Int32Array(INITIAL);
  private _root = new Uint8Array(INITIAL);
  private readonly _lineStart: number[] = [];
  private readonly _lineEnd: number[] = [];
  private readonly _lineNumber: number[] = [];
  private readonly _lineSpanEnd: number[] = [];
  private readonly _forestFirst: number[] = [];
  private readonly _forestPlace: number[] = [];
  private readonly _forestLogEnd: number[] = [];
  private _logCell = new Int32Array(INITIAL);
  private _logValue = new Float64Array(INITIAL);
  private _log = 0;
  /** Where a trace completed now sits in input order (see RangeResult.forestPlace). */
  private _place = 0;

  constructor(private readonly _window: RollupWindow) {
    _window.buckets.forEach((bucket, i) => this._bucketIndex.set(bucket.startMs, i));
    this._bucketSpans = new Float64Array(_window.buckets.length);
  }

  /** Adds one (already validated) span, read as its GenAI view (see KpiAggregator.addView). */
  addView(view: GenAiSpan, regenerated: boolean): void {
    const span = view.span;
    const i = this._spans++;
    if (i === this._root.length) this._growSpans();
    // Spans of a trace mostly come in a run: its id is read as 64 bits once per run.
    if (span.traceId !== this._lastTraceId) {
      traceKey64(span.traceId);
      this._lastTraceId = span.traceId;
      this._lastHi = keyHi;
      this._lastLo = keyLo;
    }
    this._traceHi[i] = this._lastHi;
    this._traceLo[i] = this._lastLo;
    if (span.parentSpanId === undefined) this._root[i] = 1;
    this._place = 2 * i;
    this._traces.add(view);
    const session = this._sessions.sessionOf(span.traceId, view.conversationId);
    const userId = view.userId;
    this._sessions.track(session, span.startMs, span.endMs, view.kind === 'tool', userId);
    const b = this._bucketOf(span.endMs);
    if (b < 0) return;
    this._bucketSpans[b]!++;
    if (userId !== undefined) this._bucketUsers.orValue(b, this._sessions.userKey(userId), 0);
    this._bucketSessions.orValue(b, session, sessionFlags(view.kind, view.failed, regenerated));
    if (span.events.length > 0) this._events.push([b, span.events]);
  }

  /** The end of one input line that gave spans: bytes [start, end) of the file, its line number in the range. */
  endLine(start: number, end: number, line: number): void {
    this._lineStart.push(start);
    this._lineEnd.push(end);
    this._lineNumber.push(line);
    this._lineSpanEnd.push(this._spans);
    this._place = 2 * (this._spans - 1) + 1;
    this._traces.endBatch();
  }

  /** {@link TraceSumSink}: one addition of the trace being counted, logged (adding zero changes no sum: they start at +0). */
  add(cell: number, value: number): void {
    if (value === 0) return;
    const n = this._log++;
    if (n === this._logCell.length) this._growLog();
    this._logCell[n] = cell;
    this._logValue[n] = value;
  }

  /** What the main thread takes in (issues, lines and readings are the reader's). */
  result(): Omit<RangeResult, 'lines' | 'issues' | 'readings'> {
    const bucketSessions: number[] = [];
    this._bucketSessions.forEach((bucket, session, flags) => bucketSessions.push(bucket, session, flags));
    const bucketUsers: number[] = [];
    this._bucketUsers.forEach((bucket, user) => bucketUsers.push(bucket, user));
    const n = this._spans;
    return {
      sessions: this._sessions.export(),
      bucketSessions: Int32Array.from(bucketSessions),
      bucketUsers: Int32Array.from(bucketUsers),
      bucketSpans: this._bucketSpans,
      events: this._events,
      traceHi: this._traceHi.slice(0, n),
      traceLo: this._traceLo.slice(0, n),
      root: this._root.slice(0, n),
      lineStart: Float64Array.from(this._lineStart),
      lineEnd: Float64Array.from(this._lineEnd),
      lineNumber: Int32Array.from(this._lineNumber),
      lineSpanEnd: Int32Array.from(this._lineSpanEnd),
      forestFirst: Int32Array.from(this._forestFirst),
      forestPlace: Float64Array.from(this._forestPlace),
      forestLogEnd: Int32Array.from(this._forestLogEnd),
      logCell: this._logCell.slice(0, this._log),
      logValue: this._logValue.slice(0, this._log),
      openFirsts: Int32Array.from(this._traces.openFirsts()),
    };
  }

  private _addTrace(forest: SpanForest, first: number): void {
    addTraceSums(forest, this._bucketOf, this);
    this._forestFirst.push(first);
    this._forestPlace.push(this._place);
    this._forestLogEnd.push(this._log);
  }

  private _growSpans(): void {
    const size = this._root.length * 2;
    this._traceHi = grown(this._traceHi, new Int32Array(size));
    this._traceLo = grown(this._traceLo, new Int32Array(size));
    this._root = grown(this._root, new Uint8Array(size));
  }

  private _growLog(): void {
    const size = this._logCell.length * 2;
    this._logCell = grown(this._logCell, new Int32Array(size));
    this._logValue = grown(this._logValue, new Float64Array(size));
  }
}

const INITIAL = 4096;

/** `to` with `from` copied in; `from` released (release-arrays.ts). */
function grown<T extends Float64Array | Int32Array | Uint8Array>(from: T, to: T): T {
  to.set(from as never);
  releaseArrays(from);
  return to;
}
