// The openjoules.operation.energy histogram, recorded by the processor.
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { constantPower } from '../../src/runtime/energy/sources/simulated.js';
import { OPERATION_ENERGY_BUCKETS_J, OperationEnergyMetrics } from '../../src/runtime/metrics/energy-metrics.js';
import { ATTR_ENERGY_JOULES, ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_REQUEST_MODEL, ATTR_GEN_AI_TOOL_NAME, METRIC_OPENJOULES_OPERATION_ENERGY } from '../../src/semconv.js';
import { pipeline } from './setup.js';

describe('openjoules.operation.energy', () => {
  it('records inclusive joules of GenAI operations by operation and model', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const p = pipeline([{ power: constantPower(100) }], { meter: meterProvider.getMeter('openjoules') });
    p.end(p.start('chat', 1000, undefined, { [ATTR_GEN_AI_OPERATION_NAME]: 'chat', [ATTR_GEN_AI_REQUEST_MODEL]: 'm' }), 1500);
    p.end(p.start('http', 1500), 1600); // not a GenAI operation: not recorded
    p.at(1900);
    await p.provider.shutdown();
    await reader.forceFlush();
    const metric = exporter
      .getMetrics()
      .flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics))
      .find((m) => m.descriptor.name === METRIC_OPENJOULES_OPERATION_ENERGY);
    expect(metric?.descriptor.unit).toBe('J');
    expect(metric?.dataPoints).toHaveLength(1);
    const point = metric?.dataPoints[0];
    expect(point?.attributes).toEqual({ [ATTR_GEN_AI_OPERATION_NAME]: 'chat', [ATTR_GEN_AI_REQUEST_MODEL]: 'm' });
    const value = point?.value as { sum: number; count: number; buckets: { boundaries: number[] } };
    expect(value.count).toBe(1);
    expect(value.sum).toBeCloseTo(50, 1);
    expect(value.buckets.boundaries).toEqual(OPERATION_ENERGY_BUCKETS_J);
    await meterProvider.shutdown();
  });

  it('OperationEnergyMetrics on its own meter: one point per operation and its string dimensions; no joules, no point', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const metrics = new OperationEnergyMetrics(meterProvider.getMeter('openjoules'));
    metrics.record({ [ATTR_ENERGY_JOULES]: 2, [ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool', [ATTR_GEN_AI_TOOL_NAME]: 'search', other: 'dropped' });
    metrics.record({ [ATTR_ENERGY_JOULES]: 3, [ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool', [ATTR_GEN_AI_TOOL_NAME]: 'search' });
    metrics.record({ [ATTR_GEN_AI_OPERATION_NAME]: 'chat' }); // no joules: nothing measured, nothing recorded
    metrics.record({ [ATTR_ENERGY_JOULES]: 7 }); // not a GenAI operation
    await reader.forceFlush();
    const metric = exporter
      .getMetrics()
      .flatMap((r) => r.scopeMetrics.flatMap((sm) => sm.metrics))
      .find((m) => m.descriptor.name === METRIC_OPENJOULES_OPERATION_ENERGY);
    expect(metric?.dataPoints).toHaveLength(1);
    expect(metric?.dataPoints[0]?.attributes).toEqual({ [ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool', [ATTR_GEN_AI_TOOL_NAME]: 'search' });
    expect(metric?.dataPoints[0]?.value).toMatchObject({ sum: 5, count: 2 });
    await meterProvider.shutdown();
  });
});
