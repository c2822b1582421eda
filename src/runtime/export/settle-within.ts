/**
 * Waits for a piece of shutdown work, but not forever: a backend that never answers must not hold a process that
 * is exiting. The timer is unref'd, so it never keeps the process alive by itself.
 */

/** Resolves `true` when `work` settled (fulfilled or rejected) within `ms`, `false` when the time ran out first. */
export function settleWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      resolve(true);
    };
    work.then(done, done);
  });
}
