import type { AttrValue, SpanRecord } from '../otlp/span-record.js';
import {
  ATTR_ENERGY_CPU_JOULES,
  ATTR_ENERGY_DRAM_JOULES,
  ATTR_ENERGY_GPU_JOULES,
  ATTR_ENERGY_PEAK_WATTS,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_OPENJOULES_COST_USD,
  ATTR_OPENJOULES_QUERY_ACCURACY,
  ATTR_OPENJOULES_QUERY_COMPLETED,
  ATTR_OPENJOULES_QUERY_RESOLVED,
  ATTR_OPENJOULES_SUB_MODEL_CALL,
  ATTR_OPENJOULES_TURN_INDEX,
  ATTR_OPENJOULES_WORKLOAD_TYPE,
  EVENT_OPENJOULES_RETRY_ATTEMPT,
} from '../semconv.js';
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

const LLM_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content']);

/** One trace's spans with the parent/child links resolved. */
interface Tree {
  readonly spans: readonly SpanRecord[];
  readonly byId: ReadonlyMap<string, SpanRecord>;
  readonly children: ReadonlyMap<string, SpanRecord[]>;
}

/**
 * Maps spans (any order, any number of traces) to the seed's QueryTraces: one per trace that holds at least one
 * GenAI span (`gen_ai.operation.name` set), ordered by start. The turns are the outermost `invoke_agent` spans; a
 * trace without one falls back to its LLM spans as turns (the seed's legacy `lm_inference_end` path). See the
 * mapping table in the README. Never throws on odd input: a missing value becomes the seed's default.
 */
export function spansToQueryTraces(spans: Iterable<SpanRecord>): QueryTrace[] {
  const byTrace = new Map<string, SpanRecord[]>();
  for (const span of spans) {
    const list = byTrace.get(span.traceId);
    if (list) list.push(span);
    else byTrace.set(span.traceId, [span]);
  }
  // A conversation whose turns are separate traces (one root per turn) is one query: traces group by their
  // gen_ai.conversation.id, and a trace with none is a query of its own.
  const byQuery = new Map<string, SpanRecord[]>();
  for (const [traceId, list] of byTrace) {
    const conversation = firstAttr(list, (s) => str(s.attributes, ATTR_GEN_AI_CONVERSATION_ID));
    const key = conversation === null ? `trace:${traceId}` : `conversation:${conversation}`;
    const group = byQuery.get(key);
    if (group) group.push(...list);
    else byQuery.set(key, list);
  }
  const out: { start: number; trace: QueryTrace }[] = [];
  for (const list of byQuery.values()) {
    const traceId = list[0]!.traceId;
    if (!list.some((s) => str(s.attributes, ATTR_GEN_AI_OPERATION_NAME) !== null)) continue;
    const tree = buildTree(list);
    const found = tree.spans.filter((s) => s.parentSpanId === undefined || !tree.byId.has(s.parentSpanId));
    // Only a malformed file (a parent cycle) has no root; its earliest span stands in.
    const roots = found.length > 0 ? found : [tree.spans[0]!];
    out.push({ start: roots[0]!.startMs, trace: toQueryTrace(traceId, tree, roots) });
  }
  return out.sort((a, b) => a.start - b.start).map((entry) => entry.trace);
}

function buildTree(list: SpanRecord[]): Tree {
  // Start order (stable), so every list derived from the tree is in start order too.
  const spans = [...list].sort((a, b) => a.startMs - b.startMs);
  const byId = new Map(spans.map((s) => [s.spanId, s] as const));
  const children = new Map<string, SpanRecord[]>();
  for (const span of spans) {
    if (span.parentSpanId === undefined || !byId.has(span.parentSpanId)) continue;
    const siblings = children.get(span.parentSpanId);
    if (siblings) siblings.push(span);
    else children.set(span.parentSpanId, [span]);
  }
  return { spans, byId, children };
}

