// Fair shares across processes on a counter that wraps (analysis/host-alignment.ts through host-shares.ts): each
// process records the raw counter at its open plus what it counted since, so processes that opened on either side of
// a wrap count from different multiples of the range. Checked against the rule integrated step by step, on the same
// power profile as host-shares.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runAttribute } from '../../src/analysis/cli/attribute.js';
import { runExport } from '../../src/analysis/cli/export.js';
import { runReport } from '../../src/analysis/cli/report.js';
import { runRollup } from '../../src/analysis/cli/rollup.js';
import { runStats } from '../../src/analysis/cli/stats.js';
import { runSummary } from '../../src/analysis/cli/summary.js';
import { encodeTraceRequest } from '../../src/runtime/otlp/encode.js';
import { makeSpans } from '../helpers/span-trees.js';
import { subtreeEnergy } from '../../src/analysis/model/energy-rule.js';
import { alignWrappedReadings } from '../../src/analysis/model/host-alignment.js';
import { HostShares, withHostShares } from '../../src/analysis/model/host-shares.js';
import { SpanForest } from '../../src/analysis/model/span-forest.js';
import type { SpanRecord } from '../../src/analysis/otlp/span-record.js';
import { attributedJoules, BASE_MS, bruteForceShares, named, node, processRecords, type SpanSpec } from './records.js';

const GPU = '0x1234abcd0000';
/** The raw counter at t = 0, J: it wraps at {@link RANGE_J} 585 ms into the run. */
const RANGE_J = 65_712.999;
const RAW_AT_0 = RANGE_J - 232.5;

function watts(tMs: number): number {
  return tMs >= 300 && tMs < 700 ? 500 : 300;
}

/** Energy from 0 to t ms (exact integral of {@link watts}), J. */
function energyJ(tMs: number): number {
  const high = Math.max(0, Math.min(tMs, 700) - 300);
  return (300 * tMs + 200 * high) / 1000;
}

/** What a process that opened the device at `openMs` reads at t: the raw counter at open plus what it counted since. */
function reading(openMs: number, tMs: number, rangeJ = RANGE_J, resetJ = 0): number {
  const rawAtOpen = (((RAW_AT_0 + energyJ(openMs) + resetJ) % rangeJ) + rangeJ) % rangeJ;
  return rawAtOpen + energyJ(tMs) - energyJ(openMs);
}

/** A span as one process's processor writes it on the wrapping device. */
function measured(openMs: number, name: string, start: number, end: number, children: SpanSpec[] = [], o: { rangeJ?: number; resetJ?: number } = {}): SpanSpec {
  const joules = energyJ(end) - energyJ(start);
  return node(name, start, end, {
    'energy.joules': joules,
    'energy.attributed.joules': joules,
    'energy.gpu.joules': joules,
    'energy.device.ids': [GPU],
    'energy.device.start.joules': [reading(openMs, start, o.rangeJ, o.resetJ)],
    'energy.device.end.joules': [reading(openMs, end, o.rangeJ, o.resetJ)],
    'energy.device.wrap.joules': [o.rangeJ ?? RANGE_J],
  }, children);
}

const total = (spans: readonly SpanRecord[]): number => subtreeEnergy(SpanForest.fromSpans(spans)).joules ?? 0;

/** a and b opened before the wrap, c after it: c's readings are about one range below theirs. */
const A = [measured(-50, 'a', 0, 1000, [measured(-50, 'a.1', 100, 600), measured(-50, 'a.2', 400, 900)])];
const B = [measured(-40, 'b', 50, 950, [measured(-40, 'b.1', 50, 500, [measured(-40, 'b.1.1', 200, 450)])])];
const C = [measured(640, 'c', 650, 1000), measured(640, 'c2', 1000, 1100)];

