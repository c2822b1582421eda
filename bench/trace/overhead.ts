// Spans per second through the OpenTelemetry SDK with the EnergySpanProcessor in front of a BatchSpanProcessor, vs the
// BatchSpanProcessor alone, in the same run. Energy comes from an in-thread sampler over a SimulatedEnergySource
// (10 ms power samples, 100 ms counter ticks, like NVML), so its cost is counted against us (deployed, it runs on a
// worker thread).
//
// How it measures, and why:
// - Each variant runs in its own child process (warm-up, then timed runs; the median is its figure). In one process
//   the variants would share V8's inline caches: spans carrying energy attributes make the SDK's own code polymorphic
//   for the reference runs too, which is not what a user's process sees.
// - The children run in alternating rounds, and each variant's ratio is taken against the reference of its own round,
//   then the median over rounds: this machine's speed drifts by tens of percent from second to second.
// - CPU time of the process (user + system, GC included), from the first span to the end of forceFlush: spans per
//   CPU-second is the saturated rate of one core. Wall time is printed as well.
// - Floors: what any processor that carries joules on the public SDK API pays, measured the same way — setting the
//   core energy attributes (constants, no arithmetic) with `span.setAttributes` on every span, and holding each span
//   until the counter covers its end.
// - Two exporters: a counting no-op one (the SDK's own cost, the hardest case for a ratio), and the OTLP/HTTP JSON
//   exporter to a local sink process (what users ship; every attribute we add is serialised too).
// - Two span shapes: bare (a name and one or two attributes: the SDK's cheapest span, so the hardest case for a ratio)
//   and what the Vercel AI SDK records for a generateText call with tool calls (6–22 attributes a span).
// - Two placements of ours: wrapping the BatchSpanProcessor (`next`), and beside it (no `next`, finalised as spans end).
// - Finally, at an agent-like rate (paced, not saturated), the CPU added per span.
// - Either OpenTelemetry JS line: 2.x from this repository's node_modules (default), or 3.x (`OVERHEAD_OTEL_LINE=3`)
//   from bench/.otel3 (`npm install` there; Node >= 22.15: `npx -y -p node@24 node --import tsx bench/trace/overhead.ts`).
//   Both through `@opentelemetry/sdk-trace` (TracerProvider, BatchSpanProcessor({ exporter })), which both lines have.
// Run: npx tsx bench/trace/overhead.ts   (OVERHEAD_ROUNDS, OVERHEAD_SPANS to change the size; OVERHEAD_GROUPS and
// OVERHEAD_PROCESSORS and OVERHEAD_PACED=0 to run part of it)
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Api from '@opentelemetry/api';
import type { Context, Tracer } from '@opentelemetry/api';
import type * as OtlpHttp from '@opentelemetry/exporter-trace-otlp-http';
import type * as SdkTrace from '@opentelemetry/sdk-trace';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { startInProcessSampler, type InProcessSampler } from '../../src/runtime/energy/sampler/sampler.js';
import { SimulatedEnergySource, type SimulatedDeviceOptions } from '../../src/runtime/energy/sources/simulated.js';
import type { EnergyTimeline } from '../../src/runtime/energy/timeline/timeline.js';
import { EnergySpanProcessor } from '../../src/runtime/span-processor/energy-span-processor.js';
import { median, printTable } from '../lib/table.js';

/** The OpenTelemetry line measured: its API, SDK and OTLP exporter, loaded from where that line is installed. */
const LINE = process.env.OVERHEAD_OTEL_LINE === '3' ? '3' : '2';
const lineRequire = createRequire(new URL(LINE === '3' ? '../.otel3/package.json' : '../../package.json', import.meta.url));
const { ROOT_CONTEXT, trace } = lineRequire('@opentelemetry/api') as typeof Api;
const { TracerProvider, BatchSpanProcessor } = lineRequire('@opentelemetry/sdk-trace') as typeof SdkTrace;
const { OTLPTraceExporter } = lineRequire('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttp;
const SDK_VERSION = packageVersion(lineRequire.resolve('@opentelemetry/sdk-trace'), '@opentelemetry/sdk-trace');
/** The version of package `name`, found from one of its files (its package.json is not in its exports). */
function packageVersion(file: string, name: string): string {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const path = join(dir, 'package.json');
    if (!existsSync(path)) continue;
    const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === name) return pkg.version ?? '?';
  }
  return '?';
}
/** Whether the processor under test can sit beside the exporter's processor (not before this change). */
const BESIDE_SUPPORTED = typeof (EnergySpanProcessor.prototype as { whenReady?: unknown }).whenReady === 'function';

