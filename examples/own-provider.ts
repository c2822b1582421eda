// Bring your own tracer provider: one EnergySpanProcessor in front of your exporter's processor, and every span —
// yours, the Vercel AI SDK's, OpenLLMetry's — ends with its joules.
// Run: npx tsx examples/own-provider.ts   (OPENJOULES_SPAN_ENERGY=immediate to finalise spans as they end)
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { EnergySpanProcessor, SimulatedEnergySource, energyConfigFromEnv, startEnergySampler, startInProcessSampler, type SpanEnergyFinalize } from 'openjoules';

// The real drivers (NVML, ROCm SMI, powermetrics, RAPL) on a worker thread; a simulated 180 W GPU where there are none.
let sampler = await startEnergySampler(energyConfigFromEnv());
if (sampler.timeline.devices.length === 0) {
  console.log('no energy source here; using a simulated 180 W device');
  await sampler.shutdown();
  sampler = startInProcessSampler([new SimulatedEnergySource({ devices: [{ power: 180 }] })]);
}

const exporter = new InMemorySpanExporter(); // yours: an OTLPTraceExporter in a BatchSpanProcessor
const finalize = (process.env.OPENJOULES_SPAN_ENERGY as SpanEnergyFinalize | undefined) ?? 'auto';
const energy = new EnergySpanProcessor({ timeline: sampler.timeline, next: new SimpleSpanProcessor(exporter), finalize });
const provider = new NodeTracerProvider({ spanProcessors: [energy] });
provider.register(); // context through await, so the tools are the turn's children
const tracer = provider.getTracer('my-agent');

// Let the counter tick twice, so there is data to measure with.
while (sampler.timeline.coveredUntilAll() === -Infinity) await new Promise((r) => setTimeout(r, 10));

await tracer.startActiveSpan('invoke_agent planner', async (turn) => {
  const tools = ['search', 'fetch'].map((name) =>
    tracer.startActiveSpan(`execute_tool ${name}`, async (span) => {
      await new Promise((r) => setTimeout(r, 120));
      span.end();
    }),
  );
  await Promise.all(tools);
  turn.end();
});

await provider.forceFlush(); // waits for held spans' data (at most maxHoldMs)
for (const span of exporter.getFinishedSpans()) {
  const a = span.attributes;
  console.log(
    `${span.name.padEnd(22)} ${Number(a['energy.joules']).toFixed(2)} J inclusive, ${Number(a['energy.attributed.joules']).toFixed(2)} J attributed (${String(a['energy.source'])}, ${String(a['energy.method'])})`,
  );
}
console.log('processor:', energy.stats());
await provider.shutdown();
await sampler.shutdown();
