import { energyRoots, fairShare } from '../model/energy-rule.js';
import { forestUnits } from '../model/genai-units.js';
import type { SpanForest } from '../model/span-forest.js';

/**
 * What a whole trace adds to its buckets, field by field: `sums[bucket * TRACE_FIELDS + field]`. The counts are
 * integers; the money and joules are floats, whose sums depend on the order of the additions, so every addition is
 * made in input order (the worker threads log theirs, rollup/range-aggregator.ts, and the main thread replays them).
 */
export const TRACE_FIELDS = 14;
export const F_TURNS = 0;
export const F_LLM_CALLS = 1;
export const F_TOKENS_PROMPT = 2;
export const F_TOKENS_COMPLETION = 3;
export const F_TOKENS_CACHE_READ = 4;
export const F_TOKENS_CACHE_CREATION = 5;
export const F_COST_USD = 6;
export const F_REMOTE_MIN_JOULES = 7;
export const F_REMOTE_MAX_JOULES = 8;
export const F_TOOL_CALLS = 9;
export const F_TOOL_SUCCESSES = 10;
export const F_ENERGY_JOULES = 11;
export const F_ENERGY_GPU_JOULES = 12;
export const F_ENERGY_CPU_JOULES = 13;

/** Where a trace's additions go: `cell` is `bucket * TRACE_FIELDS + field`. */
export interface TraceSumSink {
  add(cell: number, value: number): void;
}

/**
 * One whole trace's additions: its turns, model calls and tool calls (nested spans of a kind count once,
 * analysis/genai-units.ts), each in the bucket where its outermost span ended, and its energy (the fair shares of
 * its energy roots, analysis/energy-rule.ts), each root in the bucket where it ended. Usage, cost and the hosted-API
 * estimate come from model calls only (an agent span may repeat its turn's totals); the estimate is summed apart from
 * the energy. `bucketOf` gives the bucket index of an end time, or -1 outside the window.
 */
export function addTraceSums(forest: SpanForest, bucketOf: (endMs: number) => number, sink: TraceSumSink): void {
  const units = forestUnits(forest);
  const nodes = forest.nodes;
  for (const turn of units.agent) {
    const b = bucketOf(nodes[turn.top]!.span.endMs);
    if (b >= 0) sink.add(b * TRACE_FIELDS + F_TURNS, 1);
  }
  for (const call of units.model) {
    const b = bucketOf(nodes[call.top]!.span.endMs);
    if (b < 0) continue;
    const at = b * TRACE_FIELDS;
    sink.add(at + F_LLM_CALLS, 1);
    sink.add(at + F_TOKENS_PROMPT, call.usage.inputTokens ?? 0);
    sink.add(at + F_TOKENS_COMPLETION, call.usage.outputTokens ?? 0);
    sink.add(at + F_TOKENS_CACHE_READ, call.usage.cacheReadTokens ?? 0);
    sink.add(at + F_TOKENS_CACHE_CREATION, call.usage.cacheCreationTokens ?? 0);
    sink.add(at + F_COST_USD, call.costUsd ?? 0);
    const remote = call.remoteEnergy;
    if (remote !== undefined) {
      sink.add(at + F_REMOTE_MIN_JOULES, remote.minJoules ?? remote.joules);
      sink.add(at + F_REMOTE_MAX_JOULES, remote.maxJoules ?? remote.joules);
    }
  }
  for (const tool of units.tool) {
    const b = bucketOf(nodes[tool.top]!.span.endMs);
    if (b < 0) continue;
    sink.add(b * TRACE_FIELDS + F_TOOL_CALLS, 1);
    if (!tool.failed) sink.add(b * TRACE_FIELDS + F_TOOL_SUCCESSES, 1);
  }
  for (const root of energyRoots(forest)) {
    const node = nodes[root]!;
    const b = bucketOf(node.span.endMs);
    if (b < 0) continue;
    const share = fairShare(node.energy!);
    sink.add(b * TRACE_FIELDS + F_ENERGY_JOULES, share.joules ?? 0);
    sink.add(b * TRACE_FIELDS + F_ENERGY_GPU_JOULES, share.gpuJoules ?? 0);
    sink.add(b * TRACE_FIELDS + F_ENERGY_CPU_JOULES, share.cpuJoules ?? 0);
  }
}

/** A sink that adds straight into a sums array (the one-thread path, and the main thread's replay). */
export class DirectTraceSums implements TraceSumSink {
  constructor(readonly sums: Float64Array) {}

  add(cell: number, value: number): void {
    this.sums[cell]! += value;
  }
}
