import { finite, flag, text } from '../model/attribute-value.js';
import { subtreeEnergy, type EnergyTotals } from '../model/energy-rule.js';
import { readGenAiSpan, type GenAiSpan } from '../model/genai-span.js';
import { forestUnits, type ForestUnits, type GenAiUnit } from '../model/genai-units.js';
import { queryAttribute, queryResolved, queryRoot } from '../model/query-outcome.js';
import { addRemoteEstimate, emptyRemoteTotals, type RemoteEnergyTotals } from '../model/remote-totals.js';
import { SpanForest } from '../model/span-forest.js';
import type { SpanRecord } from '../otlp/span-record.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_OPENJOULES_QUERY_ACCURACY,
  ATTR_OPENJOULES_QUERY_COMPLETED,
  ATTR_OPENJOULES_TURN_INDEX,
  ATTR_OPENJOULES_WORKLOAD_TYPE,
  EVENT_OPENJOULES_RETRY_ATTEMPT,
} from '../../semconv.js';
import { fsum, makeQueryTrace, makeTurnTrace, type QueryTrace, type TurnTrace } from './trace.js';

export type { QueryTrace, TurnTrace } from './trace.js';
export {
  avgCpuPowerWatts,
  avgGpuPowerWatts,
  energyPerTokenJoules,
  makeQueryTrace,
  makeTurnTrace,
  numTurns,
  throughputTokensPerSec,
  totalCostUsd,
  totalCpuEnergyJoules,
  totalGpuEnergyJoules,
  totalInputTokens,
  totalOutputTokens,
  totalTokens,
  totalToolCalls,
} from './trace.js';

/** One query's spans as the analysis layer sees them. */
interface Query {
  readonly forest: SpanForest;
  readonly units: ForestUnits;
}

/**
 * Maps spans (any order, any number of traces) to the seed's QueryTraces: one per conversation
 * (`gen_ai.conversation.id`, else the trace) that holds at least one GenAI span, ordered by start. The turns are its
 * agent turns (analysis/genai-units.ts: nested agent spans count once; a sub-agent run by a tool is a turn of its
 * own); a query without one falls back to its model calls as turns (the seed's legacy `lm_inference_end` path).
 * Energies are fair shares counted once (analysis/energy-rule.ts): a turn's is its own, exclusive of turns nested in
 * it, so concurrent conversations add up to what the devices drew. See the mapping table in the README. Never throws
 * on odd input: a missing value becomes the seed's default.
 */
export function spansToQueryTraces(spans: Iterable<SpanRecord>): QueryTrace[] {
  return spansToQueries(spans).traces;
}

/** {@link spansToQueries}' answer. */
export interface QueriesOfSpans {
  /** What {@link spansToQueryTraces} returns. */
  readonly traces: QueryTrace[];
  /**
   * The hosted-API estimates of the queries' model calls (each call once), or undefined when none carries one. Apart
   * from the QueryTraces, whose energies are measured only (the seed's model has no field for an estimate).
   */
  readonly remoteEnergy?: RemoteEnergyTotals;
}

/** {@link spansToQueryTraces}, plus the hosted-API estimates of the same queries, from one reading of the spans. */
export function spansToQueries(spans: Iterable<SpanRecord>): QueriesOfSpans {
  const byTrace = new Map<string, GenAiSpan[]>();
  for (const span of spans) {
    const view = readGenAiSpan(span);
    const list = byTrace.get(span.traceId);
    if (list) list.push(view);
    else byTrace.set(span.traceId, [view]);
  }
  // A conversation whose turns are separate traces (one root per turn) is one query: traces group by their
  // conversation id, and a trace with none is a query of its own.
  const byQuery = new Map<string, GenAiSpan[]>();
  for (const [traceId, list] of byTrace) {
    const conversation = list.find((v) => v.conversationId !== undefined)?.conversationId;
    const key = conversation === undefined ? `trace:${traceId}` : `conversation:${conversation}`;
    const group = byQuery.get(key);
    if (group) group.push(...list);
    else byQuery.set(key, list);
  }
  const out: { start: number; trace: QueryTrace }[] = [];
  const remote = emptyRemoteTotals();
  for (const list of byQuery.values()) {
    if (!list.some((v) => v.operation !== undefined)) continue;
    const forest = SpanForest.fromViews(list);
    const query: Query = { forest, units: forestUnits(forest) };
    const roots = forest.roots;
    out.push({ start: forest.nodes[roots[0]!]!.span.startMs, trace: toQueryTrace(list[0]!.span.traceId, query) });
    for (const call of query.units.model) addRemoteEstimate(remote, call);
  }
  const traces = out.sort((a, b) => a.start - b.start).map((entry) => entry.trace);
  return remote.calls > 0 ? { traces, remoteEnergy: remote } : { traces };
}

