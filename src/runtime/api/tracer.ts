import { trace, type Tracer, type TracerProvider } from '@opentelemetry/api';

/** Instrumentation scope name of every span openjoules makes. */
export const TRACER_NAME = 'openjoules';
/** Kept in step with package.json by test/trace/agent-spans.test.ts. */
export const TRACER_VERSION = '0.1.0';

/**
 * Where a hook gets its tracer, asked at each span start: an instrumentation may be given its provider after it has
 * patched a library (NodeSDK and `registerInstrumentations` call `setTracerProvider` after constructing it).
 */
export type TracerSource = () => Tracer;

let cachedProvider: TracerProvider | undefined;
let cachedTracer: Tracer | undefined;

/**
 * The tracer of the global provider. Spans go to whatever provider is registered when they start (a user may
 * register theirs after importing us): the global provider object changes when it is re-registered, so the cache is
 * keyed on it. A tracer taken before registration is a proxy that finds the real one later.
 */
export function getTracer(): Tracer {
  const provider = trace.getTracerProvider();
  if (provider !== cachedProvider || !cachedTracer) {
    cachedProvider = provider;
    cachedTracer = provider.getTracer(TRACER_NAME, TRACER_VERSION);
  }
  return cachedTracer;
}

/** The openjoules tracer (scope `openjoules`) of a given provider, for spans that must not go to the global one. */
export function tracerOf(provider: TracerProvider): Tracer {
  return provider.getTracer(TRACER_NAME, TRACER_VERSION);
}
