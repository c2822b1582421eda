import { describe, expect, it } from 'vitest';
import type { SpanRecord } from '../../src/analysis/otlp/span-record.js';
import { runKpis } from '../../src/analysis/report/kpis.js';
import { derivePowerSeries } from '../../src/analysis/report/power-series.js';
import { layoutTimeline } from '../../src/analysis/report/timeline-layout.js';

function span(traceId: string, spanId: string, startMs: number, endMs: number, attributes: SpanRecord['attributes'] = {}, parentSpanId?: string): SpanRecord {
  return { traceId, spanId, parentSpanId, name: spanId, kind: 1, startMs, endMs, attributes, resource: {}, statusCode: 0, events: [] };
}

describe('layoutTimeline', () => {
  it('puts concurrent siblings in rows of their own, below their parent', () => {
    const layout = layoutTimeline([span('t', 'root', 0, 100), span('t', 'a', 10, 60, {}, 'root'), span('t', 'b', 20, 80, {}, 'root'), span('t', 'c', 70, 90, {}, 'root')]);
    const row = (id: string): number => layout.bars.find((b) => b.span.spanId === id)!.row;
    expect([row('root'), row('a'), row('b'), row('c')]).toEqual([0, 1, 2, 1]);
    expect(layout.rows).toBe(3);
  });

  it('lets sequential traces share a band and gives overlapping ones their own', () => {
    const layout = layoutTimeline([span('t1', 'x', 0, 100), span('t2', 'y', 200, 300), span('t3', 'z', 250, 400)]);
    expect(layout.bands.map((b) => b.traces.map((t) => t.traceId))).toEqual([['t1', 't2'], ['t3']]);
  });

  it('leaves out whole traces past the span limit and counts them', () => {
    const layout = layoutTimeline([span('t1', 'x', 0, 1), span('t2', 'y', 2, 3), span('t3', 'z', 4, 5)], 2);
    expect(layout.bars).toHaveLength(2);
    expect(layout).toMatchObject({ omittedSpans: 1, omittedTraces: 1 });
  });
});

describe('derivePowerSeries', () => {
  it('spreads each top span’s attributed joules over its interval; the area equals their sum', () => {
    const series = derivePowerSeries([
      span('t1', 'r1', 0, 1000, { 'energy.joules': 20, 'energy.attributed.joules': 10, 'energy.gpu.joules': 16, 'energy.cpu.joules': 4 }),
      span('t1', 'child', 0, 500, { 'energy.attributed.joules': 99 }, 'r1'),
      span('t2', 'r2', 500, 1500, { 'energy.joules': 5 }),
    ]);
    expect(series.binMs).toBe(20);
    expect(series.components.map((c) => c.key)).toEqual(['gpu', 'cpu', 'other']);
    const joules = (key: string): number => series.components.find((c) => c.key === key)!.watts.reduce((s, w) => s + (w * series.binMs) / 1000, 0);
    // r1's attributed share is half its inclusive joules, so its GPU and CPU joules are halved.
    expect(joules('gpu')).toBeCloseTo(8, 9);
    expect(joules('cpu')).toBeCloseTo(2, 9);
    expect(joules('other')).toBeCloseTo(5, 9);
    expect(series.totalJoules).toBeCloseTo(15, 9);
    // While both roots run: 10 J / 1 s + 5 J / 1 s.
    expect(series.peakWatts).toBeCloseTo(15, 9);
  });
});

describe('runKpis', () => {
  it('gives one row for a run shorter than a day even when it crosses UTC midnight', () => {
    const midnight = Date.parse('2026-04-25T00:00:00Z');
    const spans = [
      span('t1', 'a', midnight - 60_000, midnight - 30_000, { 'gen_ai.operation.name': 'invoke_agent', 'energy.joules': 3 }),
      span('t2', 'b', midnight + 30_000, midnight + 60_000, { 'gen_ai.operation.name': 'invoke_agent', 'energy.joules': 5 }),
    ];
    const kpis = runKpis(spans);
    expect(kpis).toHaveLength(1);
    expect(kpis[0]).toMatchObject({ label: 'run', row: { bucket: 'run', turns: 2, energy_joules: 8, joules_per_turn: 4 } });
  });

  it('gives one row per UTC day for a longer run, and reports spans the rollup rejects', () => {
    const day = Date.parse('2026-04-24T12:00:00Z');
    const issues: string[] = [];
    const kpis = runKpis(
      [span('t1', 'a', day, day + 1, { 'energy.joules': 1 }), span('t2', 'b', day + 86_400_000, day + 86_400_001, { 'energy.joules': 2 }), span('t3', 'c', day, day + 1, { 'energy.joules': -1 })],
      (issue) => issues.push(`${issue.file}:${issue.line}: ${issue.reason}`),
    );
    expect(kpis.map((k) => [k.label, k.row.energy_joules])).toEqual([
      ['2026-04-24', 1],
      ['2026-04-25', 2],
    ]);
    expect(issues).toEqual(['<spans>:3: span "c" (c): attribute energy.joules should be a number ≥ 0, got number -1']);
  });
});
