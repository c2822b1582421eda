import type { GenAiSpan } from './genai-span.js';
import { SpanForest } from './span-forest.js';

/**
 * Puts streamed spans back together into whole traces for a one-pass command (`rollup`), holding only the traces
 * still open. A trace is handed on as soon as its root (a span with no parent) arrives: exporters write spans as they
 * end and a root ends last, so an open trace is one still running when the file was written, and memory follows
 * the number of concurrent traces, not the input. What never sees its root (a trace continued in another process's
 * file, an orphan) is handed on at {@link flush}. Spans of a trace that arrive after its root (another process's
 * file read later, a child that outlived its root) form a forest of their own: their energy is still counted once
 * (a span whose parent ran in another process is an energy root either way), but same-kind spans split across that
 * boundary are not merged into one unit.
 */
export class TraceAssembler {
  private readonly _open = new Map<string, GenAiSpan[]>();
  /** The trace the last span belonged to and its spans: spans of a trace mostly come in a run, so no map lookup. */
  private _lastTraceId: string | undefined;
  private _last: GenAiSpan[] | undefined;

  constructor(private readonly _onTrace: (forest: SpanForest) => void) {}

  /** Adds one span; hands its trace on when this is the root. */
  add(view: GenAiSpan): void {
    const traceId = view.span.traceId;
    let list: GenAiSpan[] | undefined;
    if (traceId === this._lastTraceId) list = this._last;
    else {
      list = this._open.get(traceId);
      this._lastTraceId = traceId;
    }
    if (view.span.parentSpanId === undefined) {
      if (list === undefined) {
        this._onTrace(SpanForest.fromOwnedViews([view]));
      } else {
        list.push(view);
        this._open.delete(traceId);
        this._onTrace(SpanForest.fromOwnedViews(list));
      }
      this._lastTraceId = undefined;
      this._last = undefined;
      return;
    }
    if (list === undefined) {
      list = [view];
      this._open.set(traceId, list);
    } else {
      list.push(view);
    }
    this._last = list;
  }

  /** Hands on every trace still open (the end of the input). */
  flush(): void {
    for (const list of this._open.values()) this._onTrace(SpanForest.fromOwnedViews(list));
    this._open.clear();
    this._lastTraceId = undefined;
    this._last = undefined;
  }

  /** Traces waiting for their root. */
  get openTraces(): number {
    return this._open.size;
  }
}