const ROUNDS = Number(process.env.OVERHEAD_ROUNDS ?? 5);
/**
 * The simulated GPU. OVERHEAD_GPU=nvml makes it report what a real NVML GPU adds to every span: a host-wide counter
 * (the device readings for shares across processes, 3 attributes) and utilization, memory and temperature (the GPU
 * gauges, 3 attributes). Default: energy only, as the tables before those attributes were measured.
 */
const GPU_POWER = (t: number): number => 200 + 100 * Math.sin(t / 50);
const GPU_READINGS: Partial<SimulatedDeviceOptions> = { counterOriginJoules: 0 };
const GPU_GAUGES: Partial<SimulatedDeviceOptions> = {
  utilization: (t) => (Math.floor(t / 300) % 2 ? 0.9 : 0.4),
  memoryUsedBytes: () => 3 * 2 ** 30,
  temperatureCelsius: (t) => 55 + (Math.floor(t / 500) % 3),
};
// OVERHEAD_GPU=readings or =gauges: one of the two, to see what each costs.
const GPU: SimulatedDeviceOptions = {
  power: GPU_POWER,
  ...(process.env.OVERHEAD_GPU === 'nvml' || process.env.OVERHEAD_GPU === 'readings' ? GPU_READINGS : {}),
  ...(process.env.OVERHEAD_GPU === 'nvml' || process.env.OVERHEAD_GPU === 'gauges' ? GPU_GAUGES : {}),
};
const SPANS = Number(process.env.OVERHEAD_SPANS ?? 40_000); // per timed run; 4 spans a turn
const TIMED_RUNS = 7;
const WARMUP_RUNS = 3;

type Processor = 'ref' | 'attrs' | 'hold' | 'auto' | 'exact' | 'immediate' | 'beside';
type Exporter = 'noop' | 'otlp';
/** What the spans carry: `bare` — a name and one or two attributes; `ai-sdk` — what the Vercel AI SDK records. */
type Shape = 'bare' | 'ai-sdk';
interface Variant {
  readonly processor: Processor;
  readonly exporter: Exporter;
  readonly shape: Shape;
}
const LABEL: Record<Processor, string> = {
  ref: '(ref) BatchSpanProcessor alone',
  attrs: '(floor) span.setAttributes of the 7 core energy attributes, no arithmetic',
  hold: '(floor) hold each span until the counter covers it',
  auto: "EnergySpanProcessor, default ('auto')",
  exact: "EnergySpanProcessor, finalize 'exact'",
  immediate: "EnergySpanProcessor, finalize 'immediate'",
  beside: 'EnergySpanProcessor beside the BatchSpanProcessor (no next)',
};

// ---------------------------------------------------------------------------------------------------------------- child

class CountingExporter implements SpanExporter {
  count = 0;
  energy = 0;
  export(spans: ReadableSpan[], done: (result: { code: number }) => void): void {
    this.count += spans.length;
    for (const s of spans) if (s.attributes['energy.joules'] !== undefined) this.energy++;
    done({ code: 0 }); // ExportResultCode.SUCCESS
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Forwards everything; sets the 7 core energy attributes on each span as it ends (`span.setAttributes`, the public API),
 * with no arithmetic behind them. The values vary from span to span like real ones (a constant double would be shared,
 * and serialised faster).
 */
class AttributesOnlyProcessor implements SpanProcessor {
  private _x = 0.123456789;
  constructor(private readonly _next: SpanProcessor) {}
  onStart(span: Span, context: Context): void {
    this._next.onStart(span, context);
  }
  onEnding(span: Span): void {
    const x = (this._x = (this._x * 1.000123) % 7);
    span.setAttributes({
      'energy.joules': x,
      'energy.attributed.joules': x * 0.61,
      'energy.source': 'nvml',
      'energy.method': 'counter',
      'energy.gpu.joules': x,
      'energy.mean.watts': x * 173.3,
      'energy.peak.watts': x * 201.7,
    });
  }
  onEnd(span: ReadableSpan): void {
    this._next.onEnd(span);
  }
  forceFlush(): Promise<void> {
    return this._next.forceFlush();
  }
  shutdown(): Promise<void> {
    return this._next.shutdown();
  }
}

/** Holds each span until `timeline` covers its end, then passes it on: waiting for the counter and nothing else. */
class HoldOnlyProcessor implements SpanProcessor {
  private _held: ReadableSpan[] = [];
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
      if (span.endTime[0] * 1e3 + span.endTime[1] / 1e6 > covered) break;
      this._held[this._head++] = undefined as never;
      this._next.onEnd(span);
    }
    if (this._head === this._held.length) {
      this._held = [];
      this._head = 0;
    }
  }
}

