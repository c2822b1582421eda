// `openjoules stats --vllm-metrics`: a page saved before a run and the live server after it give the server's view of
// exactly that interval, beside the client-side stats of the same calls; a bad source is one line.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/analysis/cli/run-cli.js';
import { agent, chat, tempDir, writeSpansFile } from '../stats/fixtures.js';
import { FIXTURES, MODEL, PAGE_2, startFakeVllm } from './vllm-server.js';
import { captureIo } from '../helpers/capture-io.js';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { stdout, stderr, out: outOf, err: errOf } = captureIo();
  const code = await runCli(args, { stdout, stderr, env: {} });
  return { code, out: outOf(), err: errOf() };
}

describe('stats --vllm-metrics', () => {
  it('a saved page and the live server: the interval between them, in the JSON report and the table', async () => {
    const server = await startFakeVllm([PAGE_2]);
    try {
      const dir = tempDir();
      const spans = writeSpansFile(dir, 's.jsonl', [agent(0, 2000, {}, [chat(MODEL, 0, 1000, 100, 50, { 'gen_ai.provider.name': 'openai', 'openjoules.serving.engine': 'vllm' })])]);
      const saved = join(FIXTURES, 'metrics-1.prom');
      const json = await cli(['stats', '--input', spans, '--store', join(dir, 't.db'), '--json', '--vllm-metrics', saved, `--vllm-metrics=${server.url}`]);
      expect(json.code, json.err).toBe(0);
      const report = JSON.parse(json.out) as { groups: unknown[]; vllm: { sources: string[]; metrics: Array<Record<string, unknown>> } };
      expect(report.groups).toHaveLength(1);
      expect(report.vllm.sources).toEqual([saved, `${server.url}/metrics`]);
      expect(report.vllm.metrics).toHaveLength(1);
      const m = report.vllm.metrics[0]!;
      expect(m).toMatchObject({ model_name: MODEL, window: 'interval', requests: 100, gpu_cache_usage_pct: 0.87, queue_depth: 5 });
      expect(m.ttft_p50 as number).toBeCloseTo(0.1, 12);
      expect(m.ttft_p95 as number).toBeCloseTo(0.625, 12);
      expect(m.e2e_latency_p50 as number).toBeCloseTo(3, 12);

      const table = await cli(['stats', '--store', join(dir, 't.db'), '--vllm-metrics', saved, '--vllm-metrics', join(FIXTURES, 'metrics-2.prom')]);
      expect(table.code, table.err).toBe(0);
      const lines = table.out.split('\n');
      const heading = lines.findIndex((l) => l.startsWith('vLLM server, the '));
      expect(heading, table.out).toBeGreaterThan(0);
      expect(lines[heading + 1]).toMatch(/^vLLM model\s+requests\s+TTFT p50 s\s+p95\s+p99\s+e2e p50 s/);
      // model, requests, TTFT p50/p95/p99, e2e p50/p95, ITL p50/p95 ms, KV cache %, waiting, running
      expect(lines[heading + 2]!.split(/\s{2,}/).slice(0, 12)).toEqual([MODEL, '100', '0.1', '0.625', '0.725', '3', '7.5', '25', '61.1', '87', '5', '32']);
    } finally {
      await server.close();
    }
  });

  it('one source alone, before anything was stored: the server since it started', async () => {
    const dir = tempDir();
    const run = await cli(['stats', '--store', join(dir, 'none.db'), '--json', '--vllm-metrics', join(FIXTURES, 'metrics-1.prom')]);
    expect(run.code, run.err).toBe(0);
    const m = (JSON.parse(run.out) as { vllm: { metrics: Array<Record<string, unknown>> } }).vllm.metrics[0]!;
    expect(m).toMatchObject({ window: 'lifetime', window_s: null, requests: 100 });
    expect(m.ttft_p50 as number).toBeCloseTo(0.07, 12);
  });

  it('a source that cannot be read is one line: left out (exit 1), or with --strict nothing done (exit 2)', async () => {
    const dir = tempDir();
    const spans = writeSpansFile(dir, 's.jsonl', [agent(0, 2000, {}, [chat(MODEL, 0, 1000, 100, 50)])]);
    const down = await cli(['stats', '--input', spans, '--store', join(dir, 't.db'), '--vllm-metrics', 'http://127.0.0.1:9']);
    expect(down.code).toBe(1);
    expect(down.err).toContain('openjoules stats: --vllm-metrics http://127.0.0.1:9: cannot reach it: ECONNREFUSED; left out\n');
    expect(down.out).toContain(MODEL);
    expect(down.out).not.toContain('vLLM server');
    const strict = await cli(['stats', '--store', join(dir, 't.db'), '--strict', '--vllm-metrics', join(dir, 'missing.prom')]);
    expect(strict.code).toBe(2);
    expect(strict.err.trim()).toBe(`openjoules stats: --vllm-metrics ${join(dir, 'missing.prom')}: no such file (give a saved /metrics page or an http(s) URL)`);
    const notVllm = await cli(['stats', '--store', join(dir, 't.db'), '--vllm-metrics', spans]);
    expect(notVllm.code).toBe(1);
    expect(notVllm.err).toMatch(/--vllm-metrics .*s\.jsonl: not a Prometheus page \(line 1: not a metric name\); left out/);
  });
});
