// The three peers that trace the openai client, each set up the way its docs say, with openjoules' instrumentation
// registered before or after it. Instrumentations hook `require` when enabled (at construction), and the hook
// registered first patches first: it ends up inside the other one's wrapper.
import { NodeSDK } from '@opentelemetry/sdk-node';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OpenAIInstrumentation as OfficialOpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { OpenAIInstrumentation as OpenInferenceOpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
import { OpenJoulesInstrumentation } from '../../../src/runtime/instrument/instrumentation.js';

/** Which instrumentation hooks `openai` first. */
export type Order = 'peer-first' | 'openjoules-first';

export interface OpenAIPeer {
  readonly title: string;
  /** Its instrumentation scope. */
  readonly scope: string;
  /** Fixture file under test/fixtures/peers/. */
  readonly fixture: string;
  /** Registers the peer and openjoules in `order` with `processor` in the pipeline; returns the shutdown. */
  start(order: Order, processor: SpanProcessor): Promise<() => Promise<void>>;
}

const resource = resourceFromAttributes({ 'service.name': 'peer-app' });

/** Builds both instrumentations, the first one to hook first. */
function inOrder<P>(order: Order, peer: () => P): [P | OpenJoulesInstrumentation, P | OpenJoulesInstrumentation] {
  if (order === 'peer-first') {
    const first = peer();
    return [first, new OpenJoulesInstrumentation()];
  }
  const first = new OpenJoulesInstrumentation();
  return [first, peer()];
}

/** `@opentelemetry/instrumentation-openai` 0.21 in NodeSDK 0.223, as the issue saw it. */
export const officialOpenAI: OpenAIPeer = {
  title: '@opentelemetry/instrumentation-openai',
  scope: '@opentelemetry/instrumentation-openai',
  fixture: 'opentelemetry-instrumentation-openai.jsonl',
  async start(order, processor) {
    // Its log events and NodeSDK's default exporters would reach for a Collector.
    process.env.OTEL_LOGS_EXPORTER = 'none';
    process.env.OTEL_METRICS_EXPORTER = 'none';
    const sdk = new NodeSDK({ resource, resourceDetectors: [], spanProcessors: [processor], instrumentations: inOrder(order, () => new OfficialOpenAIInstrumentation()) });
    sdk.start();
    return () => sdk.shutdown();
  },
};

/** OpenInference's openai instrumentation with a NodeTracerProvider, as its docs set it up. */
export const openInferenceOpenAI: OpenAIPeer = {
  title: '@arizeai/openinference-instrumentation-openai',
  scope: '@arizeai/openinference-instrumentation-openai',
  fixture: 'openinference-instrumentation-openai.jsonl',
  async start(order, processor) {
    const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
    provider.register();
    registerInstrumentations({ tracerProvider: provider, instrumentations: inOrder(order, () => new OpenInferenceOpenAIInstrumentation()) });
    return () => provider.shutdown();
  },
};

/**
 * OpenLLMetry: `@traceloop/node-server-sdk` starts its own NodeSDK with all its instrumentations. No network: no
 * prompt sync, no API key, an exporter of ours (its default sends to its cloud); our processor rides along.
 */
export const openLLMetryOpenAI: OpenAIPeer = {
  title: '@traceloop/node-server-sdk (OpenLLMetry)',
  scope: '@traceloop/instrumentation-openai',
  fixture: 'openllmetry-openai.jsonl',
  async start(order, processor) {
    const ours = order === 'openjoules-first' ? new OpenJoulesInstrumentation() : undefined;
    const traceloop = await import('@traceloop/node-server-sdk');
    traceloop.initialize({
      appName: 'peer-app',
      baseUrl: 'http://127.0.0.1:9',
      exporter: new InMemorySpanExporter(),
      processor,
      disableBatch: true,
      traceloopSyncEnabled: false,
      silenceInitializationMessage: true,
    });
    registerInstrumentations({ instrumentations: [ours ?? new OpenJoulesInstrumentation()] });
    return async () => {
      await traceloop.forceFlush();
    };
  },
};
