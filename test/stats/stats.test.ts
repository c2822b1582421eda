// Spans → TelemetryRecords → the persistent store → per-model/engine/agent/batch stats, and the CLI around it.
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStats, STATS_EXIT } from '../../src/analysis/cli/stats.js';
import { readAllSpans } from '../../src/analysis/export-data/read-traces.js';
import { aggregateStats } from '../../src/analysis/stats/aggregate.js';
import { TelemetryStore } from '../../src/analysis/stats/store.js';
import { spansToTelemetryRecords } from '../../src/analysis/stats/telemetry-record.js';
import { agent, chat, tempDir, writeSpansFile, type SpanSpec } from './fixtures.js';
import { captureIo } from '../helpers/capture-io.js';

const LLAMA = 'llama-3.1-8b';
/** A streamed 1 s call: 100 in, 50 out, 10 J, first chunk at 0.1 s. */
const llamaCall = (start: number, extra: Partial<SpanSpec> = {}, attributes = {}): SpanSpec =>
  chat(LLAMA, start, start + 1000, 100, 50, { 'energy.joules': 10, 'gen_ai.response.time_to_first_chunk': 0.1, 'gen_ai.provider.name': 'vllm', ...attributes }, extra);

const trees: SpanSpec[] = [
  agent(0, 5000, { 'openjoules.query.resolved': true }, [
    llamaCall(0),
    llamaCall(1000, { events: [['gen_ai.content.chunk', 1100], ['gen_ai.content.chunk', 1110], ['gen_ai.content.chunk', 1130], ['gen_ai.content.chunk', 1160]] }),
    chat('gpt-4o', 2000, 2500, 20, 10, { 'gen_ai.provider.name': 'openai', 'openjoules.cost.usd': 0.01 }),
  ]),
  { ...agent(6000, 9000, { 'openjoules.query.resolved': false, 'gen_ai.agent.name': 'critic' }, [llamaCall(6000), llamaCall(7000, {}, { 'openjoules.batch.id': 'b1' })]) },
];

const io = captureIo;

describe('spansToTelemetryRecords', () => {
  it('derives the seed per-call metrics from an LLM span', async () => {
    const dir = tempDir();
    const records = spansToTelemetryRecords(await readAllSpans([writeSpansFile(dir, 's.jsonl', trees)]));
    expect(records).toHaveLength(5);
    const [first, chunked, cloud] = records;
    expect(first).toMatchObject({
      model_id: LLAMA,
      engine: 'vllm',
      agent: 'demo',
      prompt_tokens: 100,
      completion_tokens: 50,
      total_tokens: 150,
      latency_seconds: 1,
      ttft: 0.1,
      energy_joules: 10,
      power_watts: 10,
      throughput_tok_per_sec: 50,
      tokens_per_joule: 5,
      energy_per_output_token_joules: 0.2,
      throughput_per_watt: 5,
      is_streaming: true,
      itl_source: 'estimate',
      query_resolved: true,
      gpu_name: 'NVIDIA H100 80GB HBM3',
      num_gpus: 1,
      token_counting_version: 2,
    });
    expect(first!.prefill_energy_joules).toBeCloseTo(1, 12);
    expect(first!.decode_energy_joules).toBeCloseTo(9, 12);
    expect(first!.mean_itl_ms).toBeCloseTo(18, 12); // (1 - 0.1) s / 50 tokens
    expect(first!.p95_itl_ms).toBeNull();
    expect(chunked).toMatchObject({ itl_source: 'chunks', mean_itl_ms: 20, median_itl_ms: 20 });
    expect(chunked!.p95_itl_ms).toBeCloseTo(29, 10);
    expect(cloud).toMatchObject({ model_id: 'gpt-4o', engine: 'openai', energy_joules: null, tokens_per_joule: null, ttft: null, is_streaming: false, cost_usd: 0.01 });
    expect(records[3]).toMatchObject({ agent: 'critic', query_resolved: false, batch_id: '' });
    expect(records[4]!.batch_id).toBe('b1');
  });
});

