// Fair shares across processes from the device readings spans carry (analysis/host-shares.ts), checked against a
// brute-force integration of the rule (1 µs steps) written independently here.
import type { Attributes } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { subtreeEnergy } from '../../src/analysis/model/energy-rule.js';
import { HostShares, withHostShares } from '../../src/analysis/model/host-shares.js';
import { SpanForest } from '../../src/analysis/model/span-forest.js';
import type { SpanRecord } from '../../src/analysis/otlp/span-record.js';
import { attributedJoules, bruteForceShares, named, node, processRecords, records, type SpanSpec } from './records.js';

const GPU = 'GPU-00000000-0000-0000-0000-000000000000';
/** The driver's counter when the run began (a driver up for a while), J. */
const ORIGIN_J = 1_234_567.5;

/** Power of the device at t ms from BASE_MS: 300 W with a 500 W stretch, so stretches differ. */
function watts(tMs: number): number {
  return tMs >= 300 && tMs < 700 ? 500 : 300;
}

/** The driver's counter at t ms, J (exact integral of {@link watts}). */
function counterJ(tMs: number): number {
  const high = Math.max(0, Math.min(tMs, 700) - 300);
  return ORIGIN_J + (300 * tMs + 200 * high) / 1000;
}

/** A span spec whose attributes are what the processor writes: readings of the GPU and the inclusive joules. */
function measured(name: string, start: number, end: number, children: SpanSpec[] = [], extra: Attributes = {}): SpanSpec {
  const gpu = counterJ(end) - counterJ(start);
  const cpu = typeof extra['energy.cpu.joules'] === 'number' ? extra['energy.cpu.joules'] : 0;
  return node(name, start, end, {
    'energy.joules': gpu + cpu,
    'energy.attributed.joules': gpu + cpu,
    'energy.gpu.joules': gpu,
    'energy.device.ids': [GPU],
    'energy.device.start.joules': [counterJ(start)],
    'energy.device.end.joules': [counterJ(end)],
    ...extra,
  }, children);
}

const THREE: SpanSpec[][] = [
  [measured('a', 0, 1000, [measured('a.1', 100, 600), measured('a.2', 400, 900)])],
  [measured('b', 50, 950, [measured('b.1', 50, 500, [measured('b.1.1', 200, 450)])])],
  [measured('c', 200, 1000), measured('c2', 1000, 1100)],
];

describe('HostShares: spans of several processes on one device', () => {
  it('gives every span its share of the stretches among the leaves of all processes, as the rule integrated', () => {
    const spans = withHostShares(processRecords(THREE));
    const truth = bruteForceShares(THREE, watts);
    for (const [name, joules] of truth) expect(attributedJoules(named(spans, name)), name).toBeCloseTo(joules, 2);
  });

  it('roots of all processes add up to the device energy over the spans, each joule once (before: each process claimed it all)', () => {
    const before = processRecords(THREE);
    const after = withHostShares(before);
    const device = counterJ(1100) - counterJ(0);
    const total = (spans: readonly SpanRecord[]): number => subtreeEnergy(SpanForest.fromSpans(spans)).joules ?? 0;
    expect(total(before)).toBeGreaterThan(2.5 * device);
    expect(total(after)).toBeCloseTo(device, 6);
    // The GPU component follows the share.
    expect(subtreeEnergy(SpanForest.fromSpans(after)).gpuJoules).toBeCloseTo(device, 6);
  });

  it('with one process it is the in-process rule again', () => {
    const one = [THREE[0]!];
    const spans = withHostShares(processRecords(one));
    for (const [name, joules] of bruteForceShares(one, watts)) expect(attributedJoules(named(spans, name)), name).toBeCloseTo(joules, 2);
  });

  it('readings that disagree by a hair between processes still add up to the first-to-last difference', () => {
    // Process b interpolated 0.01 J high at every boundary.
    const skewed = THREE.map((trees, p) => (p === 1 ? trees.map(function shift(s: SpanSpec): SpanSpec {
      const a = s.attributes!;
      return { ...s, attributes: { ...a, 'energy.device.start.joules': [(a['energy.device.start.joules'] as number[])[0]! + 0.01], 'energy.device.end.joules': [(a['energy.device.end.joules'] as number[])[0]! + 0.01] }, children: (s.children ?? []).map(shift) };
    }) : trees));
    const input = processRecords(skewed);
    const shares = new HostShares();
    for (const s of input) shares.add(s);
    shares.resolve();
    const [gpu] = shares.devices;
    expect(gpu).toMatchObject({ id: GPU, processes: 3, idleJoules: 0 });
    expect(Math.abs(gpu!.deviceJoules - (counterJ(1100) - counterJ(0)))).toBeLessThanOrEqual(0.01 + 1e-9);
    const spans = input.map((s) => shares.apply(s));
    expect(subtreeEnergy(SpanForest.fromSpans(spans)).joules).toBeCloseTo(gpu!.deviceJoules, 6);
    for (const s of spans) expect(attributedJoules(s)).toBeGreaterThanOrEqual(0);
  });

  it('a span that also drew on a device without readings keeps that part of its in-process share', () => {
    // Process a also measured a CPU (no host-wide counter): 5 J, all its own in-process.
    const trees: SpanSpec[][] = [[measured('a', 0, 1000, [], { 'energy.cpu.joules': 5 })], [measured('b', 0, 1000)]];
    const spans = withHostShares(processRecords(trees));
    const gpu = counterJ(1000) - counterJ(0);
    expect(attributedJoules(named(spans, 'a'))).toBeCloseTo(gpu / 2 + 5, 6);
    expect(attributedJoules(named(spans, 'b'))).toBeCloseTo(gpu / 2, 6);
  });

  it('leaves spans without readings, and lists without readings, as they are', () => {
    const plain = records([node('x', 0, 10, { 'energy.joules': 3, 'energy.attributed.joules': 2 })]);
    expect(withHostShares(plain)).toBe(plain);
  });
});