function toQueryTrace(traceId: string, query: Query): QueryTrace {
  const { forest, units } = query;
  const roots = forest.roots.map((i) => forest.nodes[i]!.span);
  // A complete trace has one root; an incomplete one (a parent never exported) has orphans, so the earliest true
  // root wins and the wall clock covers every span.
  const root = queryRoot(forest);
  const wallS =
    roots.length === 1
      ? durationS(root)
      : (forest.nodes.reduce((max, v) => Math.max(max, v.span.endMs), -Infinity) - forest.nodes.reduce((min, v) => Math.min(min, v.span.startMs), Infinity)) / 1000;
  // The query's energy: every root's subtree, each joule once (roots of concurrent turns never add their inclusive joules).
  const energy = subtreeEnergy(forest);
  const gpu = energy.gpuJoules ?? null;
  const cpu = energy.cpuJoules ?? null;
  const trueRoots = roots.filter((s) => s.parentSpanId === undefined);
  const statusRoots = trueRoots.length > 0 ? trueRoots : [root];
  const rootError = firstAttr(statusRoots, errorOf);
  const spans = forest.nodes.map((v) => v.span);
  const turns = units.agent.length > 0 ? units.agent.map((turn, i) => agentTurn(query, turn, i)) : legacyTurns(query);
  return makeQueryTrace({
    query_id: forest.nodes.find((v) => v.span === root)!.conversationId ?? traceId,
    workload_type:
      text(root.attributes[ATTR_OPENJOULES_WORKLOAD_TYPE]) ??
      firstAttr(spans, (s) => text(s.attributes[ATTR_OPENJOULES_WORKLOAD_TYPE]) ?? null) ??
      text(root.resource[ATTR_OPENJOULES_WORKLOAD_TYPE]) ??
      '',
    turns,
    total_wall_clock_s: wallS,
    completed: flag(root.attributes[ATTR_OPENJOULES_QUERY_COMPLETED]) ?? (rootError === null && statusRoots.every((s) => s.statusCode !== 2)),
    timed_out: rootError !== null && /timeout|timed_out/i.test(rootError),
    query_gpu_energy_joules: gpu,
    query_cpu_energy_joules: cpu,
    query_gpu_power_avg_watts: perSecond(gpu, wallS),
    query_cpu_power_avg_watts: perSecond(cpu, wallS),
    is_resolved: queryResolved(forest),
    accuracy_score: queryAttribute(forest, (s) => finite(s.attributes[ATTR_OPENJOULES_QUERY_ACCURACY])),
    n_retries: spans.reduce((n, s) => n + s.events.filter((e) => e.name === EVENT_OPENJOULES_RETRY_ATTEMPT).length, 0),
  });
}

/** The nearest agent turn enclosing a unit (itself for a turn), or undefined. */
function turnOf(unit: GenAiUnit): GenAiUnit | undefined {
  let u: GenAiUnit | undefined = unit;
  while (u !== undefined && u.kind !== 'agent') u = u.parent;
  return u;
}

/** The nearest enclosing unit of `unit` that is not a tool call, so tools inside tools stay with their caller. */
function isTopTool(unit: GenAiUnit): boolean {
  for (let u = unit.parent; u !== undefined && u.kind !== 'agent'; u = u.parent) if (u.kind === 'tool') return false;
  return true;
}

/**
 * One agent turn. Its tools are the tool calls whose nearest turn it is; its tokens are its own (a turn span that
 * rolls usage up) or else those of its model calls, leaving out sub-model calls (models run by a tool, marked by our
 * API), as the seed counted only the agent's `lm_inference_end` tokens.
 */
function agentTurn(query: Query, turn: GenAiUnit, position: number): TurnTrace {
  const index = finite(turn.topSpan.span.attributes[ATTR_OPENJOULES_TURN_INDEX]);
  const tools = query.units.tool.filter((t) => turnOf(t) === turn);
  const calls = query.units.model.filter((c) => turnOf(c) === turn && !c.subModelCall);
  return buildTurn(query, turn, index !== undefined && Number.isInteger(index) ? index : position, tools, tools.filter(isTopTool), (key) => ownOr(turn.usage[key], calls, key));
}

/** No agent turn: each outermost model call is a turn (sub-model calls left out); tool calls go to the call after them. */
function legacyTurns(query: Query): TurnTrace[] {
  const { forest, units } = query;
  const calls = units.model.filter((c) => !c.subModelCall && !hasAncestorOfKind(c, 'model'));
  const tools = units.tool;
  if (calls.length === 0) {
    // The seed's synthetic turn: events but no complete turn still report their tool calls.
    return tools.length > 0 ? [makeTurnTrace({ turn_index: 0, ...toolFields(forest, tools, tools.filter(isTopTool)) })] : [];
  }
  const byEnd = [...calls].sort((a, b) => a.topSpan.span.endMs - b.topSpan.span.endMs);
  const assigned = new Map<GenAiUnit, GenAiUnit[]>(calls.map((c) => [c, []]));
  for (const tool of tools) {
    const owner =
      calls.find((c) => forest.isAncestor(c.top, tool.top)) ?? byEnd.find((c) => tool.topSpan.span.endMs <= c.topSpan.span.endMs) ?? byEnd[byEnd.length - 1]!;
    assigned.get(owner)!.push(tool);
  }
  return calls.map((call, i) => {
    const own = assigned.get(call)!;
    const top = own.filter((t) => !own.some((o) => o !== t && forest.isAncestor(o.top, t.top)));
    return buildTurn(query, call, i, own, top, (key) => call.usage[key] ?? null);
  });
}

