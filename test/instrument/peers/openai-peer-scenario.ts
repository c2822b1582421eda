// One scenario: a peer that traces the openai client and openjoules, registered in a given order, in one process with
// the energy processor; the app makes the calls of openai-calls.ts. Expected: per call exactly one model span, the
// peer's, with joules; no openjoules model span; the app gets what it gets with no instrumentation at all.
import OpenAIv6 from 'openai-v6';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startFakeProvider, type FakeProvider } from '../fake-providers.js';
import { energyPipeline, type EnergyPipeline } from './energy-pipeline.js';
import { requireFreshOpenAI, type OpenAIClass } from './fresh-openai.js';
import { API_KEY, CALLS, TURN_NAME, makeCalls } from './openai-calls.js';
import type { OpenAIPeer, Order } from './openai-peers.js';
import { checkPeerFixture } from './peer-fixture.js';

export function describeOpenAIPeer(peer: OpenAIPeer, order: Order): void {
  describe(`${peer.title} ${order === 'peer-first' ? 'registered before' : 'registered after'} openjoules`, () => {
    let fake: FakeProvider;
    let pipeline: EnergyPipeline;
    let stop: () => Promise<void>;
    let openai: { OpenAI: OpenAIClass; remove: () => void };
    let spans: ReadableSpan[];
    let seen: Record<string, unknown>;
    let expected: Record<string, unknown>;

    beforeAll(async () => {
      fake = await startFakeProvider();
      pipeline = energyPipeline();
      stop = await peer.start(order, pipeline.processor);
      openai = requireFreshOpenAI();
      // `openai-v6` is hooked by nobody (the peers match the package name `openai`): what an uninstrumented app gets.
      expected = await makeCalls(OpenAIv6, fake.url);
      await pipeline.processor.forceFlush();
      pipeline.exporter.reset();
      seen = await makeCalls(openai.OpenAI, fake.url);
      await pipeline.processor.forceFlush();
      spans = pipeline.exporter.getFinishedSpans();
    }, 60_000);
    afterAll(async () => {
      await stop?.();
      await pipeline?.shutdown();
      await fake?.close();
      openai?.remove();
    });

    it('the app gets the very response it gets without instrumentation (no crash, stream chunks intact)', () => {
      expect(seen).toEqual(expected);
    });

    it("each call has exactly one model span, the peer's, and no openjoules model span", () => {
      const turns = spans.filter((s) => s.name === TURN_NAME);
      expect(turns).toHaveLength(CALLS.length);
      for (const turn of turns) {
        const below = spans.filter((s) => s.parentSpanContext?.spanId === turn.spanContext().spanId);
        expect(below.map((s) => s.instrumentationScope.name), `under turn ${String(turn.attributes['openjoules.turn.index'])}`).toEqual([peer.scope]);
        expect(spans.filter((s) => s.parentSpanContext?.spanId === below[0]!.spanContext().spanId)).toEqual([]);
      }
      expect(spans.filter((s) => s.instrumentationScope.name === 'openjoules').map((s) => s.name)).toEqual(turns.map(() => TURN_NAME));
    });

    it("the energy processor puts joules on the peer's spans; the API key is in no span", () => {
      const model = spans.filter((s) => s.instrumentationScope.name === peer.scope);
      expect(model).toHaveLength(CALLS.length);
      for (const span of model) expect(span.attributes['energy.joules'], span.name).toBeGreaterThan(0);
      expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain(API_KEY);
    });

    it(`test/fixtures/peers/${peer.fixture} has the span names and attribute keys the library emits`, async () => {
      await checkPeerFixture(peer.fixture, spans, { write: order === 'peer-first' });
    });
  });
}