describe('TelemetryStore + aggregateStats', () => {
  it('ingests idempotently and survives a reopen', async () => {
    const dir = tempDir();
    const path = join(dir, 'db', 'telemetry.db');
    const records = spansToTelemetryRecords(await readAllSpans([writeSpansFile(dir, 's.jsonl', trees)]));
    expect(await TelemetryStore.update(path, (s) => s.ingest(records))).toEqual({ inserted: 5, duplicates: 0 });
    expect(await TelemetryStore.update(path, (s) => s.ingest(records))).toEqual({ inserted: 0, duplicates: 5 });
    const store = await TelemetryStore.open(path);
    expect(store.recordCount()).toBe(5);
    expect(existsSync(`${path}.lock`)).toBe(false);
    store.close();
  });

  it('groups by model with the seed fields, percentiles, ITL, efficiency and the summary', async () => {
    const dir = tempDir();
    const store = await TelemetryStore.open();
    store.ingest(spansToTelemetryRecords(await readAllSpans([writeSpansFile(dir, 's.jsonl', trees)])));
    const report = aggregateStats(store, { by: 'model' });
    expect(report.groups.map((g) => g.key)).toEqual([LLAMA, 'gpt-4o']);
    const llama = report.groups[0]!;
    expect(llama).toMatchObject({
      call_count: 4,
      total_tokens: 600,
      prompt_tokens: 400,
      completion_tokens: 200,
      total_latency: 4,
      avg_latency: 1,
      total_energy_joules: 40,
      avg_throughput_tok_per_sec: 50,
      avg_tokens_per_joule: 5,
      avg_energy_per_output_token_joules: 0.2,
      avg_throughput_per_watt: 5,
      calls_with_energy: 4,
      itl_chunk_calls: 1,
      itl_estimate_calls: 3,
      latency_p95: 1,
    });
    expect(llama.avg_ttft).toBeCloseTo(0.1, 12);
    expect(llama.total_prefill_energy_joules).toBeCloseTo(4, 12);
    expect(llama.total_decode_energy_joules).toBeCloseTo(36, 12);
    expect(llama.avg_mean_itl_ms).toBeCloseTo((18 * 3 + 20) / 4, 10);
    expect(llama.avg_p95_itl_ms).toBeCloseTo(29, 10); // only the call with chunk times has percentiles
    // 8B at 50 tok/s on one H100 SXM (990 TFLOPS, 3350 GB/s).
    expect(llama.efficiency).toMatchObject({ gpu: 'NVIDIA H100 80GB HBM3', gpu_spec: 'H100-SXM', num_gpus: 1, params_b: 8, accuracy: 0.5 });
    expect(llama.efficiency.mfu_pct).toBeCloseTo(((2 * 8e9 * 50) / 990e12) * 100, 10);
    expect(llama.efficiency.mbu_pct).toBeCloseTo((800 / 3350) * 100, 10);
    expect(llama.efficiency.ipj).toBeCloseTo(0.5 / 40, 12);
    const gpt = report.groups[1]!;
    expect(gpt).toMatchObject({ call_count: 1, total_energy_joules: null, avg_tokens_per_joule: null, total_cost: 0.01, avg_ttft: null, ttft_p50: null });
    expect(gpt.efficiency.mfu_pct).toBeNull();
    expect(gpt.efficiency.reason).toMatch(/parameter count of "gpt-4o" unknown/);
    expect(report.summary).toMatchObject({ total_calls: 5, total_tokens: 630, total_energy_joules: 40, total_cost: 0.01 });
    expect(report.summary.avg_throughput_tok_per_sec).toBeCloseTo((50 * 4 + 20) / 5, 12);
    expect(report.summary.avg_energy_per_output_token_joules).toBeCloseTo(0.2, 12); // over the model that has energy
  });

  it('warmup leaves out the first N calls per model; --gpu overrides the device', async () => {
    const dir = tempDir();
    const store = await TelemetryStore.open();
    store.ingest(spansToTelemetryRecords(await readAllSpans([writeSpansFile(dir, 's.jsonl', trees)])));
    const report = aggregateStats(store, { warmup: 1, gpu: 'NVIDIA A100-SXM4-80GB', numGpus: 2 });
    expect(report.warmup_excluded).toBe(2);
    expect(report.groups.map((g) => [g.key, g.call_count])).toEqual([[LLAMA, 3]]);
    expect(report.groups[0]!.efficiency).toMatchObject({ gpu_spec: 'A100-SXM', num_gpus: 2 });
    expect(report.groups[0]!.efficiency.mbu_pct).toBeCloseTo((800 / (2 * 2039)) * 100, 10);
    expect(report.groups[0]!.steady_state).toMatchObject({ total_samples: 4, warmup_samples: 1, steady_state_samples: 3 });
  });

  it('groups by engine, agent and batch (batches without an id left out)', async () => {
    const dir = tempDir();
    const store = await TelemetryStore.open();
    store.ingest(spansToTelemetryRecords(await readAllSpans([writeSpansFile(dir, 's.jsonl', trees)]), { batchId: 'run-1' }));
    expect(aggregateStats(store, { by: 'engine' }).groups.map((g) => [g.key, g.call_count])).toEqual([['vllm', 4], ['openai', 1]]);
    expect(aggregateStats(store, { by: 'agent' }).groups.map((g) => [g.key, g.call_count])).toEqual([['demo', 3], ['critic', 2]]);
    const batches = aggregateStats(store, { by: 'batch' }).groups;
    expect(batches.map((g) => [g.key, g.call_count])).toEqual([['run-1', 4], ['b1', 1]]);
    expect(batches[1]!.energy_per_token_joules).toBeCloseTo(10 / 150, 12);
  });

  it('steady state over a model with stable throughput', async () => {
    const dir = tempDir();
    const calls = Array.from({ length: 12 }, (_, i) => llamaCall(i * 1000));
    const store = await TelemetryStore.open();
    store.ingest(spansToTelemetryRecords(await readAllSpans([writeSpansFile(dir, 's.jsonl', [agent(0, 12000, {}, calls)])])));
    expect(aggregateStats(store).groups[0]!.steady_state).toMatchObject({ steady_state_reached: true, reached_at_call: 12, steady_avg_throughput_tok_per_sec: 50 });
  });
});

