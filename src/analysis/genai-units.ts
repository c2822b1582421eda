import { exclusiveEnergy, type EnergyTotals } from './energy-rule.js';
import type { GenAiSpan, OperationKind, TokenUsage } from './genai-span.js';
import type { SpanForest } from './span-forest.js';
import { chunkTimesMs } from './stream-chunks.js';

/** The kinds that form units. */
export type UnitKind = Exclude<OperationKind, 'other'>;

/**
 * One agent turn, model call or tool call, however many spans recorded it. **Nested spans count once:** a span of
 * a kind nested under a span of the same kind, with no span of another GenAI kind between them (only `other` spans),
 * is the same operation seen twice — a user's `withLlmCall` around an auto-instrumented `openai` call, a peer's span
 * around ours, an MCP client's `execute_tool` around the server's. A model call under a tool call (a sub-model call)
 * or under another agent's turn is its own call, and so on for every kind.
 *
 * **Merged fields:** each is taken from the deepest member that has it (the span closest to the wire: the provider's
 * own usage, the response model); at equal depth the later-starting member wins (a retry after a failed attempt).
 * Timing is the outermost member's (the operation as its caller saw it).
 */
export class GenAiUnit {
  /** The nearest enclosing unit of any kind, or undefined at the top of a trace. */
  readonly parent?: GenAiUnit;
  readonly requestModel?: string;
  readonly responseModel?: string;
  readonly provider?: string;
  readonly usage: TokenUsage;
  readonly costUsd?: number;
  /** Seconds from the unit's start (its outermost member's) to the first streamed chunk. */
  readonly ttftSeconds?: number;
  readonly stream?: boolean;
  readonly toolName?: string;
  readonly agentName?: string;
  readonly conversationId?: string;
  /** Any member is marked `openjoules.sub_model_call`. */
  readonly subModelCall: boolean;
  /** Any member ended in error. */
  readonly failed: boolean;
  /** The deepest failed member's error type. */
  readonly errorType?: string;
  /** The member chunk events and the prefill/decode split come from: the deepest one that has them, if any. */
  readonly streamMember?: number;
  private _energy?: EnergyTotals;

  constructor(
    private readonly _forest: SpanForest,
    readonly kind: UnitKind,
    /** Node indexes of every member, outermost first, then in start order. */
    readonly members: readonly number[],
    parent: GenAiUnit | undefined,
    private readonly _nestedTop: (i: number) => boolean,
  ) {
    this.parent = parent;
    const nodes = _forest.nodes;
    const top = members[0]!;
    // Deepest first; at equal depth, later start first. A single span (the common case) needs no ordering.
    const views: GenAiSpan[] = members.length === 1 ? [nodes[top]!] : deepestFirst(_forest, members).map((i) => nodes[i]!);
    const pick = <T>(read: (v: GenAiSpan) => T | undefined): T | undefined => {
      for (const v of views) {
        const value = read(v);
        if (value !== undefined) return value;
      }
      return undefined;
    };
    const only = views.length === 1 ? views[0]! : undefined;
    this.requestModel = only ? only.requestModel : pick((v) => v.requestModel);
    this.responseModel = only ? only.responseModel : pick((v) => v.responseModel);
    this.provider = only ? only.provider : pick((v) => v.provider);
    this.usage = only
      ? only.usage
      : {
          inputTokens: pick((v) => v.usage.inputTokens),
          outputTokens: pick((v) => v.usage.outputTokens),
          cacheReadTokens: pick((v) => v.usage.cacheReadTokens),
          cacheCreationTokens: pick((v) => v.usage.cacheCreationTokens),
          reasoningTokens: pick((v) => v.usage.reasoningTokens),
          totalTokens: pick((v) => v.usage.totalTokens),
        };
    this.costUsd = only ? only.costUsd : pick((v) => v.costUsd);
    // TTFT is measured from the member's own start; shifted to the unit's start.
    const ttftView = only ?? views.find((v) => v.ttftSeconds !== undefined);
    const topStart = nodes[top]!.span.startMs;
    this.ttftSeconds = ttftView?.ttftSeconds === undefined ? undefined : ttftView.ttftSeconds + Math.max(0, ttftView.span.startMs - topStart) / 1000;
    this.stream = only ? only.stream : pick((v) => v.stream);
    this.toolName = only ? only.toolName : pick((v) => (v.kind === 'tool' ? v.toolName : undefined));
    this.agentName = only ? only.agentName : pick((v) => v.agentName);
    this.conversationId = only ? only.conversationId : pick((v) => v.conversationId);
    this.subModelCall = views.some((v) => v.subModelCall);
    const failed = views.find((v) => v.failed);
    this.failed = failed !== undefined;
    this.errorType = failed?.errorType;
    if (kind === 'model') {
      const streamView = views.find((v) => v.energy?.prefillJoules !== undefined || chunkTimesMs(v.span).length > 0);
      this.streamMember = streamView === undefined ? undefined : members.find((i) => nodes[i] === streamView);
    }
  }

