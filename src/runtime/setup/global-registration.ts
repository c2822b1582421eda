import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { TracerProvider } from '@opentelemetry/sdk-trace';

/**
 * Registers the tracer provider, an AsyncLocalStorage context manager (context through `await`) and the W3C trace
 * context and baggage propagators with the OpenTelemetry API, as the SDK's `NodeSDK.start()` does; what another SDK
 * registered first is left in place. Returns what undoes our registrations.
 */
export function registerGlobals(provider: TracerProvider): () => void {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  const ownContext = context.setGlobalContextManager(contextManager);
  if (!ownContext) contextManager.disable();
  const ownPropagation = propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  const ownTrace = trace.setGlobalTracerProvider(provider);
  return () => {
    if (ownTrace) trace.disable();
    if (ownContext) {
      context.disable();
      contextManager.disable();
    }
    if (ownPropagation) propagation.disable();
  };
}
