/** Text helpers for the report: HTML escaping and number formats that carry their unit. */

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Joules with about four significant figures, switching to kJ / MJ for large values: `1.710 J`, `12.3 kJ`. */
export function formatJoules(joules: number): string {
  const abs = Math.abs(joules);
  if (abs >= 1e6) return `${sig(joules / 1e6)} MJ`;
  if (abs >= 1e4) return `${sig(joules / 1e3)} kJ`;
  return `${sig(joules)} J`;
}

/** Watts: `26.8 W`, `1.24 kW`. */
export function formatWatts(watts: number): string {
  return Math.abs(watts) >= 1e4 ? `${sig(watts / 1e3)} kW` : `${sig(watts)} W`;
}

/** A duration given in milliseconds: `850 µs`, `12.1 ms`, `3.40 s`, `2 min 5 s`, `1 h 02 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 1000) return `${sig(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${sig(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** An integer count with thousands separators. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A 0–1 ratio as a percentage: `87.5 %`. */
export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)} %`;
}

/** US dollars; small amounts keep three significant figures: `$0.0000630`. */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (Math.abs(usd) >= 0.01) return `$${usd.toFixed(2)}`;
  return `$${String(Number(usd.toPrecision(3)))}`;
}

/** An epoch-ms time as UTC ISO 8601 with milliseconds. */
export function formatUtc(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '—';
}

/** `text` cut to at most `chars` characters, ending in `…` when cut. */
export function clip(text: string, chars: number): string {
  const n = Math.floor(chars);
  if (text.length <= n) return text;
  return n <= 1 ? '' : `${text.slice(0, n - 1)}…`;
}

/** About four significant figures without exponent notation for everyday magnitudes. */
function sig(value: number): string {
  const abs = Math.abs(value);
  if (abs === 0) return '0';
  if (abs >= 1000) return value.toFixed(0);
  if (abs >= 100) return value.toFixed(1);
  if (abs >= 10) return value.toFixed(2);
  if (abs >= 0.001) return value.toFixed(3);
  return value.toExponential(2);
}
