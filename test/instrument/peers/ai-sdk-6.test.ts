// Vercel AI SDK 6 beside openjoules in one process (NodeTracerProvider, the energy processor, OpenJoulesInstrumentation
// registered and the openai client loaded): the AI SDK calls providers with fetch, not the openai client, so its spans
// are the only ones; openjoules adds none and only puts joules on them. Attribute keys go to
// test/fixtures/peers/ai-sdk-6.jsonl.
import { createRequire } from 'node:module';
import { createOpenAI } from '@ai-sdk/openai';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import type OpenAIType from 'openai';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenJoulesInstrumentation } from '../../../src/runtime/instrument/instrumentation.js';
import { startFakeProvider, type FakeProvider } from '../fake-providers.js';
import { energyPipeline } from './energy-pipeline.js';
import { API_KEY } from './openai-calls.js';
import { checkPeerFixture } from './peer-fixture.js';

const pipeline = energyPipeline();
const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'peer-app' }), spanProcessors: [pipeline.processor] });
const instrumentation = new OpenJoulesInstrumentation();
let fake: FakeProvider;
let OpenAI: typeof OpenAIType;

beforeAll(async () => {
  provider.register();
  registerInstrumentations({ tracerProvider: provider, instrumentations: [instrumentation] });
  OpenAI = createRequire(import.meta.url)('openai') as typeof OpenAIType;
  fake = await startFakeProvider();
});
afterAll(async () => {
  instrumentation.disable();
  await provider.shutdown();
  await pipeline.shutdown();
  await fake.close();
});

describe('Vercel AI SDK 6 beside openjoules', () => {
  it('its spans are the only ones, untouched but for joules; openjoules hooks stay on for the openai client', async () => {
    const openai = createOpenAI({ apiKey: API_KEY, baseURL: `${fake.url}/v1` });
    const streamed = streamText({ model: openai.chat('gpt-4o'), prompt: 'hi', experimental_telemetry: { isEnabled: true } });
    let text = '';
    for await (const delta of streamed.textStream) text += delta;
    expect(text).toBe('Hello world');
    const generated = await generateText({
      model: openai.chat('gpt-4o-mini'),
      prompt: 'weather?',
      tools: { get_weather: tool({ description: 'Weather', inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => `Sunny in ${city}` }) },
      stopWhen: stepCountIs(2),
      experimental_telemetry: { isEnabled: true },
    });
    expect(generated.text).toBe('Hello world');
    await pipeline.processor.forceFlush();
    const aiSpans = pipeline.exporter.getFinishedSpans();

    expect(aiSpans.map((s) => s.name).sort()).toEqual(
      ['ai.streamText', 'ai.streamText.doStream', 'ai.generateText', 'ai.generateText.doGenerate', 'ai.toolCall', 'ai.generateText.doGenerate'].sort(),
    );
    expect(new Set(aiSpans.map((s) => s.instrumentationScope.name))).toEqual(new Set(['ai']));
    for (const span of aiSpans) expect(span.attributes['energy.joules'], span.name).toBeGreaterThan(0);
    const doStream = aiSpans.find((s) => s.name === 'ai.streamText.doStream')!;
    expect(doStream.attributes).toMatchObject({ 'ai.model.id': 'gpt-4o', 'gen_ai.usage.input_tokens': 12, 'gen_ai.usage.output_tokens': 3 });
    expect(JSON.stringify(aiSpans.map((s) => s.attributes))).not.toContain(API_KEY);

    // The same process, the openai client: our hook is on and makes its span.
    pipeline.exporter.reset();
    await new OpenAI({ apiKey: API_KEY, baseURL: `${fake.url}/v1` }).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
    await pipeline.processor.forceFlush();
    expect(pipeline.exporter.getFinishedSpans().map((s) => `${s.instrumentationScope.name}: ${s.name}`)).toEqual(['openjoules: chat gpt-4o']);

    await checkPeerFixture('ai-sdk-6.jsonl', aiSpans, { write: true });
  });
});
