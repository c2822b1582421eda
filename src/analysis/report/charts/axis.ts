import { niceStep } from '../power-series.js';

/** Tick values at a round step from `from` (0) up to `max`, about `count` of them; `cover` adds one at or above `max`. */
export function niceTicks(max: number, count = 5, from = 0, cover = false): number[] {
  const span = max - from;
  if (!(span > 0)) return [from];
  const step = niceStep(span / count);
  const ticks: number[] = [];
  const first = Math.ceil(from / step - 1e-9);
  for (let i = first; ; i++) {
    const v = Number((i * step).toPrecision(12));
    const last = ticks.at(-1);
    if (v > max + step * 1e-9 && !(cover && last !== undefined && last < max)) break;
    ticks.push(v);
  }
  return ticks;
}

const TIME_UNITS: ReadonlyArray<readonly [number, string, number]> = [
  // [unit in ms, suffix, ranges below this many ms use it]
  [1, 'ms', 2000],
  [1000, 's', 120_000],
  [60_000, 'min', 7_200_000],
  [3_600_000, 'h', Infinity],
];

/** Ticks for offsets from the run's start (ms), at a round step in one unit chosen for the whole axis, with labels. */
export function timeTicks(rangeMs: number, count: number): Array<{ ms: number; label: string }> {
  const [unit, suffix] = TIME_UNITS.find(([, , below]) => rangeMs < below) ?? TIME_UNITS[TIME_UNITS.length - 1]!;
  return niceTicks(rangeMs / unit, count).map((v) => ({ ms: v * unit, label: `+${trim(v)} ${suffix}` }));
}

/** The offset label format {@link timeTicks} uses for a range, for tooltips. */
export function offsetFormatter(rangeMs: number): (ms: number) => string {
  const [unit, suffix] = TIME_UNITS.find(([, , below]) => rangeMs < below) ?? TIME_UNITS[TIME_UNITS.length - 1]!;
  return (ms) => `+${trim(ms / unit)} ${suffix}`;
}

/** A number with at most four significant figures and no trailing zeros. */
export function trim(value: number): string {
  return String(Number(value.toPrecision(4)));
}

/** A number for SVG coordinates: two decimals, no trailing zeros. */
export function px(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** `text-anchor` for a tick label at `x` in a chart `width` wide, so the first and last labels stay inside. */
export function anchorAt(x: number, width: number): string {
  if (x < 24) return 'start';
  return x > width - 24 ? 'end' : 'middle';
}
