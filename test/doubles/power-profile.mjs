// The power profile the driver doubles follow (the same format and arithmetic as power_profile.h): piecewise-linear
// watts over ms of profile time, one "t_ms watts" pair per line, two points at one time making a step, the power held
// before the first point and after the last. Profile time is ms since `profile_origin_ns` on CLOCK_MONOTONIC
// (process.hrtime.bigint()). Used by the powermetrics stand-in to write its samples and by the end-to-end accuracy
// benchmark to integrate the truth.
import { readFileSync } from 'node:fs';

/** Parses "t_ms watts" lines into { t, w, q } (q: joules from the first point). */
export function parseProfile(text) {
  const t = [];
  const w = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const [a, b] = line.trim().split(/\s+/).map(Number);
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    t.push(t.length > 0 ? Math.max(a, t[t.length - 1]) : a);
    w.push(b);
  }
  const q = new Float64Array(t.length);
  for (let i = 1; i < t.length; i++) q[i] = q[i - 1] + ((w[i - 1] + w[i]) / 2) * ((t[i] - t[i - 1]) / 1000);
  return { t: Float64Array.from(t), w: Float64Array.from(w), q };
}

/** Reads a profile file. */
export function loadProfile(path) {
  return parseProfile(readFileSync(path, 'utf8'));
}

/** Writes points ([t_ms, watts] pairs) in the file format. */
export function formatProfile(points) {
  return `# t_ms watts\n${points.map(([t, w]) => `${t} ${w}`).join('\n')}\n`;
}

function indexAt(p, t) {
  if (p.t.length === 0 || t < p.t[0]) return -1;
  let lo = 0;
  let hi = p.t.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (p.t[mid] <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Power at t, W. */
export function wattsAt(p, t) {
  const n = p.t.length;
  if (n === 0) return 0;
  const i = indexAt(p, t);
  if (i < 0) return p.w[0];
  if (i >= n - 1 || p.t[i + 1] === p.t[i]) return p.w[i];
  return p.w[i] + ((p.w[i + 1] - p.w[i]) * (t - p.t[i])) / (p.t[i + 1] - p.t[i]);
}

/** Joules from the first point to t (negative before it). */
export function joulesAt(p, t) {
  if (p.t.length === 0) return 0;
  const i = indexAt(p, t);
  if (i < 0) return (p.w[0] * (t - p.t[0])) / 1000;
  return p.q[i] + ((p.w[i] + wattsAt(p, t)) / 2) * ((t - p.t[i]) / 1000);
}

/** Joules over [a, b] of profile time. */
export function joulesBetween(p, a, b) {
  return joulesAt(p, b) - joulesAt(p, a);
}

/** Profile time now, ms, for an origin in CLOCK_MONOTONIC ns (a bigint or a decimal string). */
export function profileNowMs(originNs) {
  return Number(process.hrtime.bigint() - BigInt(originNs)) / 1e6;
}

/** Reads a doubles' control file (key=value lines) into a Map; an empty Map when there is none. */
export function readControl(path) {
  const map = new Map();
  if (!path) return map;
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return map;
  }
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) map.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return map;
}
