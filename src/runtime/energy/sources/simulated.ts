/**
 * An in-process energy source with a programmable power profile, for tests, benchmarks and demos — the energy
 * counterpart of OpenTelemetry's InMemorySpanExporter. It behaves like a real driver where it matters: the energy
 * counter only moves at its ticks (every `counterPeriodMs`, exactly the integral of the profile up to the tick), and
 * power is reported either instantaneously or only as a trailing average. Deterministic: no randomness, and the clock
 * can be injected.
 */
import { nowEpochMs } from './clock.js';
import type { DeviceInfo, DeviceReading, EnergyComponent, EnergySource } from './source.js';

/** A power profile: watts as a function of epoch ms, with an optional exact integral (joules between two times). */
export interface PowerProfile {
  /** Power in watts at time `tMs` (epoch ms). */
  readonly watts: (tMs: number) => number;
  /** Exact joules drawn between `t0Ms` and `t1Ms`; when absent it is integrated numerically (Simpson, 0.05 ms steps). */
  readonly joules?: (t0Ms: number, t1Ms: number) => number;
}

/** One simulated device. */
export interface SimulatedDeviceOptions {
  /** Power in watts: a constant, a function of epoch ms, or a profile with its exact integral. */
  readonly power: number | ((tMs: number) => number) | PowerProfile;
  /** `energy.<component>.joules` bucket; default `gpu`. */
  readonly component?: EnergyComponent;
  /** Default `simulated:<index>`. */
  readonly id?: string;
  readonly name?: string;
  /** Period of the energy counter in ms (NVML ≈ 100); default 100. 0 = a counter that is exact at every read. */
  readonly counterPeriodMs?: number;
  /** Counter ticks happen at `originMs + counterPhaseMs + n × counterPeriodMs`; default 0. */
  readonly counterPhaseMs?: number;
  /**
   * The device is read at its ticks and says so, like powermetrics (each reading stamped with the end of the interval
   * it sums): sets {@link DeviceInfo.counterTimestamped}. Default false.
   */
  readonly counterTimestamped?: boolean;
  /**
   * What the driver reports as power: `instant` (NVML_FI_DEV_POWER_INSTANT), `average` (only a trailing average over
   * `averageWindowMs`, like nvmlDeviceGetPowerUsage on Ampere+), or `none` (RAPL). Default `instant`.
   */
  readonly powerReporting?: 'instant' | 'average' | 'none';
  /**
   * How far the reported instantaneous power is from the truth, as real sensors are: reported = truth × (1 + gain) +
   * noiseWatts × (a deterministic pseudo-random number in [-1, 1)). The counter stays exact. Default none.
   */
  readonly powerReadingError?: { readonly gain?: number; readonly noiseWatts?: number };
  /** Window of the trailing average in ms; default 1000. */
  readonly averageWindowMs?: number;
  /** Whether read() reports the counter at all; default true (false: a power-only device). */
  readonly counter?: boolean;
  /** Utilization (0..1) reported with every reading, as a function of epoch ms. */
  readonly utilization?: (tMs: number) => number;
  /** Memory used (bytes) reported with every reading, as a function of epoch ms. */
  readonly memoryUsedBytes?: (tMs: number) => number;
  /** Temperature (°C) reported with every reading, as a function of epoch ms. */
  readonly temperatureCelsius?: (tMs: number) => number;
  /**
   * Make the counter host-wide like NVML's ({@link DeviceInfo.counterOriginJoules}: its value when this source opened),
   * so spans carry the device readings that share a device across processes. Default: a per-process counter.
   */
  readonly counterOriginJoules?: number;
}

/** Options of {@link SimulatedEnergySource}. */
export interface SimulatedEnergySourceOptions {
  readonly devices: readonly SimulatedDeviceOptions[];
  /** The clock read() stamps readings with, epoch ms; default `performance.timeOrigin + performance.now()`. */
  readonly now?: () => number;
  /** Time the counters start from (0 J), epoch ms; default `now()` at construction. */
  readonly originMs?: number;
}

