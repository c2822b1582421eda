/**
 * E2E: per-request joules for a serving engine, with real processes.
 *   stand-in GPU:    the NVML double (driver ABI) drawing the power a synthetic batching schedule draws;
 *   GPU host:        `openjoules sample` (a process) writing the energy timeline and exporting hw.* metrics over OTLP;
 *   stand-in engine: vLLM-shaped `llm_request` spans for that schedule, parented by an agent's client spans through
 *                    W3C traceparent, sent over OTLP/HTTP to the openjoules Collector (ocb build);
 *   the Collector's file exporter → `openjoules attribute` → re-exported into a second Collector (and Jaeger if built).
 * Checks: requests + idle = the device's energy over the window (1% of the profile's own integral), and each
 * request's share, prefill and decode = the schedule's truth under the documented rule.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { SpanKind, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runAttribute, type AttributeRunResult } from '../../src/analysis/cli/attribute.js';
import type { SpanRecord } from '../../src/analysis/otlp/span-record.js';
import { SERVING_ENERGY_SPAN_NAME } from '../../src/analysis/serving/serving-energy-span.js';
import { buildDouble } from '../energy/helpers/doubles.js';
import { batchingSchedule, IDLE_WATTS, nvmlProfileLine, schedulePower, SCHEDULE_END_MS, trueShares } from '../serving/helpers/batching-schedule.js';
import { joulesBetween } from '../serving/helpers/power-profile.js';
import { agentCall, emitVllmRequestSpan } from '../serving/helpers/vllm-engine.js';
import { readFileExporter, waitFileSpans } from './helpers/files.js';
import { cleanupWorkDir, ROOT, skipped, startServer, stopAll, tempDir, waitFor, type Server } from './helpers/servers.js';
import { BINARIES, HOW_TO_BUILD, jaegerTags, jaegerTrace, startCollector, startJaeger, type Collector, type Jaeger } from './helpers/stack.js';

const collectorBin = BINARIES.collector();
if (!collectorBin) skipped('Serving attribution e2e', HOW_TO_BUILD.collector);
const jaegerBin = BINARIES.jaeger();

/** Idle before the schedule starts, ms after the double's init (the sampler's start). */
const IDLE_BEFORE_MS = 1500;
/**
 * Per-request agreement with the truth, as a fraction of the request's joules. The power steps sit 50 ms from every
 * schedule boundary, so the error is where the sampler's samples place a step (and t0's estimate, < 0.1 ms): totals
 * measured within 0.06% on a loaded 2-core machine. The prefill/decode split is more exposed: a sampler thread starved
 * for longer than the 50 ms (load average ~15 here) puts a step and a first token in one sample interval, and the step
 * lands anywhere inside it (1.2% once seen with the steps 30 ms away); 2% leaves room for that.
 */
const SHARE_TOLERANCE = 0.01;
const SPLIT_TOLERANCE = 0.02;

const HW_PIPELINE = 'yaml:service::pipelines::metrics/hw: {receivers: [otlp], processors: [memory_limiter, batch], exporters: [file]}';

function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  return Object.assign(
    new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString());
        done();
      },
    }),
    { text: () => chunks.join('') },
  );
}

function firstSample(dir: string): { timeUnixMs: number; joules: number } | undefined {
  for (const f of readdirSync(dir)) {
    const line = readFileSync(join(dir, f), 'utf8').split('\n').find((l) => l.includes('"timeUnixMs"'));
    if (line) return JSON.parse(line) as { timeUnixMs: number; joules: number };
  }
  return undefined;
}

function lastSampleMs(dir: string): number {
  let last = -Infinity;
  for (const f of readdirSync(dir)) {
    for (const l of readFileSync(join(dir, f), 'utf8').split('\n')) if (l.includes('"timeUnixMs"')) last = Math.max(last, (JSON.parse(l) as { timeUnixMs: number }).timeUnixMs);
  }
  return last;
}

