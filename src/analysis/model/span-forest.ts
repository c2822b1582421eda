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
  private readonly _children: readonly (readonly number[])[];

  private constructor(nodes: GenAiSpan[]) {
    this.nodes = nodes;
    const n = nodes.length;
    const parent: number[] = [];
    for (let i = 0; i < n; i++) parent.push(-1);
    linkParents(nodes, parent);
    let shape = treeShape(parent);
    if (shape.topDown.length < n) {
      // Nodes on a parent cycle are reachable from no root: only then is the cycle cut (the rare, malformed case).
      cutCycles(parent);
      shape = treeShape(parent);
    }
    this.parent = parent;
    this.roots = shape.roots;
    this.topDown = shape.topDown;
    this._children = shape.children;
  }

  /** A forest over spans (any order, any number of traces). */
  static fromSpans(spans: Iterable<SpanRecord>): SpanForest {
    const views: GenAiSpan[] = [];
    for (const span of spans) views.push(readGenAiSpan(span));
    return SpanForest.fromViews(views);
  }

  /** A forest over spans already read as GenAI views. */
  static fromViews(views: readonly GenAiSpan[]): SpanForest {
    return new SpanForest(sortByStart(views.slice()));
  }

  /** {@link fromViews} for a list the caller hands over (sorted in place, not copied): the streaming path. */
  static fromOwnedViews(views: GenAiSpan[]): SpanForest {
    return new SpanForest(sortByStart(views));
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

const NO_CHILDREN: number[] = [];
/** Below this many spans, parents are found by a scan instead of a Map (cheaper for the small traces `rollup` sees). */
const SCAN_MAX = 24;

/**
 * `views` sorted by start in place, stably (every list derived from the forest is in start order too): insertion sort
 * for small lists (no comparator calls), else Array.sort.
 */
function sortByStart(out: GenAiSpan[]): GenAiSpan[] {
  if (out.length > SCAN_MAX) return out.sort(compareStart);
  for (let i = 1; i < out.length; i++) {
    const v = out[i]!;
    const t = v.span.startMs;
    let j = i - 1;
    while (j >= 0 && out[j]!.span.startMs > t) {
      out[j + 1] = out[j]!;
      j--;
    }
    out[j + 1] = v;
  }
  return out;
}

function compareStart(a: GenAiSpan, b: GenAiSpan): number {
  return a.span.startMs - b.span.startMs;
}

/** Sets `parent[i]` to the index of span i's parent among `nodes` (the first span with that id in its trace). */
function linkParents(nodes: readonly GenAiSpan[], parent: number[]): void {
  const n = nodes.length;
  if (n <= SCAN_MAX) {
    for (let i = 0; i < n; i++) {
      const span = nodes[i]!.span;
      const want = span.parentSpanId;
      if (want === undefined) continue;
      for (let j = 0; j < n; j++) {
        const other = nodes[j]!.span;
        if (other.spanId === want && other.traceId === span.traceId) {
          if (j !== i) parent[i] = j;
          break;
        }
      }
    }
    return;
  }
  const byTrace = new Map<string, Map<string, number>>();
  for (let i = 0; i < n; i++) {
    const span = nodes[i]!.span;
    let ids = byTrace.get(span.traceId);
    if (ids === undefined) byTrace.set(span.traceId, (ids = new Map()));
    if (!ids.has(span.spanId)) ids.set(span.spanId, i);
  }
  for (let i = 0; i < n; i++) {
    const span = nodes[i]!.span;
    if (span.parentSpanId === undefined) continue;
    const p = byTrace.get(span.traceId)!.get(span.parentSpanId);
    if (p !== undefined && p !== i) parent[i] = p;
  }
}

/** Children lists, roots, and a parents-first order of the nodes reachable from the roots (all of them, unless a cycle). */
function treeShape(parent: readonly number[]): { children: number[][]; roots: number[]; topDown: number[] } {
  const n = parent.length;
  // Leaves (most spans) share one empty list: no allocation per span.
  const children: number[][] = [];
  for (let i = 0; i < n; i++) children.push(NO_CHILDREN);
  const roots: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = parent[i]!;
    if (p < 0) roots.push(i);
    else if (children[p] === NO_CHILDREN) children[p] = [i];
    else children[p]!.push(i);
  }
  const topDown: number[] = [];
  const stack: number[] = [];
  for (let r = roots.length - 1; r >= 0; r--) stack.push(roots[r]!);
  while (stack.length > 0) {
    const i = stack.pop()!;
    topDown.push(i);
    const kids = children[i]!;
    for (let k = kids.length - 1; k >= 0; k--) stack.push(kids[k]!);
  }
  return { children, roots, topDown };
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
