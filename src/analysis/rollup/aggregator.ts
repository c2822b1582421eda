import { readGenAiSpan, type GenAiSpan } from '../model/genai-span.js';
import type { SpanForest } from '../model/span-forest.js';
import { TraceAssembler } from '../model/trace-assembler.js';
import type { SpanRecord } from '../otlp/span-record.js';
import * as sc from '../../semconv.js';
import { BucketState, SESSION_FAILED, SESSION_REGENERATED } from './bucket-state.js';
import type { KpiRow } from './kpi-row.js';
import { Hash64Table } from './hash64-table.js';
import type { RangeSpans } from './range-result.js';
import { SessionTable } from './session-table.js';
import { addTraceSums, DirectTraceSums, TRACE_FIELDS } from './trace-sums.js';
import { bucketStartOf, type RollupWindow } from './windows.js';

/**
 * Folds spans into per-bucket KPI state in one pass, in any order. What depends on a span alone (spans, sessions,
 * users, events, failures) is counted as it arrives; turns, model calls, tool calls, their tokens and cost, and
 * energy are counted per trace, through the analysis layer's units and energy rule, once the trace's root has
 * arrived (analysis/trace-assembler.ts); call {@link endBatch} after each input line. Memory: one {@link BucketState}
 * per bucket of the window; per session about 60 bytes of typed arrays and tables (session-table.ts) and ~15 per
 * bucket it is active in (its flags there, and its user, in two tables of 64-bit keys: off the JavaScript heap, whose
 * collector would otherwise let garbage grow in proportion); ~18 per trace; and the spans of the traces still open.
 * The rollup's worker threads fold byte ranges of the input apart (range-aggregator.ts); the main thread takes in
 * their results in input order ({@link absorbSpans}, {@link addTraceSum}, {@link addTrace}), with the same rows.
 */
export class KpiAggregator {
  private readonly _states: BucketState[];
  /** Bucket start (ms) → its index in the window. */
  private readonly _bucketIndex = new Map<number, number>();
  /** What whole traces added, per bucket and field (trace-sums.ts). */
  private readonly _sums: Float64Array;
  private readonly _sink: DirectTraceSums;
  private readonly _sessions = new SessionTable();
  /** (bucket index, session) → SESSION_* flags of the session's spans in that bucket: every session active in a bucket. */
  private readonly _bucketSessions = new Hash64Table();
  /** (bucket index, user key): every user seen in a bucket (each counted in its bucket as it is added). */
  private readonly _bucketUsers = new Hash64Table();

  private readonly _traces = new TraceAssembler((forest) => this.addTrace(forest));
  /** The bucket index of an end time, or -1 outside the window. */
  readonly bucketOf = (endMs: number): number => this._bucketIndex.get(bucketStartOf(endMs, this._window.granularity)) ?? -1;

  constructor(private readonly _window: RollupWindow) {
    this._states = _window.buckets.map((bucket, i) => new BucketState(bucket.key, i));
    _window.buckets.forEach((bucket, i) => this._bucketIndex.set(bucket.startMs, i));
    this._sums = new Float64Array(_window.buckets.length * TRACE_FIELDS);
    this._sink = new DirectTraceSums(this._sums);
  }

  /** Marks the end of a batch of input (one line): traces complete before it are counted (analysis/trace-assembler.ts). */
  endBatch(): void {
    this._traces.endBatch();
  }

  /** Adds one (already validated) span. */
  add(span: SpanRecord): void {
    this.addView(readGenAiSpan(span), span.attributes[sc.ATTR_OPENJOULES_TURN_REGENERATED] === true);
  }

