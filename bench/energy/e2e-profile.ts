// The hidden power profiles of the end-to-end accuracy benchmark: a new level every few tens of ms — several within one
// 100 ms NVML tick — reached by a short ramp, written in the doubles' profile format (test/doubles/power-profile.mjs).
import { writeFileSync } from 'node:fs';
import { formatProfile, parseProfile, type PowerProfileData } from '../../test/doubles/power-profile.mjs';
import { lcg } from '../lib/table.js';

/** Shape of a profile: levels between two powers, each held for a random time, reached by a linear ramp. */
export interface ProfileShape {
  readonly minWatts: number;
  readonly maxWatts: number;
  readonly minHoldMs: number;
  readonly maxHoldMs: number;
  readonly rampMs: number;
}

/** A GPU under an agent's load: 80–400 W, a new level every 15–60 ms (the simulated benchmark's "steady" shape). */
export const GPU_SHAPE: ProfileShape = { minWatts: 80, maxWatts: 400, minHoldMs: 15, maxHoldMs: 60, rampMs: 4 };
/** A CPU package: 20–150 W. */
export const CPU_SHAPE: ProfileShape = { minWatts: 20, maxWatts: 150, minHoldMs: 15, maxHoldMs: 60, rampMs: 2 };
/** DRAM: 5–30 W. */
export const DRAM_SHAPE: ProfileShape = { minWatts: 5, maxWatts: 30, minHoldMs: 15, maxHoldMs: 60, rampMs: 2 };
/** Apple Silicon parts (powermetrics' scale): CPU 1–15 W, GPU 0.5–20 W, ANE 0.1–3 W. */
export const APPLE_CPU_SHAPE: ProfileShape = { minWatts: 1, maxWatts: 15, minHoldMs: 15, maxHoldMs: 60, rampMs: 2 };
export const APPLE_GPU_SHAPE: ProfileShape = { minWatts: 0.5, maxWatts: 20, minHoldMs: 15, maxHoldMs: 60, rampMs: 2 };
export const APPLE_ANE_SHAPE: ProfileShape = { minWatts: 0.1, maxWatts: 3, minHoldMs: 15, maxHoldMs: 60, rampMs: 2 };

/** Points ([ms, W]) of a profile of `shape` from 0 to past `durationMs`, the same for the same seed. */
export function profilePoints(seed: number, shape: ProfileShape, durationMs: number): Array<[number, number]> {
  const random = lcg(seed);
  const level = (): number => Math.round((shape.minWatts + random() * (shape.maxWatts - shape.minWatts)) * 1000) / 1000;
  let watts = level();
  const points: Array<[number, number]> = [[0, watts]];
  let t = 0;
  while (t < durationMs) {
    t += shape.minHoldMs + random() * (shape.maxHoldMs - shape.minHoldMs);
    const next = level();
    points.push([round(t), watts], [round(t + shape.rampMs), next]);
    t += shape.rampMs;
    watts = next;
  }
  return points;
}

/** Writes a profile file and returns the parsed profile (what the doubles read back, so the truth is theirs). */
export function writeProfile(path: string, points: ReadonlyArray<readonly [number, number]>): PowerProfileData {
  const text = formatProfile(points);
  writeFileSync(path, text);
  return parseProfile(text);
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
