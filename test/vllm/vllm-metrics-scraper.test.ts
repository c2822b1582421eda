// The vLLM scraper against a local server serving recorded /metrics pages: the seed's percentile vectors, the
// lifetime figures of one page, the interval figures of two (deltas), and a bad URL, server or page as one line.
import { describe, expect, it } from 'vitest';
import { bucketQuantile } from '../../src/runtime/vllm/bucket-quantile.js';
import { parsePrometheusText } from '../../src/runtime/vllm/prometheus-text.js';
import { readVllmPage } from '../../src/runtime/vllm/vllm-page.js';
import { VllmMetricsScraper, vllmMetricsUrl } from '../../src/runtime/vllm/vllm-metrics-scraper.js';
import { MODEL, PAGE_1, PAGE_2, startFakeVllm } from './vllm-server.js';

describe('bucketQuantile (the seed vectors)', () => {
  const seed = [
    { le: 0.01, count: 5 },
    { le: 0.025, count: 15 },
    { le: 0.05, count: 40 },
    { le: 0.1, count: 80 },
    { le: 0.25, count: 95 },
    { le: 0.5, count: 100 },
    { le: Infinity, count: 100 },
  ];
  it('p50 0.0625 and p95 0.25; buckets in any order', () => {
    expect(bucketQuantile(seed, 0.5)).toBeCloseTo(0.0625, 12);
    expect(bucketQuantile(seed, 0.95)).toBeCloseTo(0.25, 12);
    expect(bucketQuantile([...seed].reverse(), 0.5)).toBeCloseTo(0.0625, 12);
  });
  it('a target in the +Inf bucket is the previous bound; no observation is null', () => {
    expect(bucketQuantile([{ le: 1, count: 1 }, { le: Infinity, count: 10 }], 0.99)).toBe(1);
    expect(bucketQuantile(seed.map((b) => ({ ...b, count: 0 })), 0.5)).toBeNull();
    expect(bucketQuantile([], 0.5)).toBeNull();
  });
});

describe('parsePrometheusText', () => {
  it('reads labels with escapes, special values and timestamps, and counts lines it cannot read', () => {
    const page = parsePrometheusText(
      ['# TYPE a gauge', 'a{x="q\\"uo\\\\te",y="line\\nbreak",} 1.5e3 1700000000000', 'b +Inf', 'c NaN', 'd{x="open} 1', 'e one', '', '  '].join('\n'),
    );
    expect(page.types.get('a')).toBe('gauge');
    expect(page.samples[0]).toEqual({ name: 'a', labels: { x: 'q"uo\\te', y: 'line\nbreak' }, value: 1500 });
    expect(page.samples[1]!.value).toBe(Infinity);
    expect(Number.isNaN(page.samples[2]!.value)).toBe(true);
    expect(page.badLines).toBe(2);
    expect(page.firstProblem).toBe('line 5: unterminated label value in d');
  });
});