  /**
   * Adds one (already validated) span read as its GenAI view; `regenerated`: its `openjoules.turn.regenerated` is
   * true (the one attribute read beside the view, so a reader may give views whose records carry no attributes).
   */
  addView(view: GenAiSpan, regenerated: boolean): void {
    const span = view.span;
    this._traces.add(view);
    const session = this._sessions.sessionOf(span.traceId, view.conversationId);
    // An empty user id is no user id (the seed's `user_id or session_id`): the view reads none.
    const userId = view.userId;
    this._sessions.track(session, span.startMs, span.endMs, view.kind === 'tool', userId);

    const b = this.bucketOf(span.endMs);
    if (b < 0) return;
    const bucket = this._states[b]!;
    bucket.spans++;
    if (userId !== undefined && this._bucketUsers.orValue(b, this._sessions.userKey(userId), 0)) bucket.users++;
    this._bucketSessions.orValue(b, session, sessionFlags(view.kind, view.failed, regenerated));
    bucket.countEvents(span.events);
  }

  /** One whole trace's turns, calls and energy, into its buckets (trace-sums.ts). */
  addTrace(forest: SpanForest): void {
    addTraceSums(forest, this.bucketOf, this._sink);
  }

  /** One addition a worker thread logged for a trace (trace-sums.ts), replayed in input order. */
  addTraceSum(cell: number, value: number): void {
    this._sums[cell]! += value;
  }

  /**
   * Takes in what a worker thread counted of the spans of one byte range (sessions, users, spans, events), after the
   * ranges before it. False, with nothing taken in, when a trace carried a different conversation id there than
   * before it (the range's worker could not know which one its spans without one belong to): the caller then reads
   * the input on one thread.
   */
  absorbSpans(range: RangeSpans): boolean {
    const mapped = this._sessions.absorb(range.sessions);
    if (mapped === undefined) return false;
    const { sessions, users } = mapped;
    const bs = range.bucketSessions;
    for (let i = 0; i < bs.length; i += 3) this._bucketSessions.orValue(bs[i]!, sessions[bs[i + 1]!]!, bs[i + 2]!);
    const bu = range.bucketUsers;
    for (let i = 0; i < bu.length; i += 2) if (this._bucketUsers.orValue(bu[i]!, users[bu[i + 1]!]!, 0)) this._states[bu[i]!]!.users++;
    range.bucketSpans.forEach((n, b) => (this._states[b]!.spans += n));
    for (const [b, events] of range.events) this._states[b]!.countEvents(events);
    return true;
  }

  /** The rows, in the window's bucket order, with trace-keyed sessions merged into their conversations. */
  rows(gridIntensityGPerKwh?: number): KpiRow[] {
    this._traces.flush();
    const sessions = this._sessions;
    const states = this._states;
    const final = sessions.resolve();
    for (let s = 0; s < final.length; s++) {
      if (final[s] !== s) continue;
      const ttfa = sessions.ttfaSeconds(s);
      if (ttfa === undefined) continue;
      const b = this.bucketOf(sessions.firstToolEndMs(s));
      if (b >= 0) states[b]!.ttfaSeconds.push(ttfa);
    }
    // Trace-keyed sessions merged into their conversations, their flags OR-ed, then each (bucket, session) counted once.
    const merged = new Hash64Table();
    this._bucketSessions.forEach((bucket, session, flags) => merged.orValue(bucket, final[session]!, flags));
    merged.forEach((bucket, session, flags) => {
      const state = states[bucket]!;
      state.countSession(flags);
      // The seed's `user_id or session_id`: a session without a user counts as its own user.
      if (this._bucketUsers.orValue(bucket, sessions.userOrIdKey(session), 0)) state.users++;
    });
    return states.map((state) => state.toRow(gridIntensityGPerKwh, this._sums));
  }
}

/** The SESSION_* flags one span sets on its session in its bucket (`regenerated`: its `openjoules.turn.regenerated` is true). */
export function sessionFlags(kind: string, failed: boolean, regenerated: boolean): number {
  if (kind !== 'agent') return 0;
  let flags = 0;
  if (failed) flags |= SESSION_FAILED;
  if (regenerated) flags |= SESSION_REGENERATED;
  return flags;
}