function toQueryTrace(traceId: string, tree: Tree, roots: SpanRecord[]): QueryTrace {
  // A complete trace has one root; an incomplete one (a parent never exported) has orphans, so the earliest true
  // root wins and the wall clock covers every span.
  const root = roots.find((s) => s.parentSpanId === undefined) ?? roots[0]!;
  const wallS =
    roots.length === 1
      ? durationS(root)
      : (tree.spans.reduce((max, s) => Math.max(max, s.endMs), -Infinity) - tree.spans.reduce((min, s) => Math.min(min, s.startMs), Infinity)) / 1000;
  // Several true roots (a conversation of one trace per turn) add up; inclusive energies of distinct roots do not overlap
  // in time unless the turns ran concurrently.
  const trueRoots = roots.filter((s) => s.parentSpanId === undefined);
  const energyRoots = trueRoots.length > 0 ? trueRoots : [root];
  const gpu = sumOrNull(energyRoots.map((s) => num(s.attributes, ATTR_ENERGY_GPU_JOULES)));
  const cpu = sumOrNull(energyRoots.map((s) => num(s.attributes, ATTR_ENERGY_CPU_JOULES)));
  const rootError = firstAttr(energyRoots, (s) => errorOf(s));
  const agentSpans = outermost(tree, roots, (s) => op(s) === 'invoke_agent');
  return makeQueryTrace({
    query_id: str(root.attributes, ATTR_GEN_AI_CONVERSATION_ID) ?? traceId,
    workload_type:
      str(root.attributes, ATTR_OPENJOULES_WORKLOAD_TYPE) ??
      firstAttr(tree.spans, (s) => str(s.attributes, ATTR_OPENJOULES_WORKLOAD_TYPE)) ??
      str(root.resource, ATTR_OPENJOULES_WORKLOAD_TYPE) ??
      '',
    turns: agentSpans.length > 0 ? agentSpans.map((s, i) => agentTurn(tree, s, i)) : legacyTurns(tree, roots),
    total_wall_clock_s: wallS,
    completed: bool(root.attributes, ATTR_OPENJOULES_QUERY_COMPLETED) ?? (rootError === null && energyRoots.every((s) => s.statusCode !== 2)),
    timed_out: rootError !== null && /timeout|timed_out/i.test(rootError),
    query_gpu_energy_joules: gpu,
    query_cpu_energy_joules: cpu,
    query_gpu_power_avg_watts: perSecond(gpu, wallS),
    query_cpu_power_avg_watts: perSecond(cpu, wallS),
    // The root wins; else the latest span that says (a turn, or the bridge's trajectory_end span after the root ended).
    is_resolved:
      bool(root.attributes, ATTR_OPENJOULES_QUERY_RESOLVED) ??
      firstAttr([...tree.spans].reverse(), (s) => bool(s.attributes, ATTR_OPENJOULES_QUERY_RESOLVED)),
    accuracy_score:
      num(root.attributes, ATTR_OPENJOULES_QUERY_ACCURACY) ??
      firstAttr([...tree.spans].reverse(), (s) => num(s.attributes, ATTR_OPENJOULES_QUERY_ACCURACY)),
    n_retries: tree.spans.reduce((n, s) => n + s.events.filter((e) => e.name === EVENT_OPENJOULES_RETRY_ATTEMPT).length, 0),
  });
}

/** One `invoke_agent` span → one turn. Tokens and cost come from the spans inside unless the turn span has them. */
function agentTurn(tree: Tree, turn: SpanRecord, position: number): TurnTrace {
  const index = num(turn.attributes, ATTR_OPENJOULES_TURN_INDEX);
  const tools = outermostTools(tree, [turn]);
  return buildTurn(tree, turn, Number.isInteger(index) ? index! : position, allTools(tree, [turn]), tools);
}

/** No `invoke_agent` span: each outermost agent-loop LLM span is a turn; tool calls go to the LLM call after them. */
function legacyTurns(tree: Tree, roots: SpanRecord[]): TurnTrace[] {
  const llms = outermost(tree, roots, (s) => isLlm(s) && !isSubModel(s), (s) => isSubModel(s));
  const tools = allTools(tree, roots);
  if (llms.length === 0) {
    // The seed's synthetic turn: events but no complete turn still report their tool calls.
    return tools.length > 0 ? [makeTurnTrace({ turn_index: 0, ...toolFields(tools, outermostTools(tree, roots)) })] : [];
  }
  const byEnd = [...llms].sort((a, b) => a.endMs - b.endMs);
  const assigned = new Map<SpanRecord, SpanRecord[]>(llms.map((s) => [s, []]));
  for (const tool of tools) {
    const owner =
      llms.find((llm) => isAncestor(tree, llm, tool)) ?? byEnd.find((llm) => tool.endMs <= llm.endMs) ?? byEnd[byEnd.length - 1]!;
    assigned.get(owner)!.push(tool);
  }
  return llms.map((llm, i) => {
    const own = assigned.get(llm)!;
    return buildTurn(tree, llm, i, own, own.filter((t) => !own.some((o) => o !== t && isAncestor(tree, o, t))));
  });
}

