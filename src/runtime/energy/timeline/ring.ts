/**
 * A bounded ring of device readings in shared memory: one writer (the sampler, usually on a worker thread), one
 * reader (the timeline on the agent's thread). Memory is fixed at creation, so a process that runs for weeks stays flat.
 *
 * The writer fills a slot with plain stores, then publishes it by advancing the sequence number with `Atomics.store`;
 * the reader loads the sequence with `Atomics.load`, copies what it needs, and loads the sequence again to discard any
 * slot the writer may have started to overwrite meanwhile. So a reader never sees a torn sample.
 */
import type { DeviceReading } from '../sources/source.js';

/** Float64 fields per slot, in this order. NaN marks a field the backend did not fill. */
export const RING_FIELDS = [
  'timeMs',
  'energyJoules',
  'powerWatts',
  'averagePowerWatts',
  'utilization',
  'memoryUsedBytes',
  'memoryTotalBytes',
  'temperatureCelsius',
  'powerLimitWatts',
] as const;

/** Number of float64 values per slot. */
export const RING_STRIDE = RING_FIELDS.length;

const HEADER_BYTES = 16; // Int32 sequence + Int32 capacity, padded so the Float64 data stays 8-byte aligned.

/** Default slots per device: 2048 samples = 10 s at the default 5 ms period, far more than the reader lags. */
export const DEFAULT_RING_CAPACITY = 2048;

/** Rounds up to a power of two so the slot index stays right when the uint32 sequence wraps. */
function powerOfTwoAtLeast(n: number): number {
  let c = 2;
  while (c < n && c < 1 << 24) c <<= 1;
  return c;
}

/** One device's ring over a `SharedArrayBuffer` (or a plain `ArrayBuffer` in tests). */
export class SampleRing {
  /** The shared memory, to post to the other thread. */
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  /** Slots in the ring (a power of two). */
  readonly capacity: number;
  private readonly _header: Int32Array;
  private readonly _data: Float64Array;
  private readonly _mask: number;
  /**
   * The writer's own copy of the sequence (one writer per ring), so a write needs no atomic load; NaN until this
   * instance first writes, then read once from the header.
   */
  private _written = NaN;
  private _scratch = new Float64Array(RING_STRIDE * 16);

  private constructor(buffer: SharedArrayBuffer | ArrayBuffer) {
    this.buffer = buffer;
    this._header = new Int32Array(buffer, 0, 4);
    this.capacity = this._header[1] ?? 0;
    this._mask = this.capacity - 1;
    this._data = new Float64Array(buffer, HEADER_BYTES, this.capacity * RING_STRIDE);
  }

  /** Allocates a ring of at least `capacity` slots (rounded up to a power of two) in a new SharedArrayBuffer. */
  static create(capacity: number = DEFAULT_RING_CAPACITY): SampleRing {
    const slots = powerOfTwoAtLeast(Math.max(2, Math.floor(capacity)));
    const buffer = new SharedArrayBuffer(HEADER_BYTES + slots * RING_STRIDE * 8);
    new Int32Array(buffer, 0, 4)[1] = slots;
    return new SampleRing(buffer);
  }

  /** Opens a ring another thread created. */
  static attach(buffer: SharedArrayBuffer | ArrayBuffer): SampleRing {
    return new SampleRing(buffer);
  }

  /** Samples written so far, modulo 2^32. */
  sequence(): number {
    return Atomics.load(this._header, 0) >>> 0;
  }

