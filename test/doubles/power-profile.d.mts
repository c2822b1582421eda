// Types of power-profile.mjs (the doubles' power profile, in JavaScript so the powermetrics stand-in runs without a
// build step).

/** A parsed profile: point times (ms), watts, and joules from the first point. */
export interface PowerProfileData {
  readonly t: Float64Array;
  readonly w: Float64Array;
  readonly q: Float64Array;
}
export function parseProfile(text: string): PowerProfileData;
export function loadProfile(path: string): PowerProfileData;
export function formatProfile(points: ReadonlyArray<readonly [number, number]>): string;
export function wattsAt(p: PowerProfileData, tMs: number): number;
export function joulesAt(p: PowerProfileData, tMs: number): number;
export function joulesBetween(p: PowerProfileData, aMs: number, bMs: number): number;
export function profileNowMs(originNs: bigint | string): number;
export function readControl(path: string | undefined): Map<string, string>;
