/**
 * One sampling pass over every source, writing each device's reading into its ring. Shared by the worker thread and
 * the in-thread sampler. A source that throws is recorded as a fault and the pass goes on with the others.
 */
import { DEFAULT_RING_CAPACITY, SampleRing } from '../timeline/ring.js';
import type { DeviceInfo, EnergySource } from '../sources/source.js';

/** Faults kept for status(): the most recent ones, deduplicated. */
const MAX_FAULTS = 32;

export class SamplingCore {
  /** All devices of all sources, in ring order. */
  readonly devices: readonly DeviceInfo[];
  readonly rings: readonly SampleRing[];
  private readonly _sources: readonly EnergySource[];
  /** Index of each source's first device in `devices`. */
  private readonly _offsets: number[];
  private readonly _faults: string[] = [];
  private _newFaults = false;

  constructor(sources: readonly EnergySource[], ringCapacity: number = DEFAULT_RING_CAPACITY) {
    const devices: DeviceInfo[] = [];
    const offsets: number[] = [];
    const opened: EnergySource[] = [];
    for (const source of sources) {
      let found: readonly DeviceInfo[];
      try {
        found = source.devices();
      } catch (error) {
        this.fault(`${source.name}: devices() failed: ${describe(error)}`);
        continue;
      }
      opened.push(source);
      offsets.push(devices.length);
      devices.push(...found);
    }
    this._sources = opened;
    this._offsets = offsets;
    this.devices = devices;
    this.rings = devices.map(() => SampleRing.create(ringCapacity));
  }

  /** Whether a source needs the event loop to turn between samples ({@link EnergySource.needsEventLoop}). */
  get needsEventLoop(): boolean {
    return this._sources.some((s) => s.needsEventLoop === true);
  }

  /** Reads every source once and publishes the readings. Never throws. */
  sampleOnce(): void {
    for (let s = 0; s < this._sources.length; s++) {
      const source = this._sources[s];
      const offset = this._offsets[s] ?? 0;
      if (!source) continue;
      try {
        const count = this.devices.length;
        for (const reading of source.read()) {
          const ring = this.rings[offset + reading.deviceIndex];
          if (ring && offset + reading.deviceIndex < count && Number.isFinite(reading.timeMs)) ring.write(reading);
        }
        const faults = source.faults?.();
        if (faults) for (const f of faults) this.fault(f);
      } catch (error) {
        this.fault(`${source.name}: read() failed: ${describe(error)}`);
      }
    }
  }

  /** Records a fault (deduplicated, bounded). */
  fault(message: string): void {
    const i = this._faults.indexOf(message);
    if (i >= 0) this._faults.splice(i, 1);
    this._faults.push(message);
    if (this._faults.length > MAX_FAULTS) this._faults.shift();
    this._newFaults = true;
  }

  /** Recent faults, oldest first. */
  faults(): readonly string[] {
    return this._faults;
  }

  /** Whether faults were recorded since the last call (the worker posts them only then). */
  takeNewFaults(): boolean {
    const had = this._newFaults;
    this._newFaults = false;
    return had;
  }

  /** Closes every source; never throws. */
  close(): void {
    for (const source of this._sources) {
      try {
        source.close();
      } catch (error) {
        this.fault(`${source.name}: close() failed: ${describe(error)}`);
      }
    }
  }
}

/** One line for an unknown thrown value. */
export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
