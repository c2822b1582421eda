import type { GenAiSpan } from './genai-span.js';
import { SpanForest } from './span-forest.js';

/**
 * Puts streamed spans back together into whole traces for a one-pass command (`rollup`), holding only the traces
 * still open. Exporters write spans as they end, so a trace's root (its span with no parent) comes after the rest:
 * a root that arrives after other spans of its trace completes it, and the trace is handed on at once. A root that
 * arrives first (a writer that groups a trace's spans, in any order, into one batch) is held to the end of its batch
 * (input line), so the spans after it in that line join it. (Holding every trace to the end of its line kept spans
 * alive across young-generation collections: the rollup bench took 1.3× the CPU.) Memory follows the number of
 * concurrent traces, not the input. What never sees its root (a trace continued in another process's file, an
 * orphan) is handed on at {@link flush}. Spans of a trace arriving after it was handed on (another process's file
 * read later, a child that outlived its root) form a forest of their own: their energy is still counted once (a
 * span whose parent ran in another process is an energy root either way), but same-kind spans split across that
 * boundary are not merged into one unit.
 */
export class TraceAssembler {
  private readonly _open = new Map<string, HeldTrace>();
  /** Traces whose root arrived first in this batch; handed on at its end. */
  private readonly _complete = new Map<string, HeldTrace>();
  /** The trace the last span belonged to and its spans: spans of a trace mostly come in a run, so no map lookup. */
  private _lastTraceId: string | undefined;
  private _last: HeldTrace | undefined;
  /** Spans added so far: the next span's ordinal. */
  private _added = 0;

  /**
   * `onTrace` gets each whole trace, and the ordinal (0 for the first span added, and so on) of its first span: a
   * forest's identity, used by the rollup's worker threads to tell their traces apart (rollup/range-aggregator.ts).
   */
  constructor(private readonly _onTrace: (forest: SpanForest, first: number) => void) {}

  /** Adds one span. */
  add(view: GenAiSpan): void {
    const traceId = view.span.traceId;
    const ordinal = this._added++;
    let list: HeldTrace | undefined;
    if (traceId === this._lastTraceId) list = this._last;
    else {
      list = this._open.get(traceId) ?? this._complete.get(traceId);
      this._lastTraceId = traceId;
    }
    if (list === undefined) {
      list = { views: [view], first: ordinal };
      this._open.set(traceId, list);
    } else {
      list.views.push(view);
    }
    this._last = list;
    if (view.span.parentSpanId !== undefined || !this._open.delete(traceId)) return;
    if (list.views.length > 1) {
      // The root after its spans: the exporters' order. The trace is whole.
      this._lastTraceId = this._last = undefined;
      this._onTrace(SpanForest.fromOwnedViews(list.views), list.first);
    } else {
      this._complete.set(traceId, list);
    }
  }

  /** Marks the end of a batch of input (a line): the traces whose root came first in it are handed on. */
  endBatch(): void {
    if (this._complete.size === 0) return;
    for (const held of this._complete.values()) this._onTrace(SpanForest.fromOwnedViews(held.views), held.first);
    this._complete.clear();
    this._lastTraceId = this._last = undefined;
  }

  /** Hands on every trace, complete or not (the end of the input). */
  flush(): void {
    for (const held of this._complete.values()) this._onTrace(SpanForest.fromOwnedViews(held.views), held.first);
    for (const held of this._open.values()) this._onTrace(SpanForest.fromOwnedViews(held.views), held.first);
    this._complete.clear();
    this._open.clear();
    this._lastTraceId = this._last = undefined;
  }

  /** The ordinals of the first spans of the traces still waiting for their root, in the order they were opened. */
  openFirsts(): number[] {
    return [...this._open.values()].map((held) => held.first);
  }

  /** Traces held: waiting for their root, or complete and waiting for the end of the batch. */
  get heldTraces(): number {
    return this._open.size + this._complete.size;
  }
}

/** A trace's spans so far, and the ordinal of its first. */
interface HeldTrace {
  readonly views: GenAiSpan[];
  readonly first: number;
}
