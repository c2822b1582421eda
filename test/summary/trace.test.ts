// TurnTrace / QueryTrace defaults and derived properties (seeds-spec §1.1-1.2, variant A).
import { describe, expect, it } from 'vitest';
import {
  avgCpuPowerWatts,
  avgGpuPowerWatts,
  energyPerTokenJoules,
  makeQueryTrace,
  makeTurnTrace,
  numTurns,
  throughputTokensPerSec,
  totalCostUsd,
  totalCpuEnergyJoules,
  totalGpuEnergyJoules,
  totalInputTokens,
  totalOutputTokens,
  totalTokens,
  totalToolCalls,
} from '../../src/analysis/summary/query-trace.js';
import { aggStats } from '../../src/analysis/summary/stats.js';
import { fsum } from '../../src/analysis/summary/trace.js';

describe('TurnTrace / QueryTrace', () => {
  it('defaults match the seed from_dict rules', () => {
    expect(makeTurnTrace({ turn_index: 3 })).toEqual({
      turn_index: 3,
      input_tokens: 0,
      output_tokens: 0,
      tool_result_tokens: 0,
      tools_called: [],
      tool_latencies_s: {},
      wall_clock_s: 0,
      error: null,
      gpu_energy_joules: null,
      cpu_energy_joules: null,
      gpu_power_avg_watts: null,
      cpu_power_avg_watts: null,
      cost_usd: null,
      dram_energy_joules: null,
      peak_watts: null,
      reasoning_tokens: null,
      cached_tokens: null,
      has_parallel_tools: false,
      shared_device_warning: false,
    });
    const q = makeQueryTrace({ query_id: 'q' });
    expect(q).toMatchObject({ workload_type: '', turns: [], completed: false, timed_out: false, is_resolved: null, lm_energy_measurable: true, n_retries: 0, accuracy_metadata: {} });
  });

  it('copies collections so callers never share them', () => {
    const tools = ['calc'];
    const turn = makeTurnTrace({ turn_index: 0, tools_called: tools });
    tools.push('x');
    expect(turn.tools_called).toEqual(['calc']);
  });

  it('totals over turns', () => {
    const q = makeQueryTrace({
      query_id: 'q',
      total_wall_clock_s: 2,
      turns: [
        makeTurnTrace({ turn_index: 0, input_tokens: 10, output_tokens: 4, tools_called: ['a', 'b'], cost_usd: 0.1 }),
        makeTurnTrace({ turn_index: 1, input_tokens: 5, output_tokens: 6, tools_called: ['c'] }),
      ],
    });
    expect(numTurns(q)).toBe(2);
    expect(totalInputTokens(q)).toBe(15);
    expect(totalOutputTokens(q)).toBe(10);
    expect(totalTokens(q)).toBe(25);
    expect(totalToolCalls(q)).toBe(3);
    expect(totalCostUsd(q)).toBe(0.1);
    expect(throughputTokensPerSec(q)).toBe(5);
  });

  it('variant A energy precedence: a turn value wins over the query value (10 J, not 42 J)', () => {
    const q = makeQueryTrace({ query_id: 'q', query_gpu_energy_joules: 42, query_cpu_energy_joules: 4, turns: [makeTurnTrace({ turn_index: 0, gpu_energy_joules: 10, cpu_energy_joules: 1 })] });
    expect(totalGpuEnergyJoules(q)).toBe(10);
    expect(totalCpuEnergyJoules(q)).toBe(1);
  });

  it('falls back to query-level energy and power when no turn has any', () => {
    const q = makeQueryTrace({ query_id: 'q', query_gpu_energy_joules: 42, query_gpu_power_avg_watts: 210, query_cpu_power_avg_watts: 85, turns: [makeTurnTrace({ turn_index: 0 })] });
    expect(totalGpuEnergyJoules(q)).toBe(42);
    expect(totalCpuEnergyJoules(q)).toBeNull();
    expect(avgGpuPowerWatts(q)).toBe(210);
    expect(avgCpuPowerWatts(q)).toBe(85);
    expect(totalGpuEnergyJoules(makeQueryTrace({ query_id: 'e' }))).toBeNull();
  });

  it('average power is the mean of non-null turn values', () => {
    const q = makeQueryTrace({
      query_id: 'q',
      query_gpu_power_avg_watts: 1,
      turns: [makeTurnTrace({ turn_index: 0, gpu_power_avg_watts: 100 }), makeTurnTrace({ turn_index: 1 }), makeTurnTrace({ turn_index: 2, gpu_power_avg_watts: 300 })],
    });
    expect(avgGpuPowerWatts(q)).toBe(200);
  });

  it('energy per token is GPU joules per OUTPUT token, null unless both > 0', () => {
    const turn = makeTurnTrace({ turn_index: 0, input_tokens: 1000, output_tokens: 50, gpu_energy_joules: 10 });
    expect(energyPerTokenJoules(makeQueryTrace({ query_id: 'q', turns: [turn] }))).toBe(0.2);
    expect(energyPerTokenJoules(makeQueryTrace({ query_id: 'q', turns: [{ ...turn, output_tokens: 0 }] }))).toBeNull();
    expect(energyPerTokenJoules(makeQueryTrace({ query_id: 'q', turns: [{ ...turn, gpu_energy_joules: 0 }] }))).toBeNull();
    expect(throughputTokensPerSec(makeQueryTrace({ query_id: 'q', turns: [turn] }))).toBeNull();
  });

  it('total cost is null when no turn has one', () => {
    expect(totalCostUsd(makeQueryTrace({ query_id: 'q', turns: [makeTurnTrace({ turn_index: 0 })] }))).toBeNull();
  });

  it('round-trips through JSON unchanged (the seed to_dict/from_dict shape)', () => {
    const q = makeQueryTrace({ query_id: 'q', turns: [makeTurnTrace({ turn_index: 0, tools_called: ['a'], tool_latencies_s: { a: 0.5 } })] });
    expect(makeQueryTrace(JSON.parse(JSON.stringify(q)) as typeof q)).toEqual(q);
  });
});

describe('aggStats (seed _agg_stats)', () => {
  it('mean, median, min, max and SAMPLE stdev', () => {
    expect(aggStats([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ avg: 5, median: 4.5, min: 2, max: 9, std: Math.sqrt(32 / 7) });
  });
  it('std is 0.0 for one value', () => {
    expect(aggStats([3])).toEqual({ avg: 3, median: 3, min: 3, max: 3, std: 0 });
  });
  it('nulls are ignored; no values gives all null', () => {
    expect(aggStats([null, 1, undefined, 3])).toMatchObject({ avg: 2, median: 2 });
    expect(aggStats([null])).toEqual({ avg: null, median: null, min: null, max: null, std: null });
  });
  it('sums like Python 3.12 sum() (compensated)', () => {
    expect(fsum([0.1, 0.2, 0.3])).toBe(0.6);
    expect(fsum([1e100, 1, -1e100])).toBe(1);
  });
});
