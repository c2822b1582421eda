// GPU utilization, memory and temperature over a window, from readings written into the timeline's rings.
import { describe, expect, it } from 'vitest';
import { GpuGaugeReader } from '../../src/runtime/energy/timeline/gpu-gauges.js';
import { SampleRing } from '../../src/runtime/energy/timeline/ring.js';
import type { DeviceInfo, DeviceReading } from '../../src/runtime/energy/sources/source.js';
import { EnergyTimeline } from '../../src/runtime/energy/timeline/timeline.js';

const gpu = (i: number): DeviceInfo => ({ id: `nvml:${i}`, name: 'GPU', vendor: 'nvidia', hwType: 'gpu', component: 'gpu', source: 'nvml', method: 'counter', counterPeriodMs: 100 });
const cpu: DeviceInfo = { id: 'rapl:0', name: 'package-0', vendor: 'intel', hwType: 'cpu', component: 'cpu', source: 'rapl', method: 'counter' };
const T = 1_700_000_000_000;
const GiB = 2 ** 30;

/** A timeline over `devices`, and a writer of one reading every 10 ms from T to T + `untilMs` per device. */
function timelineOf(devices: DeviceInfo[], gauges: (device: number, ms: number) => Partial<DeviceReading>, untilMs: number): EnergyTimeline {
  const rings = devices.map(() => SampleRing.create(1024));
  const timeline = new EnergyTimeline(devices, rings);
  for (let ms = 0; ms <= untilMs; ms += 10) {
    devices.forEach((_, d) => rings[d]!.write({ deviceIndex: d, timeMs: T + ms, energyJoules: ms / 10, ...gauges(d, ms) }));
    if (ms % 5000 === 0) timeline.sync(); // the span path reads the rings long before they wrap
  }
  return timeline;
}

describe('GpuGaugeReader', () => {
  it("time-weights each gauge over the window, holding a value from the reading that first shows it", () => {
    // Gauges read every 250 ms and repeated in between, as the NVML source does: util 20 % until 500 ms, then 80 %.
    const timeline = timelineOf([gpu(0)], (_, ms) => {
      const read = Math.floor(ms / 250) * 250;
      return { utilization: read < 500 ? 0.2 : 0.8, memoryUsedBytes: (read < 750 ? 2 : 6) * GiB, temperatureCelsius: 50 + read / 250 };
    }, 2000);
    const reader = new GpuGaugeReader(timeline);
    const g = reader.read(T + 250, T + 1250)!;
    // 250..500 at 0.2, 500..1250 at 0.8.
    expect(g.utilizationMean).toBeCloseTo((0.25 * 0.2 + 0.75 * 0.8) / 1, 12);
    expect(g.utilizationPeak).toBe(0.8);
    expect(g.memoryUsedMeanBytes).toBeCloseTo(((500 * 2 + 500 * 6) / 1000) * GiB, 0);
    expect(g.memoryUsedPeakBytes).toBe(6 * GiB);
    // 51, 52, 53, 54 for 250 ms each.
    expect(g.temperatureMeanCelsius).toBeCloseTo(52.5, 12);
    expect(g.temperaturePeakCelsius).toBe(54); // 55 is read at 1250 ms: from the window's end on
    expect(g.gpus).toBe(1);
    // A point window: the value there.
    expect(reader.read(T + 600, T + 600)).toMatchObject({ utilizationMean: 0.8, utilizationPeak: 0.8 });
    // After the newest reading the last values hold (a span finalised as it ends).
    expect(reader.read(T + 2000, T + 2400)!.utilizationMean).toBe(0.8);
    // Before the first reading nothing is known: the mean is over what is.
    expect(reader.read(T - 1000, T + 250)!.utilizationMean).toBeCloseTo(0.2, 12);
    expect(reader.read(T - 1000, T - 500)).toBeUndefined();
    // The reading count in a window, as the seed's num_snapshots.
    expect(timeline.gauges(0)!.readingsIn(T + 100, T + 1100)).toBeGreaterThanOrEqual(100);
    expect(timeline.gauges(0)!.readingsIn(T + 100, T + 1100)).toBeLessThanOrEqual(101);
  });

  it('combines GPUs as the seed combines each poll: mean utilization and temperature, summed memory', () => {
    const timeline = timelineOf([gpu(0), gpu(1), cpu], (d, ms) => {
      if (d === 2) return { utilization: 1 }; // a CPU's utilization is not a GPU's
      return d === 0
        ? { utilization: 1, memoryUsedBytes: 10 * GiB, temperatureCelsius: 70 }
        : { utilization: ms < 500 ? 0 : 0.5, memoryUsedBytes: (ms < 500 ? 1 : 3) * GiB, temperatureCelsius: 40 };
    }, 1000);
    const g = new GpuGaugeReader(timeline).read(T, T + 1000)!;
    expect(g.gpus).toBe(2);
    expect(g.utilizationMean).toBeCloseTo((0.5 * 0.5 + 0.5 * 0.75) / 1, 12);
    expect(g.utilizationPeak).toBe(0.75); // the highest mean over GPUs, not the busiest GPU
    expect(g.memoryUsedMeanBytes).toBeCloseTo(12 * GiB, 0);
    expect(g.memoryUsedPeakBytes).toBe(13 * GiB);
    expect(g.temperatureMeanCelsius).toBe(55);
  });

  it('leaves out what no GPU reports, and has nothing without GPUs', () => {
    const partial = timelineOf([gpu(0)], () => ({ temperatureCelsius: 60 }), 500);
    const g = new GpuGaugeReader(partial).read(T, T + 500)!;
    expect(g.temperatureMeanCelsius).toBe(60);
    expect(g.utilizationMean).toBeUndefined();
    expect(g.memoryUsedPeakBytes).toBeUndefined();
    expect(new GpuGaugeReader(timelineOf([gpu(0)], () => ({}), 500)).read(T, T + 500)).toBeUndefined();
    const cpuOnly = new GpuGaugeReader(timelineOf([cpu], () => ({ utilization: 0.5 }), 500));
    expect(cpuOnly.hasGpu).toBe(false);
    expect(cpuOnly.read(T, T + 500)).toBeUndefined();
  });

  it('keeps only change points, so a long steady run costs nothing more', () => {
    const timeline = timelineOf([gpu(0)], (_, ms) => ({ utilization: ms < 60_000 ? 0.3 : 0.9 }), 120_000);
    const track = timeline.gauges(0)!;
    const changes: number[] = [];
    track.changesIn(T - 1, T + 200_000, changes);
    expect(changes).toEqual([T, T + 60_000]); // the first reading, and the one change
    expect(track.readings).toBe(12_001);
  });
});
