// The energy timeline file: written from the real sampler's timeline (a simulated source on an injected clock),
// read back by `openjoules attribute`'s reader, and the format's lines one by one.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startInProcessSampler } from '../../src/runtime/energy/sampler/sampler.js';
import { SimulatedEnergySource, steppedPower } from '../../src/runtime/energy/sources/simulated.js';
import type { ReadIssue } from '../../src/analysis/otlp/span-record.js';
import { readServingTimeline, TimelineInputError } from '../../src/analysis/serving/read-timeline.js';
import { parseTimelineLine } from '../../src/analysis/serving/timeline-format.js';
import { TimelineWriter, timelineFileName } from '../../src/analysis/serving/timeline-writer.js';
import { deviceSamples, gpu, writeTimelineFile } from './helpers/power-profile.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'oj-timeline-'));
}

// One second before a UTC hour, so the run crosses it.
const ORIGIN = Date.UTC(2026, 0, 1, 0, 59, 59, 0);

/** Samples a stepped profile every 10 ms for `ms` on an injected clock, writing the timeline every 250 ms. */
function record(dir: string, counterPeriodMs: number, ms: number, stepMs = 20): { source: SimulatedEnergySource; writer: TimelineWriter } {
  let now = ORIGIN;
  const source = new SimulatedEnergySource({
    devices: [{ id: 'sim:0', power: steppedPower([100, 400, 250], 500, ORIGIN + 5), counterPeriodMs }],
    now: () => now,
    originMs: ORIGIN,
  });
  const sampler = startInProcessSampler([source], { manual: true });
  const writer = new TimelineWriter(sampler.timeline, { dir, stepMs, runId: 'test' });
  for (let t = 10; t <= ms; t += 10) {
    now = ORIGIN + t;
    sampler.sampleNow();
    if (t % 250 === 0) writer.flush();
  }
  writer.flush();
  writer.close();
  void sampler.shutdown();
  return { source, writer };
}

describe('TimelineWriter', () => {
  it('writes final energy on an epoch-aligned grid, one file per UTC hour, each opening with its device lines', () => {
    const dir = tempDir();
    const { source, writer } = record(dir, 0, 2000);
    expect(writer.files.map((f) => f.slice(dir.length + 1))).toEqual([timelineFileName(ORIGIN, 'test'), timelineFileName(ORIGIN + 1000, 'test')]);
    expect(readdirSync(dir).sort()).toEqual(['energy-timeline-2026-01-01T00-test.jsonl', 'energy-timeline-2026-01-01T01-test.jsonl']);
    const [first, second] = writer.files.map((f) => readFileSync(f, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, number | string>));
    for (const lines of [first!, second!]) {
      expect(lines[0]).toEqual({ device: 'sim:0', name: 'Simulated GPU 0', hwType: 'gpu', component: 'gpu', vendor: 'openjoules', source: 'simulated', method: 'counter' });
    }
    const samples = [...first!.slice(1), ...second!.slice(1)];
    expect(samples.length).toBe(writer.lines);
    // A counter exact at every read (period 0): each grid point is the exact integral since the sampler started.
    for (const s of samples) {
      expect((s.timeUnixMs as number) % 20).toBe(0);
      expect(s.joules).toBeCloseTo(source.trueJoules(0, ORIGIN, s.timeUnixMs as number), 5);
    }
    expect(samples[0]!.timeUnixMs).toBe(ORIGIN + 20);
    expect(samples.at(-1)!.timeUnixMs).toBe(ORIGIN + 2000);
    expect(samples[0]!.watts).toBeUndefined();
    // Mean power since the previous line: 100 W, then 400 W from ORIGIN + 505.
    expect(samples[1]!.watts).toBeCloseTo(100, 3);
    const at = (t: number) => samples.find((s) => s.timeUnixMs === ORIGIN + t)!;
    expect(at(520).watts).toBeCloseTo((100 * 5 + 400 * 15) / 20, 3);
    expect(at(600).watts).toBeCloseTo(400, 3);
  });

  it('with a counter that ticks every 100 ms, the shaped timeline keeps the counter\'s joules and places steps within a sample', async () => {
    const dir = tempDir();
    const { source } = record(dir, 100, 3000, 10);
    const timeline = await readServingTimeline([dir]);
    // A tick is known only to within the 10 ms sample that saw it, so E(t) may be shifted by up to that; over a
    // window whose two ends see the same power (100 W) the shift cancels and the counter's joules are kept.
    expect(timeline.between(ORIGIN + 200, ORIGIN + 1700).joules).toBeCloseTo(source.trueJoules(0, ORIGIN + 200, ORIGIN + 1700), 2);
    expect(Math.abs(timeline.between(ORIGIN + 200, ORIGIN + 2900).joules - source.trueJoules(0, ORIGIN + 200, ORIGIN + 2900))).toBeLessThanOrEqual(150 * 0.01);
    // Around a power step (ORIGIN + 505, 100 → 400 W) the 10 ms samples place it to within one sample: ≤ 300 W × 10 ms.
    expect(Math.abs(timeline.between(ORIGIN + 400, ORIGIN + 550).joules - source.trueJoules(0, ORIGIN + 400, ORIGIN + 550))).toBeLessThanOrEqual(3);
  });

  it('reports a write failure once and keeps going', () => {
    const dir = join(tempDir(), 'file-in-the-way');
    writeFileSync(dir, 'not a directory');
    const errors: string[] = [];
    let now = ORIGIN;
    const source = new SimulatedEnergySource({ devices: [{ power: 100, counterPeriodMs: 0 }], now: () => now, originMs: ORIGIN });
    const sampler = startInProcessSampler([source], { manual: true });
    const writer = new TimelineWriter(sampler.timeline, { dir, stepMs: 20, onError: (m) => errors.push(m) });
    for (let t = 10; t <= 100; t += 10) {
      now = ORIGIN + t;
      sampler.sampleNow();
      writer.flush();
    }
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^cannot write the energy timeline in .*file-in-the-way: /);
  });
});

