/** A sequential colour scale for joules: light amber (least) through orange and red to deep purple (most). */

const STOPS: ReadonlyArray<readonly [number, number, number]> = [
  [0xfd, 0xe6, 0x8a],
  [0xfb, 0x92, 0x3c],
  [0xe1, 0x1d, 0x48],
  [0x9d, 0x17, 0x4d],
  [0x4c, 0x1d, 0x95],
];

/** Colour for spans that carry no energy attribute. */
export const NO_ENERGY_COLOR = '#cbd5e1';

/** Maps joules to colours over the run's range; logarithmic when the range spans more than 30×. */
export class JouleColorScale {
  readonly min: number;
  readonly max: number;
  readonly log: boolean;

  constructor(values: readonly number[]) {
    const positive = values.filter((v) => v > 0 && Number.isFinite(v));
    this.min = positive.length > 0 ? positive.reduce((m, v) => Math.min(m, v), Infinity) : 0;
    this.max = positive.length > 0 ? positive.reduce((m, v) => Math.max(m, v), 0) : 1;
    this.log = this.min > 0 && this.max / this.min > 30;
  }

  /** Position of `joules` on the scale, 0–1. */
  position(joules: number): number {
    if (this.max <= this.min) return 1;
    const t = this.log ? (Math.log(Math.max(joules, this.min)) - Math.log(this.min)) / (Math.log(this.max) - Math.log(this.min)) : (joules - this.min) / (this.max - this.min);
    return Math.min(1, Math.max(0, t));
  }

  /** The joules at position `t` (inverse of {@link position}), for legend ticks. */
  valueAt(t: number): number {
    if (this.max <= this.min) return this.max;
    return this.log ? Math.exp(Math.log(this.min) + t * (Math.log(this.max) - Math.log(this.min))) : this.min + t * (this.max - this.min);
  }

  /** `#rrggbb` for `joules`; {@link NO_ENERGY_COLOR} when undefined. */
  color(joules: number | undefined): string {
    return joules === undefined ? NO_ENERGY_COLOR : colorAt(this.position(joules));
  }
}

/** The palette colour at `t` (0–1). */
export function colorAt(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = STOPS[i]!;
  const b = STOPS[i + 1]!;
  return `#${[0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f).toString(16).padStart(2, '0')).join('')}`;
}

/** Dark or light text, whichever reads better on `hex`. */
export function textColorOn(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const luminance = (0.299 * ((n >> 16) & 255) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255)) / 255;
  return luminance > 0.6 ? '#1e1b2e' : '#ffffff';
}
