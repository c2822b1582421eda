/**
 * Per-device OpenTelemetry metrics, as the hardware semantic conventions define them: `hw.energy` (J),
 * `hw.power` (W), `hw.gpu.utilization` (0..1), `hw.gpu.memory.usage` (By) and `hw.temperature` (Cel), with
 * `hw.id`, `hw.type`, `hw.name` and `hw.vendor`. One batch callback observes them all from the latest readings, so
 * a collection costs no driver call.
 */
import type { Attributes, BatchObservableCallback, Meter, Observable } from '@opentelemetry/api';
import type { DeviceInfo, DeviceReading } from '../energy/sources/source.js';
import {
  ATTR_HW_GPU_TASK,
  ATTR_HW_ID,
  ATTR_HW_NAME,
  ATTR_HW_TYPE,
  ATTR_HW_VENDOR,
  METRIC_HW_ENERGY,
  METRIC_HW_GPU_MEMORY_USAGE,
  METRIC_HW_GPU_UTILIZATION,
  METRIC_HW_POWER,
  METRIC_HW_TEMPERATURE,
} from '../../semconv.js';

/** One device and its latest reading (undefined before the first). */
export interface HardwareMetricsEntry {
  readonly device: DeviceInfo;
  readonly reading: DeviceReading | undefined;
}

/**
 * Registers the hardware instruments on `meter`; `latest` is called once per collection and must be cheap (it
 * should return what the sampler already has). Returns a function that unregisters the callback.
 */
export function registerHardwareMetrics(meter: Meter, latest: () => ReadonlyArray<HardwareMetricsEntry>): () => void {
  const energy = meter.createObservableCounter(METRIC_HW_ENERGY, {
    unit: 'J',
    description: 'Energy consumed by the component.',
  });
  const power = meter.createObservableGauge(METRIC_HW_POWER, {
    unit: 'W',
    description: 'Power consumed by the component (instantaneous where the driver has it, else its average).',
  });
  const utilization = meter.createObservableGauge(METRIC_HW_GPU_UTILIZATION, {
    unit: '1',
    description: 'Fraction of time the GPU was busy, 0 to 1.',
  });
  const memoryUsage = meter.createObservableUpDownCounter(METRIC_HW_GPU_MEMORY_USAGE, {
    unit: 'By',
    description: 'GPU memory used.',
  });
  const temperature = meter.createObservableGauge(METRIC_HW_TEMPERATURE, {
    unit: 'Cel',
    description: 'Temperature of the component in degrees Celsius.',
  });
  const observables: Observable[] = [energy, power, utilization, memoryUsage, temperature];

  const callback: BatchObservableCallback = (result) => {
    let entries: ReadonlyArray<HardwareMetricsEntry>;
    try {
      entries = latest();
    } catch {
      // A collection must never throw into the SDK's export loop; nothing to observe this time.
      return;
    }
    for (const { device, reading } of entries) {
      if (!reading) continue;
      const attributes: Attributes = {
        [ATTR_HW_ID]: device.id,
        [ATTR_HW_TYPE]: device.hwType,
        [ATTR_HW_NAME]: device.name,
        [ATTR_HW_VENDOR]: device.vendor,
      };
      if (isNumber(reading.energyJoules)) result.observe(energy, reading.energyJoules, attributes);
      const watts = reading.powerWatts ?? reading.averagePowerWatts;
      if (isNumber(watts)) result.observe(power, watts, attributes);
      if (isNumber(reading.temperatureCelsius)) result.observe(temperature, reading.temperatureCelsius, attributes);
      if (device.hwType !== 'gpu') continue;
      // NVML's utilization.gpu and ROCm's busy percent are the "general" task of the semantic conventions.
      if (isNumber(reading.utilization)) result.observe(utilization, reading.utilization, { ...attributes, [ATTR_HW_GPU_TASK]: 'general' });
      if (isNumber(reading.memoryUsedBytes)) result.observe(memoryUsage, reading.memoryUsedBytes, attributes);
    }
  };
  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}

function isNumber(value: number | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
