import { describe, expect, it } from 'vitest';
import { percentile } from '../../src/analysis/rollup/percentile.js';
import { bucketStartOf, dayWindow, hourWindow, lastCompletedHours, parseWindow, WindowError } from '../../src/analysis/rollup/windows.js';
import { at } from './fixtures.js';

describe('UTC windows', () => {
  it('defaults to the last completed hour', () => {
    const w = parseWindow({}, at('2026-04-24T10:30:00'));
    expect(w.granularity).toBe('hour');
    expect(w.buckets.map((b) => b.key)).toEqual(['2026-04-24T09']);
    expect(w.buckets[0]).toMatchObject({ startMs: at('2026-04-24T09:00:00'), endMs: at('2026-04-24T10:00:00') });
  });

  it('--hours N backfills the N last completed hours, most recent first, across midnight', () => {
    expect(lastCompletedHours(3, at('2026-04-24T01:00:00')).buckets.map((b) => b.key)).toEqual(['2026-04-24T00', '2026-04-23T23', '2026-04-23T22']);
  });

  it('--datetime takes YYYY-MM-DDTHH, or a full ISO time pinned to its UTC hour', () => {
    expect(hourWindow('2026-04-24T14').buckets[0]!.key).toBe('2026-04-24T14');
    expect(hourWindow('2026-04-24T14:59:59').buckets[0]!.key).toBe('2026-04-24T14');
    expect(hourWindow('2026-04-24T14:30:00+02:00').buckets[0]!.key).toBe('2026-04-24T12');
    expect(hourWindow('2026-04-24T00:30:00-01:00').buckets[0]!.key).toBe('2026-04-24T01');
  });

  it('--daily takes one UTC day', () => {
    expect(dayWindow('2026-04-24')).toEqual({ granularity: 'day', buckets: [{ key: '2026-04-24', startMs: at('2026-04-24T00:00:00'), endMs: at('2026-04-25T00:00:00') }] });
  });

  it.each([
    [{ datetime: '2026-02-30T10' }],
    [{ datetime: '2026-04-24T24' }],
    [{ datetime: '2026-04-24 10' }],
    [{ daily: '2026-4-24' }],
    [{ hours: 0 }],
    [{ hours: 1.5 }],
    [{ hours: Number.NaN }],
    [{ hours: 2, daily: '2026-04-24' }],
  ])('rejects %j with a WindowError', (spec) => {
    expect(() => parseWindow(spec, at('2026-04-24T10:30:00'))).toThrow(WindowError);
  });

  it('puts a time in the bucket it falls in: the end of an hour is the next hour', () => {
    expect(bucketStartOf(at('2026-04-24T10:59:59.999'), 'hour')).toBe(at('2026-04-24T10:00:00'));
    expect(bucketStartOf(at('2026-04-24T11:00:00'), 'hour')).toBe(at('2026-04-24T11:00:00'));
    expect(bucketStartOf(at('2026-04-24T23:59:59'), 'day')).toBe(at('2026-04-24T00:00:00'));
  });
});

describe("the seed's percentile (linear interpolation)", () => {
  it.each([
    [[], 0.5, 0],
    [[5], 0.95, 5],
    [[1, 2, 3, 4], 0.5, 2.5],
    [[4, 3, 2, 1], 0.95, 3.85],
    [[10, 20], 0.95, 19.5],
    [[1, 2, 3], 0.5, 2],
  ])('percentile(%j, %d) = %d', (values, p, expected) => {
    expect(percentile(values, p)).toBeCloseTo(expected, 10);
  });
});