function otlpTracer(url: string, service: string): { tracer: Tracer; provider: TracerProvider } {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${url}/v1/traces` }), scheduledDelayMillis: 100 })],
  });
  return { tracer: provider.getTracer('serving-e2e'), provider };
}

describe.skipIf(!collectorBin)('Serving engine attribution (NVML double + openjoules sample + stand-in vLLM → Collector → openjoules attribute)', () => {
  const work = tempDir('serving');
  const logDir = join(work, 'logs');
  const fileDir = join(work, 'file-exporter');
  const replayDir = join(work, 'replay-exporter');
  const timelineDir = join(work, 'timeline');
  const id = `${process.pid}-${Date.now().toString(36)}`;
  const engineService = `vllm-standin-${id}`;
  const agentService = `agent-${id}`;
  let collector: Collector;
  let replay: Collector;
  let jaeger: Jaeger | undefined;
  let sampler: Server;
  let samplerExit: number | null = null;
  let origin = 0;
  const runs: Partial<Record<'fair' | 'tokens', { run: AttributeRunResult; spans: SpanRecord[]; stderr: string }>> = {};
  let failed = false;

  beforeAll(async () => {
    failed = true;
    console.log(`e2e work dir (logs, file exporter output, timeline): ${work}`);
    collector = await startCollector(collectorBin!, { name: 'collector', logDir, fileDir, extraConfig: [HW_PIPELINE] });
    if (jaegerBin) jaeger = await startJaeger(jaegerBin, logDir);
    else skipped('Jaeger assertions of the re-exported spans', HOW_TO_BUILD.jaeger);
    replay = await startCollector(collectorBin!, { name: 'replay', logDir, fileDir: replayDir, jaegerEndpoint: jaeger?.otlpEndpoint });

    // The stand-in GPU: the schedule's power, IDLE_BEFORE_MS after the double's init.
    const relative = batchingSchedule(IDLE_BEFORE_MS);
    const control = join(work, 'nvml-control');
    writeFileSync(control, `devices=1\n${nvmlProfileLine(schedulePower(relative, IDLE_BEFORE_MS, IDLE_BEFORE_MS), 0)}\n`);
    sampler = startServer('sampler', process.execPath, ['--import', 'tsx', join(ROOT, 'src/analysis/cli/main.ts'), 'sample', '--out', timelineDir, '--step-ms', '10', '--otlp-endpoint', collector.httpUrl], {
      logDir,
      env: { OJ_NVML_DOUBLE_CONTROL: control, OPENJOULES_ENERGY_SOURCES: 'nvml', OPENJOULES_NVML_LIBRARY: buildDouble('nvml'), OTEL_METRIC_EXPORT_INTERVAL: '1000' },
    });
    // The double's clock starts at the sampler's nvmlInit; its counter is the profile's integral since then, and the
    // profile is flat (IDLE_WATTS) at first: the first line's joules say how long ago that was.
    const first = await waitFor('the sampler to write its first timeline line', async () => firstSample(timelineDir), 60_000, [sampler], 100);
    const initMs = first.timeUnixMs - (first.joules / IDLE_WATTS) * 1000;
    origin = initMs + IDLE_BEFORE_MS;
    const end = origin + SCHEDULE_END_MS;
    await waitFor('the timeline to cover the schedule', async () => (lastSampleMs(timelineDir) >= end + 200 ? true : undefined), 60_000, [sampler], 200);
    await sampler.stop();
    samplerExit = await sampler.exited;

    // The agent and the engine, after the fact (vLLM emits a request's span when it finishes).
    const agent = otlpTracer(collector.httpUrl, agentService);
    const engine = otlpTracer(collector.httpUrl, engineService);
    const session = agent.tracer.startSpan('invoke_agent load-test', { kind: SpanKind.INTERNAL, startTime: origin - 1000, attributes: { 'gen_ai.operation.name': 'invoke_agent' } });
    for (const r of batchingSchedule(origin)) emitVllmRequestSpan(engine.tracer, r, agentCall(agent.tracer, 'toy-lm-1b', r.arrivalMs - 5, r.lastTokenMs + 10, session).headers);
    session.end(end);
    await Promise.all([agent.provider.shutdown(), engine.provider.shutdown()]);
    await waitFileSpans([fileDir], engineService, 6, 30_000, [collector.server]);

    for (const rule of ['fair', 'tokens'] as const) {
      const stdout = sink();
      const stderr = sink();
      const out = join(work, `attributed-${rule}.jsonl`);
      const run = await runAttribute(
        { inputs: [fileDir], timeline: [timelineDir], out, rule, strict: false, otlpEndpoint: rule === 'fair' ? replay.httpUrl : undefined },
        { stdout, stderr },
        {},
      );
      console.log(`openjoules attribute --rule ${rule}:\n${stderr.text()}`);
      runs[rule] = { run, spans: await readFileExporter([out]), stderr: stderr.text() };
    }
    failed = false;
  });

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });

  afterAll(async () => {
    await stopAll();
    cleanupWorkDir(work, failed);
  });

  it('the sampler stops on SIGTERM with exit 0 and exported hw.energy and hw.power to the Collector', () => {
    expect(samplerExit, sampler.tail()).toBe(0);
    const lines = readdirSync(fileDir).flatMap((f) => readFileSync(join(fileDir, f), 'utf8').split('\n').filter((l) => l.includes('"resourceMetrics"')));
    const names = new Set(lines.flatMap((l) => [...l.matchAll(/"name":"(hw\.[a-z.]+)"/g)].map((m) => m[1])));
    expect(names).toContain('hw.energy');
    expect(names).toContain('hw.power');
  });

  it('requests + idle = the device energy over the window, within 1% of the power profile', () => {
    for (const rule of ['fair', 'tokens'] as const) {
      const { run } = runs[rule]!;
      expect(run.exitCode, runs[rule]!.stderr).toBe(0);
      const a = run.result!.attribution;
      const requests = a.requests.reduce((s, q) => s + q.joules, 0);
      expect(requests + a.idleJoules).toBeCloseTo(a.deviceJoules, 6);
      const truth = joulesBetween(schedulePower(batchingSchedule(origin), origin, IDLE_BEFORE_MS), a.windowStartMs, a.windowEndMs);
      console.log(`${rule}: devices ${a.deviceJoules.toFixed(3)} J over the window, ${truth.toFixed(3)} J in the profile`);
      expect(Math.abs(a.deviceJoules - truth) / truth, `${a.deviceJoules} J measured, ${truth} J in the profile`).toBeLessThan(0.01);
      const window = runs[rule]!.spans.find((s) => s.name === SERVING_ENERGY_SPAN_NAME)!;
      expect(window.attributes['energy.serving.idle.joules']).toBeCloseTo(a.idleJoules, 6);
    }
  });

  for (const rule of ['fair', 'tokens'] as const) {
    it(`${rule}: each request's share, prefill and decode match the schedule's truth`, () => {
      const { run, spans } = runs[rule]!;
      const a = run.result!.attribution;
      const schedule = batchingSchedule(origin);
      const truth = trueShares(schedule, schedulePower(schedule, origin, IDLE_BEFORE_MS), rule, a.windowStartMs, a.windowEndMs);
      const rows: string[] = [];
      for (const r of schedule) {
        const span = spans.find((s) => s.resource['service.name'] === engineService && s.attributes['gen_ai.request.id'] === r.id)!;
        const t = truth.shares.get(r.id)!;
        const got = span.attributes['energy.joules'] as number;
        const prefill = span.attributes['energy.prefill.joules'] as number;
        rows.push(
          `${r.id}: ${got.toFixed(2)} J (truth ${t.joules.toFixed(2)}, ${(((got - t.joules) / t.joules) * 100).toFixed(3)}%), ` +
            `prefill ${prefill.toFixed(2)} (${t.prefill.toFixed(2)}, ${(((prefill - t.prefill) / t.joules) * 100).toFixed(3)}% of the request)`,
        );
        expect(span.attributes['energy.method']).toBe(rule === 'fair' ? 'serving_fair_share' : 'serving_token_weighted');
        expect(Math.abs(got - t.joules) / t.joules, rows.join('\n')).toBeLessThan(SHARE_TOLERANCE);
        expect(Math.abs((span.attributes['energy.prefill.joules'] as number) - t.prefill), rows.join('\n')).toBeLessThan(SPLIT_TOLERANCE * t.joules);
        expect(Math.abs((span.attributes['energy.decode.joules'] as number) - t.decode), rows.join('\n')).toBeLessThan(SPLIT_TOLERANCE * t.joules);
        // The agent's client span that called it (its traceparent) carries the same joules, apart from its own.
        const caller = spans.find((s) => s.spanId === span.parentSpanId)!;
        expect(caller.resource['service.name']).toBe(agentService);
        expect(caller.attributes['energy.serving.joules']).toBeCloseTo(got, 9);
      }
      console.log(`${rule}:\n${rows.join('\n')}`);
    });
  }

  it('re-exported into a Collector, the joules arrive on the request spans and their callers (and at Jaeger when built)', async () => {
    expect(runs.fair!.run.exported).toBeGreaterThan(0);
    const replayed = await waitFileSpans([replayDir], engineService, 6, 30_000, [replay.server]);
    for (const span of replayed) expect(span.attributes['energy.joules']).toEqual(expect.any(Number));
    const all = await readFileExporter([replayDir]);
    const callers = all.filter((s) => s.resource['service.name'] === agentService && s.attributes['energy.serving.joules'] !== undefined);
    expect(callers).toHaveLength(6);
    if (!jaeger) {
      skipped('Jaeger assertions of the re-exported spans', HOW_TO_BUILD.jaeger);
      return;
    }
    // A trace may hold several requests: compare the very span that was replayed, by its id.
    const { traceId, spanId } = replayed[0]!;
    const isReplayed = (s: { spanID: string; operationName: string }): boolean => s.spanID === spanId && s.operationName === 'llm_request';
    const spans = await waitFor(
      `Jaeger to hold trace ${traceId} with its llm_request span ${spanId}`,
      async () => {
        const got = await jaegerTrace(jaeger!.queryUrl, traceId);
        return got?.some((s) => isReplayed(s) && jaegerTags(s)['energy.joules'] !== undefined) ? got : undefined;
      },
      30_000,
      [jaeger.server, replay.server],
      500,
    );
    const request = spans.find((s) => isReplayed(s) && jaegerTags(s)['energy.joules'] !== undefined)!;
    expect(jaegerTags(request)['energy.joules']).toBeCloseTo(replayed[0]!.attributes['energy.joules'] as number, 6);
    const caller = spans.find((s) => s.spanID === request.references.find((r) => r.refType === 'CHILD_OF')?.spanID)!;
    expect(jaegerTags(caller)['energy.serving.joules']).toBeCloseTo(replayed[0]!.attributes['energy.joules'] as number, 6);
  });
});
