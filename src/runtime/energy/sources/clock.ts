/**
 * The one clock readings are stamped with: epoch milliseconds as OpenTelemetry span times use them.
 */
import { performance } from 'node:perf_hooks';

/**
 * Fixed for the life of the thread. Read once: the global `performance` is a lazy getter on Node 20 and 22, and
 * `timeOrigin` a getter behind it, which the sampler would otherwise pay at every read of every device.
 */
const TIME_ORIGIN = performance.timeOrigin;

/** Now, in epoch ms (`performance.timeOrigin + performance.now()`), monotonic within the process. */
export function nowEpochMs(): number {
  return TIME_ORIGIN + performance.now();
}