/** The provider's processors for `variant`. */
function processorsFor(variant: Variant, sampler: InProcessSampler | undefined, exporter: SpanExporter): SpanProcessor[] {
  const batch = new BatchSpanProcessor({ exporter, maxQueueSize: SPANS * 2, maxExportBatchSize: 512, scheduledDelayMillis: 5 });
  switch (variant.processor) {
    case 'ref':
      return [batch];
    case 'attrs':
      return [new AttributesOnlyProcessor(batch)];
    case 'hold':
      return [new HoldOnlyProcessor(sampler!.timeline, batch)];
    case 'auto':
      return [new EnergySpanProcessor({ timeline: sampler!.timeline, next: batch })];
    case 'exact':
      return [new EnergySpanProcessor({ timeline: sampler!.timeline, next: batch, finalize: 'exact', maxHeldSpans: SPANS })];
    case 'immediate':
      return [new EnergySpanProcessor({ timeline: sampler!.timeline, next: batch, finalize: 'immediate' })];
    case 'beside':
      return [new EnergySpanProcessor({ timeline: sampler!.timeline }), batch];
  }
}

/** One agent turn of bare spans: an agent span, an LLM call and two tool calls under it. */
function bareTurn(tracer: Tracer): void {
  const agent = tracer.startSpan('invoke_agent', { attributes: { 'gen_ai.operation.name': 'invoke_agent' } });
  const ctx = trace.setSpan(ROOT_CONTEXT, agent);
  const llm = tracer.startSpan('chat', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm' } }, ctx);
  llm.setAttribute('gen_ai.usage.output_tokens', 42);
  llm.end();
  for (let k = 0; k < 2; k++) tracer.startSpan('execute_tool', { attributes: { 'gen_ai.tool.name': 't' } }, ctx).end();
  agent.end();
}

const PROMPT = JSON.stringify([
  { role: 'system', content: [{ type: 'text', text: 'You are a research assistant. Use the tools when a question needs fresh data.' }] },
  { role: 'user', content: [{ type: 'text', text: 'What is the weather in Paris tomorrow, and should I pack an umbrella?' }] },
]);
const TOOLS = [JSON.stringify({ type: 'function', name: 'weather', description: 'Forecast for a city', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } })];

/**
 * One turn as the Vercel AI SDK (v5/v6 `experimental_telemetry`, inputs and outputs recorded, its default) records a
 * generateText call with two tool calls: `ai.generateText` → `ai.generateText.doGenerate` + two `ai.toolCall`.
 */
