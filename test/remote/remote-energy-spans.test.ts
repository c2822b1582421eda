// energy.remote.* lands on hosted-API model-call spans through the real pipelines: startOpenJoules (no energy
// hardware needed), and an EnergySpanProcessor in a host's own provider.
import { InMemorySpanExporter, SimpleSpanProcessor, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { startOpenJoules, startOpenJoulesSync } from '../../src/runtime/setup/start.js';
import { withLlmCall } from '../../src/runtime/api/agent-spans.js';
import { EnergySpanProcessor } from '../../src/runtime/span-processor/energy-span-processor.js';
import { REMOTE_ENERGY_METHOD, RemoteEnergyEstimator } from '../../src/runtime/remote/remote-energy.js';
import { RemoteEnergySpanProcessor } from '../../src/runtime/remote/remote-energy-span-processor.js';
import { ECOLOGITS_CONSTANTS, estimateRemoteEnergyKWh } from '../../src/runtime/remote/ecologits-method.js';
import { PROVIDER_PUE } from '../../src/runtime/remote/hosted-models.js';

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

  it('startOpenJoulesSync: registered before it returns, so a call made at once gets the estimate; ready resolves', async () => {
    const exporter = new InMemorySpanExporter();
    const oj = startOpenJoulesSync({ energy: false, traceExporters: [exporter], env: {}, warn: () => {} });
    try {
      await hostedCall();
      await oj.ready;
      await oj.forceFlush();
      const [hosted] = exporter.getFinishedSpans();
      expect(hosted!.attributes['energy.remote.method']).toBe(REMOTE_ENERGY_METHOD);
      expect(hosted!.attributes['energy.remote.joules']).toBeGreaterThan(0);
    } finally {
      await oj.shutdown();
    }
  });

  it('RemoteEnergySpanProcessor alone, before the exporter: the estimate with no energy pipeline at all', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new RemoteEnergySpanProcessor(new RemoteEnergyEstimator()), new SimpleSpanProcessor(exporter)],
    });
    const attributes = { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.output_tokens': 200 };
    provider.getTracer('t').startSpan('chat gpt-4o-mini', { attributes }).end();
    provider.getTracer('t').startSpan('execute_tool search', { attributes: { 'gen_ai.operation.name': 'execute_tool' } }).end();
    await provider.forceFlush();
    const [call, tool] = exporter.getFinishedSpans();
    const duration = call!.duration[0] + call!.duration[1] / 1e9;
    expect(call!.attributes['energy.remote.joules']).toBeCloseTo(expected.attributes(attributes, duration)!['energy.remote.joules'] as number, 9);
    expect(call!.attributes['energy.remote.method']).toBe(REMOTE_ENERGY_METHOD);
    expect(call!.attributes['energy.joules']).toBeUndefined();
    expect(Object.keys(tool!.attributes).filter((k) => k.startsWith('energy.'))).toEqual([]);
    await provider.shutdown();
  });

  it("estimateRemoteEnergyKWh: EcoLogits' formula from its constants, a range where an input is one (a provider's PUE)", () => {
    const c = ECOLOGITS_CONSTANTS;
    expect(c.version).toBe('0.11.3');
    const request = { activeParamsB: 8, totalParamsB: 8, outputTokens: 100, requestLatencyS: 60, pue: 1.2 };
    const one = estimateRemoteEnergyKWh(request);
    expect(one.minKWh).toBe(one.maxKWh);
    // 8 B parameters need 19.2 GB: one 80 GB GPU; the generation time comes from the latency regression (60 s is longer).
    const perToken = (c.gpuEnergyAlpha * Math.exp(c.gpuEnergyBeta * c.batchSize) * 8 + c.gpuEnergyGamma) / 1000;
    const latencyS = 100 * (c.latencyAlpha * 8 + c.latencyBeta * c.batchSize + c.latencyGamma);
    const server = (latencyS / 3600) * c.serverPowerKW * (1 / c.serverGpus) * (1 / c.batchSize);
    expect(one.minKWh).toBeCloseTo(1.2 * (server + 100 * perToken), 15);
    const anthropic = PROVIDER_PUE.anthropic;
    expect(typeof anthropic).toBe('object');
    const ranged = estimateRemoteEnergyKWh({ ...request, pue: anthropic });
    const { min, max } = anthropic as { min: number; max: number };
    expect(ranged.minKWh).toBeCloseTo((one.minKWh / 1.2) * min, 15);
    expect(ranged.maxKWh).toBeCloseTo((one.minKWh / 1.2) * max, 15);
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
