import { exclusiveEnergy, type EnergyTotals } from './energy-rule.js';
import type { GenAiSpan, OperationKind, RemoteEnergy, TokenUsage } from './genai-span.js';
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
  /** The merged fields: the span itself for a unit of one span (the common case), else merged once here. */
  private readonly _fields: MergedFields;
  private _energy?: EnergyTotals;
  private _streamMember?: number | null;

  constructor(
    private readonly _forest: SpanForest,
    readonly kind: UnitKind,
    /** Node indexes of every member, outermost first, then in start order. */
    readonly members: readonly number[],
    parent: GenAiUnit | undefined,
    /** Per node: whether it is the outermost member of its unit (shared by the forest's units). */
    private readonly _isTop: readonly boolean[],
  ) {
    this.parent = parent;
    this._fields = members.length === 1 ? _forest.nodes[members[0]!]! : merge(_forest, members);
  }

  get requestModel(): string | undefined {
    return this._fields.requestModel;
  }
  get responseModel(): string | undefined {
    return this._fields.responseModel;
  }
  get provider(): string | undefined {
    return this._fields.provider;
  }
  get usage(): TokenUsage {
    return this._fields.usage;
  }
  /** US dollars. */
  get costUsd(): number | undefined {
    return this._fields.costUsd;
  }
  /** Seconds from the unit's start (its outermost member's) to the first streamed chunk. */
  get ttftSeconds(): number | undefined {
    return this._fields.ttftSeconds;
  }
  get stream(): boolean | undefined {
    return this._fields.stream;
  }
  get toolName(): string | undefined {
    return this.kind === 'tool' ? this._fields.toolName : undefined;
  }
  get agentName(): string | undefined {
    return this._fields.agentName;
  }
  get conversationId(): string | undefined {
    return this._fields.conversationId;
  }
  /** Any member is marked `openjoules.sub_model_call`. */
  get subModelCall(): boolean {
    return this._fields.subModelCall;
  }
  /** Any member ended in error. */
  get failed(): boolean {
    return this._fields.failed;
  }
  /** The deepest failed member's error type. */
  get errorType(): string | undefined {
    return this._fields.errorType;
  }
  /**
   * The hosted-API estimate (`energy.remote.*`) of the deepest member that carries one: the call once, however many of
   * its spans were estimated. Apart from {@link energy}: never part of a measured total.
   */
  get remoteEnergy(): RemoteEnergy | undefined {
    return this._fields.remoteEnergy;
  }

  /** The member chunk events and the prefill/decode split come from: the deepest one that has them, if any. */
  get streamMember(): number | undefined {
    if (this._streamMember === undefined) {
      const nodes = this._forest.nodes;
      const order = this.members.length === 1 ? this.members : deepestFirst(this._forest, this.members);
      this._streamMember = order.find((i) => nodes[i]!.energy?.prefillJoules !== undefined || chunkTimesMs(nodes[i]!.span).length > 0) ?? null;
    }
    return this._streamMember ?? undefined;
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
    if (this._energy === undefined) {
      const { _forest: forest, _isTop: isTop, kind } = this;
      this._energy = exclusiveEnergy(forest, this.members[0]!, (i) => isTop[i] === true && forest.nodes[i]!.kind === kind);
    }
    return this._energy;
  }
}

/** The fields a unit merges from its members (a GenAiSpan has them all). */
type MergedFields = Pick<
  GenAiSpan,
  'requestModel' | 'responseModel' | 'provider' | 'usage' | 'costUsd' | 'ttftSeconds' | 'stream' | 'toolName' | 'agentName' | 'conversationId' | 'subModelCall' | 'failed' | 'errorType' | 'remoteEnergy'
>;

/** Each field from the deepest member that has it (at equal depth the later-starting one); TTFT from the unit's start. */
function merge(forest: SpanForest, members: readonly number[]): MergedFields {
  const views = deepestFirst(forest, members).map((i) => forest.nodes[i]!);
  const pick = <T>(read: (v: GenAiSpan) => T | undefined): T | undefined => {
    for (const v of views) {
      const value = read(v);
      if (value !== undefined) return value;
    }
    return undefined;
  };
  // TTFT is measured from the member's own start; shifted to the unit's start.
  const topStart = forest.nodes[members[0]!]!.span.startMs;
  const ttftView = views.find((v) => v.ttftSeconds !== undefined);
  const failed = views.find((v) => v.failed);
  return {
    requestModel: pick((v) => v.requestModel),
    responseModel: pick((v) => v.responseModel),
    provider: pick((v) => v.provider),
    usage: {
      inputTokens: pick((v) => v.usage.inputTokens),
      outputTokens: pick((v) => v.usage.outputTokens),
      cacheReadTokens: pick((v) => v.usage.cacheReadTokens),
      cacheCreationTokens: pick((v) => v.usage.cacheCreationTokens),
      reasoningTokens: pick((v) => v.usage.reasoningTokens),
      totalTokens: pick((v) => v.usage.totalTokens),
    },
    costUsd: pick((v) => v.costUsd),
    ttftSeconds: ttftView === undefined ? undefined : ttftView.ttftSeconds! + Math.max(0, ttftView.span.startMs - topStart) / 1000,
    stream: pick((v) => v.stream),
    toolName: pick((v) => (v.kind === 'tool' ? v.toolName : undefined)),
    agentName: pick((v) => v.agentName),
    conversationId: pick((v) => v.conversationId),
    subModelCall: views.some((v) => v.subModelCall),
    failed: failed !== undefined,
    errorType: failed?.errorType,
    remoteEnergy: pick((v) => v.remoteEnergy),
  };
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
    const unit = new GenAiUnit(forest, kind, members, g >= 0 ? units[groupOf[g]!] : undefined, isTop);
    units.push(unit);
    (kind === 'agent' ? agent : kind === 'model' ? model : tool).push(unit);
  }
  return new Units(inStartOrder(agent), inStartOrder(model), inStartOrder(tool), groupOf, units);
}

/** {@link ForestUnits}, with `unitOf` built on first use (`rollup` never asks for it). */
class Units implements ForestUnits {
  private _unitOf?: Array<GenAiUnit | undefined>;

  constructor(
    readonly agent: readonly GenAiUnit[],
    readonly model: readonly GenAiUnit[],
    readonly tool: readonly GenAiUnit[],
    private readonly _groupOf: readonly number[],
    private readonly _units: readonly GenAiUnit[],
  ) {}

  get unitOf(): ReadonlyArray<GenAiUnit | undefined> {
    return (this._unitOf ??= this._groupOf.map((g) => (g >= 0 ? this._units[g] : undefined)));
  }
}

/** Units in start order of their tops (node indexes are in start order); most lists already are. */
function inStartOrder(units: GenAiUnit[]): GenAiUnit[] {
  for (let i = 1; i < units.length; i++) if (units[i]!.top < units[i - 1]!.top) return units.sort((a, b) => a.top - b.top);
  return units;
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
