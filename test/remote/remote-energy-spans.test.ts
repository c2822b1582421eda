// energy.remote.* lands on hosted-API model-call spans through the real pipelines: startOpenJoules (no energy
// hardware needed), and an EnergySpanProcessor in a host's own provider.
import { InMemorySpanExporter, SimpleSpanProcessor, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { startOpenJoules } from '../../src/runtime/setup/start.js';
import { withLlmCall } from '../../src/runtime/api/agent-spans.js';
import { EnergySpanProcessor } from '../../src/runtime/span-processor/energy-span-processor.js';
import { RemoteEnergyEstimator } from '../../src/runtime/remote/remote-energy.js';

const expected = new RemoteEnergyEstimator();

async function hostedCall(): Promise<void> {
  await withLlmCall({ provider: 'openai', model: 'gpt-4o-mini' }, async (call) => {
    await new Promise((r) => setTimeout(r, 30));
    call.setUsage({ inputTokens: 20, outputTokens: 200 });
  });
  await withLlmCall({ provider: 'openai', model: 'gpt-4o-mini', serverAddress: '127.0.0.1' }, async (call) => {
    call.setUsage({ inputTokens: 20, outputTokens: 200 });
  });
}

describe('energy.remote.* on spans', () => {
  it('startOpenJoules puts it on the hosted call (not on the local-server one), apart from measured energy', async () => {
    const exporter = new InMemorySpanExporter();
    const oj = await startOpenJoules({ energy: false, traceExporters: [exporter], env: {}, warn: () => {} });
    try {
      await hostedCall();
      await oj.forceFlush();
      const [hosted, local] = exporter.getFinishedSpans();
      const duration = hosted!.duration[0] + hosted!.duration[1] / 1e9;
      const want = expected.attributes(hosted!.attributes, duration)!;
      expect(hosted!.attributes['energy.remote.joules']).toBeCloseTo(want['energy.remote.joules'] as number, 6);
      expect(hosted!.attributes['energy.remote.min_joules']).toBeLessThan(hosted!.attributes['energy.remote.max_joules'] as number);
      expect(hosted!.attributes['energy.joules']).toBeUndefined();
      expect(local!.attributes['server.address']).toBe('127.0.0.1');
      expect(local!.attributes['energy.remote.joules']).toBeUndefined();
    } finally {
      await oj.shutdown();
    }
  });

  it("an EnergySpanProcessor in the host's provider adds it by default; remoteEnergy: false does not", async () => {
    for (const [options, wanted] of [[{}, true], [{ remoteEnergy: false as const }, false]] as const) {
      const exporter = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({
        spanProcessors: [new EnergySpanProcessor({ timeline: undefined, next: new SimpleSpanProcessor(exporter), ...options })],
      });
      const tracer = provider.getTracer('t');
      const span = tracer.startSpan('chat gpt-4o', { attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.output_tokens': 50 } });
      span.end();
      await provider.forceFlush();
      expect(exporter.getFinishedSpans()[0]!.attributes['energy.remote.joules'] !== undefined).toBe(wanted);
      await provider.shutdown();
    }
  });
});
