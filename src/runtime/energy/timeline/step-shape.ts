/**
 * E(t) inside one interval between two power samples, when the energy of the interval is known: the power steps once,
 * from the first sample's value to the second's, at the time that makes the interval hold exactly its energy.
 *
 * Between two instantaneous samples 10 ms apart the trapezoid assumes the power moved linearly; an agent's GPU rather
 * jumps between levels (a kernel starts, a batch ends) and holds them. With a counter that ticks faster than it is read,
 * the interval's energy is known almost exactly, so one step's place can be solved for instead of guessed. Where no
 * single step fits (several steps, noise, samples too close in value to say), the caller keeps its own shape.
 */

/** Samples closer than this in value (W, or this fraction of the larger) carry no step to solve for. */
const MIN_STEP_WATTS = 1;
const MIN_STEP_FRACTION = 0.02;

/**
 * Joules at tMs under the one-step model of [t0Ms, t1Ms] holding e1 − e0 joules, from p0 to p1 watts; NaN when no
 * single step between the samples explains the interval's energy.
 */
export function stepShapedJoules(t0Ms: number, t1Ms: number, e0: number, e1: number, p0: number, p1: number, tMs: number): number {
  const jump = p1 - p0;
  if (!(Math.abs(jump) >= Math.max(MIN_STEP_WATTS, MIN_STEP_FRACTION * Math.max(p0, p1))) || !(t1Ms > t0Ms)) return NaN;
  // e1 − e0 = p0 · (τ − t0) + p1 · (t1 − τ), times in s.
  const tau = t0Ms + (((e1 - e0) - (p1 * (t1Ms - t0Ms)) / 1000) / (p0 - p1)) * 1000;
  if (!(tau >= t0Ms && tau <= t1Ms)) return NaN;
  return tMs <= tau ? e0 + (p0 * (tMs - t0Ms)) / 1000 : e1 - (p1 * (t1Ms - tMs)) / 1000;
}
