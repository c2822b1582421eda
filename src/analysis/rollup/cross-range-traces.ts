import { closeSync, openSync, readSync } from 'node:fs';
import { readGenAiSpan } from '../model/genai-span.js';
import { SpanForest } from '../model/span-forest.js';
import { readLineSpans } from '../otlp/read-spans.js';
import type { SpanRecord } from '../otlp/span-record.js';
import type { KpiAggregator } from './aggregator.js';
import type { RangeTraces } from './range-result.js';
import { rollupReadsAttribute, validateRollupSpan } from './span-schema.js';

/** Where a span is: the k-th valid span of the line at bytes [start, end) of a file. */
interface SpanRef {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly line: number;
  readonly index: number;
}

/** A trace waiting for its root across a range's end: its spans so far. */
interface OpenTrace {
  readonly hi: number;
  readonly lo: number;
  refs: SpanRef[];
}

/** A trace the main thread completes itself: where it sits in its range's input order, and its spans. */
interface Redone {
  readonly place: number;
  readonly tie: number;
  readonly refs: SpanRef[];
}

/**
 * The traces of the rollup's worker threads, taken in range by range in input order, as one thread's trace assembler
 * (model/trace-assembler.ts) would have completed them. A worker completes the traces whose root is in its range and
 * knows nothing of the ranges before: a trace still open when its range ended (its root not seen) may go on in the
 * next. For each range, this replays the assembler's rules for just those traces over the range's span list (trace
 * keys and roots), completes them at the place one thread would have, reading their spans back from the files (a
 * few lines), drops the range's own version of them, and replays everything else from the range's log of additions
 * (trace-sums.ts) in the same order. What stays open to the end is completed by {@link flush}, as the assembler does.
 */
export class CrossRangeTraces {
  /** Open traces, in the order they were opened (the order the assembler's flush hands them on). */
  private readonly _open = new Map<string, OpenTrace>();

  constructor(private readonly _aggregator: KpiAggregator) {}

  /** Takes in one range's traces after the ranges before it. `lineBase`: the file's lines before the range. */
  takeRange(r: RangeTraces, file: string, lineBase: number): void {
    const ref = (j: number, line: number): SpanRef => ({
      file,
      start: r.lineStart[line]!,
      end: r.lineEnd[line]!,
      line: lineBase + r.lineNumber[line]!,
      index: j - (line > 0 ? r.lineSpanEnd[line - 1]! : 0),
    });
    // The spans of the traces open before the range and of those open at its end.
    const watched = new Map<number, Array<{ hi: number; lo: number; held: OpenTrace | undefined; first: number; spans: number[] }>>();
    const watch = (hi: number, lo: number, held: OpenTrace | undefined, first: number): void => {
      const list = watched.get(lo);
      if (list?.some((w) => w.hi === hi)) return;
      const entry = { hi, lo, held, first, spans: [] as number[] };
      if (list === undefined) watched.set(lo, [entry]);
      else list.push(entry);
    };
    for (const held of this._open.values()) watch(held.hi, held.lo, held, -1);
    for (const first of r.openFirsts) watch(r.traceHi[first]!, r.traceLo[first]!, undefined, first);
    if (watched.size > 0) {
      const lo = r.traceLo;
      const hi = r.traceHi;
      for (let j = 0; j < lo.length; j++) {
        const list = watched.get(lo[j]!);
        if (list === undefined) continue;
        for (const w of list) if (w.hi === hi[j]) w.spans.push(j);
      }
    }

    // Traces open before the range that go on in it: completed here as one thread would, the range's own version dropped.
    const redone: Redone[] = [];
    const dropped = new Set<string>();
    const opened: Array<{ first: number; trace: OpenTrace }> = [];
    for (const list of watched.values()) {
      for (const w of list) {
        const key = keyOf(w.hi, w.lo);
        if (w.held === undefined) {
          if (this._open.has(key)) continue;
          // Open at the range's end, opened in it: its spans from its first on.
          opened.push({ first: w.first, trace: { hi: w.hi, lo: w.lo, refs: w.spans.filter((j) => j >= w.first).map((j) => ref(j, lineOf(r, j))) } });
          continue;
        }
        if (w.spans.length === 0) continue;
        dropped.add(key);
        const { forests, open, continued } = replayAssembler(w.held.refs, w.spans, r, ref);
        redone.push(...forests);
        if (open === undefined) this._open.delete(key);
        else if (continued) w.held.refs = open.refs;
        else {
          this._open.delete(key);
          opened.push({ first: open.first, trace: { hi: w.hi, lo: w.lo, refs: open.refs } });
        }
      }
    }

    // Every completed trace in input order: the range's own (replayed from its log) and the redone ones.
    redone.sort((a, b) => a.place - b.place || a.tie - b.tie);
    const redoneSpans = readSpansAt(redone.map((x) => x.refs));
    let next = 0;
    let logAt = 0;
    const n = r.forestFirst.length;
    for (let k = 0; k < n; k++) {
      const place = r.forestPlace[k]!;
      const first = r.forestFirst[k]!;
      while (next < redone.length && (redone[next]!.place < place || (redone[next]!.place === place && redone[next]!.tie < first))) this._complete(redoneSpans[next++]!);
      const logEnd = r.forestLogEnd[k]!;
      if (dropped.size === 0 || !dropped.has(keyOf(r.traceHi[first]!, r.traceLo[first]!))) {
        for (let i = logAt; i < logEnd; i++) this._aggregator.addTraceSum(r.logCell[i]!, r.logValue[i]!);
      }
      logAt = logEnd;
    }
    while (next < redone.length) this._complete(redoneSpans[next++]!);
    for (const { trace } of opened.sort((a, b) => a.first - b.first)) this._open.set(keyOf(trace.hi, trace.lo), trace);
  }

