import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/**
 * Hands every span to several processors (one per exporter), so the energy processor in front of them has a single
 * `next`. `forceFlush` and `shutdown` wait for every processor: one that rejects never stops the others' flush.
 */
export class FanOutSpanProcessor implements SpanProcessor {
  constructor(private readonly _processors: readonly SpanProcessor[]) {}

  onStart(span: Span, parentContext: Context): void {
    for (const p of this._processors) p.onStart(span, parentContext);
  }

  onEnding(span: Span): void {
    for (const p of this._processors) p.onEnding?.(span);
  }

  onEnd(span: ReadableSpan): void {
    for (const p of this._processors) p.onEnd(span);
  }

  async forceFlush(): Promise<void> {
    await Promise.allSettled(this._processors.map((p) => p.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.allSettled(this._processors.map((p) => p.shutdown()));
  }
}
