// What the GPU gauge attributes (energy.gpu.utilization.mean, .memory.peak.bytes, .temperature.mean.celsius) add per
// span, against the timeline reads every span's energy attributes already make (a device's joules and peak power over
// the span), in the same run: alternating rounds, median of rounds. A simulated GPU whose gauges change at every gauge
// read (250 ms, the worst case), sampled every 10 ms on a virtual clock; spans of 20 ms–2 s ending in time order.
// Run: npx tsx bench/trace/gpu-gauge-attributes.ts   (BENCH_SPANS, BENCH_ROUNDS to change the size)
import type { Attributes } from '@opentelemetry/api';
import { startInProcessSampler } from '../../src/runtime/energy/sampler/sampler.js';
import { SimulatedEnergySource } from '../../src/runtime/energy/sources/simulated.js';
import { GpuGaugeAttributes } from '../../src/runtime/span-processor/gpu-gauge-attributes.js';
import { lcg, median, printTable } from '../lib/table.js';

const SPANS = Number(process.env.BENCH_SPANS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ORIGIN = 1_700_000_000_000;
const RUN_MS = 120_000;

let now = ORIGIN;
const source = new SimulatedEnergySource({
  now: () => now,
  originMs: ORIGIN,
  devices: [{ power: (t) => 300 + 100 * Math.sin(t / 40), utilization: (t) => 0.3 + 0.6 * Math.abs(Math.sin(Math.floor(t / 250))) }],
});
const sampler = startInProcessSampler([source], { manual: true, ringCapacity: 16384 });
const timeline = sampler.timeline;
for (; now < ORIGIN + RUN_MS; now += 10) {
  sampler.sampleNow();
  if ((now - ORIGIN) % 5000 === 0) timeline.sync();
}
timeline.sync();

// Span windows ending in time order, as the span path sees them.
const random = lcg(7);
const windows = new Float64Array(SPANS * 2);
for (let i = 0; i < SPANS; i++) {
  const end = ORIGIN + 3000 + ((RUN_MS - 4000) * i) / SPANS;
  windows[2 * i] = end - (20 + random() * 1980);
  windows[2 * i + 1] = end;
}

const gauges = new GpuGaugeAttributes(timeline);
let sink = 0;

/** ns per span of the reads the energy attributes make for one device. */
function baseline(): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < SPANS; i++) {
    const t0 = windows[2 * i]!;
    const t1 = windows[2 * i + 1]!;
    sink += (timeline.joules(0, t0, t1) ?? 0) + (timeline.peakWatts(0, t0, t1) ?? 0);
  }
  return Number(process.hrtime.bigint() - start) / SPANS;
}

/** The gauge attributes alone, written into a fresh attribute object per span. */
function gaugesOnly(): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < SPANS; i++) {
    const out: Attributes = {};
    sink += gauges.write(out, windows[2 * i]!, windows[2 * i + 1]!);
  }
  return Number(process.hrtime.bigint() - start) / SPANS;
}

baseline();
gaugesOnly();
const base: number[] = [];
const ours: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  // Alternate which goes first, so neither always runs on the other's warm caches.
  if (r % 2 === 0) {
    base.push(baseline());
    ours.push(gaugesOnly());
  } else {
    ours.push(gaugesOnly());
    base.push(baseline());
  }
}
const b = median(base);
const g = median(ours);
printTable(`GPU gauge attributes per span (${SPANS} spans, median of ${ROUNDS} rounds; sink ${sink > 0 ? 'ok' : '0'})`, ['variant', 'ns/span', 'ratio'], [
  ['energy reads of one GPU: joules + peak power (ref)', b.toFixed(0), '1.00'],
  ['GPU gauge attributes alone', g.toFixed(0), (g / b).toFixed(2)],
]);
