/**
 * The energy sampler: reads every source on a fixed period off the span path and publishes into shared rings that
 * an {@link EnergyTimeline} reads. Two modes:
 * - {@link startEnergySampler}: a worker thread that detects and opens the real sources itself;
 * - {@link startInProcessSampler}: an unref'd timer on this thread, for in-process sources (SimulatedEnergySource,
 *   tests).
 * Neither keeps the process alive, throws into the host, or rejects: failures become `faults` in status().
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { diag } from '@opentelemetry/api';
import { DEFAULT_EDGE_READ_GAP_MS, type EnergyConfig } from '../sources/config.js';
import { startDitheredTimer, type DitheredTimer } from './dithered-timer.js';
import { DEFAULT_RING_CAPACITY, SampleRing } from '../timeline/ring.js';
import type { SamplerControlMessage, SamplerWorkerData, SamplerWorkerMessage } from './sampler-protocol.js';
import { SamplingCore, describe } from './sampling-core.js';
import type { DeviceInfo, DeviceReading, EnergySource, EnergySourceName } from '../sources/source.js';
import { EnergyTimeline } from '../timeline/timeline.js';
import { samplerWorkerEnv } from './worker-env.js';

/** What {@link EnergySampler.status} reports. */
export interface EnergySamplerStatus {
  readonly devices: readonly DeviceInfo[];
  readonly unavailable: ReadonlyArray<{ readonly source: EnergySourceName; readonly reason: string }>;
  readonly faults: readonly string[];
}

/** A running sampler and the timeline it feeds. */
export interface EnergySampler {
  readonly timeline: EnergyTimeline;
  /** Detected devices and the reason for every source not opened (for `openjoules devices`, resource attributes). */
  status(): EnergySamplerStatus;
  /** Latest full reading per device (utilization, memory, temperature too) — for hw.* metrics. */
  latestReadings(): ReadonlyArray<{ device: DeviceInfo; reading: DeviceReading | undefined }>;
  /** Stops sampling and closes the sources. Never rejects. */
  shutdown(): Promise<void>;
}

/** Options of {@link startInProcessSampler}. */
export interface InProcessSamplerOptions {
  /** Sampling period in ms; default 10. */
  readonly sampleIntervalMs?: number;
  /** Ring slots per device; default {@link DEFAULT_RING_CAPACITY}. */
  readonly ringCapacity?: number;
  /** No timer: samples are taken only when {@link InProcessSampler.sampleNow} is called (deterministic tests). */
  readonly manual?: boolean;
  /** Points of history the timeline keeps per device; default DEFAULT_HISTORY_CAPACITY (timeline.ts). */
  readonly historyCapacity?: number;
}

/** Time allowed for the worker to detect and open the sources before we go on without them, ms. */
const READY_TIMEOUT_MS = 15_000;
/** Time allowed for the worker to close the sources on shutdown before it is terminated, ms. */
const STOP_TIMEOUT_MS = 2_000;

function latestOf(devices: readonly DeviceInfo[], rings: readonly SampleRing[]) {
  return devices.map((device, i) => ({ device, reading: rings[i]?.latest(i) }));
}

/** The in-thread sampler returned by {@link startInProcessSampler}. */
export class InProcessSampler implements EnergySampler {
  readonly timeline: EnergyTimeline;
  private readonly _core: SamplingCore;
  private _timer: DitheredTimer | undefined;

  constructor(sources: readonly EnergySource[], options: InProcessSamplerOptions = {}) {
    this._core = new SamplingCore(sources, options.ringCapacity ?? DEFAULT_RING_CAPACITY);
    this.timeline = new EnergyTimeline(
      this._core.devices,
      this._core.rings,
      options.historyCapacity !== undefined ? { historyCapacity: options.historyCapacity } : {},
    );
    this._core.sampleOnce();
    if (!options.manual && this._core.devices.length > 0) {
      this._timer = startDitheredTimer(() => this._core.sampleOnce(), Math.max(1, options.sampleIntervalMs ?? 10), true);
    }
  }

