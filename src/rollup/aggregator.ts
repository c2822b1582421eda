import type { SpanRecord } from '../otlp/span-record.js';
import * as sc from '../semconv.js';
import { BucketState, SESSION_FAILED, SESSION_REGENERATED } from './bucket-state.js';
import type { KpiRow } from './kpi-row.js';
import { bucketStartOf, type RollupWindow } from './windows.js';

const LLM_OPERATIONS: ReadonlySet<string> = new Set(['chat', 'text_completion', 'generate_content']);
const STATUS_ERROR = 2;

/** What one session looks like across the whole input, needed because a session's first span may be in any hour. */
interface SessionTotals {
  firstStartMs: number;
  /** Start and end of the execute_tool span that started first; NaN while there is none. */
  firstToolStartMs: number;
  firstToolEndMs: number;
  userId: string | undefined;
}

/**
 * Folds spans into per-bucket KPI state in one pass, in any order. Memory: one {@link BucketState} per bucket of the
 * window, one small record per session and one map entry per trace that carried a conversation id — all independent
 * of the number of spans.
 */
export class KpiAggregator {
  private readonly _buckets = new Map<number, BucketState>();
  private readonly _sessions = new Map<string, SessionTotals>();
  /** traceId → conversation id, so spans of a trace that lack the id still join its conversation. */
  private readonly _traceConversation = new Map<string, string>();

  constructor(private readonly _window: RollupWindow) {
    for (const bucket of _window.buckets) this._buckets.set(bucket.startMs, new BucketState(bucket.key));
  }

  /** Adds one (already validated) span. */
  add(span: SpanRecord): void {
    const attrs = span.attributes;
    const conversation = attrs[sc.ATTR_GEN_AI_CONVERSATION_ID] as string | undefined;
    let session: string;
    if (conversation !== undefined) {
      session = `c:${conversation}`;
      if (!this._traceConversation.has(span.traceId)) this._traceConversation.set(span.traceId, conversation);
    } else {
      const known = this._traceConversation.get(span.traceId);
      session = known === undefined ? `t:${span.traceId}` : `c:${known}`;
    }
    const operation = attrs[sc.ATTR_GEN_AI_OPERATION_NAME];
    // An empty user id is no user id: the seed's `user_id or session_id`.
    const userId = ((attrs[sc.ATTR_USER_ID] ?? span.resource[sc.ATTR_USER_ID]) as string | undefined) || undefined;
    this._trackSession(session, span, operation === 'execute_tool', userId);

    const bucket = this._buckets.get(bucketStartOf(span.endMs, this._window.granularity));
    if (bucket === undefined) return;
    bucket.spans++;
    if (userId !== undefined) bucket.users.add(userId);
    let flags = 0;
    if (operation === 'invoke_agent') {
      bucket.turns++;
      if (span.statusCode === STATUS_ERROR) flags |= SESSION_FAILED;
      if (attrs[sc.ATTR_OPENJOULES_TURN_REGENERATED] === true) flags |= SESSION_REGENERATED;
    } else if (operation === 'execute_tool') {
      bucket.toolCalls++;
      if (span.statusCode !== STATUS_ERROR) bucket.toolSuccesses++;
    } else if (typeof operation === 'string' && LLM_OPERATIONS.has(operation)) {
      // Usage and cost are summed over model calls only: an invoke_agent span may repeat its turn's totals.
      bucket.llmCalls++;
      bucket.tokensPrompt += num(attrs[sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]);
      bucket.tokensCompletion += num(attrs[sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]);
      bucket.tokensCacheRead += num(attrs[sc.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]);
      bucket.tokensCacheCreation += num(attrs[sc.ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]);
      bucket.costUsd += num(attrs[sc.ATTR_OPENJOULES_COST_USD]);
    }
    bucket.touch(session, flags);
    if (span.parentSpanId === undefined) addRootEnergy(bucket, attrs);
    bucket.countEvents(span.events);
  }