describe('VllmMetricsScraper', () => {
  it('one page gives the figures since the server started; the next, the figures of the interval between them', async () => {
    const server = await startFakeVllm([PAGE_1, PAGE_2]);
    try {
      const scraper = new VllmMetricsScraper(server.url);
      const first = await scraper.scrape();
      expect(server.requested).toEqual(['/metrics']);
      expect(first.ok).toBe(true);
      if (!first.ok) return;
      expect(first.metrics).toHaveLength(1);
      const life = first.metrics[0]!;
      expect(life).toMatchObject({ model_name: MODEL, window: 'lifetime', window_s: null, requests: 100, gpu_cache_usage_pct: 0.31, queue_depth: 0, num_requests_running: 8 });
      expect(life.ttft_p50).toBeCloseTo(0.07, 12);
      expect(life.ttft_p95).toBeCloseTo(0.25, 12);
      expect(life.ttft_p99).toBeCloseTo(0.45, 12);
      expect(life.e2e_latency_p50).toBeCloseTo(1.5 + (20 / 30) * 0.5, 12);
      expect(life.e2e_latency_p95).toBeCloseTo(2.5 + (15 / 18) * 2.5, 12);
      expect(life).toMatchObject({ prompt_tokens: 52000, generation_tokens: 20100, generation_tokens_per_s: null });

      const second = scraper.read(PAGE_2, first.timeMs + 15_000);
      expect(second.ok).toBe(true);
      if (!second.ok) return;
      const interval = second.metrics[0]!;
      expect(interval).toMatchObject({ window: 'interval', window_s: 15, requests: 100, gpu_cache_usage_pct: 0.87, queue_depth: 5, num_requests_running: 32 });
      // The 100 requests of the interval alone: 0.06:10, 0.08:30, 0.1:50, 0.25:70, 0.5:90, 0.75:100.
      expect(interval.ttft_p50).toBeCloseTo(0.1, 12);
      expect(interval.ttft_p95).toBeCloseTo(0.625, 12);
      expect(interval.ttft_p99).toBeCloseTo(0.725, 12);
      expect(interval.e2e_latency_p50).toBeCloseTo(3.0, 12);
      expect(interval.e2e_latency_p95).toBeCloseTo(7.5, 12);
      expect(interval.e2e_latency_p99).toBeCloseTo(9.5, 12);
      // vllm:inter_token_latency_seconds (the current name) over the interval's 24000 gaps.
      expect(interval.itl_p50).toBeCloseTo(0.025, 12);
      expect(interval.itl_p95).toBeCloseTo(0.05 + (800 / 1800) * 0.025, 12);
      expect(interval).toMatchObject({ prompt_tokens: 78000, generation_tokens: 24100 });
      expect(interval.generation_tokens_per_s).toBeCloseTo(24100 / 15, 9);
    } finally {
      await server.close();
    }
  });

  it('a server that restarted between two scrapes counts from zero, as Prometheus rate() does', () => {
    const scraper = new VllmMetricsScraper('http://127.0.0.1:1');
    expect(scraper.read(PAGE_2, 0).ok).toBe(true);
    const after = scraper.read(PAGE_1, 15_000);
    expect(after.ok && after.metrics[0]).toMatchObject({ window: 'interval', requests: 100, prompt_tokens: 52000 });
    expect(after.ok && after.metrics[0]!.ttft_p50).toBeCloseTo(0.07, 12);
  });

  it('older servers: the deprecated gpu_cache_usage_perc and time_per_output_token_seconds are read when alone', () => {
    const old = PAGE_1.split('\n')
      .filter((l) => !l.includes('kv_cache_usage_perc') && !l.includes('inter_token_latency'))
      .join('\n');
    const read = readVllmPage(old, 0);
    expect('snapshot' in read && read.snapshot.models.get(MODEL)).toMatchObject({ kvCacheUsage: 0.31 });
    expect('snapshot' in read && read.snapshot.models.get(MODEL)!.interTokenLatency!.count).toBe(20000);
  });

  it('data-parallel engines of one model add up (KV-cache usage is their mean)', () => {
    const twoEngines = PAGE_1 + PAGE_1.split('\n').filter((l) => l.startsWith('vllm:')).map((l) => l.replace('engine="0"', 'engine="1"')).join('\n');
    const scraper = new VllmMetricsScraper('http://127.0.0.1:1');
    const read = scraper.read(twoEngines.replace(/(vllm:kv_cache_usage_perc\{engine="1"[^}]*\}) 0\.31/, '$1 0.51'), 0);
    expect(read.ok && read.metrics[0]).toMatchObject({ requests: 200, num_requests_running: 16, prompt_tokens: 104000 });
    expect(read.ok && read.metrics[0]!.gpu_cache_usage_pct).toBeCloseTo(0.41, 12);
    expect(read.ok && read.metrics[0]!.ttft_p50).toBeCloseTo(0.07, 12);
  });

  describe('a bad URL, server or page is a one-line problem, never a rejection', () => {
    it.each([
      ['not a URL', 'localhost:8000 please', /^"localhost:8000 please" is not (a URL|an http\(s\) URL)/],
      ['another scheme', 'ftp://127.0.0.1/metrics', /^"ftp:\/\/127\.0\.0\.1\/metrics" is not an http\(s\) URL$/],
      ['nobody listening', 'http://127.0.0.1:9', /^cannot reach it: ECONNREFUSED$/],
    ])('%s', async (_what, url, problem) => {
      const result = await new VllmMetricsScraper(url, { timeoutMs: 2000 }).scrape();
      expect(result.ok).toBe(false);
      expect(!result.ok && result.problem).toMatch(problem);
    });

    it('an HTTP error, a page that is not vLLM’s, and a server that never answers', async () => {
      const error = await startFakeVllm([], { status: 503 });
      const other = await startFakeVllm(['# HELP up 1\n# TYPE up gauge\nup 1\n']);
      const hang = await startFakeVllm([], { hang: true });
      try {
        expect(await new VllmMetricsScraper(error.url).scrape()).toEqual({ ok: false, problem: 'HTTP 503 Service Unavailable' });
        expect(await new VllmMetricsScraper(other.url).scrape()).toEqual({ ok: false, problem: 'no vllm: metrics on the page (is it a vLLM server’s /metrics?)' });
        const started = performance.now();
        expect(await new VllmMetricsScraper(hang.url, { timeoutMs: 150 }).scrape()).toEqual({ ok: false, problem: 'no answer within 150 ms' });
        expect(performance.now() - started).toBeLessThan(2000);
      } finally {
        await Promise.all([error.close(), other.close(), hang.close()]);
      }
    });

    it('a URL with a path is kept; a bare server gets /metrics', () => {
      expect(String(vllmMetricsUrl('http://gpu-1:8000'))).toBe('http://gpu-1:8000/metrics');
      expect(String(vllmMetricsUrl('https://gw.example/vllm/metrics'))).toBe('https://gw.example/vllm/metrics');
    });
  });
});
