import type { GenAiSpan } from './genai-span.js';
import { SpanForest } from './span-forest.js';

/**
 * Puts streamed spans back together into whole traces for a one-pass command (`rollup`), holding only the traces
 * still open. A trace is complete once its root (a span with no parent) has arrived, and is handed on at the end of
 * the batch (input line) after that one: exporters write spans as they end, so the root comes last, and a writer that
 * groups a trace's spans (a Collector's groupbytrace) puts them in one batch in any order — either way the trace's
 * spans are all there. Memory follows the number of concurrent traces, not the input. What never sees its root (a
 * trace continued in another process's file, an orphan) is handed on at {@link flush}. Spans of a trace arriving
 * later still (another process's file read later, a child that outlived its root by more than a batch) form a forest
 * of their own: their energy is still counted once (a span whose parent ran in another process is an energy root
 * either way), but same-kind spans split across that boundary are not merged into one unit.
 */
export class TraceAssembler {
  private readonly _open = new Map<string, GenAiSpan[]>();
  /** Traces whose root has arrived, with the batch it arrived in; handed on at the end of the next batch. */
  private readonly _complete = new Map<string, { readonly views: GenAiSpan[]; readonly batch: number }>();
  private _batch = 0;
  /** The trace the last span belonged to and its spans: spans of a trace mostly come in a run, so no map lookup. */
  private _lastTraceId: string | undefined;
  private _last: GenAiSpan[] | undefined;

  constructor(private readonly _onTrace: (forest: SpanForest) => void) {}

  /** Adds one span. */
  add(view: GenAiSpan): void {
    const traceId = view.span.traceId;
    let list: GenAiSpan[] | undefined;
    if (traceId === this._lastTraceId) list = this._last;
    else {
      list = this._open.get(traceId) ?? this._complete.get(traceId)?.views;
      this._lastTraceId = traceId;
    }
    if (list === undefined) {
      list = [view];
      this._open.set(traceId, list);
    } else {
      list.push(view);
    }
    this._last = list;
    if (view.span.parentSpanId === undefined && this._open.delete(traceId)) this._complete.set(traceId, { views: list, batch: this._batch });
  }

  /** Marks the end of a batch of input (a line): traces completed before this batch are handed on. */
  endBatch(): void {
    for (const [traceId, entry] of this._complete) {
      if (entry.batch >= this._batch) continue;
      this._complete.delete(traceId);
      if (traceId === this._lastTraceId) this._lastTraceId = this._last = undefined;
      this._onTrace(SpanForest.fromOwnedViews(entry.views));
    }
    this._batch++;
  }

  /** Hands on every trace, complete or not (the end of the input). */
  flush(): void {
    for (const { views } of this._complete.values()) this._onTrace(SpanForest.fromOwnedViews(views));
    for (const views of this._open.values()) this._onTrace(SpanForest.fromOwnedViews(views));
    this._complete.clear();
    this._open.clear();
    this._lastTraceId = this._last = undefined;
  }

  /** Traces held: waiting for their root, or complete and waiting for the next batch to end. */
  get heldTraces(): number {
    return this._open.size + this._complete.size;
  }
}
