import type { SpanRecord } from '../otlp/span-record.js';
import * as sc from '../../semconv.js';
import { pyJsonDumpsSorted } from './py-json.js';

/**
 * GPUs per Hugging Face job flavour, the seed's `_FLAVOR_GPU_COUNT` (ml-intern `build_kpis.py`): the GPU count of a
 * finished job that does not carry `openjoules.job.gpu.count`. An unknown flavour counts 0 GPUs, as in the seed.
 */
export const SEED_FLAVOR_GPU_COUNT: Readonly<Record<string, number>> = {
  'cpu-basic': 0,
  'cpu-upgrade': 0,
  't4-small': 1,
  't4-medium': 1,
  l4x1: 1,
  l4x4: 4,
  l40sx1: 1,
  l40sx4: 4,
  l40sx8: 8,
  'a10g-small': 1,
  'a10g-large': 1,
  'a10g-largex2': 2,
  'a10g-largex4': 4,
  'a100-large': 1,
  a100x2: 2,
  a100x4: 4,
  a100x8: 8,
  h100: 1,
  h100x8: 8,
};

/** Final statuses (lower-cased) that count a job as succeeded, as the seed's. */
const SUCCEEDED: ReadonlySet<string> = new Set(['completed', 'succeeded', 'success']);

type SpanEvent = SpanRecord['events'][number];

/**
 * The seed's per-event counters, fed by span events instead of session events: feedback thumbs, jobs submitted,
 * succeeded and blocked, GPU-hours per flavour, and call-to-action clicks per source. Memory: one entry per distinct
 * flavour and source.
 */
export class EventCounters {
  thumbsUp = 0;
  thumbsDown = 0;
  jobsSubmitted = 0;
  jobsSucceeded = 0;
  jobsBlocked = 0;
  ctaClicks = 0;
  readonly gpuHoursByFlavor = new Map<string, number>();
  readonly ctaBySource = new Map<string, number>();

  /** Counts one span's events (already validated by span-schema.ts). */
  add(events: readonly SpanEvent[]): void {
    for (const event of events) {
      switch (event.name) {
        case sc.EVENT_OPENJOULES_FEEDBACK: {
          const rating = event.attributes[sc.ATTR_OPENJOULES_FEEDBACK_RATING];
          if (rating === 'up') this.thumbsUp++;
          else if (rating === 'down') this.thumbsDown++;
          break;
        }
        case sc.EVENT_OPENJOULES_JOB_SUBMIT:
          this.jobsSubmitted++;
          break;
        case sc.EVENT_OPENJOULES_JOB_COMPLETE:
          this._jobComplete(event.attributes);
          break;
        case sc.EVENT_OPENJOULES_JOB_BLOCKED:
          this.jobsBlocked++;
          break;
        case sc.EVENT_OPENJOULES_CTA_CLICK: {
          this.ctaClicks++;
          const source = event.attributes[sc.ATTR_OPENJOULES_CTA_SOURCE];
          // The seed: str(data.get("source") or "unknown").
          const key = typeof source === 'string' && source !== '' ? source : 'unknown';
          this.ctaBySource.set(key, (this.ctaBySource.get(key) ?? 0) + 1);
          break;
        }
      }
    }
  }

  /** The seed's `gpu_hours_by_flavor_json`: `json.dumps({flavor: gpu-hours}, sort_keys=True)`, floats as Python writes them. */
  gpuHoursJson(): string {
    return pyJsonDumpsSorted(this.gpuHoursByFlavor, 'float');
  }

  /** The seed's `pro_cta_by_source_json`: `json.dumps({source: clicks}, sort_keys=True)`. */
  ctaBySourceJson(): string {
    return pyJsonDumpsSorted(this.ctaBySource, 'int');
  }

  private _jobComplete(attributes: SpanEvent['attributes']): void {
    const flavorValue = attributes[sc.ATTR_OPENJOULES_JOB_FLAVOR];
    const flavor = typeof flavorValue === 'string' && flavorValue !== '' ? flavorValue : 'unknown';
    const status = attributes[sc.ATTR_OPENJOULES_JOB_STATUS];
    const wall = attributes[sc.ATTR_OPENJOULES_JOB_DURATION];
    const given = attributes[sc.ATTR_OPENJOULES_JOB_GPU_COUNT];
    const gpus = typeof given === 'number' ? given : Object.hasOwn(SEED_FLAVOR_GPU_COUNT, flavor) ? SEED_FLAVOR_GPU_COUNT[flavor]! : 0;
    const hours = ((typeof wall === 'number' ? wall : 0) * gpus) / 3600;
    this.gpuHoursByFlavor.set(flavor, (this.gpuHoursByFlavor.get(flavor) ?? 0) + hours);
    if (typeof status === 'string' && SUCCEEDED.has(status.toLowerCase())) this.jobsSucceeded++;
  }
}
