import type { AttrValue } from '../otlp/span-record.js';

/** A finite number ≥ 0 (a count or an amount), else undefined. */
export function amount(value: AttrValue | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** A finite number, else undefined. */
export function finite(value: AttrValue | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A non-empty string, else undefined. */
export function text(value: AttrValue | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A boolean; `"true"` / `"false"` too, since some exporters stringify booleans. */
export function flag(value: AttrValue | undefined): boolean | undefined {
  if (typeof value === 'boolean') return value;
  return value === 'true' ? true : value === 'false' ? false : undefined;
}

/** The strings of a string or string-array attribute ([] for anything else). */
export function strings(value: AttrValue | undefined): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