  /** Writer side: stores one reading and publishes it. */
  write(reading: DeviceReading): void {
    const seq = Number.isNaN(this._written) ? Atomics.load(this._header, 0) >>> 0 : this._written;
    const base = (seq & this._mask) * RING_STRIDE;
    const d = this._data;
    d[base] = reading.timeMs;
    d[base + 1] = reading.energyJoules ?? NaN;
    d[base + 2] = reading.powerWatts ?? NaN;
    d[base + 3] = reading.averagePowerWatts ?? NaN;
    d[base + 4] = reading.utilization ?? NaN;
    d[base + 5] = reading.memoryUsedBytes ?? NaN;
    d[base + 6] = reading.memoryTotalBytes ?? NaN;
    d[base + 7] = reading.temperatureCelsius ?? NaN;
    d[base + 8] = reading.powerLimitWatts ?? NaN;
    // Publishing after the plain stores is what makes them visible together (Atomics are sequentially consistent).
    this._written = (seq + 1) >>> 0;
    Atomics.store(this._header, 0, this._written | 0);
  }

  /**
   * Reader side: calls `visit(slots, offset)` for every intact sample published after sequence `since`, oldest first,
   * where `slots[offset + k]` is field `RING_FIELDS[k]`. Returns the new sequence to pass next time and how many samples
   * were lost because the writer lapped the reader.
   */
  readSince(since: number, visit: (slots: Float64Array, offset: number) => void): { sequence: number; lost: number } {
    const seq = this.sequence();
    let count = (seq - since) >>> 0;
    let lost = 0;
    if (count > this.capacity) {
      lost = count - this.capacity;
      count = this.capacity;
    }
    if (count === 0) return { sequence: seq, lost };
    if (this._scratch.length < count * RING_STRIDE) this._scratch = new Float64Array(count * RING_STRIDE);
    const first = (seq - count) >>> 0;
    for (let i = 0; i < count; i++) {
      const src = (((first + i) >>> 0) & this._mask) * RING_STRIDE;
      this._scratch.set(this._data.subarray(src, src + RING_STRIDE), i * RING_STRIDE);
    }
    // Anything the writer may have begun to overwrite while we copied is dropped, never half-read.
    const after = this.sequence();
    const overwritten = Math.min(count, Math.max(0, ((after - first) >>> 0) - this.capacity + 1));
    for (let i = overwritten; i < count; i++) visit(this._scratch, i * RING_STRIDE);
    return { sequence: seq, lost: lost + overwritten };
  }

  /** The newest intact sample, or undefined when none was written yet. */
  latest(deviceIndex: number): DeviceReading | undefined {
    for (let attempt = 0; attempt < 4; attempt++) {
      const seq = this.sequence();
      if (seq === 0) return undefined;
      const base = (((seq - 1) >>> 0) & this._mask) * RING_STRIDE;
      const s = this._data.slice(base, base + RING_STRIDE);
      // The newest slot is only rewritten after `capacity` more writes; if the sequence moved that far, try again.
      if (((this.sequence() - seq) >>> 0) < this.capacity - 1) return toReading(deviceIndex, s, 0);
    }
    return undefined;
  }
}

/** Turns one slot back into a reading, leaving NaN fields out. */
export function toReading(deviceIndex: number, s: Float64Array, o: number): DeviceReading {
  const r: { -readonly [K in keyof DeviceReading]: DeviceReading[K] } = { deviceIndex, timeMs: s[o] ?? NaN };
  const energy = s[o + 1] ?? NaN;
  if (!Number.isNaN(energy)) r.energyJoules = energy;
  const power = s[o + 2] ?? NaN;
  if (!Number.isNaN(power)) r.powerWatts = power;
  const avg = s[o + 3] ?? NaN;
  if (!Number.isNaN(avg)) r.averagePowerWatts = avg;
  const util = s[o + 4] ?? NaN;
  if (!Number.isNaN(util)) r.utilization = util;
  const used = s[o + 5] ?? NaN;
  if (!Number.isNaN(used)) r.memoryUsedBytes = used;
  const total = s[o + 6] ?? NaN;
  if (!Number.isNaN(total)) r.memoryTotalBytes = total;
  const temp = s[o + 7] ?? NaN;
  if (!Number.isNaN(temp)) r.temperatureCelsius = temp;
  const limit = s[o + 8] ?? NaN;
  if (!Number.isNaN(limit)) r.powerLimitWatts = limit;
  return r;
}