function buildTurn(tree: Tree, span: SpanRecord, index: number, tools: SpanRecord[], topTools: SpanRecord[]): TurnTrace {
  const wall = durationS(span);
  const gpu = num(span.attributes, ATTR_ENERGY_GPU_JOULES);
  const cpu = num(span.attributes, ATTR_ENERGY_CPU_JOULES);
  return makeTurnTrace({
    turn_index: index,
    input_tokens: usage(tree, span, ATTR_GEN_AI_USAGE_INPUT_TOKENS) ?? 0,
    output_tokens: usage(tree, span, ATTR_GEN_AI_USAGE_OUTPUT_TOKENS) ?? 0,
    reasoning_tokens: usage(tree, span, ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS),
    cached_tokens: usage(tree, span, ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS),
    ...toolFields(tools, topTools),
    wall_clock_s: wall,
    error: errorOf(span),
    gpu_energy_joules: gpu,
    cpu_energy_joules: cpu,
    gpu_power_avg_watts: perSecond(gpu, wall),
    cpu_power_avg_watts: perSecond(cpu, wall),
    dram_energy_joules: num(span.attributes, ATTR_ENERGY_DRAM_JOULES),
    peak_watts: num(span.attributes, ATTR_ENERGY_PEAK_WATTS),
    cost_usd: cost(tree, span),
  });
}

function toolFields(tools: SpanRecord[], topTools: SpanRecord[]): Pick<TurnTrace, 'tools_called' | 'tool_latencies_s' | 'has_parallel_tools'> {
  const latencies: Record<string, number> = {};
  for (const tool of tools) latencies[toolName(tool)] = (latencies[toolName(tool)] ?? 0) + durationS(tool);
  // Parallel = two tool calls of the turn, neither inside the other, overlapping in time.
  let parallel = false;
  let maxEnd = -Infinity;
  for (const tool of [...topTools].sort((a, b) => a.startMs - b.startMs)) {
    if (tool.startMs < maxEnd) parallel = true;
    maxEnd = Math.max(maxEnd, tool.endMs);
  }
  return { tools_called: tools.map(toolName), tool_latencies_s: latencies, has_parallel_tools: parallel };
}

/**
 * A token count for a turn: the turn span's own attribute when set (an instrumentation that rolls usage up),
 * else the sum over the outermost agent-loop LLM spans inside that carry it. Sub-model calls (models run by a tool)
 * are left out, as the seed counted only the agent's `lm_inference_end` tokens; their joules are in the turn's
 * inclusive energy anyway. Null when no span has the attribute.
 */
function usage(tree: Tree, turn: SpanRecord, key: string): number | null {
  const own = num(turn.attributes, key);
  if (own !== null) return own;
  const values: number[] = [];
  walk(tree, turn, (s) => {
    if (isSubModel(s)) return false;
    const v = isLlm(s) ? num(s.attributes, key) : null;
    if (v === null) return true;
    values.push(v);
    return false;
  });
  return values.length > 0 ? fsum(values) : null;
}

/** Cost of a turn: its own `openjoules.cost.usd`, else the sum over the outermost spans inside that carry one. */
function cost(tree: Tree, turn: SpanRecord): number | null {
  const own = num(turn.attributes, ATTR_OPENJOULES_COST_USD);
  if (own !== null) return own;
  const values: number[] = [];
  walk(tree, turn, (s) => {
    const v = num(s.attributes, ATTR_OPENJOULES_COST_USD);
    if (v === null) return true;
    values.push(v);
    return false;
  });
  return values.length > 0 ? fsum(values) : null;
}

