// Spans per second through the OpenTelemetry SDK with the EnergySpanProcessor in front of a BatchSpanProcessor, vs the
// BatchSpanProcessor alone, in the same run. Energy comes from an in-thread sampler over a SimulatedEnergySource
// (10 ms, 100 ms counter ticks), so spans really are held until their energy is known.
// Run: npx tsx bench/trace/overhead.ts
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { startInProcessSampler } from '../../src/energy/sampler.js';
import { SimulatedEnergySource } from '../../src/energy/simulated.js';
import { EnergySpanProcessor } from '../../src/trace/energy-span-processor.js';
import { median, printTable } from '../lib/table.js';

const TURNS = 20_000; // each turn: an agent span with an LLM span and two tool spans = 4 spans
const SPANS = TURNS * 4;
const ROUNDS = 5;

class CountingExporter implements SpanExporter {
  count = 0;
  energy = 0;
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.count += spans.length;
    for (const s of spans) if (s.attributes['energy.joules'] !== undefined) this.energy++;
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function batch(exporter: SpanExporter): SpanProcessor {
  return new BatchSpanProcessor(exporter, { maxQueueSize: SPANS * 2, maxExportBatchSize: 512, scheduledDelayMillis: 5 });
}

async function once(withEnergy: boolean): Promise<{ spansPerSecond: number; withEnergy: number }> {
  const exporter = new CountingExporter();
  const sampler = withEnergy
    ? startInProcessSampler([new SimulatedEnergySource({ devices: [{ power: (t) => 200 + 100 * Math.sin(t / 50) }] })])
    : undefined;
  const processor = sampler
    ? new EnergySpanProcessor({ timeline: sampler.timeline, next: batch(exporter), maxHeldSpans: SPANS })
    : batch(exporter);
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  const tracer = provider.getTracer('bench');
  const t0 = performance.now();
  for (let i = 0; i < TURNS; i++) {
    const agent = tracer.startSpan('invoke_agent', { attributes: { 'gen_ai.operation.name': 'invoke_agent' } });
    const ctx = trace.setSpan(ROOT_CONTEXT, agent);
    const llm = tracer.startSpan('chat', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm' } }, ctx);
    llm.setAttribute('gen_ai.usage.output_tokens', 42);
    llm.end();
    for (let k = 0; k < 2; k++) tracer.startSpan('execute_tool', { attributes: { 'gen_ai.tool.name': 't' } }, ctx).end();
    agent.end();
    // An agent awaits I/O between turns; yield now and then so timers (the sampler's included) run as they would.
    if (i % 100 === 99) await new Promise((r) => setImmediate(r));
  }
  await provider.forceFlush();
  const seconds = (performance.now() - t0) / 1000;
  await provider.shutdown();
  await sampler?.shutdown();
  if (exporter.count !== SPANS) throw new Error(`exported ${exporter.count} of ${SPANS}`);
  return { spansPerSecond: SPANS / seconds, withEnergy: exporter.energy };
}

async function main(): Promise<void> {
  await once(false);
  await once(true); // warm up both paths
  const base: number[] = [];
  const energy: number[] = [];
  let attributed = 0;
  for (let r = 0; r < ROUNDS; r++) {
    base.push((await once(false)).spansPerSecond);
    const e = await once(true);
    energy.push(e.spansPerSecond);
    attributed = e.withEnergy;
  }
  const b = median(base);
  const e = median(energy);
  printTable(`${SPANS} spans per run (agent turn + LLM call + 2 tool calls), median of ${ROUNDS} alternating runs`, ['variant', 'spans/s', 'ratio'], [
    ['(ref) BatchSpanProcessor', Math.round(b), '1.00×'],
    ['EnergySpanProcessor → BatchSpanProcessor', Math.round(e), `${(e / b).toFixed(2)}×`],
  ]);
  const extraUs = (1 / e - 1 / b) * 1e6;
  console.log(`added cost per span: ${extraUs.toFixed(1)} µs (at 1,000 spans/s that is ${(extraUs / 10).toFixed(1)}% of one core)`);
  console.log(`spans exported with energy attributes in the last energy run: ${attributed} of ${SPANS}`);
}

await main();
