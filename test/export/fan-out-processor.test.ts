// FanOutSpanProcessor inside a real SDK provider: a processor that throws neither stops the others nor reaches the
// code that ends the span.
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { FanOutSpanProcessor } from '../../src/runtime/export/fan-out-processor.js';

const throwing: SpanProcessor = {
  onStart: () => {
    throw new Error('onStart boom');
  },
  onEnd: () => {
    throw new Error('onEnd boom');
  },
  forceFlush: () => Promise.reject(new Error('flush boom')),
  shutdown: () => Promise.resolve(),
};

describe('FanOutSpanProcessor', () => {
  it('a processor that throws never stops the others or the host; its failures are counted', async () => {
    const before = new InMemorySpanExporter();
    const after = new InMemorySpanExporter();
    const fanOut = new FanOutSpanProcessor([new SimpleSpanProcessor(before), throwing, new SimpleSpanProcessor(after)]);
    const provider = new BasicTracerProvider({ spanProcessors: [fanOut] });
    const tracer = provider.getTracer('t');
    expect(() => {
      for (let i = 0; i < 3; i++) tracer.startSpan(`s${i}`).end();
    }).not.toThrow();
    await expect(provider.forceFlush()).resolves.toBeUndefined();
    expect(before.getFinishedSpans().map((s) => s.name)).toEqual(['s0', 's1', 's2']);
    expect(after.getFinishedSpans().map((s) => s.name)).toEqual(['s0', 's1', 's2']);
    expect(fanOut.failures()).toEqual([0, 6, 0]); // 3 onStart + 3 onEnd
    await provider.shutdown();
  });
});
