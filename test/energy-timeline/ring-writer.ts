// Worker for ring.test.ts: writes `count` readings as fast as it can; every field is derived from the index, so a torn
// sample would show as fields that disagree.
import { workerData } from 'node:worker_threads';
import { SampleRing } from '../../src/runtime/energy/timeline/ring.js';

const { buffer, count } = workerData as { buffer: SharedArrayBuffer; count: number };
const ring = SampleRing.attach(buffer);
for (let i = 1; i <= count; i++) {
  ring.write({ deviceIndex: 0, timeMs: i, energyJoules: 2 * i, powerWatts: 3 * i, averagePowerWatts: 4 * i, utilization: 5 * i });
}
