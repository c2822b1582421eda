import { energyRoots, fairShare } from '../model/energy-rule.js';
import { readGenAiSpan } from '../model/genai-span.js';
import { forestUnits } from '../model/genai-units.js';
import type { SpanForest } from '../model/span-forest.js';
import { TraceAssembler } from '../model/trace-assembler.js';
import type { SpanRecord } from '../otlp/span-record.js';
import * as sc from '../../semconv.js';
import { BucketState, SESSION_FAILED, SESSION_REGENERATED } from './bucket-state.js';
import type { KpiRow } from './kpi-row.js';
import { Hash64Table } from './hash64-table.js';
import { SessionTable } from './session-table.js';
import { bucketStartOf, type RollupWindow } from './windows.js';

/**
 * Folds spans into per-bucket KPI state in one pass, in any order. What depends on a span alone (spans, sessions,
 * users, events, failures) is counted as it arrives; turns, model calls, tool calls, their tokens and cost, and
 * energy are counted per trace, through the analysis layer's units and energy rule, once the trace's root has
 * arrived (analysis/trace-assembler.ts); call {@link endBatch} after each input line. Memory: one {@link BucketState}
 * per bucket of the window; per session about 60 bytes of typed arrays and tables (session-table.ts) and ~15 per
 * bucket it is active in (its flags there, and its user, in two tables of 64-bit keys: off the JavaScript heap, whose
 * collector would otherwise let garbage grow in proportion); ~18 per trace; and the spans of the traces still open.
 */
export class KpiAggregator {
  private readonly _buckets = new Map<number, BucketState>();
  private readonly _sessions = new SessionTable();
  /** (bucket index, session) → SESSION_* flags of the session's spans in that bucket: every session active in a bucket. */
  private readonly _bucketSessions = new Hash64Table();
  /** (bucket index, user key): every user seen in a bucket (each counted in its bucket as it is added). */
  private readonly _bucketUsers = new Hash64Table();

  private readonly _traces = new TraceAssembler((forest) => this._addTrace(forest));

  constructor(private readonly _window: RollupWindow) {
    _window.buckets.forEach((bucket, i) => this._buckets.set(bucket.startMs, new BucketState(bucket.key, i)));
  }

  /** Marks the end of a batch of input (one line): traces complete before it are counted (analysis/trace-assembler.ts). */
  endBatch(): void {
    this._traces.endBatch();
  }

  /** Adds one (already validated) span. */
  add(span: SpanRecord): void {
    const view = readGenAiSpan(span);
    this._traces.add(view);
    const attrs = span.attributes;
    const session = this._sessions.sessionOf(span.traceId, view.conversationId);
    // An empty user id is no user id (the seed's `user_id or session_id`): the view reads none.
    const userId = view.userId;
    this._sessions.track(session, span.startMs, span.endMs, view.kind === 'tool', userId);

    const bucket = this._buckets.get(bucketStartOf(span.endMs, this._window.granularity));
    if (bucket === undefined) return;
    bucket.spans++;
    if (userId !== undefined && this._bucketUsers.orValue(bucket.index, this._sessions.userKey(userId), 0)) bucket.users++;
    let flags = 0;
    if (view.kind === 'agent') {
      if (view.failed) flags |= SESSION_FAILED;
      if (attrs[sc.ATTR_OPENJOULES_TURN_REGENERATED] === true) flags |= SESSION_REGENERATED;
    }
    this._bucketSessions.orValue(bucket.index, session, flags);
    bucket.countEvents(span.events);
  }

  /**
   * One whole trace: its turns, model calls and tool calls (nested spans of a kind count once, analysis/genai-units.ts),
   * each in the bucket where its outermost span ended, and its energy (the fair shares of its energy roots,
   * analysis/energy-rule.ts), each root in the bucket where it ended. Usage, cost and the hosted-API estimate come from
   * model calls only (an agent span may repeat its turn's totals); the estimate is summed apart from the energy.
   */
  private _addTrace(forest: SpanForest): void {
    const units = forestUnits(forest);
    for (const turn of units.agent) {
      const bucket = this._bucketOfNode(forest, turn.top);
      if (bucket !== undefined) bucket.turns++;
    }
    for (const call of units.model) {
      const bucket = this._bucketOfNode(forest, call.top);
      if (bucket === undefined) continue;
      bucket.llmCalls++;
      bucket.tokensPrompt += call.usage.inputTokens ?? 0;
      bucket.tokensCompletion += call.usage.outputTokens ?? 0;
      bucket.tokensCacheRead += call.usage.cacheReadTokens ?? 0;
      bucket.tokensCacheCreation += call.usage.cacheCreationTokens ?? 0;
      bucket.costUsd += call.costUsd ?? 0;
      const remote = call.remoteEnergy;
      if (remote !== undefined) {
        bucket.remoteMinJoules += remote.minJoules ?? remote.joules;
        bucket.remoteMaxJoules += remote.maxJoules ?? remote.joules;
      }
    }
    for (const tool of units.tool) {
      const bucket = this._bucketOfNode(forest, tool.top);
      if (bucket === undefined) continue;
      bucket.toolCalls++;
      if (!tool.failed) bucket.toolSuccesses++;
    }
    for (const root of energyRoots(forest)) {
      const bucket = this._bucketOfNode(forest, root);
      if (bucket === undefined) continue;
      const share = fairShare(forest.nodes[root]!.energy!);
      bucket.energyJoules += share.joules ?? 0;
      bucket.energyGpuJoules += share.gpuJoules ?? 0;
      bucket.energyCpuJoules += share.cpuJoules ?? 0;
    }
  }

  /** The bucket in which node `i` of `forest` ended, if it is in the window. */
  private _bucketOfNode(forest: SpanForest, i: number): BucketState | undefined {
    return this._buckets.get(bucketStartOf(forest.nodes[i]!.span.endMs, this._window.granularity));
  }

  /** The rows, in the window's bucket order, with trace-keyed sessions merged into their conversations. */
  rows(gridIntensityGPerKwh?: number): KpiRow[] {
    this._traces.flush();
    const sessions = this._sessions;
    const final = sessions.resolve();
    for (let s = 0; s < final.length; s++) {
      if (final[s] !== s) continue;
      const ttfa = sessions.ttfaSeconds(s);
      if (ttfa === undefined) continue;
      this._buckets.get(bucketStartOf(sessions.firstToolEndMs(s), this._window.granularity))?.ttfaSeconds.push(ttfa);
    }
    const states = this._window.buckets.map((b) => this._buckets.get(b.startMs)!);
    // Trace-keyed sessions merged into their conversations, their flags OR-ed, then each (bucket, session) counted once.
    const merged = new Hash64Table();
    this._bucketSessions.forEach((bucket, session, flags) => merged.orValue(bucket, final[session]!, flags));
    merged.forEach((bucket, session, flags) => {
      const state = states[bucket]!;
      state.countSession(flags);
      // The seed's `user_id or session_id`: a session without a user counts as its own user.
      if (this._bucketUsers.orValue(bucket, sessions.userOrIdKey(session), 0)) state.users++;
    });
    return states.map((state) => state.toRow(gridIntensityGPerKwh));
  }
}