describe('readServingTimeline', () => {
  const P = [[0, 100]] as const;
  it('reads files and directories, merges a device across files in time order, and picks the GPUs by default', async () => {
    const dir = tempDir();
    const all = deviceSamples(gpu('nvml:0'), P, 0, 2000);
    const half = (from: number, to: number) => ({ device: all.device, timesMs: all.timesMs.slice(from, to), joules: all.joules.slice(from, to) });
    writeTimelineFile(join(dir, 'b.jsonl'), [half(0, 11)]);
    writeTimelineFile(join(dir, 'a.jsonl'), [half(10, 21), deviceSamples(gpu('rapl:0', 'cpu'), [[0, 30]], 0, 2000)]);
    const timeline = await readServingTimeline([dir]);
    expect(timeline.devices.map((d) => d.device)).toEqual(['nvml:0']);
    expect(timeline.between(0, 2000)).toEqual({ joules: expect.closeTo(200, 9), components: { gpu: expect.closeTo(200, 9) }, coveredMs: 2000 });
    const both = await readServingTimeline([dir], { devices: ['nvml:0', 'rapl:0'] });
    expect(both.between(0, 2000).components).toEqual({ gpu: expect.closeTo(200, 9), cpu: expect.closeTo(60, 9) });
  });

  it('reports bad lines with file:line and reads the rest; --strict stops at the first', async () => {
    const file = join(tempDir(), 't.jsonl');
    writeTimelineFile(file, [deviceSamples(gpu(), P, 0, 300)]);
    writeFileSync(file, `${readFileSync(file, 'utf8')}not json\n{"device":"nvml:0","timeUnixMs":-5,"joules":1}\n{"nope":1}\n`);
    const issues: ReadIssue[] = [];
    const timeline = await readServingTimeline([file], { onIssue: (i) => issues.push(i) });
    expect(timeline.between(0, 300).joules).toBeCloseTo(30, 9);
    expect(issues.map((i) => `${i.line}: ${i.reason}`)).toEqual([
      expect.stringMatching(/^6: malformed JSON/),
      '7: nvml:0: "timeUnixMs" is not epoch milliseconds',
      '8: no "device" (not an openjoules energy timeline line)',
    ]);
    await expect(readServingTimeline([file], { strict: true })).rejects.toThrow(TimelineInputError);
  });

  it('says which devices there are when the selection finds none', async () => {
    const file = join(tempDir(), 't.jsonl');
    writeTimelineFile(file, [deviceSamples(gpu('rapl:0', 'cpu'), P, 0, 300)]);
    await expect(readServingTimeline([file])).rejects.toThrow('no GPU in the timeline (it has: rapl:0); choose devices with --devices');
    await expect(readServingTimeline([file], { devices: ['nvml:3'] })).rejects.toThrow('no device nvml:3 in the timeline (it has: rapl:0)');
  });

  it('keeps only the samples near the window it is asked about', async () => {
    const file = join(tempDir(), 't.jsonl');
    writeTimelineFile(file, [deviceSamples(gpu(), P, 0, 200_000, 1000)]);
    const timeline = await readServingTimeline([file], { fromMs: 100_000, toMs: 110_000 });
    expect(timeline.startMs).toBe(40_000);
    expect(timeline.endMs).toBe(170_000);
  });
});

describe('timeline lines', () => {
  it('parses device and sample lines and says what is wrong with others', () => {
    expect(parseTimelineLine('{"device":"nvml:0","timeUnixMs":1767225600020,"joules":1532.118204,"watts":301.25}')).toEqual({
      kind: 'sample',
      sample: { device: 'nvml:0', timeUnixMs: 1767225600020, joules: 1532.118204, watts: 301.25 },
    });
    expect(parseTimelineLine('{"device":"nvml:0","name":"H100","hwType":"gpu","component":"gpu","vendor":"nvidia","source":"nvml","method":"counter"}')).toEqual({
      kind: 'device',
      device: { device: 'nvml:0', name: 'H100', hwType: 'gpu', component: 'gpu', vendor: 'nvidia', source: 'nvml', method: 'counter' },
    });
    expect(parseTimelineLine('{"device":"x","hwType":"fpga"}')).toEqual({ kind: 'bad', reason: 'x: "hwType" is "fpga" (gpu, cpu, memory or npu)' });
    expect(parseTimelineLine('{"device":"x","timeUnixMs":1,"joules":"1"}')).toEqual({ kind: 'bad', reason: 'x: "joules" is not a number' });
    expect(parseTimelineLine('{"device":"x"}')).toEqual({ kind: 'bad', reason: 'x: neither a sample ("timeUnixMs", "joules") nor a device ("hwType")' });
    expect(parseTimelineLine('[1]')).toEqual({ kind: 'bad', reason: 'not a JSON object' });
  });
});
