import { diag, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/**
 * Hands every span to several processors (one per exporter), so the energy processor in front of them has a single
 * `next`. One processor that throws never stops the others, nor reaches the code that ended the span: the error goes to
 * `diag`, once per processor and call, and is counted ({@link failures}). `forceFlush` and `shutdown` wait for every
 * processor: one that rejects never stops the others'.
 */
export class FanOutSpanProcessor implements SpanProcessor {
  private readonly _failures: number[];
  private readonly _logged = new Set<string>();

  constructor(private readonly _processors: readonly SpanProcessor[]) {
    this._failures = _processors.map(() => 0);
  }

  /** Calls that threw so far, per processor (in the order given). */
  failures(): readonly number[] {
    return [...this._failures];
  }

  onStart(span: Span, parentContext: Context): void {
    for (let i = 0; i < this._processors.length; i++) {
      try {
        this._processors[i]!.onStart(span, parentContext);
      } catch (error) {
        this._failed(i, 'onStart', error);
      }
    }
  }

  onEnding(span: Span): void {
    for (let i = 0; i < this._processors.length; i++) {
      try {
        this._processors[i]!.onEnding?.(span);
      } catch (error) {
        this._failed(i, 'onEnding', error);
      }
    }
  }

  onEnd(span: ReadableSpan): void {
    for (let i = 0; i < this._processors.length; i++) {
      try {
        this._processors[i]!.onEnd(span);
      } catch (error) {
        this._failed(i, 'onEnd', error);
      }
    }
  }

  async forceFlush(): Promise<void> {
    await Promise.allSettled(this._processors.map((p) => p.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.allSettled(this._processors.map((p) => p.shutdown()));
  }

  private _failed(index: number, call: string, error: unknown): void {
    this._failures[index] = (this._failures[index] ?? 0) + 1;
    const key = `${index}:${call}`;
    if (this._logged.has(key)) return;
    this._logged.add(key);
    diag.error(`openjoules: span processor ${index} (${this._processors[index]?.constructor.name ?? '?'}) threw in ${call}; the other processors still get the span`, error);
  }
}
