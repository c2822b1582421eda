// vLLM-shaped request spans (made with the real SDK, written and read back as OTLP/JSON) read as GPU schedules.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SpanRecord } from '../../src/analysis/otlp/span-record.js';
import { isServingRequestSpan, readServingRequest, VLLM_REQUEST_SPAN_NAME, type ServingRequest } from '../../src/analysis/serving/serving-request.js';
import { readRecords, ServiceSpans } from './helpers/span-files.js';
import { agentCall, emitVllmRequestSpan, FINISH_LAG_MS } from './helpers/vllm-engine.js';

const T = 1_767_225_600_000; // 2026-01-01T00:00:00Z

async function roundTrip(build: (spans: ServiceSpans) => void): Promise<SpanRecord[]> {
  const spans = new ServiceSpans();
  build(spans);
  return readRecords([await spans.write(join(mkdtempSync(join(tmpdir(), 'oj-serving-')), 'spans.jsonl'))]);
}

function record(attributes: SpanRecord['attributes'], startMs = T, endMs = T + 1000): SpanRecord {
  return { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'llm_request', kind: 2, startMs, endMs, attributes, resource: {}, statusCode: 0, events: [] };
}

describe('readServingRequest', () => {
  it("reads vLLM's span: on the GPU from first token − prefill to first token + decode, parented by the caller", async () => {
    let caller: ReturnType<typeof agentCall> = { spanId: '', traceId: '', headers: {} };
    const records = await roundTrip((spans) => {
      caller = agentCall(spans.tracer('agent'), 'toy', T - 5, T + 2000);
      emitVllmRequestSpan(spans.tracer('vllm'), { id: 'r1', arrivalMs: T, scheduledMs: T + 120, firstTokenMs: T + 370, lastTokenMs: T + 1370, promptTokens: 900, completionTokens: 41 }, caller.headers);
    });
    const span = records.find((s) => s.name === VLLM_REQUEST_SPAN_NAME)!;
    expect(span.kind).toBe(2);
    expect(span.endMs).toBeCloseTo(T + 1370 + FINISH_LAG_MS, 3);
    expect(isServingRequestSpan(span)).toBe(true);
    expect(isServingRequestSpan(records.find((s) => s.name !== VLLM_REQUEST_SPAN_NAME)!)).toBe(false);
    const r = readServingRequest(span) as ServingRequest;
    expect(r.traceId).toBe(caller.traceId);
    expect(r.parentSpanId).toBe(caller.spanId);
    expect(r.scheduledMs).toBeCloseTo(T + 120, 6);
    expect(r.firstTokenMs).toBeCloseTo(T + 370, 6);
    expect(r.lastTokenMs).toBeCloseTo(T + 1370, 6);
    expect(r.prefillTokens).toBe(900);
    expect(r.decodeTokens).toBe(40); // the first output token came out of prefill
  });

  it('falls back to queue time, inference time and e2e when the finer latencies are missing', () => {
    const r = readServingRequest(record({ 'gen_ai.latency.time_to_first_token': 0.3, 'gen_ai.latency.time_in_queue': 0.1, 'gen_ai.latency.time_in_model_inference': 0.7 })) as ServingRequest;
    expect([r.scheduledMs - T, r.firstTokenMs - T, r.lastTokenMs - T]).toEqual([100, 300, expect.closeTo(800, 9)]);
    const e2e = readServingRequest(record({ 'gen_ai.latency.time_to_first_token': 0.3, 'gen_ai.latency.time_in_model_prefill': 0.2, 'gen_ai.latency.e2e': 0.9 })) as ServingRequest;
    expect([e2e.scheduledMs - T, e2e.lastTokenMs - T]).toEqual([expect.closeTo(100, 9), expect.closeTo(900, 9)]);
    const none = readServingRequest(record({ 'gen_ai.latency.time_to_first_token': 0.3, 'gen_ai.latency.time_in_model_prefill': 0.2 })) as ServingRequest;
    expect(none.lastTokenMs).toBe(T + 1000); // the span's end
  });

  it('clamps to the span: monotonic-clock latencies a few ms off the wall-clock start stay inside it', () => {
    // Prefill reported longer than time to first token: scheduled would fall before arrival.
    const r = readServingRequest(record({ 'gen_ai.latency.time_to_first_token': 0.2, 'gen_ai.latency.time_in_model_prefill': 0.25, 'gen_ai.latency.time_in_model_decode': 2 })) as ServingRequest;
    expect(r.scheduledMs).toBe(T);
    expect(r.firstTokenMs).toBeCloseTo(T + 200, 9);
    expect(r.lastTokenMs).toBe(T + 1000);
  });

  it('subtracts prefix-cached prompt tokens, and reads the GenAI convention names when vLLM names are absent', () => {
    const cached = readServingRequest(record({ 'gen_ai.latency.time_to_first_token': 0.2, 'gen_ai.latency.time_in_queue': 0, 'gen_ai.usage.prompt_tokens': 1000, 'gen_ai.usage.cached_tokens': 600, 'gen_ai.usage.completion_tokens': 1 })) as ServingRequest;
    expect([cached.prefillTokens, cached.decodeTokens]).toEqual([400, 0]);
    const semconv = readServingRequest(record({ 'gen_ai.latency.time_to_first_token': 0.2, 'gen_ai.latency.time_in_queue': 0, 'gen_ai.usage.input_tokens': 50, 'gen_ai.usage.output_tokens': 11 })) as ServingRequest;
    expect([semconv.prefillTokens, semconv.decodeTokens]).toEqual([50, 10]);
  });

  it('says why a span with a bad latency cannot be read', () => {
    expect(readServingRequest(record({ 'gen_ai.latency.time_to_first_token': 'soon', 'gen_ai.latency.time_in_queue': 0 }))).toBe(
      'span "llm_request" (bbbbbbbbbbbbbbbb): gen_ai.latency.time_to_first_token should be seconds ≥ 0, got "soon"',
    );
    expect(readServingRequest(record({ 'gen_ai.latency.time_in_queue': 0.1 }))).toMatch(/no gen_ai.latency.time_to_first_token/);
    expect(readServingRequest(record({ 'gen_ai.latency.time_to_first_token': 0.1, 'gen_ai.latency.e2e': 1 }))).toMatch(/cannot tell when it was scheduled/);
  });

  it('is recognised by its attributes, whatever its name (vLLM names it "{operation} {model}" under the semconv opt-in)', () => {
    expect(isServingRequestSpan({ ...record({ 'gen_ai.latency.time_to_first_token': 0.1, 'gen_ai.latency.time_in_model_prefill': 0.1 }), name: 'chat llama' })).toBe(true);
    expect(isServingRequestSpan(record({ 'gen_ai.latency.time_to_first_token': 0.1 }))).toBe(false);
  });
});
