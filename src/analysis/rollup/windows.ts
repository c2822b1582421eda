/** UTC rollup windows: which hour or day buckets one run computes. Everything here is UTC; nothing reads the local zone. */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** One output row's time range, `[startMs, endMs)` in epoch ms. */
export interface RollupBucket {
  /** `YYYY-MM-DDTHH` for an hour, `YYYY-MM-DD` for a day: the row's `bucket` column and its file name. */
  readonly key: string;
  readonly startMs: number;
  readonly endMs: number;
}

/** The buckets one run computes, all of one granularity. */
export interface RollupWindow {
  readonly granularity: 'hour' | 'day';
  /** For `--hours`, most recent first (the seed's backfill order). */
  readonly buckets: readonly RollupBucket[];
}

/** The window flags of `openjoules rollup`; at most one may be set. */
export interface WindowSpec {
  readonly hours?: number;
  /** `YYYY-MM-DDTHH`, or a full ISO time pinned to the start of its hour; no offset means UTC. */
  readonly datetime?: string;
  /** `YYYY-MM-DD`. */
  readonly daily?: string;
}

/** A window flag that cannot be parsed; the CLI prints the message and exits 2. */
export class WindowError extends Error {
  readonly code = 'OJ_BAD_WINDOW';
}

/** The hour bucket `[startMs, startMs + 1 h)`; startMs must be on the hour. */
export function hourBucket(startMs: number): RollupBucket {
  return { key: new Date(startMs).toISOString().slice(0, 13), startMs, endMs: startMs + HOUR_MS };
}

/** The day bucket `[startMs, startMs + 24 h)`; startMs must be at UTC midnight. */
export function dayBucket(startMs: number): RollupBucket {
  return { key: new Date(startMs).toISOString().slice(0, 10), startMs, endMs: startMs + DAY_MS };
}

/** The start of the bucket a time falls in; a span belongs to the bucket in which it ended. */
export function bucketStartOf(timeMs: number, granularity: 'hour' | 'day'): number {
  const size = granularity === 'hour' ? HOUR_MS : DAY_MS;
  return Math.floor(timeMs / size) * size;
}

/** The `n` last completed UTC hours before `nowMs`, most recent first (the seed's default is n = 1). */
export function lastCompletedHours(n: number, nowMs: number): RollupWindow {
  if (!Number.isInteger(n) || n < 1) throw new WindowError(`--hours must be a whole number ≥ 1, got ${n}`);
  const current = bucketStartOf(nowMs, 'hour');
  const buckets: RollupBucket[] = [];
  for (let i = 1; i <= n; i++) buckets.push(hourBucket(current - i * HOUR_MS));
  return { granularity: 'hour', buckets };
}

const HOUR_ARG = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** One hour from `YYYY-MM-DDTHH` (or a full ISO time, pinned to its hour; no offset means UTC, like the seed). */
export function hourWindow(datetime: string): RollupWindow {
  const m = HOUR_ARG.exec(datetime.trim());
  if (!m) throw new WindowError(`--datetime must be YYYY-MM-DDTHH (UTC), got "${datetime}"`);
  const [, y, mo, d, h, mi = '0', s = '0', zone] = m;
  let ms = utc(datetime, Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s));
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return { granularity: 'hour', buckets: [hourBucket(bucketStartOf(ms, 'hour'))] };
}

/** One UTC day from `YYYY-MM-DD`. */
export function dayWindow(day: string): RollupWindow {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day.trim());
  if (!m) throw new WindowError(`--daily (--daily-backfill) must be YYYY-MM-DD, got "${day}"`);
  return { granularity: 'day', buckets: [dayBucket(utc(day, Number(m[1]), Number(m[2]), Number(m[3]), 0, 0, 0))] };
}

/** Picks the window from the CLI flags; none set means the last completed hour before `nowMs`. */
export function parseWindow(spec: WindowSpec, nowMs: number = Date.now()): RollupWindow {
  const given = [spec.hours !== undefined, spec.datetime !== undefined, spec.daily !== undefined].filter(Boolean).length;
  if (given > 1) throw new WindowError('give at most one of --hours, --datetime, --daily (--daily-backfill)');
  if (spec.datetime !== undefined) return hourWindow(spec.datetime);
  if (spec.daily !== undefined) return dayWindow(spec.daily);
  return lastCompletedHours(spec.hours ?? 1, nowMs);
}

/** Date.UTC, refusing dates it would silently roll over (2026-02-30, hour 24). */
function utc(text: string, y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h || mi > 59 || s > 59) {
    throw new WindowError(`not a valid UTC date/time: "${text}"`);
  }
  return ms;
}
