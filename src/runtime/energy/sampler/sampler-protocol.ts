/**
 * Messages between the agent's thread and the sampler's worker thread. Plain data only (structured clone);
 * the rings travel as SharedArrayBuffers.
 */
import type { EnergyConfig } from '../sources/config.js';
import type { DeviceInfo, EnergySourceName } from '../sources/source.js';

/** `workerData` of the sampler worker. */
export interface SamplerWorkerData {
  readonly config: EnergyConfig;
  readonly ringCapacity: number;
  /**
   * Two Int32s (runDitheredLoop's signal): [0] the main thread stores 1 there and notifies to stop a worker that sleeps
   * in Atomics.wait between samples; [1] counts readings asked for at span edges (EnergyTimeline.requestReading).
   */
  readonly stop: SharedArrayBuffer;
}

/** Worker → main. */
export type SamplerWorkerMessage =
  | {
      readonly type: 'ready';
      readonly devices: DeviceInfo[];
      readonly unavailable: Array<{ source: EnergySourceName; reason: string }>;
      readonly buffers: SharedArrayBuffer[];
      readonly faults: string[];
    }
  | { readonly type: 'faults'; readonly faults: string[] }
  | { readonly type: 'closed' };

/** Main → worker. */
export type SamplerControlMessage = { readonly type: 'stop' };
