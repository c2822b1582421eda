// The sampler worker's clock when every source is synchronous: a loop sleeping in Atomics.wait, run here for real.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { runDitheredLoop } from '../../src/runtime/energy/sampler/dithered-timer.js';

describe('runDitheredLoop', () => {
  it('keeps the mean period, dithers each interval, and ends when the stop flag is set', () => {
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const times: number[] = [];
    runDitheredLoop(
      () => {
        times.push(performance.now());
        if (times.length === 60) Atomics.store(stop, 0, 1);
      },
      4,
      stop,
    );
    expect(times).toHaveLength(60);
    const intervals = times.slice(1).map((t, i) => t - (times[i] ?? t));
    const mean = (times.at(-1)! - times[0]!) / intervals.length;
    // Absolute deadlines: lateness on one sample is not carried into the next, so the mean stays near 4 ms (the upper
    // bound leaves room for a busy test machine that wakes us late now and then).
    expect(mean).toBeGreaterThan(3.2);
    expect(mean).toBeLessThan(10);
    // Dithered ±20%: reads land at varying phases, not all intervals alike.
    const sorted = [...intervals].sort((a, b) => a - b);
    expect(sorted.at(-1)! - sorted[0]!).toBeGreaterThan(0.8);
  });

  it('wakes at once when another thread sets the flag and notifies, mid-sleep', async () => {
    const buffer = new SharedArrayBuffer(4);
    const stop = new Int32Array(buffer);
    const code = `
      const { workerData } = require('node:worker_threads');
      const stop = new Int32Array(workerData);
      setTimeout(() => { Atomics.store(stop, 0, 1); Atomics.notify(stop, 0); }, 100);`;
    const worker = new Worker(code, { eval: true, workerData: buffer });
    const online = new Promise((resolve) => worker.once('online', resolve));
    await online;
    let ticks = 0;
    const t0 = performance.now();
    runDitheredLoop(() => ticks++, 60_000, stop); // the first sample is due in about a minute
    const elapsed = performance.now() - t0;
    await worker.terminate();
    expect(ticks).toBe(0);
    expect(elapsed).toBeLessThan(5_000);
  });
});

describe('runDitheredLoop: readings asked for now (span edges)', () => {
  /**
   * Runs the loop on this thread (its schedule a minute away, follow-ups `followUpMs` on) while another thread runs
   * `script` against the signal (`ask()`: count a request and wake; `count()`: count one without a wake; `stop()`);
   * the loop's reading times, ms from its start.
   */
  async function loopWithAsker(script: string, followUpMs: number): Promise<number[]> {
    const buffer = new SharedArrayBuffer(8);
    const signal = new Int32Array(buffer);
    const code = `
      const { workerData } = require('node:worker_threads');
      const signal = new Int32Array(workerData);
      const count = () => Atomics.add(signal, 1, 1);
      const ask = () => { count(); Atomics.notify(signal, 0); };
      const stop = () => { Atomics.store(signal, 0, 1); Atomics.notify(signal, 0); };
      ${script}`;
    const worker = new Worker(code, { eval: true, workerData: buffer });
    await new Promise((resolve) => worker.once('online', resolve));
    const t0 = performance.now();
    const ticks: number[] = [];
    runDitheredLoop(() => ticks.push(performance.now() - t0), 60_000, signal, followUpMs);
    await worker.terminate();
    return ticks;
  }

  it('reads at once for a request, again followUpMs later, and keeps its schedule', async () => {
    // Two requests, 150 ms apart, then stop.
    const ticks = await loopWithAsker('setTimeout(ask, 50); setTimeout(ask, 200); setTimeout(stop, 400);', 20);
    // Each read at once and followed up 20 ms later: four reads, none from the minute-long schedule.
    expect(ticks).toHaveLength(4);
    expect(ticks[1]! - ticks[0]!).toBeGreaterThanOrEqual(20);
    expect(ticks[3]! - ticks[2]!).toBeGreaterThanOrEqual(20);
    expect(ticks[2]! - ticks[0]!).toBeGreaterThan(60);
  });

  it('serves a request counted without a wake (the asker\'s gap) with the follow-up, and follows that up in turn', async () => {
    // One request with a wake, one 5 ms later counted only (within the asker's gap), then stop.
    const ticks = await loopWithAsker('setTimeout(ask, 50); setTimeout(count, 55); setTimeout(stop, 400);', 40);
    // Read at once for the first; 40 ms on, the follow-up (after the second request too); 40 ms on again, its own.
    expect(ticks).toHaveLength(3);
    expect(ticks[1]! - ticks[0]!).toBeGreaterThanOrEqual(40);
    expect(ticks[2]! - ticks[1]!).toBeGreaterThanOrEqual(40);
  });

  it('does not lose a request made while a reading is under way', async () => {
    const buffer = new SharedArrayBuffer(8);
    const signal = new Int32Array(buffer);
    const code = `
      const { workerData } = require('node:worker_threads');
      const signal = new Int32Array(workerData);
      setTimeout(() => { Atomics.add(signal, 1, 1); Atomics.notify(signal, 0); }, 50);
      setTimeout(() => { Atomics.store(signal, 0, 1); Atomics.notify(signal, 0); }, 300);`;
    let ticks = 0;
    const worker = new Worker(code, { eval: true, workerData: buffer });
    runDitheredLoop(
      () => {
        ticks++;
        // A second request lands while this first reading runs (nobody waits on the flag then: the notify is lost).
        if (ticks === 1) {
          Atomics.add(signal, 1, 1);
          Atomics.notify(signal, 0);
        }
      },
      60_000,
      signal,
    );
    await worker.terminate();
    expect(ticks).toBe(2);
  });
});
