// CPU time of each thread of this process, from Linux's /proc/self/task/<tid>/schedstat (ns on the CPU, not rounded to
// clock ticks as utime/stime are). Lets a bench charge a worker thread its own CPU, apart from the main thread and
// V8's helper threads. Elsewhere than Linux it answers undefined and the bench says so.
import { readFileSync, readdirSync } from 'node:fs';

/** ns each thread has run so far, by thread id; undefined where /proc has no per-thread schedstat. */
export function threadCpuNs(): Map<string, number> | undefined {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  const out = new Map<string, number>();
  for (const tid of tids) {
    try {
      out.set(tid, Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out.size > 0 ? out : undefined;
}

/** CPU ns between two snapshots of the threads in `only` (all threads of `after` when omitted). */
export function cpuNsBetween(before: Map<string, number>, after: Map<string, number>, only?: ReadonlySet<string>): number {
  let ns = 0;
  for (const [tid, end] of after) {
    if (only && !only.has(tid)) continue;
    ns += end - (before.get(tid) ?? end);
  }
  return ns;
}

/** Threads in `after` that were not in `before` (those a worker started in between). */
export function newThreads(before: Map<string, number>, after: Map<string, number>): Set<string> {
  return new Set([...after.keys()].filter((tid) => !before.has(tid)));
}