  /** The rows, in the window's bucket order, with trace-keyed sessions merged into their conversations. */
  rows(gridIntensityGPerKwh?: number): KpiRow[] {
    const sessions = this._mergeSessions();
    for (const totals of sessions.values()) {
      if (Number.isNaN(totals.firstToolStartMs)) continue;
      const bucket = this._buckets.get(bucketStartOf(totals.firstToolEndMs, this._window.granularity));
      bucket?.ttfaSeconds.push((totals.firstToolStartMs - totals.firstStartMs) / 1000);
    }
    return this._window.buckets.map((b) => {
      const state = this._buckets.get(b.startMs)!;
      const merged = new Map<string, number>();
      for (const [key, flags] of state.sessions) {
        const final = this._resolve(key);
        merged.set(final, (merged.get(final) ?? 0) | flags);
      }
      state.sessions.clear();
      for (const [key, flags] of merged) {
        state.sessions.set(key, flags);
        // The seed's `user_id or session_id`: a session without a user counts as its own user.
        state.users.add(sessions.get(key)?.userId ?? key.slice(2));
      }
      return state.toRow(gridIntensityGPerKwh);
    });
  }

  private _trackSession(session: string, span: SpanRecord, isTool: boolean, userId: string | undefined): void {
    let totals = this._sessions.get(session);
    if (totals === undefined) {
      totals = { firstStartMs: span.startMs, firstToolStartMs: NaN, firstToolEndMs: NaN, userId };
      this._sessions.set(session, totals);
    } else {
      if (span.startMs < totals.firstStartMs) totals.firstStartMs = span.startMs;
      totals.userId ??= userId;
    }
    if (isTool && !(span.startMs >= totals.firstToolStartMs)) {
      totals.firstToolStartMs = span.startMs;
      totals.firstToolEndMs = span.endMs;
    }
  }

  /** A `t:<trace>` key whose trace turned out (later in the input) to carry a conversation id becomes `c:<id>`. */
  private _resolve(key: string): string {
    if (!key.startsWith('t:')) return key;
    const conversation = this._traceConversation.get(key.slice(2));
    return conversation === undefined ? key : `c:${conversation}`;
  }

  private _mergeSessions(): Map<string, SessionTotals> {
    const out = new Map<string, SessionTotals>();
    for (const [key, totals] of this._sessions) {
      const final = this._resolve(key);
      const into = out.get(final);
      if (into === undefined) {
        out.set(final, { ...totals });
        continue;
      }
      into.firstStartMs = Math.min(into.firstStartMs, totals.firstStartMs);
      into.userId ??= totals.userId;
      if (totals.firstToolStartMs < into.firstToolStartMs || Number.isNaN(into.firstToolStartMs)) {
        into.firstToolStartMs = totals.firstToolStartMs;
        into.firstToolEndMs = totals.firstToolEndMs;
      }
    }
    return out;
  }
}

/**
 * Energy is counted on root spans only, so nested spans never add the same joules twice. A root's
 * `energy.attributed.joules` (its fair share, which concurrent roots do not overlap) is preferred over its inclusive
 * `energy.joules` (which counts everything the devices drew, including concurrent work). GPU and CPU joules are only
 * recorded inclusive, so they are scaled by the same attributed/inclusive share.
 */
function addRootEnergy(bucket: BucketState, attrs: SpanRecord['attributes']): void {
  const inclusive = attrs[sc.ATTR_ENERGY_JOULES] as number | undefined;
  const attributed = attrs[sc.ATTR_ENERGY_ATTRIBUTED_JOULES] as number | undefined;
  const total = attributed ?? inclusive ?? 0;
  const share = attributed !== undefined && inclusive !== undefined && inclusive > 0 ? Math.min(attributed / inclusive, 1) : 1;
  bucket.energyJoules += total;
  bucket.energyGpuJoules += num(attrs[sc.ATTR_ENERGY_GPU_JOULES]) * share;
  bucket.energyCpuJoules += num(attrs[sc.ATTR_ENERGY_CPU_JOULES]) * share;
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}
