// The seed's test vectors (ipw tests/execution/test_exporters.py, seeds-spec §1.3) on QueryTrace objects.
import { describe, expect, it } from 'vitest';
import { makeQueryTrace, makeTurnTrace, type QueryTrace } from '../../src/analysis/summary/query-trace.js';
import { summarize } from '../../src/analysis/summary/summary.js';

/** Fixture 1: two traces, three turns. */
function fixture1(): QueryTrace[] {
  return [
    makeQueryTrace({
      query_id: 'q1',
      workload_type: 'test',
      completed: true,
      total_wall_clock_s: 3.0,
      turns: [
        makeTurnTrace({ turn_index: 0, input_tokens: 100, output_tokens: 50, tools_called: ['calc'], wall_clock_s: 1.0, gpu_energy_joules: 5.0, cost_usd: 0.002 }),
        makeTurnTrace({ turn_index: 1, input_tokens: 80, output_tokens: 30, tools_called: ['search'], wall_clock_s: 2.0, gpu_energy_joules: 8.0, cost_usd: 0.003 }),
      ],
    }),
    makeQueryTrace({
      query_id: 'q2',
      workload_type: 'test',
      completed: true,
      total_wall_clock_s: 0.5,
      turns: [makeTurnTrace({ turn_index: 0, input_tokens: 20, output_tokens: 5, wall_clock_s: 0.5 })],
    }),
  ];
}

function accuracyFixture(): QueryTrace[] {
  return [
    makeQueryTrace({ query_id: 'a001', completed: true, is_resolved: true, query_gpu_energy_joules: 10, query_gpu_power_avg_watts: 200, query_mbu_avg_pct: 45 }),
    makeQueryTrace({ query_id: 'a002', completed: true, is_resolved: false, query_gpu_energy_joules: 15, query_gpu_power_avg_watts: 250, query_mbu_avg_pct: 55 }),
  ];
}

const resolvedTraces = (flags: (boolean | null)[]): QueryTrace[] =>
  flags.map((is_resolved, i) => makeQueryTrace({ query_id: `r${i}`, is_resolved, total_wall_clock_s: 1 }));

