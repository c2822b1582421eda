/**
 * E2E scale-out: agent → load-balancing Collector (collector-config/otelcol-loadbalancer.yaml, routing_key traceID)
 * → 3 openjoules Collectors on one machine → Jaeger, file exporters, Prometheus.
 * Asserts every trace lands whole on exactly one backend, the load is spread, nothing is lost, and the KPI series
 * summed over the 3 Collectors equal `openjoules rollup` over the 3 file-exporter directories.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SpanRecord } from '../../src/analysis/otlp/span-record.js';
import { SPANS_PER_RUN, TRACES_PER_RUN, startAgentSession } from './helpers/agent.js';
import { readFileExporter, rollupTotals, waitFileSpans, windowFor } from './helpers/files.js';
import { cleanupWorkDir, skipped, stopAll, tempDir, waitFor } from './helpers/servers.js';
import {
  BINARIES,
  HOW_TO_BUILD,
  startCollector,
  startJaeger,
  startLoadBalancer,
  startPrometheus,
  waitJaegerSpanCount,
  type Collector,
  type Jaeger,
  type Prometheus,
} from './helpers/stack.js';

const collectorBin = BINARIES.collector();
if (!collectorBin) skipped('load-balancing e2e', HOW_TO_BUILD.collector);
const jaegerBin = BINARIES.jaeger();
const prometheusBin = BINARIES.prometheus();

const BACKENDS = 3;
const RUNS = 4; // 12 traces over 3 backends
const EXPECTED_SPANS = RUNS * SPANS_PER_RUN;

describe.skipIf(!collectorBin)(`load balancing by trace ID over ${BACKENDS} Collectors`, () => {
  const work = tempDir('lb');
  const logDir = join(work, 'logs');
  const service = `openjoules-e2e-lb-${process.pid}-${Date.now().toString(36)}`;
  const backends: Collector[] = [];
  let jaeger: Jaeger | undefined;
  let prometheus: Prometheus | undefined;
  let spansByBackend: SpanRecord[][] = [];
  let runStartMs = 0;
  let runEndMs = 0;

  beforeAll(async () => {
    failed = true; // until setup completes: keep the logs if it throws
    console.log(`e2e work dir: ${work}`);
    if (jaegerBin) jaeger = await startJaeger(jaegerBin, logDir);
    else skipped('Jaeger span count behind the load balancer', HOW_TO_BUILD.jaeger);
    for (let i = 0; i < BACKENDS; i++) {
      backends.push(await startCollector(collectorBin!, { name: `collector-${i}`, logDir, fileDir: join(work, `file-${i}`), jaegerEndpoint: jaeger?.otlpEndpoint }));
    }
    const lb = await startLoadBalancer(collectorBin!, backends.map((b) => b.grpcEndpoint), logDir);
    if (prometheusBin) prometheus = await startPrometheus(prometheusBin, backends.map((b) => b.prometheusTarget), logDir, join(work, 'prometheus'));
    else skipped('Prometheus sum over the 3 Collectors', HOW_TO_BUILD.prometheus);

    const agent = await startAgentSession(lb.httpUrl, service);
    runStartMs = Date.now();
    for (let i = 0; i < RUNS; i++) await agent.run();
    runEndMs = Date.now();
    const warnings = await agent.stop();
    expect(warnings.filter((w) => w.includes('dropped'))).toEqual([]);
    const all = await waitFileSpans(backends.map((b) => b.fileDir), service, EXPECTED_SPANS, 45_000, [lb.server, ...backends.map((b) => b.server)]);
    expect(all).toHaveLength(EXPECTED_SPANS);
    spansByBackend = await Promise.all(backends.map(async (b) => (await readFileExporter([b.fileDir])).filter((s) => s.resource['service.name'] === service)));
    failed = false;
  });

  let failed = false;
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });

  afterAll(async () => {
    await stopAll();
    cleanupWorkDir(work, failed);
  });

  it('routes every trace whole to exactly one Collector, and spreads traces over more than one', () => {
    const owner = new Map<string, number>();
    spansByBackend.forEach((spans, i) => {
      for (const span of spans) {
        const prev = owner.get(span.traceId);
        expect(prev === undefined || prev === i, `trace ${span.traceId} split over collector-${prev} and collector-${i}`).toBe(true);
        owner.set(span.traceId, i);
      }
    });
    expect(owner.size).toBe(RUNS * TRACES_PER_RUN);
    const used = new Set(owner.values());
    console.log(`traces per backend: ${spansByBackend.map((s) => new Set(s.map((x) => x.traceId)).size).join(', ')}`);
    expect(used.size).toBeGreaterThan(1);
  });

  it('loses nothing: Jaeger holds every span', async (ctx) => {
    if (!jaeger) {
      skipped('Jaeger span count behind the load balancer', HOW_TO_BUILD.jaeger);
      ctx.skip();
      return;
    }
    const spans = await waitJaegerSpanCount(jaeger.queryUrl, service, EXPECTED_SPANS, 30_000, [jaeger.server]);
    expect(spans).toHaveLength(EXPECTED_SPANS);
  });

  it('KPI series summed over the 3 Collectors equal `openjoules rollup` over the 3 file directories', async (ctx) => {
    if (!prometheus) {
      skipped('Prometheus sum over the 3 Collectors', HOW_TO_BUILD.prometheus);
      ctx.skip();
      return;
    }
    const want = await rollupTotals(spansByBackend.flat(), windowFor(runStartMs - 60_000, runEndMs + 60_000));
    // The rollup rounds joules to 3 places per hourly row.
    const rows = windowFor(runStartMs - 60_000, runEndMs + 60_000).buckets.length;
    const close = (a: number, b: number): boolean => Math.abs(a - b) <= rows * 0.0005 + 1e-12;
    let got = { spans: 0, energy: 0, tokens: 0, instances: 0 };
    try {
      await waitFor(
        'Prometheus sums over the 3 Collectors to reach the rollup totals',
        async () => {
          const spans = await prometheus!.sum('sum(traces_span_metrics_calls_total)');
          const energy = await prometheus!.sum('sum(openjoules_energy_joules_total)');
          const tokens = await prometheus!.sum('sum(openjoules_llm_tokens_output_total)');
          const instances = await prometheus!.sum('count(count by (instance) (traces_span_metrics_calls_total))');
          got = { spans: spans.value, energy: energy.value, tokens: tokens.value, instances: instances.value };
          return got.spans === want.spans && close(got.energy, want.energy_joules) && got.tokens === want.tokens_completion ? true : undefined;
        },
        45_000,
        [prometheus.server],
        1_000,
      );
    } catch (error) {
      console.error(`Prometheus: ${JSON.stringify(got)}\nrollup: ${JSON.stringify(want)}`);
      throw error;
    }
    expect(got.instances).toBeGreaterThan(1);
  });
});
