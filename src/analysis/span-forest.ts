import type { SpanRecord } from '../otlp/span-record.js';
import { readGenAiSpan, type GenAiSpan } from './genai-span.js';

/**
 * Spans of one or more traces with their parent links resolved: nodes are indexes into {@link SpanForest.nodes}
 * (start order). A span whose parent is not among them is a root here (a true root, or an orphan whose parent was
 * never exported). A parent cycle (only a malformed file has one) is cut where it closes, so every walk ends.
 * Plain arrays, not typed ones: `rollup` builds one forest per trace, and most traces are small.
 */
export class SpanForest {
  /** Every span's GenAI view, in start order (ties keep input order). */
  readonly nodes: readonly GenAiSpan[];
  /** Parent index of each node, or -1 for a root. */
  readonly parent: readonly number[];
  /** Root indexes, in start order. */
  readonly roots: readonly number[];
  /** Node indexes with every parent before its children (depth-first from the roots, in start order). */
  readonly topDown: readonly number[];
  private readonly _children: number[][];

  private constructor(nodes: GenAiSpan[]) {
    this.nodes = nodes;
    const n = nodes.length;
    const parent: number[] = new Array<number>(n).fill(-1);
    // Keyed by the span id alone when all spans share one trace (the common case: no string joins).
    const traceId = nodes[0]?.span.traceId;
    const joined = !nodes.every((v) => v.span.traceId === traceId);
    const ids = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const span = nodes[i]!.span;
      const key = joined ? `${span.traceId}/${span.spanId}` : span.spanId;
      if (!ids.has(key)) ids.set(key, i);
    }
    for (let i = 0; i < n; i++) {
      const span = nodes[i]!.span;
      if (span.parentSpanId === undefined) continue;
      const p = ids.get(joined ? `${span.traceId}/${span.parentSpanId}` : span.parentSpanId);
      if (p !== undefined && p !== i) parent[i] = p;
    }
    cutCycles(parent);
    const children: number[][] = new Array<number[]>(n);
    for (let i = 0; i < n; i++) children[i] = [];
    const roots: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = parent[i]!;
      if (p < 0) roots.push(i);
      else children[p]!.push(i);
    }
    const topDown: number[] = [];
    const stack = roots.slice().reverse();
    while (stack.length > 0) {
      const i = stack.pop()!;
      topDown.push(i);
      const kids = children[i]!;
      for (let k = kids.length - 1; k >= 0; k--) stack.push(kids[k]!);
    }
    this.parent = parent;
    this.roots = roots;
    this.topDown = topDown;
    this._children = children;
  }

  /** A forest over spans (any order, any number of traces). */
  static fromSpans(spans: Iterable<SpanRecord>): SpanForest {
    const views: GenAiSpan[] = [];
    for (const span of spans) views.push(readGenAiSpan(span));
    return SpanForest.fromViews(views);
  }

  /** A forest over spans already read as GenAI views. */
  static fromViews(views: readonly GenAiSpan[]): SpanForest {
    // A stable sort by start: every list derived from the forest is in start order too.
    return new SpanForest(views.length < 2 ? [...views] : [...views].sort((a, b) => a.span.startMs - b.span.startMs));
  }

  /** Child indexes of a node, in start order. */
  children(i: number): readonly number[] {
    return this._children[i]!;
  }

  /** True when `ancestor` is a proper ancestor of `i`. */
  isAncestor(ancestor: number, i: number): boolean {
    for (let p = this.parent[i]!; p >= 0; p = this.parent[p]!) if (p === ancestor) return true;
    return false;
  }

  /** Visits the subtree under `top` (not `top` itself) depth-first in start order; `visit` says whether to go below. */
  walkBelow(top: number, visit: (i: number) => boolean): void {
    const stack = [...this._children[top]!].reverse();
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (!visit(i)) continue;
      const kids = this._children[i]!;
      for (let k = kids.length - 1; k >= 0; k--) stack.push(kids[k]!);
    }
  }
}

/** Cuts each parent cycle at the link that closes it (the node found twice on a walk up becomes a root). */
function cutCycles(parent: number[]): void {
  const state = new Array<number>(parent.length).fill(0); // 0 unseen, 1 on the current walk, 2 done
  const path: number[] = [];
  for (let start = 0; start < parent.length; start++) {
    if (state[start] !== 0) continue;
    let i = start;
    while (i >= 0 && state[i] === 0) {
      state[i] = 1;
      path.push(i);
      i = parent[i]!;
    }
    if (i >= 0 && state[i] === 1) parent[path[path.length - 1]!] = -1;
    for (const p of path) state[p] = 2;
    path.length = 0;
  }
}
