/**
 * The GPUs' state over a finished span as attributes: mean utilization, peak memory used, mean temperature
 * (gpu-gauges.yaml), read from the timeline's gauge tracks. The seed's TelemetryRecord takes exactly these three from
 * its EnergySample (`gpu_utilization_pct` = mean, `gpu_memory_used_gb` = peak, `gpu_temperature_c` = mean).
 */
import type { Attributes } from '@opentelemetry/api';
import { GpuGaugeReader } from '../energy/timeline/gpu-gauges.js';
import type { EnergyTimeline } from '../energy/timeline/timeline.js';
import {
  ATTR_ENERGY_GPU_MEMORY_PEAK_BYTES,
  ATTR_ENERGY_GPU_TEMPERATURE_MEAN_CELSIUS,
  ATTR_ENERGY_GPU_UTILIZATION_MEAN,
} from '../../semconv.js';

/** Most attributes {@link GpuGaugeAttributes.write} adds. */
export const MAX_GPU_GAUGE_ATTRIBUTES = 3;

/** Writes a span's GPU gauge attributes. One per span processor (it keeps scratch space). */
export class GpuGaugeAttributes {
  private readonly _reader: GpuGaugeReader;

  constructor(timeline: EnergyTimeline) {
    this._reader = new GpuGaugeReader(timeline);
  }

  /** Adds the attributes for the window [t0, t1] (epoch ms) to `out`; returns how many (0 without GPU gauges). */
  write(out: Attributes, t0Ms: number, t1Ms: number): number {
    if (!this._reader.hasGpu) return 0;
    const g = this._reader.read(t0Ms, t1Ms);
    if (!g) return 0;
    let written = 0;
    if (g.utilizationMean !== undefined) {
      out[ATTR_ENERGY_GPU_UTILIZATION_MEAN] = g.utilizationMean;
      written++;
    }
    if (g.memoryUsedPeakBytes !== undefined) {
      out[ATTR_ENERGY_GPU_MEMORY_PEAK_BYTES] = g.memoryUsedPeakBytes;
      written++;
    }
    if (g.temperatureMeanCelsius !== undefined) {
      out[ATTR_ENERGY_GPU_TEMPERATURE_MEAN_CELSIUS] = g.temperatureMeanCelsius;
      written++;
    }
    return written;
  }
}
