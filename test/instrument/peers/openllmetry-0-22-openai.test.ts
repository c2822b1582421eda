// OpenLLMetry's openai instrumentation as releases up to 0.22 ship it (`@traceloop/instrumentation-openai` 0.22, alias
// `openllmetry-openai-0-22`): the older attribute names (`gen_ai.usage.prompt_tokens`, `llm.request.type`) that many
// running apps still emit. It supports openai < 6 through its hook, so both sides use their manual path on openai v6,
// in both orders. It does not trace `responses.create`: there openjoules' span is the model span.
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import OpenAIv6 from 'openai-v6';
import { OpenAIInstrumentation } from 'openllmetry-openai-0-22';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentOpenAI } from '../../../src/runtime/instrument/manual.js';
import { startFakeProvider, type FakeProvider } from '../fake-providers.js';
import { energyPipeline } from './energy-pipeline.js';
import { requireFreshOpenAI, type OpenAIClass } from './fresh-openai.js';
import { API_KEY, TURN_NAME, makeCalls } from './openai-calls.js';
import { checkPeerFixture } from './peer-fixture.js';

const SCOPE = '@traceloop/instrumentation-openai';
const pipeline = energyPipeline();
const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'peer-app' }), spanProcessors: [pipeline.processor] });
const legacy = new OpenAIInstrumentation();
const copies: Array<{ remove: () => void }> = [];
let fake: FakeProvider;
let expected: Record<string, unknown>;

beforeAll(async () => {
  provider.register();
  registerInstrumentations({ tracerProvider: provider, instrumentations: [legacy] });
  fake = await startFakeProvider();
  expected = await makeCalls(OpenAIv6, fake.url);
});
afterAll(async () => {
  await provider.shutdown();
  await pipeline.shutdown();
  await fake.close();
  for (const copy of copies) copy.remove();
});

async function scenario(patch: (OpenAI: OpenAIClass) => void): Promise<{ seen: Record<string, unknown>; spans: ReadableSpan[] }> {
  const copy = requireFreshOpenAI();
  copies.push(copy);
  patch(copy.OpenAI);
  await pipeline.processor.forceFlush();
  pipeline.exporter.reset();
  const seen = await makeCalls(copy.OpenAI, fake.url);
  await pipeline.processor.forceFlush();
  return { seen, spans: pipeline.exporter.getFinishedSpans() };
}

/** Per turn, in call order: the scope of each span right under it. */
function underTurns(spans: ReadableSpan[]): string[][] {
  return spans
    .filter((s) => s.name === TURN_NAME)
    .sort((a, b) => Number(a.attributes['openjoules.turn.index']) - Number(b.attributes['openjoules.turn.index']))
    .map((turn) => spans.filter((s) => s.parentSpanContext?.spanId === turn.spanContext().spanId).map((s) => s.instrumentationScope.name));
}

describe('OpenLLMetry 0.22 (older attribute names) beside openjoules', () => {
  for (const order of ['peer first', 'openjoules first'] as const) {
    it(`${order}: one model span per call (the peer's for chat, ours for responses), response intact, joules on all`, async () => {
      const { seen, spans } = await scenario((OpenAI) => {
        if (order === 'peer first') legacy.manuallyInstrument(OpenAI);
        instrumentOpenAI(OpenAI);
        if (order === 'openjoules first') legacy.manuallyInstrument(OpenAI);
      });
      expect(seen).toEqual(expected);
      expect(underTurns(spans)).toEqual([[SCOPE], [SCOPE], ['openjoules']]);
      const chat = spans.find((s) => s.instrumentationScope.name === SCOPE && s.name === 'openai.chat')!;
      expect(chat.attributes).toMatchObject({ 'llm.request.type': 'chat', 'gen_ai.usage.prompt_tokens': 12, 'gen_ai.usage.completion_tokens': 3, 'gen_ai.response.model': 'gpt-4o-2024-08-06' });
      for (const span of spans) expect(span.attributes['energy.joules'], span.name).toBeGreaterThan(0);
      expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain(API_KEY);
      await checkPeerFixture('openllmetry-0.22-openai.jsonl', spans, { write: order === 'peer first' });
    });
  }
});
