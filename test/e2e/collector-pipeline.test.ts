/**
 * E2E: the example agent → OTLP/HTTP → the openjoules Collector (collector-config/otelcol.yaml, built by ocb from
 * collector-config/manifest.yaml) → Jaeger v2, Tempo, the file exporter and the KPI connectors → Prometheus.
 * Asserts the trace, its spans, GenAI attributes and joules at Jaeger's and Tempo's APIs, and that the KPI series
 * Prometheus scraped equal `openjoules rollup` over the file exporter's output for the same run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SpanRecord } from '../../src/analysis/otlp/span-record.js';
import { SPANS_PER_RUN, TRACES_PER_RUN, startAgentSession } from './helpers/agent.js';
import { rollupTotals, waitFileSpans, windowFor } from './helpers/files.js';
import { runCommand, cleanupWorkDir, skipped, stopAll, tempDir, waitFor } from './helpers/servers.js';
import {
  BINARIES,
  HOW_TO_BUILD,
  jaegerTags,
  jaegerTrace,
  startCollector,
  startJaeger,
  startPrometheus,
  startTempo,
  tempoTrace,
  validateCollectorConfig,
  waitJaegerSpanCount,
  type Collector,
  type Jaeger,
  type Prometheus,
  type Tempo,
} from './helpers/stack.js';
import { CONFIG_DIR } from './helpers/servers.js';

const collectorBin = BINARIES.collector();
if (!collectorBin) skipped('Collector pipeline e2e', HOW_TO_BUILD.collector);
const jaegerBin = BINARIES.jaeger();
const tempoBin = BINARIES.tempo();
const prometheusBin = BINARIES.prometheus();
const promtoolBin = BINARIES.promtool();

const RUNS = 2;
const EXPECTED_SPANS = RUNS * SPANS_PER_RUN;

describe.skipIf(!collectorBin)('Collector pipeline (agent → Collector → Jaeger, Tempo, file, Prometheus)', () => {
  const work = tempDir('pipeline');
  const logDir = join(work, 'logs');
  const fileDir = join(work, 'file-exporter');
  const service = `openjoules-e2e-${process.pid}-${Date.now().toString(36)}`;
  let jaeger: Jaeger | undefined;
  let tempo: Tempo | undefined;
  let prometheus: Prometheus | undefined;
  let collector: Collector;
  let fileSpans: SpanRecord[] = [];
  let runStartMs = 0;
  let runEndMs = 0;

  beforeAll(async () => {
    failed = true; // until setup completes: keep the logs if it throws
    console.log(`e2e work dir (logs, file exporter output): ${work}`);
    if (jaegerBin) jaeger = await startJaeger(jaegerBin, logDir);
    else skipped('Jaeger assertions', HOW_TO_BUILD.jaeger);
    if (tempoBin) tempo = await startTempo(tempoBin, logDir, join(work, 'tempo'));
    else skipped('Tempo assertions', HOW_TO_BUILD.tempo);
    collector = await startCollector(collectorBin!, {
      name: 'collector',
      logDir,
      fileDir,
      jaegerEndpoint: jaeger?.otlpEndpoint,
      tempoEndpoint: tempo?.otlpEndpoint,
    });
    if (prometheusBin) prometheus = await startPrometheus(prometheusBin, [collector.prometheusTarget], logDir, join(work, 'prometheus'));
    else skipped('Prometheus KPI equality', HOW_TO_BUILD.prometheus);

    // The agent's own metrics go over OTLP too (the Collector's metrics/otlp pipeline → Prometheus).
    const agent = await startAgentSession(collector.httpUrl, service, { OTEL_METRICS_EXPORTER: 'otlp', OTEL_METRIC_EXPORT_INTERVAL: '500' });
    runStartMs = Date.now();
    for (let i = 0; i < RUNS; i++) await agent.run();
    runEndMs = Date.now();
    const warnings = await agent.stop();
    expect(warnings.filter((w) => w.includes('dropped'))).toEqual([]);
    fileSpans = await waitFileSpans([fileDir], service, EXPECTED_SPANS, 30_000, [collector.server]);
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

  it('validates every shipped Collector config with `otelcol validate`', async () => {
    for (const [file, env] of [
      ['otelcol.yaml', {}],
      ['otelcol-loadbalancer.yaml', { OJ_LB_BACKENDS: '[127.0.0.1:5317, 127.0.0.1:6317, 127.0.0.1:7317]' }],
    ] as const) {
      const { code, output } = await validateCollectorConfig(collectorBin!, join(CONFIG_DIR, file), env);
      expect(code, `${file}:\n${output}`).toBe(0);
    }
  });

  it('writes the run to the file exporter in the format our readers accept (one ExportTraceServiceRequest per line)', () => {
    expect(fileSpans).toHaveLength(EXPECTED_SPANS);
    expect(new Set(fileSpans.map((s) => s.traceId)).size).toBe(RUNS * TRACES_PER_RUN);
    const ops = fileSpans.map((s) => s.attributes['gen_ai.operation.name']);
    expect(ops.filter((o) => o === 'invoke_agent')).toHaveLength(RUNS * 3);
    for (const span of fileSpans) expect(typeof span.attributes['energy.joules'], `${span.name} has joules`).toBe('number');
  });

  it('Jaeger holds every trace with its spans, GenAI attributes and joules', async (ctx) => {
    if (!jaeger) {
      skipped('Jaeger trace assertions', HOW_TO_BUILD.jaeger);
      ctx.skip();
      return;
    }
    await waitJaegerSpanCount(jaeger.queryUrl, service, EXPECTED_SPANS, 30_000, [jaeger.server, collector.server]);
    const root = fileSpans.find((s) => s.attributes['gen_ai.operation.name'] === 'invoke_agent' && s.parentSpanId === undefined)!;
    const expected = fileSpans.filter((s) => s.traceId === root.traceId);
    const spans = await jaegerTrace(jaeger.queryUrl, root.traceId);
    expect(spans, `trace ${root.traceId} at Jaeger`).toBeDefined();
    expect(spans!.map((s) => s.operationName).sort()).toEqual(expected.map((s) => s.name).sort());
    const agentSpan = spans!.find((s) => jaegerTags(s)['gen_ai.operation.name'] === 'invoke_agent')!;
    const tags = jaegerTags(agentSpan);
    expect(tags['gen_ai.agent.name']).toBe('travel-planner');
    expect(tags['gen_ai.conversation.id']).toBe(root.attributes['gen_ai.conversation.id']);
    expect(tags['user.id']).toBe('user-42');
    expect(tags['energy.joules']).toBeCloseTo(root.attributes['energy.joules'] as number, 9);
    expect(tags['energy.gpu.joules']).toBeGreaterThan(0);
    const chat = spans!.find((s) => jaegerTags(s)['gen_ai.operation.name'] === 'chat')!;
    const chatTags = jaegerTags(chat);
    expect(chatTags['gen_ai.request.model']).toBe('toy-lm-1b');
    expect(Number(chatTags['gen_ai.usage.input_tokens'])).toBeGreaterThan(0);
    expect(Number(chatTags['gen_ai.usage.output_tokens'])).toBeGreaterThan(0);
    expect(chatTags['openjoules.cost.usd']).toBeGreaterThan(0);
    expect(chatTags['energy.attributed.joules']).toBeGreaterThan(0);
    const tool = spans!.find((s) => jaegerTags(s)['gen_ai.operation.name'] === 'execute_tool')!;
    expect(jaegerTags(tool)['gen_ai.tool.name']).toEqual(expect.any(String));
  });

  it('Tempo holds the trace with its spans, GenAI attributes and joules', async (ctx) => {
    if (!tempo) {
      skipped('Tempo trace assertions', HOW_TO_BUILD.tempo);
      ctx.skip();
      return;
    }
    const root = fileSpans.find((s) => s.attributes['gen_ai.operation.name'] === 'invoke_agent' && s.parentSpanId === undefined)!;
    const expected = fileSpans.filter((s) => s.traceId === root.traceId);
    const spans = await waitFor(
      `Tempo to return trace ${root.traceId} with ${expected.length} spans`,
      async () => {
        const got = await tempoTrace(tempo!.apiUrl, root.traceId);
        return got && got.length >= expected.length ? got : undefined;
      },
      60_000,
      [tempo.server, collector.server],
      1_000,
    );
    expect(spans.map((s) => s.name).sort()).toEqual(expected.map((s) => s.name).sort());
    const agentSpan = spans.find((s) => s.attributes['gen_ai.operation.name'] === 'invoke_agent')!;
    expect(agentSpan.attributes['gen_ai.agent.name']).toBe('travel-planner');
    expect(agentSpan.attributes['energy.joules']).toBeCloseTo(root.attributes['energy.joules'] as number, 9);
    const chat = spans.find((s) => s.attributes['gen_ai.operation.name'] === 'chat')!;
    expect(chat.attributes['gen_ai.request.model']).toBe('toy-lm-1b');
    expect(chat.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
  });

  it('Prometheus KPI series equal `openjoules rollup` over the file exporter output', async (ctx) => {
    if (!prometheus) {
      skipped('Prometheus KPI equality', HOW_TO_BUILD.prometheus);
      ctx.skip();
      return;
    }
    const want = await rollupTotals(fileSpans, windowFor(runStartMs - 60_000, runEndMs + 60_000));
    expect(want.spans).toBe(EXPECTED_SPANS);
    const calls = (op: string, extra = ''): string => `sum(traces_span_metrics_calls_total{gen_ai_operation_name=~"${op}"${extra}})`;
    const queries: Record<keyof typeof want, string> = {
      spans: 'sum(traces_span_metrics_calls_total)',
      turns: calls('invoke_agent'),
      llm_calls: calls('chat|text_completion|generate_content'),
      tool_calls: calls('execute_tool'),
      tokens_prompt: 'sum(openjoules_llm_tokens_input_total)',
      tokens_completion: 'sum(openjoules_llm_tokens_output_total)',
      cost_usd: 'sum(openjoules_llm_cost_usd_total)',
      energy_joules: 'sum(openjoules_energy_joules_total)',
      energy_cpu_joules: 'sum(openjoules_energy_cpu_joules_total)',
      energy_gpu_joules: 'sum(openjoules_energy_gpu_joules_total)',
    };
    // The rollup rounds each hourly row (joules to 3 places, USD to 4, counts are exact): equal means equal at the
    // rollup's precision, i.e. within half a unit of its last place per row.
    const places: Partial<Record<keyof typeof want, number>> = { cost_usd: 4, energy_joules: 3, energy_cpu_joules: 3, energy_gpu_joules: 3 };
    const rowsInWindow = windowFor(runStartMs - 60_000, runEndMs + 60_000).buckets.length;
    const close = (k: keyof typeof want, a: number, b: number): boolean => {
      const p = places[k];
      return p === undefined ? a === b : Math.abs(a - b) <= rowsInWindow * 0.5 * 10 ** -p + 1e-12;
    };
    // Wait until every series has caught up (connector flush 1 s, scrape 1 s), then compare.
    let got: Record<string, number> = {};
    try {
      await waitFor(
        'Prometheus KPI series to reach the rollup totals',
        async () => {
          got = {};
          for (const [k, q] of Object.entries(queries)) got[k] = (await prometheus!.sum(q)).value;
          return (Object.keys(queries) as (keyof typeof want)[]).every((k) => close(k, got[k]!, want[k])) ? true : undefined;
        },
        45_000,
        [prometheus.server, collector.server],
        1_000,
      );
    } catch (error) {
      console.error(`Prometheus: ${JSON.stringify(got)}\nrollup:     ${JSON.stringify(want)}`);
      throw error;
    }
    for (const k of Object.keys(queries) as (keyof typeof want)[]) expect(close(k, got[k]!, want[k]), `${k}: Prometheus ${got[k]} vs rollup ${want[k]}`).toBe(true);
    expect(want.energy_gpu_joules).toBeGreaterThan(0);
    // Errors by operation: the demo's fetch_weather tool fails once per run.
    expect((await prometheus.sum(calls('execute_tool', ',status_code="STATUS_CODE_ERROR"'))).value).toBe(RUNS);
    // Energy by model, agent and tool (the dashboard's series) exist.
    for (const label of ['gen_ai_request_model', 'gen_ai_agent_name', 'gen_ai_tool_name']) {
      const { samples } = await prometheus.sum(`sum by (${label}) (openjoules_span_energy_joules_total{${label}!=""})`);
      expect(samples, label).toBeGreaterThan(0);
    }
  });

  it("the agent's OTLP metrics (hw.energy per device) reach Prometheus through the Collector's metrics/otlp pipeline", async (ctx) => {
    if (!prometheus) {
      skipped('OTLP metrics in Prometheus', HOW_TO_BUILD.prometheus);
      ctx.skip();
      return;
    }
    // The simulated GPU (180 W) and CPU (45 W) ran through the whole session: their counters are positive, one series
    // per device, under the agent's service name (the exporter's job label, kept as exported_job by the scrape).
    const query = `sum by (hw_id) (hw_energy_joules_total{exported_job="${service}"} or hw_energy_joules_total{job="${service}"})`;
    const names = async (): Promise<string> =>
      JSON.stringify(await fetch(`${prometheus!.url}/api/v1/label/__name__/values`).then((r) => r.json()));
    const series = await waitFor(
      'hw.energy series in Prometheus',
      async () => {
        const { samples, value } = await prometheus!.sum(query);
        return samples >= 2 && value > 0 ? { samples, value } : undefined;
      },
      30_000,
      [prometheus.server, collector.server],
      1_000,
    ).catch(async (error: unknown) => {
      console.error(`metric names in Prometheus: ${await names()}`);
      throw error;
    });
    expect(series.samples).toBeGreaterThanOrEqual(2);
  });

  it('every Grafana dashboard query runs against this Prometheus', async (ctx) => {
    if (!prometheus) {
      skipped('Grafana dashboard queries', HOW_TO_BUILD.prometheus);
      ctx.skip();
      return;
    }
    const dashboard = JSON.parse(readFileSync(join(CONFIG_DIR, 'grafana', 'openjoules-energy.json'), 'utf8')) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        const expr = target.expr.replaceAll('$__interval', '5m').replace(/\$(agent|model|tool)\b/g, '.*');
        const body = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`).then((r) => r.json() as Promise<{ status: string; error?: string; }>);
        expect(body.status, `${panel.title}: ${expr} → ${body.error ?? ''}`).toBe('success');
      }
    }
  });

  it('the recording rules pass `promtool test rules` and load into Prometheus', async (ctx) => {
    if (!promtoolBin || !prometheus) {
      skipped('recording rules', !promtoolBin ? HOW_TO_BUILD.promtool : HOW_TO_BUILD.prometheus);
      ctx.skip();
      return;
    }
    const { code, output } = await runCommand(promtoolBin, ['test', 'rules', join(CONFIG_DIR, 'prometheus', 'openjoules-rules.test.yml')]);
    expect(code, output).toBe(0);
    const body = await fetch(`${prometheus.url}/api/v1/rules`).then((r) => r.json() as Promise<{ data: { groups: { rules: unknown[] }[] } }>);
    expect(body.data.groups.flatMap((g) => g.rules).length).toBeGreaterThanOrEqual(20);
  });
});
