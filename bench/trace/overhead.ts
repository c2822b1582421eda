// Spans per second through the OpenTelemetry SDK with the EnergySpanProcessor in front of a BatchSpanProcessor, vs the
// BatchSpanProcessor alone, in the same run. Energy comes from an in-thread sampler over a SimulatedEnergySource
// (10 ms, 100 ms counter ticks), so spans really are held until their energy is known.
//
// Every variant runs the same provider, the same BatchSpanProcessor settings and the same exporter, and is timed from
// the first span to the end of forceFlush (so the energy processor's deferred work, done when the counter catches up,
// is inside the measurement). Two clocks:
// - wall: includes the final wait for the counter to tick past the last span (up to ~110 ms of idle time, a latency
//   that does not grow with the number of spans);
// - CPU (process user + system, all threads, GC included): the work done per span, without that idle wait.
// A third variant, "hold only", holds each span until the same timeline covers its end and does nothing else: the
// cost of waiting for the counter (spans held ~100 ms outlive the young generation), which no arithmetic can remove.
// Run: npx tsx bench/trace/overhead.ts
import { ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type Span, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ExportResultCode, hrTimeToMilliseconds, type ExportResult } from '@opentelemetry/core';
import { startInProcessSampler } from '../../src/energy/sampler.js';
import { SimulatedEnergySource } from '../../src/energy/simulated.js';
import type { EnergyTimeline } from '../../src/energy/timeline.js';
import { EnergySpanProcessor } from '../../src/trace/energy-span-processor.js';
import { median, printTable } from '../lib/table.js';

const TURNS = 20_000; // each turn: an agent span with an LLM span and two tool spans = 4 spans
const SPANS = TURNS * 4;
const ROUNDS = 7;

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

/** Holds each span until `timeline` covers its end, then passes it on: waiting for the counter and nothing else. */
class HoldOnlyProcessor implements SpanProcessor {
  private readonly _held: ReadableSpan[] = [];
  private _head = 0;
  private readonly _timer: ReturnType<typeof setInterval>;
  constructor(
    private readonly _timeline: EnergyTimeline,
    private readonly _next: SpanProcessor,
  ) {
    this._timer = setInterval(() => this._release(), 20);
    this._timer.unref();
  }
  onStart(span: Span, context: Context): void {
    this._next.onStart(span, context);
  }
  onEnd(span: ReadableSpan): void {
    this._held.push(span);
  }
  async forceFlush(): Promise<void> {
    while (this._head < this._held.length) {
      this._release();
      await new Promise((r) => setTimeout(r, 10));
    }
    await this._next.forceFlush();
  }
  async shutdown(): Promise<void> {
    clearInterval(this._timer);
    await this._next.shutdown();
  }
  private _release(): void {
    const covered = this._timeline.coveredUntilAll();
    while (this._head < this._held.length) {
      const span = this._held[this._head]!;
      if (hrTimeToMilliseconds(span.endTime) > covered) break;
      this._held[this._head++] = undefined as never;
      this._next.onEnd(span);
    }
  }
}

type Variant = 'ref' | 'hold' | 'energy' | 'exact';

interface Run {
  readonly wallSpansPerSecond: number;
  readonly cpuSpansPerSecond: number;
  readonly withEnergy: number;
}

async function once(variant: Variant): Promise<Run> {
  const exporter = new CountingExporter();
  const sampler =
    variant === 'ref' ? undefined : startInProcessSampler([new SimulatedEnergySource({ devices: [{ power: (t) => 200 + 100 * Math.sin(t / 50) }] })]);
  const processor = !sampler
    ? batch(exporter)
    : variant === 'hold'
      ? new HoldOnlyProcessor(sampler.timeline, batch(exporter))
      : variant === 'exact'
        ? new EnergySpanProcessor({ timeline: sampler.timeline, next: batch(exporter), finalize: 'exact', maxHeldSpans: SPANS })
        : new EnergySpanProcessor({ timeline: sampler.timeline, next: batch(exporter) });
  // A deployed sampler has been running for a while when the agent's spans come; here the counter's first ticks are
  // awaited before timing starts, so no variant is measured against the sampler's warm-up.
  for (let waited = 0; sampler && sampler.timeline.coveredUntilAll() === -Infinity && waited < 2000; waited += 5) {
    await new Promise((r) => setTimeout(r, 5));
  }
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  const tracer = provider.getTracer('bench');
  const cpu0 = process.cpuUsage();
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
  const cpu = process.cpuUsage(cpu0);
  await provider.shutdown();
  await sampler?.shutdown();
  if (exporter.count !== SPANS) throw new Error(`exported ${exporter.count} of ${SPANS}`);
  return { wallSpansPerSecond: SPANS / seconds, cpuSpansPerSecond: SPANS / ((cpu.user + cpu.system) / 1e6), withEnergy: exporter.energy };
}

async function main(): Promise<void> {
  const variants: Variant[] = ['ref', 'hold', 'exact', 'energy'];
  for (const v of variants) await once(v); // warm up every path
  const runs: Record<Variant, Run[]> = { ref: [], hold: [], exact: [], energy: [] };
  for (let r = 0; r < ROUNDS; r++) for (const v of variants) runs[v].push(await once(v));
  // Ratios are taken per round (against that round's reference run), then the median: the machine's load drifts.
  const ratio = (v: Variant, key: 'wallSpansPerSecond' | 'cpuSpansPerSecond'): number =>
    median(runs[v].map((run, i) => run[key] / (runs.ref[i]?.[key] ?? NaN)));
  const rate = (v: Variant, key: 'wallSpansPerSecond' | 'cpuSpansPerSecond'): number => Math.round(median(runs[v].map((run) => run[key])));
  printTable(`${SPANS} spans per run (agent turn + LLM call + 2 tool calls), medians of ${ROUNDS} alternating rounds`, ['variant', 'wall spans/s', 'wall ratio', 'CPU spans/s', 'CPU ratio'], [
    ['(ref) BatchSpanProcessor', rate('ref', 'wallSpansPerSecond'), '1.00×', rate('ref', 'cpuSpansPerSecond'), '1.00×'],
    ...(['hold', 'exact', 'energy'] as const).map((v) => [
      { hold: '(floor) hold until covered → BatchSpanProcessor', exact: "EnergySpanProcessor, finalize 'exact' → BSP", energy: "EnergySpanProcessor (default, 'auto') → BSP" }[v],
      rate(v, 'wallSpansPerSecond'),
      `${ratio(v, 'wallSpansPerSecond').toFixed(2)}×`,
      rate(v, 'cpuSpansPerSecond'),
      `${ratio(v, 'cpuSpansPerSecond').toFixed(2)}×`,
    ]),
  ]);
  const perSpanUs = (v: Variant, key: 'wallSpansPerSecond' | 'cpuSpansPerSecond'): number => (1 / rate(v, key) - 1 / rate('ref', key)) * 1e6;
  console.log(`added CPU per span: ${perSpanUs('energy', 'cpuSpansPerSecond').toFixed(2)} µs, of which holding alone: ${perSpanUs('hold', 'cpuSpansPerSecond').toFixed(2)} µs`);
  console.log(`energy processor vs hold-only floor: wall ${(rate('energy', 'wallSpansPerSecond') / rate('hold', 'wallSpansPerSecond')).toFixed(2)}×, CPU ${(rate('energy', 'cpuSpansPerSecond') / rate('hold', 'cpuSpansPerSecond')).toFixed(2)}×`);
  console.log(`spans exported with energy attributes in the last energy run: ${runs.energy.at(-1)?.withEnergy ?? 0} of ${SPANS}`);
}

await main();
