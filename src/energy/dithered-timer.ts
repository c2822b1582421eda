/**
 * The sampler's clock: a timer whose period is dithered ±20% around the configured one.
 *
 * Why: a counter that ticks every 100 ms, read exactly every 10 ms, is always seen at the same ten phases, so where
 * between two reads it ticked never becomes clearer. Reads at varying phases let the timeline pin the tick down to
 * well under a millisecond within a few ticks (tick-locator.ts). The mean period stays the configured one.
 */

/** A running dithered timer; `stop()` cancels it. */
export interface DitheredTimer {
  stop(): void;
}

/** Calls `tick` about every `periodMs` (each delay uniform in [0.8, 1.2] × periodMs); unref'd when `unref` is true. */
export function startDitheredTimer(tick: () => void, periodMs: number, unref: boolean): DitheredTimer {
  let state = 0x9e3779b9;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const next = (): void => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const delay = Math.max(1, periodMs * (0.8 + 0.4 * (state / 2 ** 32)));
    timer = setTimeout(run, delay);
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
