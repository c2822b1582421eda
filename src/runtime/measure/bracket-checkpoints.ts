/**
 * The timer that cuts a running bracket into chunks (bracket-tally.ts) while each is still in the timeline's history.
 * It runs on the host's event loop, so it never throws, does a bounded amount of work per tick (a few queries per
 * device), is unref'd (a bracket never keeps the process alive) and is cleared when the bracket ends.
 */
import { nowEpochMs } from '../energy/sources/clock.js';
import type { EnergyTimeline } from '../energy/timeline/timeline.js';
import type { BracketTally } from './bracket-tally.js';

/** Longest time between checkpoints, ms (the default history holds far more; a second also keeps the rings drained). */
export const MAX_CHECKPOINT_MS = 1000;
/** Shortest time between checkpoints, ms: the floor for a timeline whose history is tiny (or has only just started). */
export const MIN_CHECKPOINT_MS = 25;
/** Checkpoints per history span: a chunk is read while three quarters of the history still lie behind its start. */
const CHECKPOINTS_PER_HISTORY = 4;

/** A running checkpoint timer. */
export interface BracketCheckpoints {
  /** Clears the timer; no checkpoint is taken after it returns. */
  stop(): void;
}

/**
 * Adds a chunk to `tally` up to what every device has reported (never past now) at each tick; the ticks come every
 * quarter of the shortest history the timeline holds, between {@link MIN_CHECKPOINT_MS} and {@link MAX_CHECKPOINT_MS}.
 */
export function startBracketCheckpoints(timeline: EnergyTimeline, tally: BracketTally): BracketCheckpoints {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const tick = (): void => {
    timer = undefined;
    if (stopped) return;
    let next = MAX_CHECKPOINT_MS;
    try {
      const cut = Math.min(timeline.coveredUntilAll(), nowEpochMs());
      if (cut > tally.checkpointMs) tally.addUntil(cut);
      next = checkpointInterval(timeline);
    } catch {
      // The end of the bracket reads what is left; a timer has no one to report to.
    }
    schedule(next);
  };
  const schedule = (ms: number): void => {
    timer = setTimeout(tick, ms);
    timer.unref?.();
  };
  schedule(checkpointInterval(timeline));
  return {
    stop(): void {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** A quarter of the shortest span any device's history covers now, within the bounds. */
export function checkpointInterval(timeline: EnergyTimeline): number {
  let span = Infinity;
  for (let d = 0; d < timeline.devices.length; d++) {
    // coveredUntil first: it pulls the device's new samples, so historyStart is current.
    const covered = timeline.coveredUntil(d) - timeline.historyStart(d);
    if (covered >= 0 && covered < Infinity) span = Math.min(span, covered);
  }
  const ms = span / CHECKPOINTS_PER_HISTORY;
  return Number.isFinite(ms) ? Math.min(MAX_CHECKPOINT_MS, Math.max(MIN_CHECKPOINT_MS, ms)) : MAX_CHECKPOINT_MS;
}
