// The spans of the end-to-end accuracy benchmark: lanes of spans of one nominal duration each, timed by the SDK
// (startSpan … end), running side by side. Each span's window on the profile's clock is bracketed by hrtime reads
// around startSpan (a few µs), and the naive begin/end counter difference is read from a second source on this thread.
import type { Tracer } from '@opentelemetry/api';
import type { EnergySource } from '../../src/runtime/energy/sources/source.js';
import { lcg } from '../lib/table.js';

/** Nominal span durations, ms. */
export const SPAN_BUCKETS_MS = [10, 20, 50, 100, 200, 500, 1000, 2000] as const;

/** Lanes per bucket: more for the long spans, so each bucket gets enough of them. */
const LANES: Record<number, number> = { 10: 2, 20: 2, 50: 2, 100: 2, 200: 2, 500: 3, 1000: 4, 2000: 6 };

/** One span as the benchmark saw it start and end. */
export interface SpanRecord {
  readonly spanId: string;
  readonly bucketMs: number;
  /** hrtime (ns) just before and just after startSpan. */
  readonly beforeStartNs: bigint;
  readonly afterStartNs: bigint;
  /** The naive source's cumulative joules per device, read right after the start and right before the end. */
  readonly naiveStart: readonly number[];
  naiveEnd: readonly number[];
}

/** Cumulative joules per device of a source read on this thread (the naive baseline: what Zeus does). */
export class NaiveCounters {
  private readonly _source: EnergySource;
  private readonly _latest: number[];

  constructor(source: EnergySource) {
    this._source = source;
    this._latest = source.devices().map(() => NaN);
  }

  /** Reads the source now and returns every device's latest cumulative joules. */
  read(): number[] {
    for (const r of this._source.read()) if (r.energyJoules !== undefined) this._latest[r.deviceIndex] = r.energyJoules;
    return [...this._latest];
  }

  close(): void {
    this._source.close();
  }
}

/** Runs the lanes for `runMs` of real time; resolves with every span once the last one has ended. */
export async function runSpanLanes(tracer: Tracer, naive: NaiveCounters, runMs: number, seed: number): Promise<SpanRecord[]> {
  const records: SpanRecord[] = [];
  const stopAt = performance.now() + runMs;
  const lanes: Array<Promise<void>> = [];
  let laneSeed = seed;
  for (const bucket of SPAN_BUCKETS_MS) {
    for (let l = 0; l < (LANES[bucket] ?? 1); l++) {
      const random = lcg(laneSeed++);
      lanes.push(
        (async () => {
          // Lanes start at staggered times, and wait a random gap between spans, so spans begin at every phase.
          await sleep(random() * bucket);
          while (performance.now() + bucket < stopAt) {
            const beforeStartNs = process.hrtime.bigint();
            const span = tracer.startSpan(`span ${bucket} ms`);
            const afterStartNs = process.hrtime.bigint();
            const record: SpanRecord = {
              spanId: span.spanContext().spanId,
              bucketMs: bucket,
              beforeStartNs,
              afterStartNs,
              naiveStart: naive.read(),
              naiveEnd: [],
            };
            await sleep(bucket);
            record.naiveEnd = naive.read();
            span.end();
            records.push(record);
            await sleep(random() * bucket * 0.5);
          }
        })(),
      );
    }
  }
  await Promise.all(lanes);
  return records;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
