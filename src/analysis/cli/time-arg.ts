/** `--since` / `--until` values: an ISO time, a duration back from now, or unix seconds. Everything is UTC. */

/** A time flag that cannot be read; the command prints the message and exits 2. */
export class TimeArgError extends Error {
  readonly code = 'OJ_BAD_TIME';
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
const ISO = /^\d{4}-\d{2}-\d{2}(?:T\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const UNIX_SECONDS = /^\d+(?:\.\d+)?$/;

/**
 * Reads a time flag into unix seconds (the seed's `timestamp` unit):
 * - a duration back from `nowMs`: `90s`, `15m`, `2h`, `7d`, `1w`, or a sum such as `1h30m`;
 * - an ISO date or time: `2026-04-24`, `2026-04-24T10`, `2026-04-24T10:30:00Z`, `…+02:00`; without an offset it is UTC,
 *   as the seed reads naive timestamps;
 * - unix seconds, as the seed's aggregator takes them: `1777024800`.
 *
 * @throws TimeArgError for anything else, naming the flag.
 */
export function parseTimeArg(flag: string, text: string, nowMs: number = Date.now()): number {
  const value = text.trim();
  if (DURATION.test(value)) {
    let ms = 0;
    for (const [, amount, unit] of value.matchAll(DURATION_PART)) ms += Number(amount) * UNIT_MS[unit!]!;
    return (nowMs - ms) / 1000;
  }
  if (UNIX_SECONDS.test(value)) return Number(value);
  const iso = ISO.exec(value);
  if (iso) {
    // Date.parse reads a date-time without an offset as local time; the hour alone it does not read at all.
    let text = value.length === 13 ? `${value}:00` : value;
    if (text.length > 10 && iso[1] === undefined) text += 'Z';
    const ms = Date.parse(text);
    if (Number.isFinite(ms) && sameCalendarDate(value, ms, iso[1])) return ms / 1000;
  }
  throw new TimeArgError(`${flag} must be an ISO time (2026-04-24T10:00Z; no offset means UTC), a duration back from now (90s, 15m, 2h, 7d, 1h30m) or unix seconds, got "${text}"`);
}

/** Date.parse rolls 2026-02-30 over to March; refuse that (checked for UTC input only, where it is exact). */
function sameCalendarDate(text: string, ms: number, zone: string | undefined): boolean {
  if (zone !== undefined && zone !== 'Z') return true;
  return new Date(ms).toISOString().slice(0, 10) === text.slice(0, 10);
}
