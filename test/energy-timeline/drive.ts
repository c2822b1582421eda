// Drives a SimulatedEnergySource through an in-thread sampler on a virtual clock: no sleeping, fully deterministic.
import { SimulatedEnergySource, type SimulatedDeviceOptions } from '../../src/runtime/energy/sources/simulated.js';
import { startInProcessSampler, type InProcessSampler } from '../../src/runtime/energy/sampler/sampler.js';

/** Deterministic jitter in [0, 1): a small LCG. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface Driven {
  readonly source: SimulatedEnergySource;
  readonly sampler: InProcessSampler;
  /** Virtual now, epoch ms. */
  now(): number;
  /** Samples every `intervalMs` (± jitter) until `untilMs`. */
  runUntil(untilMs: number): void;
}

export const ORIGIN_MS = 1_700_000_000_000;

export function drive(
  devices: SimulatedDeviceOptions[],
  options: { intervalMs?: number; jitterMs?: number; seed?: number; ringCapacity?: number } = {},
): Driven {
  let now = ORIGIN_MS;
  const source = new SimulatedEnergySource({ devices, now: () => now, originMs: ORIGIN_MS });
  const sampler = startInProcessSampler([source], { manual: true, ringCapacity: options.ringCapacity ?? 4096 });
  const interval = options.intervalMs ?? 10;
  // ±2 ms: the sampler's ±20% dither of a 10 ms period (dithered-timer.ts).
  const jitter = options.jitterMs ?? 4;
  const random = lcg(options.seed ?? 1);
  return {
    source,
    sampler,
    now: () => now,
    runUntil(untilMs: number) {
      while (now + interval <= untilMs) {
        now += interval + (random() - 0.5) * jitter;
        sampler.sampleNow();
        // Read as the agent's thread would, often enough that the ring never laps.
        sampler.timeline.sync();
      }
    },
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}
