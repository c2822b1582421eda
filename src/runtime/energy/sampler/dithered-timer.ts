/**
 * The sampler's clock: a timer whose period is dithered ±20% around the configured one.
 *
 * Why: a counter that ticks every 100 ms, read exactly every 10 ms, is always seen at the same ten phases, so where
 * between two reads it ticked never becomes clearer. Reads at varying phases let the timeline pin the tick down to
 * well under a millisecond within a few ticks (tick-locator.ts). The mean period stays the configured one.
 */
// Not the global `performance`: on Node 20 and 22 that is a lazy getter, paid at every wake.
import { performance } from 'node:perf_hooks';

/** A running dithered timer; `stop()` cancels it. */
export interface DitheredTimer {
  stop(): void;
}

/** Delays dithered around `periodMs`: each call gives the next, uniform in [0.8, 1.2] × periodMs. */
function ditheredDelays(periodMs: number): () => number {
  let state = 0x9e3779b9;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return periodMs * (0.8 + 0.4 * (state / 2 ** 32));
  };
}

/** Calls `tick` about every `periodMs` (each delay uniform in [0.8, 1.2] × periodMs); unref'd when `unref` is true. */
export function startDitheredTimer(tick: () => void, periodMs: number, unref: boolean): DitheredTimer {
  const delay = ditheredDelays(periodMs);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const next = (): void => {
    timer = setTimeout(run, Math.max(1, delay()));
    if (unref) timer.unref();
  };
  const run = (): void => {
    if (stopped) return;
    tick();
    if (!stopped) next();
  };
  next();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

/**
 * Calls `tick` about every `periodMs` (dithered the same way) on this thread, sleeping in `Atomics.wait` on `signal[0]`
 * in between, until `signal[0]` is set (store 1 there and `Atomics.notify` it to stop at once). `signal[1]`, when
 * there, counts readings asked for now (a span edge, see EnergyTimeline.requestReading; add 1 and notify index 0):
 * `tick` runs at once — or as soon as the one under way ends, so a request made while the thread reads is not lost —
 * and again `followUpMs` later when that is given (a counter that ticks faster than the schedule reads it: the second
 * read lands past its next tick, so the tick interval holding the edge is known on both sides); requests counted
 * without a wake by then are served by that follow-up, which is followed up in turn; the schedule goes on as before.
 * Blocks the thread's event loop: for a worker that does nothing else. Why not a timer there: waking from a futex costs
 * the thread a fraction of what an event-loop timer costs (at a 2 ms period, about a third, bench/energy/sampling-cost.ts),
 * and the sleep is not rounded to whole milliseconds. The schedule is kept on absolute deadlines, so the mean period
 * stays `periodMs`; after a stall (a slow read, a suspended VM) it starts again from now instead of catching up in a
 * burst.
 */
export function runDitheredLoop(tick: () => void, periodMs: number, signal: Int32Array, followUpMs = 0): void {
  const delay = ditheredDelays(periodMs);
  const requests = signal.length > 1;
  let served = requests ? Atomics.load(signal, 1) : 0;
  let due = performance.now() + delay();
  let followUp = Infinity;
  while (Atomics.load(signal, 0) === 0) {
    const asked = requests ? Atomics.load(signal, 1) : served;
    if (asked !== served) {
      served = asked;
      tick();
      if (followUpMs > 0) followUp = performance.now() + followUpMs;
      continue;
    }
    const now = performance.now();
    if (due < now - periodMs) due = now;
    const wakeAt = followUp < due ? followUp : due;
    // Woken early ('ok'): stop, or a request, both seen at the top of the loop.
    if (wakeAt > now && Atomics.wait(signal, 0, 0, wakeAt - now) !== 'timed-out') continue;
    if (Atomics.load(signal, 0) !== 0) break;
    tick();
    if (wakeAt !== followUp) {
      due += delay();
      continue;
    }
    // Requests counted since, without a wake (the asker's gap): this reading came after them, so it serves them, and
    // it is followed up in turn, so their tick intervals are read on both sides too.
    const pending = requests ? Atomics.load(signal, 1) : served;
    followUp = pending !== served ? performance.now() + followUpMs : Infinity;
    served = pending;
  }
}