function aiSdkTurn(tracer: Tracer, i: number): void {
  const common = {
    'operation.name': 'ai.generateText weather-agent',
    'ai.model.id': 'gpt-4o-mini',
    'ai.model.provider': 'openai.chat',
    'ai.telemetry.functionId': 'weather-agent',
    'ai.settings.maxRetries': 2,
  };
  const outer = tracer.startSpan('ai.generateText', {
    attributes: { ...common, 'ai.operationId': 'ai.generateText', 'ai.prompt': '{"prompt":"What is the weather in Paris tomorrow?"}' },
  });
  const ctx = trace.setSpan(ROOT_CONTEXT, outer);
  const call = tracer.startSpan(
    'ai.generateText.doGenerate',
    {
      attributes: {
        ...common,
        'operation.name': 'ai.generateText.doGenerate weather-agent',
        'ai.operationId': 'ai.generateText.doGenerate',
        'ai.prompt.format': 'messages',
        'ai.prompt.messages': PROMPT,
        'ai.prompt.tools': TOOLS,
        'ai.prompt.toolChoice': '{"type":"auto"}',
        'gen_ai.system': 'openai.chat',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.request.temperature': 0.2,
        'gen_ai.request.max_tokens': 1024,
      },
    },
    ctx,
  );
  call.setAttributes({
    'ai.response.finishReason': 'tool-calls',
    'ai.response.text': 'Let me look that up.',
    'ai.response.toolCalls': '[{"toolCallType":"function","toolCallId":"call_1","toolName":"weather","args":"{\\"city\\":\\"Paris\\"}"}]',
    'ai.response.id': `chatcmpl-${i}`,
    'ai.response.model': 'gpt-4o-mini-2024-07-18',
    'ai.response.timestamp': '2026-11-23T10:00:00.000Z',
    'ai.usage.promptTokens': 182,
    'ai.usage.completionTokens': 42,
    'gen_ai.response.finish_reasons': ['tool-calls'],
    'gen_ai.response.id': `chatcmpl-${i}`,
    'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
    'gen_ai.usage.input_tokens': 182,
    'gen_ai.usage.output_tokens': 42,
  });
  call.end();
  for (let k = 0; k < 2; k++) {
    tracer
      .startSpan(
        'ai.toolCall',
        {
          attributes: {
            ...common,
            'operation.name': 'ai.toolCall weather-agent',
            'ai.operationId': 'ai.toolCall',
            'ai.toolCall.name': 'weather',
            'ai.toolCall.id': `call_${k}`,
            'ai.toolCall.args': '{"city":"Paris"}',
            'ai.toolCall.result': '{"forecast":"rain","high_c":11,"low_c":6}',
          },
        },
        ctx,
      )
      .end();
  }
  outer.setAttributes({ 'ai.response.finishReason': 'stop', 'ai.response.text': 'Rain is likely: pack an umbrella.', 'ai.usage.promptTokens': 364, 'ai.usage.completionTokens': 61 });
  outer.end();
}

interface Measured {
  cpuSpansPerSecond: number;
  wallSpansPerSecond: number;
  withEnergy: number;
}

/** One timed run: SPANS spans as agent turns (agent span + LLM call + 2 tool calls), as fast as they go. */
async function saturated(variant: Variant, sampler: InProcessSampler | undefined, sinkUrl: string | undefined): Promise<Measured> {
  const counting = new CountingExporter();
  // forceFlush sends everything queued at once, one request per 512 spans: more than the exporter's default 30
  // requests in flight when the sink falls behind, and the flush fails ("Concurrent export limit reached").
  const concurrencyLimit = Math.ceil((2 * SPANS) / 512) + 30;
  const exporter = variant.exporter === 'otlp' ? new OTLPTraceExporter({ url: sinkUrl, concurrencyLimit }) : counting;
  const provider = new TracerProvider({ spanProcessors: processorsFor(variant, sampler, exporter) });
  const tracer = provider.getTracer('bench');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const turn = variant.shape === 'ai-sdk' ? aiSdkTurn : bareTurn;
  for (let i = 0; i < SPANS / 4; i++) {
    turn(tracer, i);
    // An agent awaits I/O between turns; yield now and then so timers (the sampler's included) run as they would.
    if (i % 100 === 99) await new Promise((r) => setImmediate(r));
  }
  await provider.forceFlush();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await provider.shutdown();
  if (variant.exporter === 'noop' && counting.count !== SPANS) throw new Error(`exported ${counting.count} of ${SPANS}`);
  return { cpuSpansPerSecond: SPANS / ((cpu.user + cpu.system) / 1e6), wallSpansPerSecond: SPANS / seconds, withEnergy: counting.energy };
}

/** CPU per span at an agent-like pace: `rate` spans a second for `seconds`, in turns of 4 spans. */
async function paced(variant: Variant, sampler: InProcessSampler | undefined, rate: number, seconds: number): Promise<number> {
  const turn = variant.shape === 'ai-sdk' ? aiSdkTurn : bareTurn;
  const provider = new TracerProvider({ spanProcessors: processorsFor(variant, sampler, new CountingExporter()) });
  const tracer = provider.getTracer('bench');
  const turns = Math.round((rate * seconds) / 4);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < turns; i++) {
    const due = t0 + (i * 4 * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    turn(tracer, i);
  }
  await provider.forceFlush();
  const cpu = process.cpuUsage(cpu0);
  await provider.shutdown();
  return (cpu.user + cpu.system) / (turns * 4); // µs per span, the sampler and the idle process included
}

