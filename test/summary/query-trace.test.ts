// spansToQueryTraces on real SDK spans read back from OTLP/JSON: the span model -> the seed's QueryTrace.
import { describe, expect, it } from 'vitest';
import { decodeTraceDocument } from '../../src/analysis/otlp/decode.js';
import { encodeTraceRequest } from '../../src/runtime/otlp/encode.js';
import type { SpanRecord } from '../../src/analysis/otlp/span-record.js';
import { spansToQueries, spansToQueryTraces, totalGpuEnergyJoules } from '../../src/analysis/summary/query-trace.js';
import { agent, chat, makeSpans, tool, workflow, type SpanSpec } from './span-fixtures.js';

function records(trees: SpanSpec[]): SpanRecord[] {
  return decodeTraceDocument(JSON.parse(JSON.stringify(encodeTraceRequest(makeSpans(trees))))).spans;
}

describe('spansToQueryTraces', () => {
  it('spansToQueries: the same QueryTraces, plus the hosted-API estimates of their model calls (each call once), which no QueryTrace field holds', () => {
    const estimate = (joules: number, min: number, max: number) => ({ 'energy.remote.joules': joules, 'energy.remote.min_joules': min, 'energy.remote.max_joules': max, 'energy.remote.method': 'ecologits' });
    const spans = records([
      agent(0, 1000, { 'gen_ai.conversation.id': 'a', 'energy.gpu.joules': 4 }, [chat(0, 500, 10, 5, estimate(50, 40, 60), [chat(10, 490, 10, 5, estimate(20, 10, 30))])]),
      agent(2000, 2500, { 'gen_ai.conversation.id': 'b' }, [chat(2000, 2400, 20, 7, { 'energy.remote.joules': 3 }), chat(2400, 2500, 1, 1)]),
    ]);
    const { traces, remoteEnergy } = spansToQueries(spans);
    expect(traces).toEqual(spansToQueryTraces(spans));
    expect(remoteEnergy).toEqual({ calls: 2, joules: 23, minJoules: 13, maxJoules: 33, methods: ['ecologits'] });
    expect(traces[0]!.query_gpu_energy_joules).toBe(4);
    expect(JSON.stringify(traces)).not.toMatch(/remote/);
    expect(spansToQueries(records([agent(0, 10, {}, [chat(0, 5, 1, 1)])])).remoteEnergy).toBeUndefined();
  });

  it('a conversation of one trace per turn is one query: turns in order, root energies summed', () => {
    const [q, ...rest] = spansToQueryTraces(
      records([
        agent(0, 1000, { 'gen_ai.conversation.id': 'conv-x', 'openjoules.turn.index': 0, 'energy.gpu.joules': 4 }, [chat(0, 500, 10, 5)]),
        agent(2000, 2500, { 'gen_ai.conversation.id': 'conv-x', 'openjoules.turn.index': 1, 'energy.gpu.joules': 6 }, [chat(2000, 2400, 20, 7)]),
        agent(3000, 3100, { 'openjoules.turn.index': 0 }, [chat(3000, 3050, 1, 1)]), // no conversation: its own query
      ]),
    );
    expect(rest).toHaveLength(1);
    expect(q!.query_id).toBe('conv-x');
    expect(q!.turns.map((t) => [t.turn_index, t.input_tokens, t.output_tokens])).toEqual([
      [0, 10, 5],
      [1, 20, 7],
    ]);
    expect(q!.query_gpu_energy_joules).toBe(10);
    expect(q!.total_wall_clock_s).toBe(2.5);
    expect(rest[0]!.turns).toHaveLength(1);
  });

  it('one trace = one query; invoke_agent spans are its turns, with tokens, tools, energy and cost', () => {
    const [q, ...rest] = spansToQueryTraces(
      records([
        workflow(0, 3000, { 'gen_ai.conversation.id': 'conv-1', 'openjoules.workload.type': 'swebench', 'energy.gpu.joules': 20, 'energy.cpu.joules': 6 }, [
          agent(0, 1000, { 'openjoules.turn.index': 0, 'energy.gpu.joules': 5, 'energy.cpu.joules': 1, 'energy.dram.joules': 0.5, 'energy.peak.watts': 300 }, [
            chat(0, 400, 100, 50, { 'openjoules.cost.usd': 0.002, 'gen_ai.usage.reasoning.output_tokens': 7 }),
            tool('calc', 400, 600),
            tool('calc', 600, 900),
          ]),
          agent(1000, 3000, { 'openjoules.turn.index': 1, 'energy.gpu.joules': 8, 'openjoules.cost.usd': 0.003 }, [
            chat(1000, 1500, 80, 30, { 'openjoules.cost.usd': 99 }),
            tool('search', 1500, 2500),
            tool('fetch', 1600, 2000),
          ]),
        ]),
      ]),
    );
    expect(rest).toEqual([]);
    expect(q).toMatchObject({ query_id: 'conv-1', workload_type: 'swebench', total_wall_clock_s: 3, completed: true, is_resolved: null });
    expect(q!.query_gpu_energy_joules).toBe(20);
    expect(q!.query_gpu_power_avg_watts).toBeCloseTo(20 / 3, 12);
    const [t0, t1] = q!.turns;
    expect(t0).toMatchObject({
      turn_index: 0,
      input_tokens: 100,
      output_tokens: 50,
      reasoning_tokens: 7,
      cached_tokens: null,
      tools_called: ['calc', 'calc'],
      wall_clock_s: 1,
      gpu_energy_joules: 5,
      cpu_energy_joules: 1,
      gpu_power_avg_watts: 5,
      cpu_power_avg_watts: 1,
      dram_energy_joules: 0.5,
      peak_watts: 300,
      cost_usd: 0.002,
      has_parallel_tools: false,
      error: null,
    });
    // A tool called twice adds up (the seed overwrote the first latency).
    expect(t0!.tool_latencies_s.calc).toBeCloseTo(0.5, 12);
    // The turn's own cost wins over its LLM spans'; overlapping tools are parallel.
    expect(t1).toMatchObject({ turn_index: 1, input_tokens: 80, output_tokens: 30, tools_called: ['search', 'fetch'], cost_usd: 0.003, has_parallel_tools: true });
    // Variant A: per-turn energy wins over the root's.
    expect(totalGpuEnergyJoules(q!)).toBe(13);
  });

  it('tokens set on the turn span win over the LLM spans inside it', () => {
    const [q] = spansToQueryTraces(records([agent(0, 100, { 'gen_ai.usage.input_tokens': 7 }, [chat(0, 50, 100, 50)])]));
    expect(q!.turns[0]).toMatchObject({ input_tokens: 7, output_tokens: 50 });
  });

  it('a root invoke_agent span is both the query and its single turn; query_id falls back to the traceId', () => {
    const spans = records([agent(0, 500, {}, [chat(0, 500, 20, 5)])]);
    const [q] = spansToQueryTraces(spans);
    expect(q!.query_id).toBe(spans[0]!.traceId);
    expect(q!.turns).toHaveLength(1);
    expect(q!.total_wall_clock_s).toBe(0.5);
  });

  it('sub-model calls (models run by a tool) count for cost but not for the turn tokens', () => {
    const [q] = spansToQueryTraces(
      records([agent(0, 1000, {}, [chat(0, 100, 10, 5, { 'openjoules.cost.usd': 0.01 }), tool('rerank', 100, 900, {}, [chat(200, 800, 1000, 1, { 'openjoules.sub_model_call': true, 'openjoules.cost.usd': 0.02 })])])]),
    );
    expect(q!.turns[0]).toMatchObject({ input_tokens: 10, output_tokens: 5, tools_called: ['rerank'] });
    expect(q!.turns[0]!.cost_usd).toBeCloseTo(0.03, 12);
  });

  it('nested LLM spans (a wrapper and the HTTP-level call) are counted once', () => {
    const [q] = spansToQueryTraces(records([agent(0, 100, {}, [chat(0, 100, 10, 5, {}, [chat(10, 90, 10, 5)])])]));
    expect(q!.turns[0]).toMatchObject({ input_tokens: 10, output_tokens: 5 });
  });

  it('nested invoke_agent spans (a sub-agent) belong to the outer turn', () => {
    const [q] = spansToQueryTraces(records([workflow(0, 1000, {}, [agent(0, 1000, {}, [agent(100, 900, {}, [chat(100, 200, 3, 2)])])])]));
    expect(q!.turns).toHaveLength(1);
    expect(q!.turns[0]).toMatchObject({ input_tokens: 3, output_tokens: 2 });
  });

  it('legacy path: without invoke_agent spans each LLM call is a turn and a tool goes to the LLM call after it', () => {
    // The seed's runner vector: tool calc inside turn 0, tokens 50/20 then 30/10.
    const root: SpanSpec = { name: 'run', start: 0, end: 1000, children: [chat(0, 300, 50, 20), tool('calc', 100, 200), chat(400, 500, 30, 10), tool('late', 600, 700)] };
    const [q] = spansToQueryTraces(records([root]));
    expect(q!.turns).toHaveLength(2);
    expect(q!.turns[0]).toMatchObject({ turn_index: 0, input_tokens: 50, output_tokens: 20, tools_called: ['calc'], wall_clock_s: 0.3 });
    // A tool after the last LLM call goes to the last turn rather than being lost.
    expect(q!.turns[1]).toMatchObject({ turn_index: 1, input_tokens: 30, output_tokens: 10, tools_called: ['late'] });
  });

  it('legacy path: tool calls but no LLM call give one synthetic turn 0', () => {
    const [q] = spansToQueryTraces(records([{ name: 'run', start: 0, end: 100, children: [tool('calc', 0, 50)] }]));
    expect(q!.turns).toEqual([expect.objectContaining({ turn_index: 0, tools_called: ['calc'], wall_clock_s: 0 })]);
  });

  it('traces without any GenAI span are not queries', () => {
    expect(spansToQueryTraces(records([{ name: 'GET /health', start: 0, end: 5 }]))).toEqual([]);
  });

  it('completed, resolved, error, timeout, retries and accuracy from the root', () => {
    const failed = workflow(0, 100, { 'openjoules.query.resolved': false }, [agent(0, 100, {}, [])]);
    failed.error = 'TimeoutError';
    failed.events = ['openjoules.retry_attempt', 'openjoules.retry_attempt'];
    const ok = workflow(200, 300, { 'openjoules.query.completed': false, 'openjoules.query.accuracy': 0.75 }, [agent(200, 300, { 'openjoules.query.resolved': true }, [])]);
    ok.children![0]!.error = 'tool_failed';
    const [a, b] = spansToQueryTraces(records([ok, failed]));
    // The failed root (status error, no openjoules.query.completed) is not completed; `completed: false` overrides an ok status.
    // Ordered by start, whatever the input order.
    expect(a).toMatchObject({ completed: false, timed_out: true, is_resolved: false, n_retries: 2 });
    expect(b).toMatchObject({ completed: false, timed_out: false, is_resolved: true, accuracy_score: 0.75 });
    expect(b!.turns[0]!.error).toBe('tool_failed');
  });

  it('a trace whose root was never exported: the wall clock covers all spans', () => {
    const spans = records([workflow(0, 1000, {}, [agent(0, 400, {}, [chat(0, 100, 1, 1)]), agent(500, 900, {}, [chat(500, 600, 1, 1)])])]);
    const withoutRoot = spans.filter((s) => s.parentSpanId !== undefined);
    const [q] = spansToQueryTraces(withoutRoot);
    expect(q!.turns).toHaveLength(2);
    expect(q!.total_wall_clock_s).toBeCloseTo(0.9, 12);
  });
});

describe('spansToQueryTraces on malformed input', () => {
  it('a parent cycle does not hang or throw', () => {
    const base = { traceId: 'a'.repeat(32), kind: 1, attributes: { 'gen_ai.operation.name': 'invoke_agent' }, resource: {}, statusCode: 0, events: [] };
    const spans: SpanRecord[] = [
      { ...base, spanId: '1'.repeat(16), parentSpanId: '2'.repeat(16), name: 'invoke_agent a', startMs: 0, endMs: 10 },
      { ...base, spanId: '2'.repeat(16), parentSpanId: '1'.repeat(16), name: 'invoke_agent b', startMs: 1, endMs: 5 },
    ];
    const [q] = spansToQueryTraces(spans);
    expect(q!.turns.length).toBeGreaterThan(0);
  });
});