function hasAncestorOfKind(unit: GenAiUnit, kind: GenAiUnit['kind']): boolean {
  for (let u = unit.parent; u !== undefined; u = u.parent) if (u.kind === kind) return true;
  return false;
}

type UsageKey = 'inputTokens' | 'outputTokens' | 'reasoningTokens' | 'cacheReadTokens';

/** The turn's own count when set, else the sum over its calls that carry it; null when none does. */
function ownOr(own: number | undefined, calls: readonly GenAiUnit[], key: UsageKey): number | null {
  if (own !== undefined) return own;
  const values = calls.map((c) => c.usage[key]).filter((v): v is number => v !== undefined);
  return values.length > 0 ? fsum(values) : null;
}

function buildTurn(
  query: Query,
  unit: GenAiUnit,
  index: number,
  tools: readonly GenAiUnit[],
  topTools: readonly GenAiUnit[],
  usage: (key: UsageKey) => number | null,
): TurnTrace {
  const view = unit.topSpan;
  const wall = durationS(view.span);
  const energy: EnergyTotals = unit.energy;
  const gpu = energy.gpuJoules ?? null;
  const cpu = energy.cpuJoules ?? null;
  return makeTurnTrace({
    turn_index: index,
    input_tokens: usage('inputTokens') ?? 0,
    output_tokens: usage('outputTokens') ?? 0,
    reasoning_tokens: usage('reasoningTokens'),
    cached_tokens: usage('cacheReadTokens'),
    ...toolFields(query.forest, tools, topTools),
    wall_clock_s: wall,
    error: errorOf(view.span),
    gpu_energy_joules: gpu,
    cpu_energy_joules: cpu,
    gpu_power_avg_watts: perSecond(gpu, wall),
    cpu_power_avg_watts: perSecond(cpu, wall),
    dram_energy_joules: energy.dramJoules ?? null,
    peak_watts: view.energy?.peakWatts ?? null,
    cost_usd: cost(query, unit),
  });
}

function toolFields(forest: SpanForest, tools: readonly GenAiUnit[], topTools: readonly GenAiUnit[]): Pick<TurnTrace, 'tools_called' | 'tool_latencies_s' | 'has_parallel_tools'> {
  const latencies: Record<string, number> = {};
  const names = tools.map((t) => t.toolName ?? t.topSpan.span.name);
  tools.forEach((tool, i) => (latencies[names[i]!] = (latencies[names[i]!] ?? 0) + durationS(tool.topSpan.span)));
  // Parallel = two tool calls of the turn, neither inside the other, overlapping in time.
  let parallel = false;
  let maxEnd = -Infinity;
  for (const tool of [...topTools].sort((a, b) => a.top - b.top)) {
    const span = forest.nodes[tool.top]!.span;
    if (span.startMs < maxEnd) parallel = true;
    maxEnd = Math.max(maxEnd, span.endMs);
  }
  return { tools_called: names, tool_latencies_s: latencies, has_parallel_tools: parallel };
}

/**
 * Cost of a turn: its own `openjoules.cost.usd`, else the sum over the outermost spans inside that carry one (a call
 * counting once however many spans recorded it; another turn's spans left to that turn).
 */
function cost(query: Query, turn: GenAiUnit): number | null {
  if (turn.costUsd !== undefined) return turn.costUsd;
  const { forest, units } = query;
  const values: number[] = [];
  for (const top of turn.members) {
    forest.walkBelow(top, (i) => {
      const unit = units.unitOf[i];
      if (unit === turn) return false; // another member of this turn: walked from there
      if (unit !== undefined && unit.kind === 'agent') return false;
      const own = unit === undefined ? forest.nodes[i]!.costUsd : unit.top === i ? unit.costUsd : undefined;
      if (own === undefined) return true;
      values.push(own);
      return false;
    });
  }
  return values.length > 0 ? fsum(values) : null;
}

function firstAttr<T>(spans: readonly SpanRecord[], read: (s: SpanRecord) => T | null): T | null {
  for (const span of spans) {
    const value = read(span);
    if (value !== null) return value;
  }
  return null;
}

/** `error.type`, or `_OTHER` (the conventions' fallback) for a span in error without one. */
function errorOf(s: SpanRecord): string | null {
  return text(s.attributes[ATTR_ERROR_TYPE]) ?? (s.statusCode === 2 ? '_OTHER' : null);
}

function durationS(s: SpanRecord): number {
  return Math.max(0, s.endMs - s.startMs) / 1000;
}

function perSecond(joules: number | null, seconds: number): number | null {
  return joules !== null && seconds > 0 ? joules / seconds : null;
}