async function child(variant: Variant, mode: string, sinkUrl: string | undefined): Promise<void> {
  if (variant.processor === 'beside' && !BESIDE_SUPPORTED) {
    process.stdout.write(JSON.stringify({ unsupported: 1 }));
    return;
  }
  const sampler =
    variant.processor === 'ref' || variant.processor === 'attrs'
      ? undefined
      : startInProcessSampler([new SimulatedEnergySource({ devices: [GPU] })]);
  // A deployed sampler has been running for a while when the agent's spans come: wait for the counter's first ticks.
  for (let waited = 0; sampler && sampler.timeline.coveredUntilAll() === -Infinity && waited < 2000; waited += 5) {
    await new Promise((r) => setTimeout(r, 5));
  }
  if (mode === 'paced') {
    const rate = Number(process.env.OVERHEAD_RATE ?? 2000);
    // Warm up long enough for the JIT to have optimised the span path at this rate (a few seconds of spans).
    await paced(variant, sampler, rate, Number(process.env.OVERHEAD_PACED_WARMUP_S ?? 3));
    process.stdout.write(JSON.stringify({ cpuUsPerSpan: await paced(variant, sampler, rate, 3) }));
  } else {
    for (let r = 0; r < WARMUP_RUNS; r++) await saturated(variant, sampler, sinkUrl);
    const runs: Measured[] = [];
    for (let r = 0; r < TIMED_RUNS; r++) runs.push(await saturated(variant, sampler, sinkUrl));
    process.stdout.write(
      JSON.stringify({
        cpu: median(runs.map((m) => m.cpuSpansPerSecond)),
        wall: median(runs.map((m) => m.wallSpansPerSecond)),
        withEnergy: runs.at(-1)?.withEnergy ?? 0,
      }),
    );

  }
  await sampler?.shutdown();
}

// --------------------------------------------------------------------------------------------------------------- parent

const self = fileURLToPath(import.meta.url);
const repo = fileURLToPath(new URL('../..', import.meta.url));

function runChild(variant: Variant, mode: 'saturated' | 'paced', sinkUrl: string): Record<string, number> {
  // This Node (the 3.x line needs >= 22.15), with tsx for the TypeScript sources.
  const args = ['--import', 'tsx', self, 'child', variant.processor, variant.exporter, variant.shape, mode, sinkUrl];
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', env: process.env, cwd: repo });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Record<string, number>;
}

/** A local OTLP/HTTP sink in its own process (its CPU is not ours): reads each request, answers 200. */
async function startSink(): Promise<{ url: string; stop: () => void }> {
  const code = `const s=require('node:http').createServer((q,r)=>{q.resume();q.on('end',()=>{r.writeHead(200,{'content-type':'application/json'});r.end('{}')})});s.listen(0,'127.0.0.1',()=>console.log(s.address().port));`;
  const sink: ChildProcess = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => sink.stdout?.once('data', (d: Buffer) => resolve(String(d).trim())));
  return { url: `http://127.0.0.1:${port}/v1/traces`, stop: () => sink.kill() };
}

/** Whether a child said it cannot run its variant (the processor under test predates it). */
const unsupported = (m: Record<string, number> | undefined): boolean => m?.unsupported === 1;

