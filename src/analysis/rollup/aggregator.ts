import { energyRoots, fairShare } from '../model/energy-rule.js';
import { readGenAiSpan } from '../model/genai-span.js';
import { forestUnits } from '../model/genai-units.js';
import type { SpanForest } from '../model/span-forest.js';
import { TraceAssembler } from '../model/trace-assembler.js';
import type { SpanRecord } from '../otlp/span-record.js';
import * as sc from '../../semconv.js';
import { BucketState, SESSION_FAILED, SESSION_REGENERATED } from './bucket-state.js';
import type { KpiRow } from './kpi-row.js';
import { SessionTable } from './session-table.js';
import { bucketStartOf, type RollupWindow } from './windows.js';

/**
 * Folds spans into per-bucket KPI state in one pass, in any order. What depends on a span alone (spans, sessions,
 * users, events, failures) is counted as it arrives; turns, model calls, tool calls, their tokens and cost, and
 * energy are counted per trace, through the analysis layer's units and energy rule, once the trace's root has
 * arrived (analysis/trace-assembler.ts); call {@link endBatch} after each input line. Memory: one {@link BucketState}
 * per bucket of the window, about 100 bytes per session and 16 per trace (session-table.ts), and the spans of the
 * traces still open.
 */
export class KpiAggregator {
  private readonly _buckets = new Map<number, BucketState>();
  private readonly _sessions = new SessionTable();

  private readonly _traces = new TraceAssembler((forest) => this._addTrace(forest));

  constructor(private readonly _window: RollupWindow) {
    for (const bucket of _window.buckets) this._buckets.set(bucket.startMs, new BucketState(bucket.key));
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
    if (userId !== undefined) bucket.users.add(this._sessions.userKey(userId));
    let flags = 0;
    if (view.kind === 'agent') {
      if (view.failed) flags |= SESSION_FAILED;
      if (attrs[sc.ATTR_OPENJOULES_TURN_REGENERATED] === true) flags |= SESSION_REGENERATED;
    }
    bucket.touch(session, flags);
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
    return this._window.buckets.map((b) => {
      const state = this._buckets.get(b.startMs)!;
      const merged = new Map<number, number>();
      for (const [session, flags] of state.sessions) {
        const into = final[session]!;
        merged.set(into, (merged.get(into) ?? 0) | flags);
      }
      state.sessions.clear();
      for (const [session, flags] of merged) {
        state.sessions.set(session, flags);
        // The seed's `user_id or session_id`: a session without a user counts as its own user.
        state.users.add(sessions.userOrIdKey(session));
      }
      return state.toRow(gridIntensityGPerKwh);
    });
  }
}