  /** Node index of the outermost member. */
  get top(): number {
    return this.members[0]!;
  }

  /** The outermost member's view. */
  get topSpan(): GenAiSpan {
    return this._forest.nodes[this.members[0]!]!;
  }

  /**
   * This unit's joules, exclusive of the units of its kind nested in it (analysis/energy-rule.ts): summed over every
   * unit of a kind, the energy of all of them, each joule once. Worked out on first use, so a command that only
   * counts units never pays for it.
   */
  get energy(): EnergyTotals {
    return (this._energy ??= exclusiveEnergy(this._forest, this.members[0]!, this._nestedTop));
  }
}

/** Units of a forest, by kind, each list in start order of the unit's top; `unitOf[i]` is node i's unit. */
export interface ForestUnits {
  readonly agent: readonly GenAiUnit[];
  readonly model: readonly GenAiUnit[];
  readonly tool: readonly GenAiUnit[];
  readonly unitOf: ReadonlyArray<GenAiUnit | undefined>;
}

/** Groups a forest's agent, model and tool spans into {@link GenAiUnit}s. */
export function forestUnits(forest: SpanForest): ForestUnits {
  const nodes = forest.nodes;
  const n = nodes.length;
  /** Nearest proper ancestor whose kind is not `other`, or -1. */
  const genaiParent: number[] = new Array<number>(n).fill(-1);
  const groupOf: number[] = new Array<number>(n).fill(-1);
  const groups: number[][] = [];
  // Parents before children, so every ancestor is settled first.
  for (const i of forest.topDown) {
    const p = forest.parent[i]!;
    if (p >= 0) genaiParent[i] = nodes[p]!.kind !== 'other' ? p : genaiParent[p]!;
    const kind = nodes[i]!.kind;
    if (kind === 'other') continue;
    const g = genaiParent[i]!;
    if (g >= 0 && nodes[g]!.kind === kind) {
      groupOf[i] = groupOf[g]!;
      groups[groupOf[i]!]!.push(i);
    } else {
      groupOf[i] = groups.length;
      groups.push([i]);
    }
  }
  const isTop: boolean[] = new Array<boolean>(n).fill(false);
  for (const members of groups) isTop[members[0]!] = true;
  const nestedTop = (kind: OperationKind) => (i: number): boolean => isTop[i] === true && nodes[i]!.kind === kind;
  const nested = { agent: nestedTop('agent'), model: nestedTop('model'), tool: nestedTop('tool') };
  // Groups were opened top-down: a unit's parent unit is built before it.
  const units: GenAiUnit[] = [];
  const agent: GenAiUnit[] = [];
  const model: GenAiUnit[] = [];
  const tool: GenAiUnit[] = [];
  for (const members of groups) {
    const top = members[0]!;
    const g = genaiParent[top]!;
    const kind = nodes[top]!.kind as UnitKind;
    if (members.length > 1) members.sort((a, b) => (a === top ? -1 : b === top ? 1 : a - b));
    const unit = new GenAiUnit(forest, kind, members, g >= 0 ? units[groupOf[g]!] : undefined, nested[kind]);
    units.push(unit);
    (kind === 'agent' ? agent : kind === 'model' ? model : tool).push(unit);
  }
  const byStart = (a: GenAiUnit, b: GenAiUnit): number => a.top - b.top;
  return {
    agent: agent.sort(byStart),
    model: model.sort(byStart),
    tool: tool.sort(byStart),
    unitOf: groupOf.map((g) => (g >= 0 ? units[g] : undefined)),
  };
}

/** Members deepest first; at equal depth, later start (higher index) first. */
function deepestFirst(forest: SpanForest, members: readonly number[]): number[] {
  const depth = (i: number): number => {
    let d = 0;
    for (let p = forest.parent[i]!; p >= 0; p = forest.parent[p]!) d++;
    return d;
  };
  return [...members].map((i) => [i, depth(i)] as const).sort((a, b) => b[1] - a[1] || b[0] - a[0]).map(([i]) => i);
}
