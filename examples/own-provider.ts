// Bring your own tracer provider: one EnergySpanProcessor wrapping your exporter's processor, and every span — yours,
// the Vercel AI SDK's, OpenLLMetry's — ends with its joules. Nothing to await before the provider starts: the energy
// sampler starts on first use, and spans get joules from the moment it is ready.
// Run: npx tsx examples/own-provider.ts   (OPENJOULES_SPAN_ENERGY=immediate to finalise spans as they end)
import { BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import {
  EnergySpanProcessor,
  FanOutSpanProcessor,
  SimulatedEnergySource,
  chooseTraceExporters,
  sharedEnergySampler,
  startInProcessSampler,
  type SpanEnergyFinalize,
} from 'openjoules';

// The real drivers (NVML, ROCm SMI, powermetrics, RAPL) on a worker thread, shared by the process; a simulated 180 W
// GPU where there are none. (Without `sampler`, the processor uses sharedEnergySampler() itself: that is all a real
// app needs.)
const sampler = sharedEnergySampler().then((found) => {
  if (found) return found;
  console.log('no energy source here; using a simulated 180 W device');
  return startInProcessSampler([new SimulatedEnergySource({ devices: [{ power: 180 }] })]);
});

const exporter = new InMemorySpanExporter(); // yours: new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })
// Wrapping takes one `next`; FanOutSpanProcessor hands each span to several. Here: the in-memory exporter this demo
// prints from, and the exporters the OTEL_* environment asks for, chosen as openjoules/register chooses them
// (OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, else JSONL in OPENJOULES_OUT_DIR, default ./openjoules-out).
const fromEnv = chooseTraceExporters(process.env, (line) => console.warn(line));
for (const chosen of fromEnv) console.log(`also exporting to ${chosen.target}`);
const next = new FanOutSpanProcessor([
  new SimpleSpanProcessor({ exporter }),
  ...fromEnv.map((chosen) => new BatchSpanProcessor({ exporter: chosen.exporter })),
]);
const finalize = (process.env.OPENJOULES_SPAN_ENERGY as SpanEnergyFinalize | undefined) ?? 'auto';
const energy = new EnergySpanProcessor({ sampler, next, finalize });
const provider = new NodeTracerProvider({ spanProcessors: [energy] });
provider.register(); // context through await, so the tools are the turn's children
const tracer = provider.getTracer('my-agent');

// An agent never waits for this: spans started before the sampler is ready pass through without joules. The demo waits
// so that its one turn is measured.
await energy.whenReady();

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
await (await sampler).shutdown();