  /** Takes one sample of every source now. */
  sampleNow(): void {
    this._core.sampleOnce();
  }

  status(): EnergySamplerStatus {
    return { devices: this._core.devices, unavailable: [], faults: [...this._core.faults()] };
  }

  latestReadings(): ReadonlyArray<{ device: DeviceInfo; reading: DeviceReading | undefined }> {
    return latestOf(this._core.devices, this._core.rings);
  }

  shutdown(): Promise<void> {
    this._timer?.stop();
    this._timer = undefined;
    this._core.close();
    return Promise.resolve();
  }
}

/**
 * Samples in-process sources on this thread with an unref'd timer (for SimulatedEnergySource and tests). One sample is
 * taken immediately so the timeline starts at creation.
 */
export function startInProcessSampler(sources: EnergySource[], options?: InProcessSamplerOptions): InProcessSampler {
  return new InProcessSampler(sources, options);
}

/** The worker-thread sampler returned by {@link startEnergySampler}. */
class WorkerSampler implements EnergySampler {
  readonly timeline: EnergyTimeline;
  private readonly _worker: Worker | undefined;
  private readonly _devices: readonly DeviceInfo[];
  private readonly _rings: readonly SampleRing[];
  private readonly _unavailable: EnergySamplerStatus['unavailable'];
  private _faults: readonly string[];
  private _stopping: Promise<void> | undefined;
  /** The worker's stop signal (see {@link SamplerWorkerData.stop}). */
  private readonly _stop: Int32Array | undefined;

  constructor(
    worker: Worker | undefined,
    ready: Extract<SamplerWorkerMessage, { type: 'ready' }>,
    stop?: SharedArrayBuffer,
    edgeReadGapMs = DEFAULT_EDGE_READ_GAP_MS,
  ) {
    this._worker = worker;
    this._stop = stop ? new Int32Array(stop) : undefined;
    this._devices = ready.devices;
    this._rings = ready.buffers.map((b) => SampleRing.attach(b));
    this._unavailable = ready.unavailable;
    this._faults = ready.faults;
    const requestReading = this._stop && this._stop.length > 1 && edgeReadGapMs > 0 ? edgeReadRequester(this._stop, edgeReadGapMs) : undefined;
    this.timeline = new EnergyTimeline(this._devices, this._rings, requestReading ? { requestReading } : {});
  }

  setFaults(faults: readonly string[]): void {
    this._faults = faults;
  }

  status(): EnergySamplerStatus {
    return { devices: this._devices, unavailable: this._unavailable, faults: this._faults };
  }

  latestReadings(): ReadonlyArray<{ device: DeviceInfo; reading: DeviceReading | undefined }> {
    return latestOf(this._devices, this._rings);
  }

  shutdown(): Promise<void> {
    this._stopping ??= stopWorker(this._worker, this._stop);
    return this._stopping;
  }
}

/**
 * Asks the worker for a reading now (runDitheredLoop: one more in the signal's request count, and a wake). Every request
 * is counted, but the worker is woken at most once per `gapMs`: a wake costs the worker's thread tens of microseconds,
 * so spans a few microseconds apart share one. A request counted without a wake is served by the follow-up reading of
 * the one that woke it (runDitheredLoop), which then follows up in turn: each edge gets a reading after it and one
 * past it. Costs the caller a clock read and an atomic add, and a futex wake when the worker sleeps (a worker on a
 * timer, powermetrics', never looks at the count: nothing happens).
 */
function edgeReadRequester(signal: Int32Array, gapMs: number): () => void {
  let last = -Infinity;
  return () => {
    Atomics.add(signal, 1, 1);
    const now = performance.now();
    if (now - last < gapMs) return;
    last = now;
    Atomics.notify(signal, 0, 1);
  };
}

