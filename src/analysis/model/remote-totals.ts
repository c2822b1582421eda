import type { GenAiUnit } from './genai-units.js';

/**
 * The hosted-API estimates (`energy.remote.*`) of a set of model calls, summed, each call once. Kept apart from the
 * measured `EnergyTotals` (energy-rule.ts): no command adds one to the other.
 */
export interface RemoteEnergyTotals {
  /** Model calls that carry an estimate. */
  calls: number;
  /** Σ `energy.remote.joules` (each estimate's middle), in joules. */
  joules: number;
  /** Σ `energy.remote.min_joules` (a call without bounds adds its `joules`), in joules. */
  minJoules: number;
  /** Σ `energy.remote.max_joules` (a call without bounds adds its `joules`), in joules. */
  maxJoules: number;
  /** The `energy.remote.method` values seen, sorted. */
  methods: string[];
}

/** A total of no estimate, to add into. */
export function emptyRemoteTotals(): RemoteEnergyTotals {
  return { calls: 0, joules: 0, minJoules: 0, maxJoules: 0, methods: [] };
}

/** Adds a model call's estimate (if it has one) into `into`; returns `into`. */
export function addRemoteEstimate(into: RemoteEnergyTotals, call: GenAiUnit): RemoteEnergyTotals {
  const remote = call.remoteEnergy;
  if (remote === undefined) return into;
  into.calls++;
  into.joules += remote.joules;
  into.minJoules += remote.minJoules ?? remote.joules;
  into.maxJoules += remote.maxJoules ?? remote.joules;
  if (remote.method !== undefined && !into.methods.includes(remote.method)) {
    into.methods.push(remote.method);
    into.methods.sort();
  }
  return into;
}

/**
 * The estimates of `calls` (model-call units: nested spans of one call count once, the deepest estimate taken), or
 * undefined when none carries one, so a view shows the estimate only where there is one.
 */
export function remoteEnergyTotals(calls: Iterable<GenAiUnit>): RemoteEnergyTotals | undefined {
  const total = emptyRemoteTotals();
  for (const call of calls) addRemoteEstimate(total, call);
  return total.calls > 0 ? total : undefined;
}
