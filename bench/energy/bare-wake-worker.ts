// The floor the sampler's worker is measured against: a worker thread that wakes on the sampler's own dithered
// Atomics.wait schedule (runDitheredLoop) and does nothing. workerData: { periodMs, stop: SharedArrayBuffer }.
import { workerData } from 'node:worker_threads';
import { runDitheredLoop } from '../../src/energy/dithered-timer.js';

const data = workerData as { periodMs: number; stop: SharedArrayBuffer };
runDitheredLoop(() => {}, data.periodMs, new Int32Array(data.stop));
