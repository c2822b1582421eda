// Readings at span edges: a span starting or ending wakes the sampler's worker for a reading right then, so a power
// step near the edge is pinned down instead of interpolated across a whole sample interval (#15 item 1). Run for real:
// the worker sampler reading a temp powercap tree, spans from the SDK through EnergySpanProcessor.
import { closeSync, openSync, writeSync } from 'node:fs';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { energyConfigFromEnv } from '../../src/runtime/energy/sources/config.js';
import { startEnergySampler, type EnergySampler } from '../../src/runtime/energy/sampler/sampler.js';
import { EnergySpanProcessor } from '../../src/runtime/span-processor/energy-span-processor.js';
import { powercapTree } from '../helpers/powercap-tree.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

/** A worker sampler on a one-zone powercap tree, read once a second on its own schedule. */
async function slowSampler(edgeGap?: string): Promise<EnergySampler> {
  const tree = powercapTree();
  cleanup.push(() => tree.remove());
  // The counter moves, as the hardware's would, so the timeline has data to give spans: written in place at a fixed
  // width (as test/doubles/rapl_sysfs.c does), so a read never sees a half-written file.
  let microjoules = 1_000_000;
  const fd = openSync(tree.energyFile, 'r+');
  const bump = setInterval(() => writeSync(fd, `${String((microjoules += 5_000)).padStart(20)}\n`, 0), 5);
  cleanup.push(() => {
    clearInterval(bump);
    closeSync(fd);
  });
  const sampler = await startEnergySampler(
    energyConfigFromEnv({
      OPENJOULES_ENERGY_SOURCES: 'rapl',
      OPENJOULES_RAPL_ROOT: tree.root,
      OPENJOULES_SAMPLE_INTERVAL_MS: '1000',
      ...(edgeGap !== undefined ? { OPENJOULES_EDGE_READ_GAP_MS: edgeGap } : {}),
    }),
  );
  cleanup.push(() => sampler.shutdown());
  expect(sampler.status().devices).toHaveLength(1);
  return sampler;
}

const latestTime = (sampler: EnergySampler): number => sampler.latestReadings()[0]?.reading?.timeMs ?? -Infinity;

/** Waits for a scheduled reading, so the next one on the schedule is at least 800 ms away (1000 ms ± 20%). */
async function justAfterScheduledReading(sampler: EnergySampler): Promise<number> {
  const before = latestTime(sampler);
  await vi.waitFor(() => expect(latestTime(sampler)).toBeGreaterThan(before), { timeout: 5000, interval: 2 });
  return latestTime(sampler);
}

/** Spans finalised as they end: held ones would wait a second for the next scheduled reading. */
function tracerOn(sampler: EnergySampler): TracerProvider {
  const provider = new TracerProvider({
    spanProcessors: [new EnergySpanProcessor({ timeline: sampler.timeline, finalize: 'immediate', next: new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() }) })],
  });
  cleanup.push(() => provider.shutdown());
  return provider;
}

describe('readings at span edges', () => {
  it('a span start and a span end each get a reading within moments, not at the next scheduled one', async () => {
    const sampler = await slowSampler();
    const tracer = tracerOn(sampler).getTracer('edge');
    const scheduled = await justAfterScheduledReading(sampler);
    const span = tracer.startSpan('work');
    const startedMs = performance.timeOrigin + performance.now();
    await vi.waitFor(() => expect(latestTime(sampler)).toBeGreaterThanOrEqual(startedMs - 1), { timeout: 400, interval: 2 });
    expect(latestTime(sampler) - scheduled).toBeLessThan(800);
    // The follow-up reading (half the schedule's period later) comes and goes; then the end gets one of its own.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const endedMs = performance.timeOrigin + performance.now();
    span.end();
    await vi.waitFor(() => expect(latestTime(sampler)).toBeGreaterThanOrEqual(endedMs - 1), { timeout: 400, interval: 2 });
  });

  it('OPENJOULES_EDGE_READ_GAP_MS=0 turns them off: the sampler keeps to its schedule', async () => {
    const sampler = await slowSampler('0');
    const tracer = tracerOn(sampler).getTracer('edge');
    const scheduled = await justAfterScheduledReading(sampler);
    tracer.startSpan('work').end();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(latestTime(sampler)).toBe(scheduled);
  });

  it('a bad OPENJOULES_EDGE_READ_GAP_MS is one line and the default', () => {
    const warnings: string[] = [];
    const config = energyConfigFromEnv({ OPENJOULES_EDGE_READ_GAP_MS: 'soon' }, (line) => warnings.push(line));
    expect(config.edgeReadGapMs).toBe(1);
    expect(warnings).toEqual(['OPENJOULES_EDGE_READ_GAP_MS: "soon" is not a number of ms between 0 (off) and 60000; using 1']);
  });
});
