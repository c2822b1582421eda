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

/**
 * How long a call may take before it is made again, ms, for a call that usually takes `callMs` (NaN: unknown). For a
 * counter that ticks every `periodMs` or faster than the floor allows for (a 1 ms accumulator), a tenth of its period:
 * a call held up for 0.3 ms can cross a tick of a 1 ms counter, and the value would be a tick newer than its time.
 */
export function stallThresholdMs(callMs: number, periodMs?: number): number {
  const usual = Number.isFinite(callMs) ? STALL_FACTOR * callMs : 0;
  const floor = periodMs !== undefined && periodMs > 0 ? Math.min(MIN_STALL_MS, periodMs / 10) : MIN_STALL_MS;
  return Math.max(floor, usual);
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
