import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/**
 * Sends spans to the exporters until the energy processor is attached, then through it. A span keeps the path it
 * started on, so a span open across the switch is not handed to a processor that never saw it start.
 */
export class LateEnergySpanProcessor implements SpanProcessor {
  private _energy: SpanProcessor | undefined;
  private readonly _early = new WeakSet<object>();

  constructor(private readonly _next: SpanProcessor) {}

  attach(energy: SpanProcessor): void {
    this._energy = energy;
  }

  onStart(span: Span, parentContext: Context): void {
    if (this._energy) return this._energy.onStart(span, parentContext);
    this._early.add(span);
    this._next.onStart(span, parentContext);
  }

  onEnding(span: Span): void {
    this._pathOf(span).onEnding?.(span);
  }

  onEnd(span: ReadableSpan): void {
    this._pathOf(span).onEnd(span);
  }

  forceFlush(): Promise<void> {
    return (this._energy ?? this._next).forceFlush();
  }

  shutdown(): Promise<void> {
    return (this._energy ?? this._next).shutdown();
  }

  private _pathOf(span: object): SpanProcessor {
    return this._energy && !this._early.has(span) ? this._energy : this._next;
  }
}
