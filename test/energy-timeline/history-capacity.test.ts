// How far back a timeline answers: DEFAULT_HISTORY_CAPACITY points per device, the oldest dropped first.
import { describe, expect, it } from 'vitest';
import { SampleRing } from '../../src/runtime/energy/timeline/ring.js';
import type { DeviceInfo } from '../../src/runtime/energy/sources/source.js';
import { DEFAULT_HISTORY_CAPACITY, EnergyTimeline, type EnergyTimelineOptions } from '../../src/runtime/energy/timeline/timeline.js';

const gpu: DeviceInfo = { id: 'nvml:0', name: 'GPU', vendor: 'nvidia', hwType: 'gpu', component: 'gpu', source: 'nvml', method: 'counter', counterPeriodMs: 10 };
const T = 1_700_000_000_000;

/** A timeline fed `readings` counter readings 10 ms apart (100 W: 1 J each), synced as the span path would. */
function fed(readings: number, options?: EnergyTimelineOptions): EnergyTimeline {
  const ring = SampleRing.create(1024);
  const timeline = new EnergyTimeline([gpu], [ring], options);
  for (let i = 0; i < readings; i++) {
    ring.write({ deviceIndex: 0, timeMs: T + i * 10, energyJoules: i });
    if (i % 500 === 0) timeline.sync();
  }
  timeline.sync();
  return timeline;
}

describe('EnergyTimeline history', () => {
  it(`keeps the newest DEFAULT_HISTORY_CAPACITY (${DEFAULT_HISTORY_CAPACITY}) points by default: older windows are gone, newer exact`, () => {
    const readings = DEFAULT_HISTORY_CAPACITY + 5000;
    const timeline = fed(readings);
    const start = timeline.historyStart(0);
    const expected = T + (readings - DEFAULT_HISTORY_CAPACITY) * 10;
    expect(Math.abs(start - expected)).toBeLessThanOrEqual(100);
    const end = T + (readings - 1) * 10;
    expect(timeline.joules(0, end - 1000, end)).toBeCloseTo(100, 6);
  });

  it('historyCapacity keeps more when asked', () => {
    const timeline = fed(DEFAULT_HISTORY_CAPACITY + 5000, { historyCapacity: 2 * DEFAULT_HISTORY_CAPACITY });
    expect(timeline.historyStart(0)).toBeLessThanOrEqual(T + 100); // everything fed, from its first readings
  });
});