async function parent(): Promise<void> {
  console.log(`OpenTelemetry JS ${LINE}.x line (@opentelemetry/sdk-trace ${SDK_VERSION}), Node ${process.version}`);
  const sink = await startSink();
  try {
    const groups: Array<{ exporter: Exporter; shape: Shape; processors: Processor[] }> = [
      { exporter: 'noop', shape: 'bare', processors: ['ref', 'attrs', 'hold', 'exact', 'auto', 'beside'] },
      { exporter: 'otlp', shape: 'bare', processors: ['ref', 'attrs', 'auto', 'beside'] },
      { exporter: 'noop', shape: 'ai-sdk', processors: ['ref', 'attrs', 'auto', 'beside'] },
      { exporter: 'otlp', shape: 'ai-sdk', processors: ['ref', 'attrs', 'auto', 'beside'] },
    ];
    // OVERHEAD_GROUPS=noop/bare,otlp/ai-sdk runs only those tables, OVERHEAD_PROCESSORS=auto,beside only those rows (and
    // the reference); OVERHEAD_PACED=0 skips the paced table.
    const only = process.env.OVERHEAD_GROUPS?.split(',').map((g) => g.trim());
    const onlyProcessors = process.env.OVERHEAD_PROCESSORS?.split(',').map((p) => p.trim());
    for (const group of groups) {
      const { exporter, shape } = group;
      if (only && !only.includes(`${exporter}/${shape}`)) continue;
      const processors = group.processors.filter((p) => p === 'ref' || !onlyProcessors || onlyProcessors.includes(p));
      const results = new Map<Processor, Array<Record<string, number>>>(processors.map((p) => [p, []]));
      for (let r = 0; r < ROUNDS; r++) {
        for (const processor of processors) results.get(processor)?.push(runChild({ processor, exporter, shape }, 'saturated', sink.url));
      }
      const ref = results.get('ref') ?? [];
      const ratio = (p: Processor, key: string): number => median((results.get(p) ?? []).map((m, i) => (m[key] ?? NaN) / (ref[i]?.[key] ?? NaN)));
      const rate = (p: Processor, key: string): number => Math.round(median((results.get(p) ?? []).map((m) => m[key] ?? NaN)));
      printTable(
        `${SPANS} ${shape === 'bare' ? 'bare spans (1–2 attributes each)' : 'spans shaped like the Vercel AI SDK\'s (6–22 attributes)'} per run, ${exporter === 'noop' ? 'counting no-op exporter' : 'OTLP/HTTP JSON exporter to a local sink'}; each variant in its own process, medians of ${ROUNDS} alternating rounds`,
        ['variant', 'CPU spans/s', 'CPU ratio', 'wall spans/s', 'wall ratio', 'µs CPU per span'],
        processors.map((p) =>
          unsupported(results.get(p)?.[0])
            ? [LABEL[p], 'n/a', '', '', '', '']
            : [
          LABEL[p],
          rate(p, 'cpu'),
          `${ratio(p, 'cpu').toFixed(2)}×`,
          rate(p, 'wall'),
          `${ratio(p, 'wall').toFixed(2)}×`,
          (1e6 / rate(p, 'cpu')).toFixed(2),
              ],
        ),
      );
      if (exporter === 'noop') {
        for (const p of ['auto', 'beside'] as const) {
          const last = results.get(p)?.at(-1);
          if (last && !unsupported(last)) console.log(`spans exported with energy attributes in the last '${p}' run: ${last.withEnergy} of ${SPANS}`);
        }
      }
    }
    if (process.env.OVERHEAD_PACED === '0') return;
    const rate = Number(process.env.OVERHEAD_RATE ?? 2000);
    const pacedProcessors = ['ref', 'hold', 'auto', 'immediate', 'beside'] as const;
    const paced: Record<string, number[]> = { ref: [], hold: [], auto: [], immediate: [], beside: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const p of pacedProcessors) paced[p]?.push(runChild({ processor: p, exporter: 'noop', shape: 'bare' }, 'paced', sink.url).cpuUsPerSpan ?? NaN);
    }
    const refUs = median(paced.ref ?? []);
    printTable(
      `Agent-like pace: ${rate} spans/s for 3 s after 3 s of warm-up, medians of ${ROUNDS} rounds. Spans wait for the counter here; the sampler runs on this thread (deployed, on a worker), so its cost is in these figures`,
      ['variant', 'µs CPU per span (whole process)', 'added', 'share of one core at this rate'],
      pacedProcessors.map((p) => {
        const us = median(paced[p] ?? []);
        if (Number.isNaN(us)) return [LABEL[p], 'n/a', '', ''];
        return [LABEL[p], us.toFixed(2), p === 'ref' ? '—' : `${(us - refUs).toFixed(2)} µs`, p === 'ref' ? '—' : `${(((us - refUs) * rate) / 1e4).toFixed(2)}%`];
      }),
    );
  } finally {
    sink.stop();
  }
}

if (process.argv[2] === 'child') {
  const [, , , processor, exporter, shape, mode, sinkUrl] = process.argv;
  await child({ processor: processor as Processor, exporter: exporter as Exporter, shape: shape as Shape }, mode ?? 'saturated', sinkUrl);
} else {
  await parent();
}