function stopWorker(worker: Worker | undefined, stop: Int32Array | undefined): Promise<void> {
  if (!worker) return Promise.resolve();
  // A worker sleeping in Atomics.wait between samples wakes on this; one on a timer gets the message below.
  if (stop) {
    Atomics.store(stop, 0, 1);
    Atomics.notify(stop, 0);
  }
  // Whoever awaits shutdown expects it to finish: hold the event loop open until the worker is gone.
  worker.ref();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      worker.terminate().then(
        () => resolve(),
        () => resolve(),
      );
    }, STOP_TIMEOUT_MS);
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      worker.postMessage({ type: 'stop' } satisfies SamplerControlMessage);
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

/**
 * Where the worker's code is, and how to start it when we run from TypeScript sources (tests, tsx). The worker runs
 * none of the host's preloads (`execArgv: []`, and NODE_OPTIONS without them: worker-env.ts): a preload that builds
 * our span processor would otherwise start a sampler in the sampler's own worker, and so on.
 */
function spawnWorker(data: SamplerWorkerData): Worker {
  const here = import.meta.url;
  const options = { workerData: data, name: 'openjoules-sampler', execArgv: [], env: samplerWorkerEnv(process.env) };
  if (here.endsWith('.ts')) {
    // Running from source (vitest, tsx): register tsx in the worker, then load the TypeScript worker module.
    const url = new URL('./sampler-worker.ts', here).href;
    const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url)}); })`;
    return new Worker(code, { ...options, eval: true });
  }
  return new Worker(new URL('./sampler-worker.js', here), options);
}

/**
 * Starts the sampler on a worker thread: the worker detects and opens the sources in `config`, then samples them every
 * `config.sampleIntervalMs`. Resolves once the devices are known (or with no devices, and the reason, if the worker
 * could not start). Never rejects. The worker does not keep the process alive.
 */
export function startEnergySampler(config: EnergyConfig, options: { ringCapacity?: number } = {}): Promise<EnergySampler> {
  const data: SamplerWorkerData = { config, ringCapacity: options.ringCapacity ?? DEFAULT_RING_CAPACITY, stop: new SharedArrayBuffer(8) };
  const empty = (reason: string): EnergySampler => {
    diag.warn(`openjoules: energy sampler not started: ${reason}`);
    return new WorkerSampler(undefined, { type: 'ready', devices: [], unavailable: [], buffers: [], faults: [reason] });
  };
  if (config.sources === 'none') {
    return Promise.resolve(new WorkerSampler(undefined, { type: 'ready', devices: [], unavailable: [], buffers: [], faults: [] }));
  }
  return new Promise<EnergySampler>((resolve) => {
    let worker: Worker;
    try {
      worker = spawnWorker(data);
    } catch (error) {
      resolve(empty(`worker failed to start: ${describe(error)}`));
      return;
    }
    let sampler: WorkerSampler | undefined;
    let earlyFaults: string[] = [];
    // Ref'd until ready, so a top-level `await startEnergySampler()` is not cut short; unref'd afterwards.
    const timer = setTimeout(() => {
      if (sampler) return;
      resolve(empty(`worker not ready after ${READY_TIMEOUT_MS} ms`));
      void worker.terminate().catch(() => {});
    }, READY_TIMEOUT_MS);
    worker.on('message', (message: SamplerWorkerMessage) => {
      if (message.type === 'ready' && !sampler) {
        clearTimeout(timer);
        sampler = new WorkerSampler(worker, { ...message, faults: [...earlyFaults, ...message.faults] }, data.stop, config.edgeReadGapMs);
        worker.unref();
        resolve(sampler);
      } else if (message.type === 'faults') {
        if (sampler) sampler.setFaults(message.faults);
        else earlyFaults = message.faults;
      }
    });
    worker.on('error', (error) => {
      const line = `sampler worker: ${describe(error)}`;
      if (sampler) sampler.setFaults([...sampler.status().faults, line]);
      else {
        clearTimeout(timer);
        resolve(empty(line));
      }
    });
    worker.on('exit', (code) => {
      if (!sampler) {
        clearTimeout(timer);
        resolve(empty(`worker exited (${code}) before reporting devices${earlyFaults.length ? `: ${earlyFaults.join('; ')}` : ''}`));
      }
    });
  });
}
