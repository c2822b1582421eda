/**
 * Gives each serving request its share of the devices' energy, instant by instant.
 *
 * Between two consecutive schedule events (a request scheduled, its first token, its last token) the set of requests
 * on the GPU and their phases do not change, so the devices' energy over that stretch is split among them once:
 * - `fair`: equally, one share per request on the GPU;
 * - `tokens`: in proportion to the tokens each processes per second in its current phase — prefill: the prompt
 *   tokens it computes / its prefill time; decode: its decode tokens / its decode time.
 * A request's share falls in its prefill or decode joules by the phase it was in. Energy over a stretch with no
 * request on the GPU is idle, kept apart. Requests' joules plus idle joules equal the devices' joules over the window.
 */
import type { EnergyComponent } from '../../runtime/energy/sources/source.js';
import type { ServingRequest } from './serving-request.js';
import type { ServingTimeline } from './serving-timeline.js';

/** How a stretch's energy is split among the requests on the GPU. */
export type AttributionRule = 'fair' | 'tokens';

/** The rules, as `--rule` takes them. */
export const ATTRIBUTION_RULES: readonly AttributionRule[] = ['fair', 'tokens'];

/** One request's share. */
export interface RequestJoules {
  readonly joules: number;
  readonly prefillJoules: number;
  readonly decodeJoules: number;
  /** The same joules per `energy.<component>.joules` bucket. */
  readonly components: Readonly<Partial<Record<EnergyComponent, number>>>;
  /** Milliseconds from scheduled to last token. */
  readonly onGpuMs: number;
  /** Of those, the milliseconds inside the window that the timeline covers. */
  readonly coveredMs: number;
  /** Whether `tokens` had to split some stretch equally because this request's token counts are missing. */
  readonly tokensMissing: boolean;
}

/** What {@link attributeEnergy} found. */
export interface AttributionResult {
  /** One entry per request, in the order given. */
  readonly requests: readonly RequestJoules[];
  readonly rule: AttributionRule;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  /** The devices' joules over the window. */
  readonly deviceJoules: number;
  /** Joules over the stretches of the window when no request was on the GPU. */
  readonly idleJoules: number;
}

interface Active {
  readonly index: number;
  decode: boolean;
}

const START = 0;
const FIRST_TOKEN = 1;
const END = 2;

/**
 * Splits the timeline's energy over `[windowStartMs, windowEndMs]` among `requests` by `rule`. Parts of a request
 * outside the window get nothing (its `coveredMs` says how much was inside and covered).
 */
export function attributeEnergy(
  requests: readonly ServingRequest[],
  timeline: ServingTimeline,
  rule: AttributionRule,
  windowStartMs: number,
  windowEndMs: number,
): AttributionResult {
  const shares = requests.map(() => ({ joules: 0, prefill: 0, decode: 0, covered: 0, components: {} as Partial<Record<EnergyComponent, number>>, tokensMissing: false }));
  // Events inside the window, each as [time, kind, request]; kinds at one instant apply start, first token, end.
  const events: [number, number, number][] = [];
  const clip = (t: number): number => Math.min(Math.max(t, windowStartMs), windowEndMs);
  requests.forEach((r, i) => {
    events.push([clip(r.scheduledMs), START, i], [clip(r.firstTokenMs), FIRST_TOKEN, i], [clip(r.lastTokenMs), END, i]);
  });
  events.push([windowStartMs, -1, -1], [windowEndMs, -1, -1]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);

  const active = new Map<number, Active>();
  let idle = 0;
  let device = 0;
  let e = 0;
  while (e < events.length) {
    const t = events[e]![0];
    for (; e < events.length && events[e]![0] === t; e++) {
      const [, kind, i] = events[e]!;
      if (i < 0) continue;
      // A request whose first token comes at its start (or before the window) is moved to decode by its
      // FIRST_TOKEN event at this same instant, which sorts after START.
      if (kind === START) active.set(i, { index: i, decode: false });
      else if (kind === FIRST_TOKEN) {
        const a = active.get(i);
        if (a) a.decode = true;
      } else active.delete(i);
    }
    if (e >= events.length) break;
    const next = events[e]![0];
    if (!(next > t)) continue;
    const stretch = timeline.between(t, next);
    device += stretch.joules;
    if (active.size === 0) {
      idle += stretch.joules;
      continue;
    }
    // Once per stretch, not per request: a batch of tens of requests over ~3 stretches per request.
    const weights = rule === 'fair' ? undefined : weigh([...active.values()], requests, shares);
    const total = weights ? weights.reduce((sum, w) => sum + w, 0) : 0;
    const components = Object.entries(stretch.components) as [EnergyComponent, number][];
    let k = 0;
    for (const a of active.values()) {
      const fraction = weights && total > 0 ? weights[k]! / total : 1 / active.size;
      k++;
      const s = shares[a.index]!;
      const j = stretch.joules * fraction;
      s.joules += j;
      if (a.decode) s.decode += j;
      else s.prefill += j;
      s.covered += stretch.coveredMs;
      for (let c = 0; c < components.length; c++) {
        const [component, joules] = components[c]!;
        s.components[component] = (s.components[component] ?? 0) + joules * fraction;
      }
    }
  }
  return {
    rule,
    windowStartMs,
    windowEndMs,
    deviceJoules: device,
    idleJoules: idle,
    requests: shares.map((s, i) => ({
      joules: s.joules,
      prefillJoules: s.prefill,
      decodeJoules: s.decode,
      components: s.components,
      onGpuMs: requests[i]!.lastTokenMs - requests[i]!.scheduledMs,
      coveredMs: s.covered,
      tokensMissing: s.tokensMissing,
    })),
  };
}

/**
 * Each active request's weight under `tokens`: tokens per second in its phase; when any request on the GPU has no
 * token count for its phase the stretch is split equally (weights all 1) and those requests are flagged.
 */
function weigh(active: readonly Active[], requests: readonly ServingRequest[], shares: { tokensMissing: boolean }[]): number[] {
  const weights: number[] = [];
  let missing = false;
  for (const a of active) {
    const rate = tokensPerSecond(requests[a.index]!, a.decode);
    if (rate === undefined) {
      missing = true;
      shares[a.index]!.tokensMissing = true;
    }
    weights.push(rate ?? 0);
  }
  return missing ? active.map(() => 1) : weights;
}

/** Tokens a request processes per second in one phase; undefined when its span has no count for that phase. */
export function tokensPerSecond(r: ServingRequest, decode: boolean): number | undefined {
  const tokens = decode ? r.decodeTokens : r.prefillTokens;
  const ms = decode ? r.lastTokenMs - r.firstTokenMs : r.firstTokenMs - r.scheduledMs;
  if (tokens === undefined) return undefined;
  return ms > 0 ? (tokens * 1000) / ms : 0;
}