const SIMPSON_STEP_MS = 0.05;

/** Composite Simpson integration of watts over [t0, t1] ms, in joules. Exact for piecewise cubic profiles. */
function integrate(watts: (tMs: number) => number, t0: number, t1: number): number {
  if (!(t1 > t0)) return 0;
  const n = Math.max(2, 2 * Math.ceil((t1 - t0) / SIMPSON_STEP_MS / 2));
  const h = (t1 - t0) / n;
  let sum = watts(t0) + watts(t1);
  for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * watts(t0 + i * h);
  return (sum * h) / 3 / 1000;
}

interface DeviceState {
  readonly info: DeviceInfo;
  readonly options: SimulatedDeviceOptions;
  readonly watts: (tMs: number) => number;
  readonly joules: (t0: number, t1: number) => number;
  /** Cumulative joules at `cumulativeAtMs`, kept so the counter is integrated once, forward. */
  cumulativeAtMs: number;
  cumulativeJoules: number;
}

/** An {@link EnergySource} whose devices draw a programmed power profile. */
export class SimulatedEnergySource implements EnergySource {
  readonly name = 'simulated' as const;
  /** Time the counters started from, epoch ms. */
  readonly originMs: number;
  private readonly _now: () => number;
  private readonly _devices: DeviceState[];
  private _closed = false;

  constructor(options: SimulatedEnergySourceOptions) {
    this._now = options.now ?? nowEpochMs;
    this.originMs = options.originMs ?? this._now();
    this._devices = options.devices.map((o, i) => {
      const p = o.power;
      const profile: PowerProfile = typeof p === 'number' ? constantPower(p) : typeof p === 'function' ? { watts: p } : p;
      const watts = profile.watts;
      const joules = profile.joules ?? ((t0: number, t1: number) => integrate(watts, t0, t1));
      const component = o.component ?? 'gpu';
      const info: DeviceInfo = {
        id: o.id ?? `simulated:${i}`,
        name: o.name ?? `Simulated ${component.toUpperCase()} ${i}`,
        vendor: 'openjoules',
        hwType: component === 'gpu' ? 'gpu' : component === 'cpu' ? 'cpu' : component === 'dram' ? 'memory' : 'npu',
        component,
        source: 'simulated',
        method: o.counter === false ? 'power_integration' : 'counter',
        ...((o.counterPeriodMs ?? 100) > 0 ? { counterPeriodMs: o.counterPeriodMs ?? 100 } : {}),
        ...(o.counterTimestamped ? { counterTimestamped: true } : {}),
        ...(o.counterOriginJoules !== undefined ? { counterOriginJoules: o.counterOriginJoules } : {}),
      };
      return { info, options: o, watts, joules, cumulativeAtMs: this.originMs, cumulativeJoules: 0 };
    });
  }

  devices(): readonly DeviceInfo[] {
    return this._devices.map((d) => d.info);
  }

  /** The exact joules device `device` drew between `t0Ms` and `t1Ms` (epoch ms): the truth tests compare against. */
  trueJoules(device: number, t0Ms: number, t1Ms: number): number {
    const d = this._devices[device];
    if (!d || !(t1Ms > t0Ms)) return 0;
    return d.joules(t0Ms, t1Ms);
  }

  /** The exact power of `device` at `tMs`, in watts. */
  trueWatts(device: number, tMs: number): number {
    return this._devices[device]?.watts(tMs) ?? 0;
  }

  /** The time of the counter's last tick at or before `tMs` (epoch ms). */
  lastTickMs(device: number, tMs: number): number {
    const d = this._devices[device];
    const period = d?.options.counterPeriodMs ?? 100;
    if (!d || period <= 0) return tMs;
    const phase = this.originMs + (d.options.counterPhaseMs ?? 0);
    return phase + Math.floor((tMs - phase) / period) * period;
  }

