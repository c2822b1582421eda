// The scraper in a host program: OpenTelemetry metrics through a real MeterProvider and MetricReader, problems as one
// line each when they start or change, and a host that exits on time while a scrape hangs.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { AggregationTemporality, DataPointType, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { startVllmMetricsScraper } from '../../src/runtime/vllm/start-vllm-metrics-scraper.js';
import type { VllmScrape } from '../../src/runtime/vllm/vllm-metrics-scraper.js';
import { MODEL, PAGE_1, PAGE_2, startFakeVllm } from './vllm-server.js';

function metricsSetup(): { reader: PeriodicExportingMetricReader; provider: MeterProvider; collect: () => Promise<Map<string, MetricData>> } {
  const reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const collect = async () => {
    const { resourceMetrics } = await reader.collect();
    return new Map(resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).map((m) => [m.descriptor.name, m]));
  };
  return { reader, provider, collect };
}

const points = (m: MetricData | undefined) => (m?.dataPoints ?? []).map((p) => [p.attributes, p.value]);

describe('startVllmMetricsScraper', () => {
  it('reports the interval between two scrapes as OpenTelemetry metrics', async () => {
    const server = await startFakeVllm([PAGE_1, PAGE_2]);
    const { provider, collect } = metricsSetup();
    const scrapes: VllmScrape[] = [];
    const warnings: string[] = [];
    const vllm = startVllmMetricsScraper({ url: server.url, intervalMs: 3_600_000, meterProvider: provider, warn: (l) => warnings.push(l), onScrape: (s) => scrapes.push(s) });
    try {
      const port = Number(new URL(server.url).port);
      const base = { 'server.address': '127.0.0.1', 'server.port': port, 'gen_ai.request.model': MODEL };
      await vllm.scrapeNow(); // joins the first scrape, started at once
      expect(scrapes.map((s) => s.ok && s.metrics[0]!.window)).toEqual(['lifetime']);
      let metrics = await collect();
      // Tokens count from the scraper's start: the first page is the baseline.
      expect(points(metrics.get('openjoules.vllm.tokens'))).toEqual([
        [{ ...base, 'gen_ai.token.type': 'input' }, 0],
        [{ ...base, 'gen_ai.token.type': 'output' }, 0],
      ]);

      await vllm.scrapeNow();
      metrics = await collect();
      const ttft = metrics.get('openjoules.vllm.time_to_first_token')!;
      expect(ttft.descriptor.unit).toBe('s');
      expect(ttft.dataPointType).toBe(DataPointType.GAUGE);
      const byQuantile = new Map(ttft.dataPoints.map((p) => [p.attributes['openjoules.quantile'], p.value as number]));
      expect(byQuantile.get(0.5)).toBeCloseTo(0.1, 12);
      expect(byQuantile.get(0.95)).toBeCloseTo(0.625, 12);
      expect(byQuantile.get(0.99)).toBeCloseTo(0.725, 12);
      expect(ttft.dataPoints[0]!.attributes).toMatchObject(base);
      const e2e = new Map(metrics.get('openjoules.vllm.e2e_request_latency')!.dataPoints.map((p) => [p.attributes['openjoules.quantile'], p.value as number]));
      expect(e2e.get(0.5)).toBeCloseTo(3, 12);
      expect(e2e.get(0.95)).toBeCloseTo(7.5, 12);
      expect(metrics.get('openjoules.vllm.inter_token_latency')!.dataPoints).toHaveLength(2);
      expect(points(metrics.get('openjoules.vllm.kv_cache.usage'))).toEqual([[base, 0.87]]);
      expect(metrics.get('openjoules.vllm.kv_cache.usage')!.descriptor.unit).toBe('1');
      expect(points(metrics.get('openjoules.vllm.requests.waiting'))).toEqual([[base, 5]]);
      expect(points(metrics.get('openjoules.vllm.requests.running'))).toEqual([[base, 32]]);
      const tokens = metrics.get('openjoules.vllm.tokens')!;
      expect(tokens.dataPointType === DataPointType.SUM && tokens.isMonotonic).toBe(true);
      expect(points(tokens)).toEqual([
        [{ ...base, 'gen_ai.token.type': 'input' }, 78000],
        [{ ...base, 'gen_ai.token.type': 'output' }, 24100],
      ]);
      expect(warnings).toEqual([]);

      vllm.stop();
      vllm.stop();
      expect(vllm.latest()).toEqual([]);
      expect(await vllm.scrapeNow()).toEqual({ ok: false, problem: 'stopped' });
    } finally {
      vllm.stop();
      await provider.shutdown();
      await server.close();
    }
  });

  it('a problem is one line when it starts, not at every scrape; recovery is one line too; a bad URL never throws', async () => {
    const warnings: string[] = [];
    const warn = (l: string) => warnings.push(l);
    const { provider } = metricsSetup();
    const down = startVllmMetricsScraper({ url: 'http://127.0.0.1:9', intervalMs: 3_600_000, meterProvider: provider, warn });
    await down.scrapeNow();
    await down.scrapeNow();
    await down.scrapeNow();
    expect(down.latest()).toEqual([]);
    down.stop();
    expect(warnings).toEqual(['openjoules: vLLM metrics at http://127.0.0.1:9/metrics: cannot reach it: ECONNREFUSED']);

    warnings.length = 0;
    const bad = startVllmMetricsScraper({ url: 'gpu-1:8000', intervalMs: 50, meterProvider: provider, warn });
    expect(await bad.scrapeNow()).toEqual({ ok: false, problem: '"gpu-1:8000" is not an http(s) URL' });
    bad.stop();
    expect(warnings).toEqual(['openjoules: vLLM metrics interval 50 ms is not a number ≥ 100; using 15000', 'openjoules: vLLM metrics are off: "gpu-1:8000" is not an http(s) URL']);

    warnings.length = 0;
    const pages = await startFakeVllm(['vllm:num_requests_running{model_name="m" 1\n', PAGE_1]);
    const flaky = startVllmMetricsScraper({ url: pages.url, intervalMs: 3_600_000, meterProvider: provider, warn });
    await flaky.scrapeNow();
    await flaky.scrapeNow();
    flaky.stop();
    await pages.close();
    await provider.shutdown();
    expect(warnings).toEqual([`openjoules: vLLM metrics at ${pages.url}/metrics: not a Prometheus page (line 1: bad label in vllm:num_requests_running)`, `openjoules: vLLM metrics at ${pages.url}/metrics: answering again`]);
  });

  it('a host whose scrape hangs still exits when its work is done (timers and sockets are unref’d)', async () => {
    const hang = await startFakeVllm([], { hang: true });
    try {
      const script = [
        `import { startVllmMetricsScraper } from ${JSON.stringify(join(import.meta.dirname, '..', '..', 'src', 'runtime', 'vllm', 'start-vllm-metrics-scraper.ts'))};`,
        `startVllmMetricsScraper({ url: ${JSON.stringify(hang.url)}, intervalMs: 200, timeoutMs: 60000 });`,
        `setTimeout(() => console.log('work done'), 300);`,
      ].join('\n');
      const started = performance.now();
      // Run asynchronously: the stand-in server lives in this process and must keep answering connections.
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
      const run = { status, stdout, stderr };
      const elapsed = performance.now() - started;
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout.trim()).toBe('work done');
      // Node and tsx start-up take most of it; a scrape holding the process would take the 60 s timeout.
      expect(elapsed).toBeLessThan(15_000);
      expect(hang.requested.length).toBeGreaterThanOrEqual(1);
    } finally {
      await hang.close();
    }
  });
});
