/**
 * The one clock readings are stamped with: epoch milliseconds as OpenTelemetry span times use them.
 */

/** Now, in epoch ms (`performance.timeOrigin + performance.now()`), monotonic within the process. */
export function nowEpochMs(): number {
  return performance.timeOrigin + performance.now();
}
