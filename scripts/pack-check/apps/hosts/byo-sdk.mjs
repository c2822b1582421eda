// Bring your own SDK: the host's NodeSDK with `spanProcessors: [new EnergySpanProcessor({ next })]` around its own
// exporter's BatchSpanProcessor, on either OpenTelemetry line (BYO_LINE=2: sdk-trace-base's positional exporter;
// BYO_LINE=3: sdk-trace 3.x `{ exporter }`). No timeline, no await: the processor uses the process-wide sampler
// configured from the environment. Writes what the exporter got to BYO_OUT (JSON: name, scope, energy attributes).
import { writeFileSync } from 'node:fs';
import { trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { EnergySpanProcessor, withAgentTurn, withToolCall } from 'openjoules';

const line = process.env.BYO_LINE;
const exported = [];
// The host's own exporter; it keeps what it got past shutdown (an InMemorySpanExporter clears itself then).
const exporter = {
  export(spans, done) {
    exported.push(...spans);
    done({ code: 0 });
  },
  shutdown: () => Promise.resolve(),
  forceFlush: () => Promise.resolve(),
};
let next;
if (line === '2') {
  const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  next = new BatchSpanProcessor(exporter, { scheduledDelayMillis: 50 });
} else {
  const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace');
  next = new BatchSpanProcessor({ exporter, scheduledDelayMillis: 50 });
}
const energy = new EnergySpanProcessor({ next });
const sdk = new NodeSDK({ serviceName: `byo-${line}`, spanProcessors: [energy] });
sdk.start();

// The provider started without waiting; spans started before the devices' first data pass through without energy.
// A long-running host does not care; this short script waits once, so the spans it checks are measured ones.
if (!(await energy.whenReady())) console.log('energy processor: no device measured');

const tracer = trace.getTracer('host-app', '1.0.0');
await tracer.startActiveSpan('host.request', async (span) => {
  await withAgentTurn({ agentName: 'byo', conversationId: 'conv-byo' }, () =>
    withToolCall({ name: 'wait' }, () => new Promise((resolve) => setTimeout(resolve, 150))),
  );
  span.end();
});
await sdk.shutdown();

const pick = (attributes) => Object.fromEntries(Object.entries(attributes).filter(([key]) => key.startsWith('energy.')));
const spans = exported.map((s) => ({ name: s.name, scope: (s.instrumentationScope ?? s.instrumentationLibrary)?.name, energy: pick(s.attributes) }));
writeFileSync(process.env.BYO_OUT, JSON.stringify(spans, null, 2));
console.log(`exported ${spans.length} spans, ${spans.filter((s) => 'energy.joules' in s.energy).length} with energy.joules`);
