/**
 * Times a driver read for the timeline. A reading's time is taken just before the counter call; when the thread is
 * descheduled inside the call (on a busy host: for milliseconds), the value can be newer than that time by as much, and
 * the timeline would put the tick before it happened. So a call that took far longer than usual is made once more, and
 * the second one's time stands.
 */
import { nowEpochMs } from './clock.js';

/** A call this much slower than usual, or slower than the floor, was probably descheduled part-way. */
const STALL_FACTOR = 4;
/** Never retry a call faster than this, ms. */
const MIN_STALL_MS = 0.5;

/** How long a call may take before it is made again, ms, for a call that usually takes `callMs` (NaN: unknown). */
export function stallThresholdMs(callMs: number): number {
  return Number.isFinite(callMs) ? Math.max(MIN_STALL_MS, STALL_FACTOR * callMs) : MIN_STALL_MS;
}

/** Makes `call` (it leaves its result in out-parameters), once more if it stalled; returns the time before the one that counts. */
export function timedCall(call: () => void, stallMs: number): number {
  return timedCallOn(call, undefined, stallMs);
}

/**
 * {@link timedCall} for a call that takes its target as an argument, so a sampler can make one function per source
 * instead of a closure per device and read (nothing allocated per read).
 */
export function timedCallOn<T>(call: (target: T) => void, target: T, stallMs: number): number {
  const t = nowEpochMs();
  call(target);
  const end = nowEpochMs();
  if (end - t <= stallMs) return t;
  call(target);
  return end;
}
