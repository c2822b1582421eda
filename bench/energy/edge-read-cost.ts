// What readings at span edges cost (EnergyTimeline.requestReading, OPENJOULES_EDGE_READ_GAP_MS): spans at a steady rate
// through the SDK and the EnergySpanProcessor, energy from the worker sampler reading 8 GPUs of the NVML C double every
// 5 ms (the default), with edge readings (1 ms gap, the default) and without (0), in alternating windows of the same
// run. Charged apart: the agent's thread (a clock read per edge, and a futex wake at most once a millisecond) and the
// sampler's worker thread (the extra reads), from Linux's per-thread schedstat.
// The worker runs the built code (dist/), as an installed package does. Run: npm run bench:edge-read-cost
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimpleSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { energyConfigFromEnv } from '../../src/runtime/energy/sources/config.js';
import { EnergySpanProcessor } from '../../src/runtime/span-processor/energy-span-processor.js';
import { buildDouble } from '../../test/energy/helpers/doubles.js';
import { median, printTable } from '../lib/table.js';
import { cpuNsBetween, newThreads, threadCpuNs } from '../lib/thread-cpu.js';

const DIST = new URL('../../dist/runtime/energy/sampler/', import.meta.url);
const WINDOW_MS = 4000;
const SETTLE_MS = 4000;
const ROUNDS = 2;
const RATES = [100, 1000, 5000]; // spans a second: an agent, a busy one, a synthetic flood
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Counts spans, sends nothing. */
class CountingExporter implements SpanExporter {
  count = 0;
  export(spans: ReadableSpan[], done: (r: { code: number }) => void): void {
    this.count += spans.length;
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

interface Window {
  readonly spans: number;
  /** µs of the agent's (main) thread per span, and the worker's share of one core. */
  readonly mainUsPerSpan: number;
  readonly workerCore: number;
  /** Readings the worker took, per second. */
  readonly readsPerS: number;
}

async function measure(gapMs: number, rate: number): Promise<Window> {
  const { startEnergySampler } = (await import(new URL('sampler.js', DIST).href)) as typeof import('../../src/runtime/energy/sampler/sampler.js');
  const library = buildDouble('nvml');
  const control = join(mkdtempSync(join(tmpdir(), 'oj-edge-cost-')), 'control');
  writeFileSync(control, 'devices=8\npower_mw=300000\n');
  process.env.OJ_NVML_DOUBLE_CONTROL = control;
  const before = threadCpuNs();
  const sampler = await startEnergySampler(
    energyConfigFromEnv({ OPENJOULES_ENERGY_SOURCES: 'nvml', OPENJOULES_NVML_LIBRARY: library, OPENJOULES_EDGE_READ_GAP_MS: String(gapMs) }),
  );
  const started = threadCpuNs();
  const worker = before && started ? newThreads(before, started) : new Set<string>();
  const exporter = new CountingExporter();
  const provider = new TracerProvider({
    spanProcessors: [new EnergySpanProcessor({ timeline: sampler.timeline, finalize: 'immediate', next: new SimpleSpanProcessor({ exporter }) })],
  });
  const tracer = provider.getTracer('edge-read-cost');
  let stopped = false;
  // Spans in 1 ms batches at the rate asked, each a few µs long (start, end): the edges the sampler is asked to read.
  const pace = async (): Promise<void> => {
    let due = performance.now();
    let owed = 0;
    while (!stopped) {
      owed += rate / 1000;
      for (; owed >= 1; owed--) tracer.startSpan('step').end();
      due += 1;
      await sleep(Math.max(0, due - performance.now()));
    }
  };
  const running = pace();
  await sleep(SETTLE_MS);
  const t0 = performance.now();
  const cpu0 = threadCpuNs();
  const spans0 = exporter.count;
  const reads0 = sampler.latestReadings()[0]?.reading ? readingsSeen(sampler) : 0;
  await sleep(WINDOW_MS);
  const cpu1 = threadCpuNs();
  const ms = performance.now() - t0;
  const spans = exporter.count - spans0;
  const reads = readingsSeen(sampler) - reads0;
  stopped = true;
  await running;
  await provider.shutdown();
  await sampler.shutdown();
  const main = cpu0 && cpu1 ? cpuNsBetween(cpu0, cpu1, new Set([String(process.pid)])) : NaN;
  const work = cpu0 && cpu1 ? cpuNsBetween(cpu0, cpu1, worker) : NaN;
  return { spans, mainUsPerSpan: main / 1000 / spans, workerCore: work / 1e6 / ms, readsPerS: (reads / ms) * 1000 };
}

/** Readings the worker has written for device 0 so far (the ring's sequence, through the timeline's view of it). */
function readingsSeen(sampler: { timeline: unknown }): number {
  const rings = (sampler.timeline as { _rings: ReadonlyArray<{ sequence(): number }> })._rings;
  return rings[0]?.sequence() ?? 0;
}

const load0 = loadavg()[0]!;
const results = new Map<string, Window[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const rate of RATES) {
    for (const gap of [0, 1]) {
      const key = `${rate}/${gap}`;
      results.set(key, [...(results.get(key) ?? []), await measure(gap, rate)]);
    }
  }
}
const med = (key: string, f: (w: Window) => number) => median((results.get(key) ?? []).map(f));
const rows = RATES.flatMap((rate) =>
  [0, 1].map((gap) => {
    const key = `${rate}/${gap}`;
    const base = `${rate}/0`;
    return [
      `${rate} spans/s, ${gap === 0 ? 'no edge readings (ref)' : 'edge readings ≥ 1 ms apart'}`,
      med(key, (w) => w.readsPerS).toFixed(0),
      med(key, (w) => w.mainUsPerSpan).toFixed(2),
      gap === 0 ? '1.00×' : `${(med(key, (w) => w.mainUsPerSpan) / med(base, (w) => w.mainUsPerSpan)).toFixed(2)}×`,
      `${(med(key, (w) => w.workerCore) * 100).toFixed(2)}%`,
      gap === 0 ? '1.00×' : `${(med(key, (w) => w.workerCore) / med(base, (w) => w.workerCore)).toFixed(2)}×`,
    ];
  }),
);
printTable(
  `Edge readings: 8 GPUs (NVML C double) every 5 ms, spans paced in 1 ms batches; median of ${ROUNDS} windows of ${WINDOW_MS / 1000} s (load average ${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)})`,
  ['spans', 'readings/s', 'agent thread µs/span', 'ratio', 'sampler worker, share of a core', 'ratio'],
  rows,
);
