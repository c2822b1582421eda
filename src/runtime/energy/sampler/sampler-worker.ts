/**
 * The sampler's worker thread: opens the energy sources itself (koffi handles cannot cross threads), then reads them
 * every `sampleIntervalMs` into shared rings, off the agent's event loop. Nothing here ever throws to the main thread:
 * every failure becomes a fault line in status().
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SamplerControlMessage, SamplerWorkerData, SamplerWorkerMessage } from './sampler-protocol.js';
import { runDitheredLoop, startDitheredTimer } from './dithered-timer.js';
import { SamplingCore, describe } from './sampling-core.js';
import type { DetectionResult, DeviceInfo } from '../sources/source.js';

/** How often new faults are posted at most, ms: a source failing on every read must not flood the agent's thread. */
const FAULT_POST_INTERVAL_MS = 1000;

/**
 * A fast counter's follow-up, in its periods. Its reads land in the second half of a tick interval (the sources wait
 * out half a period after a tick, tick-edge.ts), so 0.9 periods on is the next interval, wherever in that half the
 * first one was; 1.2 (as before) skipped an interval whenever the first read came late in one, and the edge's interval
 * was then known at one end only.
 */
const FAST_FOLLOW_UP_PERIODS = 0.9;

/**
 * How long after an edge reading to read again, ms. A counter that ticks faster than the schedule reads it (RAPL, a
 * 1 ms ROCm accumulator): FAST_FOLLOW_UP_PERIODS, so the second read shows its next tick and the tick interval
 * holding the edge is known at both ends. Otherwise half the schedule's period: one more power sample next to the
 * edge, where the power samples shape how much of the tick interval around it falls inside the span.
 */
function edgeFollowUpMs(devices: readonly DeviceInfo[], periodMs: number): number {
  let fastest = Infinity;
  for (const d of devices) if (d.counterPeriodMs !== undefined && d.counterPeriodMs > 0) fastest = Math.min(fastest, d.counterPeriodMs);
  return fastest < periodMs ? fastest * FAST_FOLLOW_UP_PERIODS : periodMs / 2;
}

function post(message: SamplerWorkerMessage): void {
  try {
    parentPort?.postMessage(message);
  } catch {
    // The main thread is gone; nothing to tell.
  }
}

async function main(): Promise<void> {
  const data = workerData as SamplerWorkerData;
  let detection: DetectionResult;
  try {
    // Loaded here, in the worker only: detection opens koffi handles, which cannot cross threads.
    const { detectEnergySources } = await import('../sources/detect.js');
    detection = await detectEnergySources(data.config);
  } catch (error) {
    detection = { sources: [], unavailable: [{ source: 'estimate', reason: `detection failed: ${describe(error)}` }] };
  }
  const core = new SamplingCore(detection.sources, data.ringCapacity);
  core.takeNewFaults();
  post({
    type: 'ready',
    devices: [...core.devices],
    unavailable: detection.unavailable.map((u) => ({ source: u.source, reason: u.reason })),
    buffers: core.rings.map((r) => r.buffer as SharedArrayBuffer),
    faults: [...core.faults()],
  });
  if (core.devices.length === 0) {
    core.close();
    parentPort?.close();
    return;
  }
  core.sampleOnce();
  const periodMs = Math.max(1, data.config.sampleIntervalMs);
  // Counted in ticks, not read from a clock: a second clock (Date.now) was a cold path of its own at every wake.
  const ticksBetweenFaultPosts = Math.max(1, Math.round(FAULT_POST_INTERVAL_MS / periodMs));
  let ticksSinceFaultPost = ticksBetweenFaultPosts;
  const tick = (): void => {
    core.sampleOnce();
    if (++ticksSinceFaultPost >= ticksBetweenFaultPosts && core.takeNewFaults()) {
      ticksSinceFaultPost = 0;
      post({ type: 'faults', faults: [...core.faults()] });
    }
  };
  const stopped = (): void => {
    core.close();
    post({ type: 'closed' });
    parentPort?.close();
  };
  if (!core.needsEventLoop) {
    // Nothing else runs on this thread: sleep in Atomics.wait until the next sample or the stop signal.
    runDitheredLoop(tick, periodMs, new Int32Array(data.stop), edgeFollowUpMs(core.devices, periodMs));
    stopped();
    return;
  }
  const timer = startDitheredTimer(tick, periodMs, false);
  parentPort?.on('message', (message: SamplerControlMessage) => {
    if (message?.type !== 'stop') return;
    timer.stop();
    stopped();
  });
}

process.on('uncaughtException', (error) => post({ type: 'faults', faults: [`sampler worker: ${describe(error)}`] }));
process.on('unhandledRejection', (error) => post({ type: 'faults', faults: [`sampler worker: ${describe(error)}`] }));
main().catch((error: unknown) => post({ type: 'faults', faults: [`sampler worker: ${describe(error)}`] }));