  /** What the counter reads at `tMs`: the exact integral from the origin to its last tick, in joules. */
  counterJoules(device: number, tMs: number): number {
    const d = this._devices[device];
    if (!d) return 0;
    const tick = Math.max(this.originMs, this.lastTickMs(device, tMs));
    if (tick >= d.cumulativeAtMs) {
      d.cumulativeJoules += d.joules(d.cumulativeAtMs, tick);
      d.cumulativeAtMs = tick;
      return d.cumulativeJoules;
    }
    // A read behind the cached point (a test asking about the past): integrate afresh.
    return d.joules(this.originMs, tick);
  }

  /** Readings of every device at `timeMs` (default: now). */
  read(timeMs: number = this._now()): DeviceReading[] {
    if (this._closed) return [];
    return this._devices.map((d, deviceIndex) => {
      const o = d.options;
      const r: { -readonly [K in keyof DeviceReading]: DeviceReading[K] } = { deviceIndex, timeMs };
      if (o.counter !== false) r.energyJoules = this.counterJoules(deviceIndex, timeMs);
      const reporting = o.powerReporting ?? 'instant';
      if (reporting === 'instant') r.powerWatts = readingOf(d.watts(timeMs), o.powerReadingError, timeMs);
      else if (reporting === 'average') {
        const window = o.averageWindowMs ?? 1000;
        const from = Math.max(this.originMs, timeMs - window);
        r.averagePowerWatts = timeMs > from ? d.joules(from, timeMs) / ((timeMs - from) / 1000) : d.watts(timeMs);
      }
      if (o.counter === false && reporting === 'none') r.powerWatts = d.watts(timeMs);
      if (o.utilization) r.utilization = o.utilization(timeMs);
      if (o.memoryUsedBytes) r.memoryUsedBytes = o.memoryUsedBytes(timeMs);
      if (o.temperatureCelsius) r.temperatureCelsius = o.temperatureCelsius(timeMs);
      return r;
    });
  }

  close(): void {
    this._closed = true;
  }
}

/** A constant power draw, with its exact integral. */
export function constantPower(watts: number): PowerProfile {
  return { watts: () => watts, joules: (t0, t1) => (t1 > t0 ? (watts * (t1 - t0)) / 1000 : 0) };
}

/**
 * A piecewise-constant power draw that steps through `levelsWatts` every `stepMs` from `originMs` (cycling), with its
 * exact integral — a profile that changes faster than a counter tick when `stepMs` is below it.
 */
export function steppedPower(levelsWatts: readonly number[], stepMs: number, originMs = 0): PowerProfile {
  const n = levelsWatts.length;
  const cycle = levelsWatts.reduce((a, b) => a + b, 0) * (stepMs / 1000);
  const level = (k: number): number => levelsWatts[((k % n) + n) % n] ?? 0;
  // Joules from originMs to t.
  const cumulative = (t: number): number => {
    const steps = (t - originMs) / stepMs;
    const k = Math.floor(steps);
    const full = Math.floor(k / n);
    let j = full * cycle;
    for (let i = full * n; i < k; i++) j += level(i) * (stepMs / 1000);
    return j + level(k) * ((steps - k) * stepMs) / 1000;
  };
  return {
    watts: (t) => level(Math.floor((t - originMs) / stepMs)),
    joules: (t0, t1) => (t1 > t0 ? cumulative(t1) - cumulative(t0) : 0),
  };
}

/** A power reading with the configured gain and noise (noise from the reading's time: deterministic). */
function readingOf(watts: number, error: SimulatedDeviceOptions['powerReadingError'], timeMs: number): number {
  if (!error) return watts;
  const x = Math.sin(timeMs * 12.9898) * 43758.5453;
  const noise = (x - Math.floor(x)) * 2 - 1;
  return Math.max(0, watts * (1 + (error.gain ?? 0)) + (error.noiseWatts ?? 0) * noise);
}
