/**
 * Integrates power samples into energy, for devices without an energy counter (NVML before Volta).
 */

/**
 * Trapezoidal integration of power over time, as zeus' PowerMonitor does. Samples must come in time order; a sample
 * that does not move time forward is ignored so the same reading taken twice cannot add energy.
 */
export class PowerIntegrator {
  private _lastTimeMs: number | undefined;
  private _lastWatts = 0;
  private _joules = 0;

  /** Energy integrated so far, in joules. */
  get joules(): number {
    return this._joules;
  }

  /** Adds a power sample (watts) taken at `timeMs` (any monotonic ms clock); returns the total in joules. */
  add(timeMs: number, watts: number): number {
    if (!Number.isFinite(watts) || watts < 0) return this._joules;
    const last = this._lastTimeMs;
    if (last !== undefined && timeMs <= last) return this._joules;
    if (last !== undefined) this._joules += ((this._lastWatts + watts) / 2) * ((timeMs - last) / 1000);
    this._lastTimeMs = timeMs;
    this._lastWatts = watts;
    return this._joules;
  }
}