describe('summarize (seed export_summary_json)', () => {
  it('fixture 1: totals, averages and wall-clock statistics', () => {
    const s = summarize(fixture1(), { model: 'm' });
    expect(s.config).toEqual({ model: 'm' });
    expect(s.totals).toMatchObject({ queries: 2, completed: 2, turns: 3, tool_calls: 2, input_tokens: 200, output_tokens: 85, total_tokens: 285 });
    expect(s.totals.wall_clock_s).toBeCloseTo(3.5, 12);
    expect(s.totals.gpu_energy_joules).toBeCloseTo(13.0, 12);
    expect(s.totals.cost_usd).toBeCloseTo(0.005, 12);
    expect(s.averages.turns_per_query).toBe(1.5);
    expect(s.averages.wall_clock_per_query_s).toBeCloseTo(1.75, 12);
    expect(s.averages.gpu_energy_per_query_joules).toBeCloseTo(6.5, 12);
    expect(s.statistics.wall_clock_s.avg).toBeCloseTo(1.75, 12);
    expect(s.statistics.wall_clock_s.min).toBe(0.5);
    expect(s.statistics.wall_clock_s.max).toBe(3.0);
  });

  it('has exactly the seed keys, in the seed order', () => {
    const s = summarize(fixture1(), {});
    expect(Object.keys(s)).toEqual(['generated_at', 'config', 'totals', 'efficiency', 'averages', 'statistics', 'normalized_statistics', 'normalized_efficiency']);
    expect(Object.keys(s.totals)).toEqual([
      'queries', 'completed', 'resolved', 'unresolved', 'turns', 'tool_calls', 'input_tokens', 'output_tokens',
      'total_tokens', 'wall_clock_s', 'gpu_energy_joules', 'cpu_energy_joules', 'cost_usd', 'accuracy',
    ]);
    expect(Object.keys(s.efficiency)).toEqual(['accuracy', 'total_gpu_energy_joules', 'total_cpu_energy_joules', 'avg_gpu_power_watts', 'avg_cpu_power_watts', 'ipj', 'ipw']);
    expect(Object.keys(s.statistics)).toEqual([
      'wall_clock_s', 'gpu_energy_joules', 'cpu_energy_joules', 'gpu_power_watts', 'cpu_power_watts', 'input_tokens',
      'output_tokens', 'total_tokens', 'throughput_tokens_per_sec', 'energy_per_token_joules', 'cost_usd', 'turns',
      'tool_calls', 'mbu_avg_pct',
    ]);
    expect(Object.keys(s.statistics.turns)).toEqual(['avg', 'median', 'min', 'max', 'std']);
  });

  it('generated_at is Unix seconds as a float, like time.time()', () => {
    const before = Date.now() / 1000;
    const s = summarize([], {});
    expect(s.generated_at).toBeGreaterThanOrEqual(before);
    expect(s.generated_at).toBeLessThan(before + 60);
    expect(summarize([], {}, { generatedAt: 12.5 }).generated_at).toBe(12.5);
  });

  it('accuracy fixture: accuracy 0.5, ipj = 0.5/25, ipw = 0.5/225, mbu avg 50', () => {
    const s = summarize(accuracyFixture(), {});
    expect(s.totals.accuracy).toBe(0.5);
    expect(s.totals).toMatchObject({ resolved: 1, unresolved: 1 });
    expect(s.efficiency.accuracy).toBe(0.5);
    expect(s.efficiency.total_gpu_energy_joules).toBe(25);
    expect(s.efficiency.avg_gpu_power_watts).toBe(225);
    expect(s.efficiency.ipj).toBeCloseTo(0.5 / 25, 15);
    expect(s.efficiency.ipw).toBeCloseTo(0.5 / 225, 15);
    expect(s.statistics.mbu_avg_pct.avg).toBe(50);
  });

  it('40 traces with wall = 1.0 + 0.1 i: trimmed to 36, normalized wall min 1.2 and max 4.7', () => {
    const traces = Array.from({ length: 40 }, (_, i) => makeQueryTrace({ query_id: `q${i}`, total_wall_clock_s: 1.0 + 0.1 * i }));
    const s = summarize(traces, {});
    expect(s.normalized_statistics).not.toBeNull();
    const norm = s.normalized_statistics!;
    expect(norm._outliers_removed).toEqual({ top_pct: 5, bottom_pct: 5, queries_before: 40, queries_after: 36 });
    expect(norm.wall_clock_s.min).toBeCloseTo(1.2, 12);
    expect(norm.wall_clock_s.max).toBeCloseTo(4.7, 12);
    expect(norm._description).toMatch(/5%/);
    expect(s.normalized_efficiency!._outliers_removed.queries_after).toBe(36);
    expect(s.normalized_efficiency!._description).toBe('Efficiency recomputed on the trimmed query set');
  });

  it('trims at least one from each end when 4 <= N < 40', () => {
    const traces = Array.from({ length: 4 }, (_, i) => makeQueryTrace({ query_id: `q${i}`, total_wall_clock_s: 4 - i }));
    const s = summarize(traces, {});
    expect(s.normalized_statistics!._outliers_removed.queries_after).toBe(2);
    expect(s.normalized_statistics!.wall_clock_s.min).toBe(2);
    expect(s.normalized_statistics!.wall_clock_s.max).toBe(3);
  });

  it('fewer than 4 traces: both normalized sections are null', () => {
    const s = summarize(fixture1(), {});
    expect(s.normalized_statistics).toBeNull();
    expect(s.normalized_efficiency).toBeNull();
  });

  it('resolved counts: [T, F, null, T, F] gives 2 and 2', () => {
    const s = summarize(resolvedTraces([true, false, null, true, false]), {});
    expect(s.totals.resolved).toBe(2);
    expect(s.totals.unresolved).toBe(2);
    expect(s.totals.accuracy).toBe(0.5);
  });

  it('resolved counts: [T, F, F, null] gives accuracy 1/3', () => {
    expect(summarize(resolvedTraces([true, false, false, null]), {}).totals.accuracy).toBeCloseTo(1 / 3, 15);
  });

  it('no scored trace: accuracy, ipj and ipw are null', () => {
    const s = summarize(fixture1(), {});
    expect(s.totals.accuracy).toBeNull();
    expect(s.efficiency).toMatchObject({ accuracy: null, ipj: null, ipw: null });
  });

  it('empty input: zeros where the seed divides by N, null statistics', () => {
    const s = summarize([], {});
    expect(s.totals).toMatchObject({ queries: 0, total_tokens: 0, gpu_energy_joules: null, cpu_energy_joules: null, cost_usd: null, accuracy: null });
    expect(s.averages).toEqual({ turns_per_query: 0, wall_clock_per_query_s: 0, gpu_energy_per_query_joules: null });
    for (const stats of Object.values(s.statistics)) expect(stats).toEqual({ avg: null, median: null, min: null, max: null, std: null });
    expect(s).not.toHaveProperty('bench_telemetry');
  });

  it('CPU totals use per-turn values only (seed quirk); statistics use the query-level fallback', () => {
    const traces = [
      makeQueryTrace({ query_id: 'a', query_cpu_energy_joules: 7, turns: [makeTurnTrace({ turn_index: 0 })] }),
      makeQueryTrace({ query_id: 'b', turns: [makeTurnTrace({ turn_index: 0, cpu_energy_joules: 2 }), makeTurnTrace({ turn_index: 1, cpu_energy_joules: 3 })] }),
    ];
    const s = summarize(traces, {});
    expect(s.totals.cpu_energy_joules).toBe(5);
    expect(s.efficiency.total_cpu_energy_joules).toBe(5);
    expect(s.statistics.cpu_energy_joules).toMatchObject({ min: 5, max: 7, avg: 6 });
  });

  it('bench energy fills missing per-query energy and efficiency is recomputed with it', () => {
    const traces = resolvedTraces([true, false]);
    const s = summarize(traces, {}, { benchEnergy: { gpu_energy_joules: 100, cpu_energy_joules: 20, avg_gpu_power_watts: 250, avg_cpu_power_watts: 50, max_mbu_pct: null } });
    expect(s.totals.gpu_energy_joules).toBe(100);
    expect(s.totals.cpu_energy_joules).toBe(20);
    expect(s.averages.gpu_energy_per_query_joules).toBe(50);
    expect(s.efficiency).toEqual({
      accuracy: 0.5,
      total_gpu_energy_joules: 100,
      total_cpu_energy_joules: 20,
      avg_gpu_power_watts: 250,
      avg_cpu_power_watts: 50,
      ipj: 0.005,
      ipw: 0.002,
    });
    expect(s.bench_telemetry).toEqual({ gpu_energy_joules: 100, cpu_energy_joules: 20, avg_gpu_power_watts: 250, avg_cpu_power_watts: 50 });
  });

  it('bench energy does not override per-query energy', () => {
    const s = summarize(accuracyFixture(), {}, { benchEnergy: { gpu_energy_joules: 999, avg_gpu_power_watts: 1 } });
    expect(s.totals.gpu_energy_joules).toBe(25);
    expect(s.efficiency.ipw).toBeCloseTo(0.5 / 225, 15);
    expect(s.bench_telemetry).toEqual({ gpu_energy_joules: 999, avg_gpu_power_watts: 1 });
  });

  it('serialises with null (never undefined or NaN) for missing values', () => {
    const json = JSON.stringify(summarize(fixture1(), {}));
    expect(json).not.toMatch(/NaN|Infinity|undefined/);
    expect(JSON.parse(json).statistics.mbu_avg_pct.avg).toBeNull();
  });
});