  /** The end of the input: every trace still open is handed on, in the order it was opened. */
  flush(): void {
    for (const spans of readSpansAt([...this._open.values()].map((trace) => trace.refs))) this._complete(spans);
    this._open.clear();
  }

  /** Counts one trace from its spans. */
  private _complete(spans: readonly SpanRecord[]): void {
    this._aggregator.addTrace(SpanForest.fromOwnedViews(spans.map(readGenAiSpan)));
  }
}

/**
 * The trace assembler's rules (model/trace-assembler.ts) for one trace over a range: `held`, the spans it had from
 * earlier ranges, then its spans `spans` here (indexes into the range). A root after other spans completes the trace
 * at once; a root that comes first waits for the end of its line, taking the spans of the trace after it in that
 * line; spans after a completion open a new trace. Returns the completed traces with their places in input order,
 * and what is still open at the range's end (`continued` when that is `held` still waiting).
 */
function replayAssembler(
  held: SpanRef[],
  spans: readonly number[],
  r: RangeTraces,
  ref: (j: number, line: number) => SpanRef,
): { forests: Redone[]; open?: { refs: SpanRef[]; first: number }; continued: boolean } {
  const forests: Redone[] = [];
  let open: { refs: SpanRef[]; first: number } | undefined = { refs: [...held], first: -1 };
  let waiting: { refs: SpanRef[]; first: number; line: number } | undefined;
  const lineEndPlace = (line: number): number => 2 * (r.lineSpanEnd[line]! - 1) + 1;
  for (const j of spans) {
    const line = lineOf(r, j);
    if (waiting !== undefined && waiting.line !== line) {
      forests.push({ place: lineEndPlace(waiting.line), tie: waiting.first, refs: waiting.refs });
      waiting = undefined;
    }
    const at = ref(j, line);
    if (waiting !== undefined) {
      waiting.refs.push(at);
      continue;
    }
    if (open === undefined) open = { refs: [at], first: j };
    else open.refs.push(at);
    if (r.root[j] !== 1) continue;
    if (open.refs.length > 1) forests.push({ place: 2 * j, tie: j, refs: open.refs });
    else waiting = { refs: open.refs, first: j, line };
    open = undefined;
  }
  if (waiting !== undefined) forests.push({ place: lineEndPlace(waiting.line), tie: waiting.first, refs: waiting.refs });
  return { forests, open, continued: open !== undefined && open.first === -1 };
}

/** The line (index into the range's line tables) of span j. */
function lineOf(r: RangeTraces, j: number): number {
  const ends = r.lineSpanEnd;
  let lo = 0;
  let hi = ends.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ends[mid]! > j) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function keyOf(hi: number, lo: number): string {
  return `${hi}:${lo}`;
}

/**
 * The spans at each list of `refs`, read back from their files: each line read and scanned once for all the lists,
 * and only the spans asked for kept.
 */
function readSpansAt(lists: ReadonlyArray<readonly SpanRef[]>): SpanRecord[][] {
  const wanted = new Map<string, { at: SpanRef; spans: Map<number, SpanRecord | undefined> }>();
  const keyOfLine = (at: SpanRef): string => `${at.start}\u0000${at.file}`;
  for (const refs of lists) {
    for (const at of refs) {
      const key = keyOfLine(at);
      let line = wanted.get(key);
      if (line === undefined) wanted.set(key, (line = { at, spans: new Map() }));
      line.spans.set(at.index, undefined);
    }
  }
  for (const { at, spans } of wanted.values()) {
    const read = readLineSpans(readLine(at), 0, at.end - at.start, at.file, at.line, rollupReadsAttribute, { validate: validateRollupSpan });
    for (const index of spans.keys()) spans.set(index, read[index]);
  }
  return lists.map((refs) =>
    refs.map((at) => {
      const span = wanted.get(keyOfLine(at))!.spans.get(at.index);
      if (span === undefined) throw new Error(`${at.file}:${at.line}: the file changed while it was read`);
      return span;
    }),
  );
}

/** The bytes of the line `at` is in. */
function readLine(at: SpanRef): Buffer {
  const bytes = Buffer.allocUnsafe(at.end - at.start);
  const fd = openSync(at.file, 'r');
  try {
    for (let done = 0; done < bytes.length; ) {
      const n = readSync(fd, bytes, done, bytes.length - done, at.start + done);
      if (n <= 0) throw new Error(`${at.file}:${at.line}: the file changed while it was read`);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}
