// Hardware metrics through a real MeterProvider and MetricReader.
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceInfo, DeviceReading } from '../../src/runtime/energy/sources/source.js';
import { registerHardwareMetrics } from '../../src/runtime/metrics/hw-metrics.js';

const gpu: DeviceInfo = { id: 'nvml:0', name: 'NVIDIA H100', vendor: 'nvidia', hwType: 'gpu', component: 'gpu', source: 'nvml', method: 'counter' };
const cpu: DeviceInfo = { id: 'rapl:intel-rapl:0', name: 'package-0', vendor: 'intel', hwType: 'cpu', component: 'cpu', source: 'rapl', method: 'counter' };

let provider: MeterProvider | undefined;

afterEach(async () => {
  await provider?.shutdown();
  provider = undefined;
});

function setup(): { reader: PeriodicExportingMetricReader; provider: MeterProvider } {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  provider = new MeterProvider({ readers: [reader] });
  return { reader, provider };
}

async function collect(reader: PeriodicExportingMetricReader): Promise<Map<string, MetricData>> {
  const { resourceMetrics } = await reader.collect();
  const metrics = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
  return new Map(metrics.map((m) => [m.descriptor.name, m]));
}

describe('registerHardwareMetrics', () => {
  it('observes hw.* per device with the semantic-convention units and attributes', async () => {
    const { reader, provider } = setup();
    let gpuReading: DeviceReading = {
      deviceIndex: 0, timeMs: 1, energyJoules: 12.5, powerWatts: 300, utilization: 0.42, memoryUsedBytes: 3 * 2 ** 30, temperatureCelsius: 55,
    };
    const entries = () => [
      { device: gpu, reading: gpuReading },
      { device: cpu, reading: { deviceIndex: 0, timeMs: 1, energyJoules: 4, averagePowerWatts: 80, utilization: 0.5 } },
      { device: { ...cpu, id: 'rapl:intel-rapl:1' }, reading: undefined },
    ];
    registerHardwareMetrics(provider.getMeter('test'), entries);
    let metrics = await collect(reader);
    const energy = metrics.get('hw.energy')!;
    expect(energy.descriptor.unit).toBe('J');
    expect(energy.dataPointType === DataPointType.SUM && energy.isMonotonic).toBe(true);
    expect(energy.dataPoints.map((p) => [p.attributes, p.value])).toEqual([
      [{ 'hw.id': 'nvml:0', 'hw.type': 'gpu', 'hw.name': 'NVIDIA H100', 'hw.vendor': 'nvidia' }, 12.5],
      [{ 'hw.id': 'rapl:intel-rapl:0', 'hw.type': 'cpu', 'hw.name': 'package-0', 'hw.vendor': 'intel' }, 4],
    ]);
    expect(metrics.get('hw.power')!.descriptor.unit).toBe('W');
    expect(metrics.get('hw.power')!.dataPointType).toBe(DataPointType.GAUGE);
    expect(metrics.get('hw.power')!.dataPoints.map((p) => p.value)).toEqual([300, 80]);
    const util = metrics.get('hw.gpu.utilization')!;
    expect(util.descriptor.unit).toBe('1');
    expect(util.dataPoints).toHaveLength(1); // a CPU's utilization is not hw.gpu.utilization
    expect(util.dataPoints[0]!.attributes['hw.gpu.task']).toBe('general');
    expect(util.dataPoints[0]!.value).toBe(0.42);
    expect(metrics.get('hw.gpu.memory.usage')!.descriptor.unit).toBe('By');
    const memory = metrics.get('hw.gpu.memory.usage')!;
    expect(memory.dataPointType === DataPointType.SUM && !memory.isMonotonic).toBe(true);
    expect(metrics.get('hw.gpu.memory.usage')!.dataPoints[0]!.value).toBe(3 * 2 ** 30);
    expect(metrics.get('hw.temperature')!.descriptor.unit).toBe('Cel');
    expect(metrics.get('hw.temperature')!.dataPoints[0]!.value).toBe(55);

    gpuReading = { ...gpuReading, energyJoules: 20 };
    metrics = await collect(reader);
    expect(metrics.get('hw.energy')!.dataPoints[0]!.value).toBe(20);
  });

  it('unregisters, and survives a throwing latest()', async () => {
    const { reader, provider } = setup();
    const meter = provider.getMeter('test');
    const unregister = registerHardwareMetrics(meter, () => {
      throw new Error('boom');
    });
    const metrics = await collect(reader);
    expect(metrics.get('hw.energy')?.dataPoints ?? []).toEqual([]);
    unregister();
    const off = registerHardwareMetrics(meter, () => [{ device: gpu, reading: { deviceIndex: 0, timeMs: 1, energyJoules: 1 } }]);
    off();
    expect((await collect(reader)).get('hw.energy')?.dataPoints ?? []).toEqual([]);
  });
});
