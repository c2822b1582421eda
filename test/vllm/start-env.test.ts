// OPENJOULES_VLLM_METRICS_URL in startOpenJoules: vLLM's Prometheus page in, openjoules' metrics out through the
// exporter the user chose (here the Prometheus one, so the round trip is read back as text).
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startOpenJoules, type OpenJoules } from '../../src/runtime/setup/start.js';
import { vllmMetricsSettingsFromEnv } from '../../src/runtime/setup/vllm-metrics-env.js';
import { PAGE_1, PAGE_2, startFakeVllm, type FakeVllm } from './vllm-server.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let running: OpenJoules | undefined;
let vllm: FakeVllm | undefined;
afterEach(async () => {
  await running?.shutdown();
  await vllm?.close();
  running = undefined;
  vllm = undefined;
});

describe('OPENJOULES_VLLM_METRICS_URL', () => {
  it('scrapes the server every OPENJOULES_VLLM_METRICS_INTERVAL_MS and serves the interval’s TTFT, KV cache and queue', async () => {
    vllm = await startFakeVllm([PAGE_1, PAGE_2]);
    const port = await freePort();
    const warnings: string[] = [];
    running = await startOpenJoules({
      env: { OPENJOULES_VLLM_METRICS_URL: vllm.url, OPENJOULES_VLLM_METRICS_INTERVAL_MS: '1000', OTEL_METRICS_EXPORTER: 'prometheus', OTEL_EXPORTER_PROMETHEUS_PORT: String(port) },
      energy: false,
      traceExporters: [],
      warn: (l) => warnings.push(l),
    });
    // Read as soon as the second scrape is in: the third (a second later) finds no new request, and a window
    // without requests reports no percentile.
    let text = '';
    const value = (prefix: string, ...parts: string[]): number | undefined => {
      const line = text.split('\n').find((l) => l.startsWith(prefix) && parts.every((p) => l.includes(p)));
      return line === undefined ? undefined : Number(line.split(' ').at(-1));
    };
    for (let i = 0; i < 300; i++) {
      text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      if (value('openjoules_vllm_kv_cache_usage') === 0.87) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(vllm.requested.length).toBeGreaterThanOrEqual(2);
    expect(value('openjoules_vllm_time_to_first_token', 'openjoules_quantile="0.5"', 'gen_ai_request_model="meta-llama/Llama-3.1-8B-Instruct"'), text).toBeCloseTo(0.1, 9);
    expect(value('openjoules_vllm_time_to_first_token', 'openjoules_quantile="0.95"'), text).toBeCloseTo(0.625, 9);
    expect(value('openjoules_vllm_kv_cache_usage'), text).toBe(0.87);
    expect(value('openjoules_vllm_requests_waiting'), text).toBe(5);
    expect(warnings).toEqual([]);
  });

  it('without a metric exporter it says so in one line and scrapes nothing', async () => {
    vllm = await startFakeVllm([PAGE_1]);
    const warnings: string[] = [];
    running = await startOpenJoules({ env: { OPENJOULES_VLLM_METRICS_URL: vllm.url }, energy: false, traceExporters: [], warn: (l) => warnings.push(l) });
    await new Promise((r) => setTimeout(r, 100));
    expect(vllm.requested).toEqual([]);
    expect(warnings).toEqual(['openjoules: OPENJOULES_VLLM_METRICS_URL is set but no metric exporter is (OTEL_METRICS_EXPORTER=otlp or prometheus); vLLM metrics are off']);
  });

  it('a bad interval is one line and the default', () => {
    const warnings: string[] = [];
    expect(vllmMetricsSettingsFromEnv({ OPENJOULES_VLLM_METRICS_URL: ' http://gpu-1:8000 ', OPENJOULES_VLLM_METRICS_INTERVAL_MS: 'often' }, (l) => warnings.push(l))).toEqual({ url: 'http://gpu-1:8000', intervalMs: 15_000 });
    expect(warnings).toEqual(['openjoules: OPENJOULES_VLLM_METRICS_INTERVAL_MS "often" is not a number of ms ≥ 100; using 15000']);
    expect(vllmMetricsSettingsFromEnv({}, () => {})).toBeUndefined();
  });
});