describe('several processes on a counter that wraps', () => {
  it('places a process that opened after the wrap one range below the others, and shares as the rule integrated', () => {
    const input = processRecords([A, B, C]);
    expect((named(input, 'c').attributes['energy.device.start.joules'] as number[])[0]).toBeLessThan(1000);
    expect((named(input, 'a').attributes['energy.device.end.joules'] as number[])[0]).toBeGreaterThan(RANGE_J);
    const shares = new HostShares();
    for (const s of input) shares.add(s);
    shares.resolve();
    expect(shares.devices).toEqual([{ id: GPU, processes: 3, deviceJoules: expect.closeTo(energyJ(1100) - energyJ(0), 6), idleJoules: 0 }]);
    const spans = input.map((s) => shares.apply(s));
    for (const [name, joules] of bruteForceShares([A, B, C], watts)) expect(attributedJoules(named(spans, name)), name).toBeCloseTo(joules, 2);
    expect(total(spans)).toBeCloseTo(energyJ(1100) - energyJ(0), 6);
  });

  it('a process whose counter was reset (a driver reload) is not placed: it keeps its in-process shares, in one line', () => {
    const reset = [measured(640, 'c', 650, 1000, [], { resetJ: 12_345.6 }), measured(640, 'c2', 1000, 1100, [], { resetJ: 12_345.6 })];
    const notes: string[] = [];
    const spans = withHostShares(processRecords([A, B, reset]), (line) => notes.push(line));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^0x1234abcd0000: 1 of 3 processes could not be placed .*reset between them/);
    for (const [name, joules] of bruteForceShares([A, B], watts)) expect(attributedJoules(named(spans, name)), name).toBeCloseTo(joules, 2);
    for (const [name, joules] of bruteForceShares([C], watts)) expect(attributedJoules(named(spans, name)), name).toBeCloseTo(joules, 2);
  });

  it('processes whose nearest readings are too far apart for the range are not placed, and the line says how far', () => {
    // A 2 kJ range; c runs 9 s after a, at up to 760 W (twice the 380 W a span averaged): a wrap could hide between.
    const o = { rangeJ: 2000 };
    const early = [measured(-50, 'a', 0, 1000, [], o)];
    const late = [measured(9900, 'c', 10_000, 11_000, [], o)];
    const notes: string[] = [];
    const spans = withHostShares(processRecords([early, late]), (line) => notes.push(line));
    expect(notes).toEqual([expect.stringMatching(/1 of 2 processes could not be placed .*9\.0 s apart, where up to 760 W could hide a wrap of the 2000\.000 J range/)]);
    // Each keeps the device while it ran: nothing of theirs overlapped, so nothing is claimed twice.
    expect(attributedJoules(named(spans, 'a'))).toBeCloseTo(energyJ(1000), 6);
    expect(attributedJoules(named(spans, 'c'))).toBeCloseTo(energyJ(11_000) - energyJ(10_000), 6);
  });

  it('joins processes that ran one after another through the closest readings of each pair', () => {
    // Three processes in a chain, each overlapping the next by 100 ms, on a 1.5 kJ range that wraps 1.3 s in (after
    // the second opened, before the third did).
    const o = { rangeJ: 1500 };
    const trees = [0, 1, 2].map((p) => [measured(p * 900 - 10, `s${p}`, p * 900, p * 900 + 1000, [], o)]);
    const alignment = alignWrappedReadings({
      wrapJoules: 1500,
      process: [0, 1, 2],
      startMs: trees.map((t) => t[0]!.start),
      endMs: trees.map((t) => t[0]!.end),
      start: trees.map((t) => (t[0]!.attributes!['energy.device.start.joules'] as number[])[0]!),
      end: trees.map((t) => (t[0]!.attributes!['energy.device.end.joules'] as number[])[0]!),
    });
    expect(alignment).toMatchObject({ groups: 1, ceilingWatts: expect.closeTo(2 * (energyJ(1000) - energyJ(0)), 6) });
    expect(alignment.note).toBeUndefined();
    const spans = withHostShares(processRecords(trees));
    expect(total(spans)).toBeCloseTo(energyJ(2800) - energyJ(0), 6);
  });
});

describe('the commands say so when a process could not be placed', () => {
  it('summary, rollup, stats, export, report and attribute each print one line naming the device', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oj-host-alignment-'));
    try {
      const reset = [measured(640, 'c', 650, 1000, [], { resetJ: 12_345.6 })];
      const lines = [A, B, reset].map((trees, p) => JSON.stringify(encodeTraceRequest(makeSpans(trees, { 'service.name': 'agent', 'process.pid': 1000 + p }))));
      const input = join(dir, 'spans.jsonl');
      writeFileSync(input, `${lines.join('\n')}\n`);
      const stderrOf = async (run: (io: { stdout: Writable; stderr: Writable; env: Record<string, string> }) => Promise<unknown>): Promise<string> => {
        let text = '';
        const stderr = new Writable({ write: (c: Buffer, _e, done) => ((text += c.toString()), done()) });
        await run({ stdout: new Writable({ write: (_c, _e, done) => done() }), stderr, env: {} });
        return text;
      };
      const line = /0x1234abcd0000: 1 of 3 processes could not be placed on one counter line/;
      expect(await stderrOf((io) => runSummary({ inputs: [input], out: join(dir, 'summary.json'), strict: true }, io))).toMatch(line);
      const day = new Date(BASE_MS).toISOString().slice(0, 10);
      expect(await stderrOf((io) => runRollup({ inputs: [input], out: join(dir, 'rollup'), daily: day, format: 'json', strict: true }, io))).toMatch(line);
      expect(await stderrOf((io) => runStats({ inputs: [input], store: join(dir, 'stats.db'), strict: true }, io))).toMatch(line);
      expect(await stderrOf((io) => runExport({ inputs: [input], out: join(dir, 'export.jsonl'), format: 'jsonl', strict: true }, io))).toMatch(line);
      expect(await stderrOf((io) => runReport({ inputs: [input], out: join(dir, 'report.html'), strict: true }, io))).toMatch(line);
      expect(await stderrOf((io) => runAttribute({ inputs: [input], timeline: [], out: join(dir, 'out.jsonl'), rule: 'fair', strict: true }, io, {}))).toMatch(
        /0x1234abcd0000 {2}1 of 3 processes could not be placed/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