describe('openjoules stats', () => {
  it('ingests, prints a table, and re-running adds nothing; --json prints the seed field names', async () => {
    const dir = tempDir();
    const input = writeSpansFile(dir, 's.jsonl', trees);
    const store = join(dir, 'telemetry.db');
    const t = io();
    expect(await runStats({ inputs: [input], store }, t)).toBe(STATS_EXIT.OK);
    expect(t.err()).toMatch(/5 LLM call\(s\) from 7 spans: 5 new, 0 already in/);
    expect(t.out()).toMatch(/^model +calls +in tok +out tok/);
    expect(t.out()).toMatch(/llama-3\.1-8b +4 +400 +200 /);
    expect(t.out()).toMatch(/llama-3\.1-8b: not steady \(4 calls\); NVIDIA H100 80GB HBM3 ×1 as H100-SXM, 8B params; ITL: 1 call\(s\) with chunk times, 3 estimated/);
    const again = io();
    expect(await runStats({ inputs: [input], store, json: true, by: 'engine' }, again)).toBe(STATS_EXIT.OK);
    expect(again.err()).toMatch(/0 new, 5 already in/);
    const json = JSON.parse(again.out());
    expect(json.by).toBe('engine');
    expect(json.groups[0]).toMatchObject({ engine: 'vllm', call_count: 4 });
    expect(json.summary.total_calls).toBe(5);
  });

  it('stats ingest only stores; stats without input reads the store', async () => {
    const dir = tempDir();
    const store = join(dir, 'telemetry.db');
    const t = io();
    expect(await runStats({ inputs: [writeSpansFile(dir, 's.jsonl', trees)], store, ingestOnly: true }, t)).toBe(STATS_EXIT.OK);
    expect(t.out()).toBe('');
    const q = io();
    expect(await runStats({ inputs: [], store, json: true }, q)).toBe(STATS_EXIT.OK);
    expect(JSON.parse(q.out()).groups[0].model_id).toBe(LLAMA);
  });

  it('bad lines: file:line on stderr, the rest stored, exit 1; --strict exits 2 and stores nothing', async () => {
    const dir = tempDir();
    const input = writeSpansFile(dir, 's.jsonl', trees);
    appendFileSync(input, '{"resourceSpans": 3}\nnot json\n');
    const store = join(dir, 'telemetry.db');
    const strict = io();
    expect(await runStats({ inputs: [input], store, strict: true }, strict)).toBe(STATS_EXIT.FAILED);
    expect(strict.err()).toMatch(/s\.jsonl:3: .*--strict: stopped, nothing stored/);
    expect(existsSync(store)).toBe(false);
    const t = io();
    expect(await runStats({ inputs: [input], store }, t)).toBe(STATS_EXIT.SKIPPED);
    expect(t.err()).toMatch(/s\.jsonl:3: /);
    expect(t.err()).toMatch(/s\.jsonl:4: malformed JSON/);
    expect(t.err()).toMatch(/5 new, 0 already in .*; 2 bad input\(s\) skipped \(see above\)/);
  });

  it('usage errors exit 2', async () => {
    const dir = tempDir();
    const t = io();
    expect(await runStats({ inputs: [], by: 'colour' }, t)).toBe(STATS_EXIT.FAILED);
    expect(await runStats({ inputs: [], warmup: '-1' }, t)).toBe(STATS_EXIT.FAILED);
    expect(await runStats({ inputs: [], store: join(dir, 'none.db') }, t)).toBe(STATS_EXIT.FAILED);
    expect(await runStats({ inputs: [], ingestOnly: true }, t)).toBe(STATS_EXIT.FAILED);
    expect(t.err()).toMatch(/--by must be one of model, engine, agent, batch/);
    expect(t.err()).toMatch(/--warmup must be a whole number/);
    expect(t.err()).toMatch(/no store at .*none\.db/);
  });
});
