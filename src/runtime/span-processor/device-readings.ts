/**
 * The device counter readings a span carries so that spans of several processes can share a device's joules
 * (`energy.device.ids`, `energy.device.start.joules`, `energy.device.end.joules`).
 *
 * Only devices whose energy counter is host-wide get readings ({@link DeviceInfo.counterOriginJoules}): the process's
 * cumulative joules plus that origin are the driver's own counter, the value every other process reads at the same
 * instant. Offline, the readings of all processes then telescope: the energy between any two span boundaries on the
 * host is the difference of their readings (analysis/host-shares.ts). A counter that wraps (ROCm SMI, RAPL) agrees
 * across processes only modulo its range, so its range goes with the readings (`energy.device.wrap.joules`) and the
 * analysis places each process by it (analysis/host-alignment.ts). Arithmetic only: the ids, origins and ranges are
 * worked out once; per span, two or three small arrays.
 */
import { hostname } from 'node:os';
import type { Attributes } from '@opentelemetry/api';
import type { DeviceInfo } from '../energy/sources/source.js';
import { ATTR_ENERGY_DEVICE_END_JOULES, ATTR_ENERGY_DEVICE_IDS, ATTR_ENERGY_DEVICE_START_JOULES, ATTR_ENERGY_DEVICE_WRAP_JOULES } from '../../semconv.js';

/** Most attributes {@link DeviceReadingWriter.write} adds to one span. */
export const MAX_DEVICE_READING_ATTRIBUTES = 4;

/**
 * A device's identity across the processes of a host: the driver's UUID where it has one, else `<host>:<hw.id>`.
 * A superchip's module device shares its GPU's UUID, so it is told apart by its id.
 */
export function hostDeviceId(device: Pick<DeviceInfo, 'id' | 'uuid' | 'hwType'>, host: string): string {
  if (device.uuid === undefined || device.uuid === '') return `${host}:${device.id}`;
  return device.hwType === 'gpu' ? device.uuid : `${device.uuid}:${device.id}`;
}

/** Writes a finished span's host-wide counter readings. One per span processor. */
export class DeviceReadingWriter {
  /** Timeline indexes of the devices with a host-wide counter. */
  private readonly _index: Int32Array;
  private readonly _origin: Float64Array;
  /** Each one's wrap range, J (0: does not wrap). */
  private readonly _wrap: Float64Array;
  /** Whether any listed device wraps: only then do spans carry the ranges. */
  private readonly _wraps: boolean;
  /** Their ids, shared by every span that has readings for all of them. */
  private readonly _ids: readonly string[];

  constructor(devices: readonly DeviceInfo[], host: string = hostname()) {
    const listed = devices.map((d, i) => [d, i] as const).filter(([d]) => Number.isFinite(d.counterOriginJoules));
    this._index = Int32Array.from(listed, ([, i]) => i);
    this._origin = Float64Array.from(listed, ([d]) => d.counterOriginJoules!);
    this._wrap = Float64Array.from(listed, ([d]) => (d.counterWrapJoules !== undefined && d.counterWrapJoules > 0 ? d.counterWrapJoules : 0));
    this._wraps = this._wrap.some((w) => w > 0);
    this._ids = Object.freeze(listed.map(([d]) => hostDeviceId(d, host)));
  }

  /**
   * Adds the readings to `out` from the span's cumulative joules per timeline device at its start and end (NaN where a
   * device had no data); returns how many attributes it wrote (0 when no listed device has both readings).
   */
  write(out: Attributes, start: ArrayLike<number>, end: ArrayLike<number>): number {
    const n = this._index.length;
    if (n === 0) return 0;
    let have = 0;
    for (let k = 0; k < n; k++) {
      const d = this._index[k]!;
      if (!Number.isNaN(start[d]!) && !Number.isNaN(end[d]!)) have++;
    }
    if (have === 0) return 0;
    const ids = have === n ? this._ids : ([] as string[]);
    const s: number[] = new Array<number>(have);
    const e: number[] = new Array<number>(have);
    const w: number[] | undefined = this._wraps ? new Array<number>(have) : undefined;
    for (let k = 0, j = 0; k < n; k++) {
      const d = this._index[k]!;
      const e0 = start[d]!;
      const e1 = end[d]!;
      if (Number.isNaN(e0) || Number.isNaN(e1)) continue;
      const origin = this._origin[k]!;
      s[j] = origin + e0;
      e[j] = origin + (e1 > e0 ? e1 : e0);
      if (w) w[j] = this._wrap[k]!;
      if (have !== n) (ids as string[]).push(this._ids[k]!);
      j++;
    }
    out[ATTR_ENERGY_DEVICE_IDS] = ids as string[];
    out[ATTR_ENERGY_DEVICE_START_JOULES] = s;
    out[ATTR_ENERGY_DEVICE_END_JOULES] = e;
    if (!w) return MAX_DEVICE_READING_ATTRIBUTES - 1;
    out[ATTR_ENERGY_DEVICE_WRAP_JOULES] = w;
    return MAX_DEVICE_READING_ATTRIBUTES;
  }
}
