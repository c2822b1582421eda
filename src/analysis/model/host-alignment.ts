/**
 * Puts the readings of several processes on one line for a device whose host-wide counter wraps (ROCm SMI's 32-bit
 * accumulator, RAPL's `energy_uj`).
 *
 * Each process records the raw counter when it opened the device plus what it counted since, wraps undone
 * (`energy.device.start.joules` / `end.joules`), so its own readings differ exactly, however many wraps lie between
 * them. Two processes' readings agree only modulo the range (`energy.device.wrap.joules`): one that opened after a
 * wrap counts from a different multiple of it, one constant multiple per pair of processes. That multiple is fixed by
 * any two of their readings close enough in time that the energy between them is known to within less than a range:
 * between readings Δt apart the device drew between 0 and Δt × a power ceiling (twice the highest span-average power
 * seen on the device), give or take a tolerance for the processes' interpolation and clocks. Processes are joined
 * closest pair first (a spanning forest over readings adjacent in time), so a chain of processes that ran one after
 * another is placed as well as a set that overlapped.
 *
 * A process that no close pair joins to the others (no readings within a range's worth of energy of theirs, or only
 * readings that fit no multiple: the counter was reset between them, by a driver reload) stays in a group of its
 * own; {@link WrapAlignment.note} says so in one line.
 */

/** Spans shorter than this do not set the power ceiling: their readings are interpolation more than counter. */
const MIN_CEILING_SPAN_MS = 20;
/** The ceiling is this many times the highest span-average power seen on the device. */
const CEILING_FACTOR = 2;
/** Disagreement allowed between two processes' readings of one instant: the ceiling's energy over this long, s. */
const TOLERANCE_S = 0.5;

/** One device's readings of several processes, indexed by reading k (one per span on the device). */
export interface WrappedReadings {
  /** The counter's range, J. */
  readonly wrapJoules: number;
  /** Process index of reading k. */
  readonly process: readonly number[];
  readonly startMs: readonly number[];
  readonly endMs: readonly number[];
  /** The counter at the span's start and end, J, on its process's own line. */
  readonly start: readonly number[];
  readonly end: readonly number[];
}

/** Where each process's readings go on the common line. */
export interface WrapAlignment {
  /** Joules to add to a process's readings (a multiple of the range), by process index. */
  readonly offset: ReadonlyMap<number, number>;
  /** Group of each process, by process index: 0 the largest; processes of one group share the device. */
  readonly group: ReadonlyMap<number, number>;
  readonly groups: number;
  /** The power ceiling used, W. */
  readonly ceilingWatts: number;
  /** One line when some process could not be placed with the others. */
  readonly note?: string;
}

interface Boundary {
  readonly timeMs: number;
  readonly joules: number;
  readonly process: number;
}

/** Places every process of `r` on one line where readings close in time allow (see the file comment). */
export function alignWrappedReadings(r: WrappedReadings): WrapAlignment {
  const W = r.wrapJoules;
  const ceiling = powerCeilingWatts(r);
  const tolerance = ceiling * TOLERANCE_S;
  const boundaries: Boundary[] = [];
  for (let k = 0; k < r.process.length; k++) {
    boundaries.push({ timeMs: r.startMs[k]!, joules: r.start[k]!, process: r.process[k]! });
    boundaries.push({ timeMs: r.endMs[k]!, joules: r.end[k]!, process: r.process[k]! });
  }
  boundaries.sort((a, b) => a.timeMs - b.timeMs);
  const edges: Array<{ a: Boundary; b: Boundary; gapMs: number }> = [];
  for (let i = 1; i < boundaries.length; i++) {
    const a = boundaries[i - 1]!;
    const b = boundaries[i]!;
    if (a.process !== b.process) edges.push({ a, b, gapMs: b.timeMs - a.timeMs });
  }
  edges.sort((x, y) => x.gapMs - y.gapMs);

  const root = new Map<number, number>();
  const offset = new Map<number, number>();
  const members = new Map<number, number[]>();
  for (const p of r.process) {
    if (root.has(p)) continue;
    root.set(p, p);
    offset.set(p, 0);
    members.set(p, [p]);
  }
  let refused: { gapMs: number; reset: boolean } | undefined;
  for (const { a, b, gapMs } of edges) {
    const ra = root.get(a.process)!;
    const rb = root.get(b.process)!;
    if (ra === rb) continue;
    const most = (gapMs / 1000) * ceiling + tolerance;
    if (most + tolerance >= W) {
      refused ??= { gapMs, reset: false };
      continue;
    }
    // b's line shifted by `shift` (a multiple of W) puts the energy from a to b within [-tolerance, most].
    const drawn = b.joules + offset.get(b.process)! - (a.joules + offset.get(a.process)!);
    const shift = W * Math.ceil((-tolerance - drawn) / W);
    if (drawn + shift > most) {
      refused ??= { gapMs, reset: true };
      continue;
    }
    const [keep, move, by] = members.get(ra)!.length >= members.get(rb)!.length ? [ra, rb, shift] : [rb, ra, -shift];
    for (const p of members.get(move)!) {
      root.set(p, keep);
      offset.set(p, offset.get(p)! + by);
    }
    members.get(keep)!.push(...members.get(move)!);
    members.delete(move);
  }

  const roots = [...members.keys()].sort((x, y) => members.get(y)!.length - members.get(x)!.length);
  const group = new Map<number, number>();
  roots.forEach((rt, g) => {
    for (const p of members.get(rt)!) group.set(p, g);
  });
  const note = roots.length > 1 ? unplacedNote(roots.length, group.size, members.get(roots[0]!)!.length, W, ceiling, refused) : undefined;
  return { offset, group, groups: roots.length, ceilingWatts: ceiling, ...(note ? { note } : {}) };
}

/** Twice the highest average power of a span on the device, W (at least 1 W). */
function powerCeilingWatts(r: WrappedReadings): number {
  let most = 0;
  let mostShort = 0;
  for (let k = 0; k < r.process.length; k++) {
    const ms = r.endMs[k]! - r.startMs[k]!;
    if (!(ms > 0)) continue;
    const watts = ((r.end[k]! - r.start[k]!) * 1000) / ms;
    if (ms >= MIN_CEILING_SPAN_MS) most = Math.max(most, watts);
    else mostShort = Math.max(mostShort, watts);
  }
  return Math.max(1, CEILING_FACTOR * (most > 0 ? most : mostShort));
}

function unplacedNote(groups: number, processes: number, placed: number, W: number, ceiling: number, refused: { gapMs: number; reset: boolean } | undefined): string {
  const why = refused?.reset
    ? `their nearest readings fit no multiple of the ${W.toFixed(3)} J range (the counter was reset between them: a driver reload?)`
    : `their nearest readings are ${((refused?.gapMs ?? NaN) / 1000).toFixed(1)} s apart, where up to ${ceiling.toFixed(0)} W could hide a wrap of the ${W.toFixed(3)} J range`;
  return (
    `${processes - placed} of ${processes} processes could not be placed on one counter line with the others (${why}); ` +
    `they share the device in ${groups - 1} group(s) of their own, and where groups ran at once each claims the device's joules`
  );
}