/** Visits the descendants of `span` depth-first in start order; `visit` returns whether to go below a span. */
function walk(tree: Tree, span: SpanRecord, visit: (s: SpanRecord) => boolean): void {
  const stack = [...(tree.children.get(span.spanId) ?? [])].reverse();
  const seen = new Set<SpanRecord>([span]);
  while (stack.length > 0) {
    const s = stack.pop()!;
    if (seen.has(s)) continue; // a malformed file can hold a parent cycle
    seen.add(s);
    if (visit(s)) stack.push(...[...(tree.children.get(s.spanId) ?? [])].reverse());
  }
}

/** Spans matching `match` with no matching ancestor, under (or at) `tops`, in start order; `stop` prunes a subtree. */
function outermost(tree: Tree, tops: SpanRecord[], match: (s: SpanRecord) => boolean, stop: (s: SpanRecord) => boolean = () => false): SpanRecord[] {
  const found: SpanRecord[] = [];
  for (const top of tops) {
    if (match(top)) {
      found.push(top);
      continue;
    }
    if (stop(top)) continue;
    walk(tree, top, (s) => {
      if (match(s)) found.push(s);
      return !match(s) && !stop(s);
    });
  }
  return found.sort((a, b) => a.startMs - b.startMs);
}

function allTools(tree: Tree, tops: SpanRecord[]): SpanRecord[] {
  const found = tops.filter(isTool);
  for (const top of tops) {
    walk(tree, top, (s) => {
      if (isTool(s)) found.push(s);
      return true;
    });
  }
  return found.sort((a, b) => a.startMs - b.startMs);
}

function outermostTools(tree: Tree, tops: SpanRecord[]): SpanRecord[] {
  return outermost(tree, tops, isTool);
}

function isAncestor(tree: Tree, ancestor: SpanRecord, span: SpanRecord): boolean {
  let parentId = span.parentSpanId;
  for (let hops = 0; parentId !== undefined && hops < tree.spans.length; hops++) {
    if (parentId === ancestor.spanId) return true;
    parentId = tree.byId.get(parentId)?.parentSpanId;
  }
  return false;
}

function firstAttr<T>(spans: readonly SpanRecord[], read: (s: SpanRecord) => T | null): T | null {
  for (const span of spans) {
    const value = read(span);
    if (value !== null) return value;
  }
  return null;
}

const op = (s: SpanRecord): string | null => str(s.attributes, ATTR_GEN_AI_OPERATION_NAME);
const isLlm = (s: SpanRecord): boolean => LLM_OPERATIONS.has(op(s) ?? '');
const isTool = (s: SpanRecord): boolean => op(s) === 'execute_tool';
const isSubModel = (s: SpanRecord): boolean => isLlm(s) && bool(s.attributes, ATTR_OPENJOULES_SUB_MODEL_CALL) === true;

function toolName(s: SpanRecord): string {
  return str(s.attributes, ATTR_GEN_AI_TOOL_NAME) ?? (s.name.startsWith('execute_tool ') ? s.name.slice(13) : s.name);
}

/** `error.type`, or `_OTHER` (the conventions' fallback) for a span in error without one. */
function errorOf(s: SpanRecord): string | null {
  return str(s.attributes, ATTR_ERROR_TYPE) ?? (s.statusCode === 2 ? '_OTHER' : null);
}

function durationS(s: SpanRecord): number {
  return Math.max(0, s.endMs - s.startMs) / 1000;
}

function perSecond(joules: number | null, seconds: number): number | null {
  return joules !== null && seconds > 0 ? joules / seconds : null;
}

function num(attrs: Readonly<Record<string, AttrValue>>, key: string): number | null {
  const v = attrs[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function str(attrs: Readonly<Record<string, AttrValue>>, key: string): string | null {
  const v = attrs[key];
  return typeof v === 'string' ? v : null;
}

function bool(attrs: Readonly<Record<string, AttrValue>>, key: string): boolean | null {
  const v = attrs[key];
  if (typeof v === 'boolean') return v;
  // Some exporters stringify booleans.
  return v === 'true' ? true : v === 'false' ? false : null;
}

/** Sum of the non-null values, or null when there are none (the seed's Optional sums). */
function sumOrNull(values: ReadonlyArray<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : present.reduce((a, b) => a + b, 0);
}
