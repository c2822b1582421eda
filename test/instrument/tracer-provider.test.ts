// OpenJoulesInstrumentation makes its spans with the tracer provider it is given (setTracerProvider, as NodeSDK and
// registerInstrumentations call it), not the global one; the span API that app code calls keeps the global provider.
// Two real SDK providers, the real openai client (require()d, so require-in-the-middle patches it), the fake server.
import { createRequire } from 'node:module';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type OpenAIType from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenJoulesInstrumentation } from '../../src/runtime/instrument/instrumentation.js';
import { withAgentTurn, withLlmCall } from '../../src/runtime/api/agent-spans.js';
import { startFakeProvider, type FakeProvider } from './fake-providers.js';

const globalSpans = new InMemorySpanExporter();
const givenSpans = new InMemorySpanExporter();
const globalProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(globalSpans)] });
const givenProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(givenSpans)] });
const instrumentation = new OpenJoulesInstrumentation();
let fake: FakeProvider;
let OpenAI: typeof OpenAIType;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(globalProvider);
  registerInstrumentations({ instrumentations: [instrumentation], tracerProvider: givenProvider });
  OpenAI = createRequire(import.meta.url)('openai') as typeof OpenAIType;
  fake = await startFakeProvider();
});
afterAll(async () => {
  instrumentation.disable();
  await fake.close();
});

const scoped = (exporter: InMemorySpanExporter) => exporter.getFinishedSpans().map((s) => `${s.instrumentationScope.name}: ${s.name}`);

describe('OpenJoulesInstrumentation with a tracer provider of its own', () => {
  it("hooks' spans go to the given provider, app code's to the global one, and the trace stays one tree", async () => {
    const client = new OpenAI({ apiKey: 'sk-x', baseURL: `${fake.url}/v1` });
    let turnSpanId = '';
    await withAgentTurn({ agentName: 'app' }, async (turn) => {
      turnSpanId = turn.span.spanContext().spanId;
      const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
      expect(completion.choices[0]?.message.content).toBe('Hello world');
      const runner = client.chat.completions.runTools({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'weather?' }],
        tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: {} }, parse: JSON.parse, function: async () => 'Sunny' } }],
      });
      expect(await runner.finalContent()).toBe('Hello world');
      await withLlmCall({ provider: 'openai', model: 'by-hand' }, async () => undefined);
    });

    expect(scoped(globalSpans)).toEqual(['openjoules: chat by-hand', 'openjoules: invoke_agent app']);
    expect(scoped(givenSpans)).toEqual(['openjoules: chat gpt-4o', 'openjoules: chat gpt-4o-mini', 'openjoules: execute_tool get_weather', 'openjoules: chat gpt-4o-mini']);
    const chat = givenSpans.getFinishedSpans()[0]!;
    expect(chat.parentSpanContext?.spanId).toBe(turnSpanId);
    expect(chat.attributes['gen_ai.usage.input_tokens']).toBe(12);
  });

  it('a provider given later is used from then on', async () => {
    const later = new InMemorySpanExporter();
    instrumentation.setTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(later)] }));
    const client = new OpenAI({ apiKey: 'sk-x', baseURL: `${fake.url}/v1` });
    await client.responses.create({ model: 'gpt-4o', input: 'hi' });
    expect(scoped(later)).toEqual(['openjoules: chat gpt-4o']);
  });
});
