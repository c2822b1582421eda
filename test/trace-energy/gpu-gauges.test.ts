// GPU utilization, memory and temperature on spans, through the real path: the NVML C double's gauges stepping on the
// power profile's time axis, read by koffi in the sampler's worker, through the timeline to the span processor, then
// read back by the analysis layer into the seed's TelemetryRecord columns.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEnergySampler, type EnergySampler } from '../../src/runtime/energy/sampler/sampler.js';
import { decodeTraceDocument } from '../../src/analysis/otlp/decode.js';
import { encodeTraceRequest } from '../../src/runtime/otlp/encode.js';
import {
  ATTR_ENERGY_GPU_MEMORY_PEAK_BYTES,
  ATTR_ENERGY_GPU_TEMPERATURE_MEAN_CELSIUS,
  ATTR_ENERGY_GPU_UTILIZATION_MEAN,
  ATTR_ENERGY_JOULES,
} from '../../src/semconv.js';
import { spansToTelemetryRecords } from '../../src/analysis/stats/telemetry-record.js';
import { EnergySpanProcessor } from '../../src/runtime/span-processor/energy-span-processor.js';
import { buildDouble } from '../energy/helpers/doubles.js';

/** Profile time (ms since `origin`) at which the double's gauges step from their first value to their second. */
const STEP_MS = 4000;
const MiB = 2 ** 20;
let origin: bigint;
let sampler: EnergySampler;

const profileNowMs = (): number => Number(process.hrtime.bigint() - origin) / 1e6;
const sleepUntil = (profileMs: number) => new Promise((r) => setTimeout(r, Math.max(0, profileMs - profileNowMs())));

beforeAll(async () => {
  const control = join(mkdtempSync(join(tmpdir(), 'oj-gauges-')), 'nvml.control');
  origin = process.hrtime.bigint();
  writeFileSync(
    control,
    [
      'devices=2',
      'tick_ms=100',
      `profile_origin_ns=${origin}`,
      `utilization=${STEP_MS}:20,600000:80`,
      `memory_used_mib=${STEP_MS}:1024,600000:4096`,
      `temperature=${STEP_MS}:40,600000:70`,
    ].join('\n'),
  );
  process.env.OJ_NVML_DOUBLE_CONTROL = control;
  sampler = await startEnergySampler({ sources: ['nvml'], nvmlLibrary: buildDouble('nvml'), raplRoot: '/nonexistent', sampleIntervalMs: 10 });
  expect(sampler.status().devices).toHaveLength(2);
});
afterAll(() => sampler?.shutdown());

it('spans carry the mean GPU utilization, peak memory and mean temperature over their own window', async () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new EnergySpanProcessor({ sampler, next: new SimpleSpanProcessor({ exporter }) })] });
  const tracer = provider.getTracer('gauges');
  const chat = { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 20 };
  const start = profileNowMs();
  // The sampler must be up well before the step for the first span to lie wholly before it.
  expect(start, 'the sampler took too long to start on this host').toBeLessThan(STEP_MS - 1200);
  await sleepUntil(STEP_MS - 900);
  const before = tracer.startSpan('chat before', { attributes: chat });
  await sleepUntil(STEP_MS - 400);
  before.end();
  const across = tracer.startSpan('chat across', { attributes: chat });
  await sleepUntil(STEP_MS + 1000);
  across.end();
  const after = tracer.startSpan('chat after', { attributes: chat });
  await sleepUntil(STEP_MS + 1500);
  after.end();
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  const named = (name: string): ReadableSpan => spans.find((s) => s.name === name)!;

  for (const span of spans) expect(span.attributes[ATTR_ENERGY_JOULES], span.name).toBeGreaterThan(0);
  // Two GPUs alike: utilization and temperature are their mean, memory their sum.
  expect(named('chat before').attributes).toMatchObject({
    [ATTR_ENERGY_GPU_UTILIZATION_MEAN]: 0.2,
    [ATTR_ENERGY_GPU_MEMORY_PEAK_BYTES]: 2 * 1024 * MiB,
    [ATTR_ENERGY_GPU_TEMPERATURE_MEAN_CELSIUS]: 40,
  });
  expect(named('chat after').attributes).toMatchObject({
    [ATTR_ENERGY_GPU_UTILIZATION_MEAN]: 0.8,
    [ATTR_ENERGY_GPU_MEMORY_PEAK_BYTES]: 2 * 4096 * MiB,
    [ATTR_ENERGY_GPU_TEMPERATURE_MEAN_CELSIUS]: 70,
  });
  // 400 ms at 20 %, 1000 ms at 80 %: the step is seen at the first gauge read after it (within 250 ms + a sample).
  const across_ = named('chat across').attributes;
  const utilization = across_[ATTR_ENERGY_GPU_UTILIZATION_MEAN] as number;
  expect(utilization).toBeGreaterThan((0.4 * 0.2 + 1.0 * 0.8) / 1.4 - (0.27 * 0.6) / 1.4 - 0.01);
  expect(utilization).toBeLessThanOrEqual((0.4 * 0.2 + 1.0 * 0.8) / 1.4 + 0.01);
  expect(across_[ATTR_ENERGY_GPU_MEMORY_PEAK_BYTES]).toBe(2 * 4096 * MiB);

  // The analysis layer fills the seed's TelemetryRecord columns from them (utilization in %, memory in 2^30 bytes).
  const records = spansToTelemetryRecords(decodeTraceDocument(JSON.parse(JSON.stringify(encodeTraceRequest(spans)))).spans);
  const byStart = records.map((r) => [r.gpu_utilization_pct, r.gpu_memory_used_gb, r.gpu_temperature_c]);
  expect(byStart[0]).toEqual([20, 2, 40]);
  expect(byStart[2]).toEqual([80, 8, 70]);
  await provider.shutdown();
}, 20_000);
