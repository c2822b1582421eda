// The shared ring: wraparound, loss accounting, and no torn sample under a concurrent writer.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { RING_STRIDE, SampleRing, toReading } from '../../src/runtime/energy/timeline/ring.js';

function reading(i: number) {
  return { deviceIndex: 0, timeMs: i, energyJoules: 2 * i, powerWatts: 3 * i };
}

describe('SampleRing', () => {
  it('rounds capacity up to a power of two and round-trips readings', () => {
    const ring = SampleRing.create(5);
    expect(ring.capacity).toBe(8);
    ring.write({ deviceIndex: 0, timeMs: 1, energyJoules: 2, temperatureCelsius: 40 });
    expect(ring.latest(3)).toEqual({ deviceIndex: 3, timeMs: 1, energyJoules: 2, temperatureCelsius: 40 });
    expect(SampleRing.create(4).latest(0)).toBeUndefined();
  });

  it('wraps, keeping the newest samples and counting the lost ones', () => {
    const ring = SampleRing.create(8);
    for (let i = 1; i <= 20; i++) ring.write(reading(i));
    const seen: number[] = [];
    const { sequence, lost } = ring.readSince(0, (s, o) => seen.push(toReading(0, s, o).timeMs));
    expect(sequence).toBe(20);
    // 12 lapped, plus the oldest slot, which the writer could be rewriting right now.
    expect(lost).toBe(13);
    expect(seen).toEqual([14, 15, 16, 17, 18, 19, 20]);
    ring.write(reading(21));
    const next: number[] = [];
    ring.readSince(sequence, (s, o) => next.push(s[o] ?? NaN));
    expect(next).toEqual([21]);
  });

  it('keeps working when the uint32 sequence wraps', () => {
    const ring = SampleRing.create(4);
    new Int32Array(ring.buffer, 0, 1)[0] = -2; // 2^32 - 2 samples written
    ring.write(reading(1));
    ring.write(reading(2));
    ring.write(reading(3));
    expect(ring.sequence()).toBe(1);
    const seen: number[] = [];
    ring.readSince(2 ** 32 - 2, (s, o) => seen.push(s[o] ?? NaN));
    expect(seen).toEqual([1, 2, 3]);
    expect(ring.latest(0)?.timeMs).toBe(3);
  });

  it('never hands a reader a torn sample while another thread writes (Atomics publishing)', async () => {
    const ring = SampleRing.create(64);
    const count = 300_000;
    const url = new URL('./ring-writer.ts', import.meta.url).href;
    const worker = new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url)}); })`, {
      eval: true,
      workerData: { buffer: ring.buffer, count },
    });
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    let since = 0;
    let last = 0;
    let checked = 0;
    const check = (s: Float64Array, o: number) => {
      const t = s[o] ?? NaN;
      expect(s[o + 1]).toBe(2 * t);
      expect(s[o + 2]).toBe(3 * t);
      expect(s[o + 3]).toBe(4 * t);
      expect(s[o + 4]).toBe(5 * t);
      expect(t).toBeGreaterThan(last);
      last = t;
      checked++;
    };
    // A busy reader on this thread against a busy writer on the other: as much interleaving as we can get.
    const deadline = Date.now() + 20_000;
    while (ring.sequence() < count && Date.now() < deadline) {
      since = ring.readSince(since, check).sequence;
      const latest = ring.latest(0);
      if (latest) expect(latest.energyJoules).toBe(2 * latest.timeMs);
    }
    ring.readSince(since, check);
    expect(await exited).toBe(0);
    expect(last).toBe(count);
    expect(checked).toBeGreaterThan(0);
    expect(RING_STRIDE).toBe(9);
  });
});
