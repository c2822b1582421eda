import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** A real SDK pipeline for tests: global provider, AsyncLocalStorage context, spans kept in memory. */
export function setupTracing(processors: SpanProcessor[] = []): {
  exporter: InMemorySpanExporter;
  provider: BasicTracerProvider;
  spans: () => ReadableSpan[];
  byName: (name: string) => ReadableSpan;
  reset: () => void;
} {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [...processors, new SimpleSpanProcessor(exporter)] });
  context.disable();
  trace.disable();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  return {
    exporter,
    provider,
    spans: () => exporter.getFinishedSpans(),
    byName: (name: string) => {
      const found = exporter.getFinishedSpans().filter((s) => s.name === name);
      if (found.length !== 1) throw new Error(`expected one span named "${name}", found ${found.length}: ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);
      return found[0]!;
    },
    reset: () => exporter.reset(),
  };
}
