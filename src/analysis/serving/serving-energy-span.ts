/**
 * The one span `openjoules attribute` adds to its output: the attribution window with the devices' joules, the
 * requests' total and the idle rest, so idle energy is visible next to the requests (in Jaeger, Tempo, `summary`)
 * and never spread over them.
 */
import { randomBytes } from 'node:crypto';
import type { OtlpTraceRequest } from '../../runtime/otlp/encode.js';
import {
  ATTR_ENERGY_SERVING_DEVICE_JOULES,
  ATTR_ENERGY_SERVING_IDLE_JOULES,
  ATTR_ENERGY_SERVING_JOULES,
  ATTR_ENERGY_SERVING_METHOD,
  ATTR_ENERGY_SERVING_REQUESTS,
  ATTR_ENERGY_SOURCE,
  ATTR_OPENJOULES_ENERGY_DEVICES,
} from '../../semconv.js';
import { TRACER_NAME, TRACER_VERSION } from '../../runtime/api/tracer.js';
import { doubleAttribute, intAttribute, stringArrayAttribute, stringAttribute } from './annotate-otlp.js';

/** Name of the span. */
export const SERVING_ENERGY_SPAN_NAME = 'openjoules serving energy';

/** What the span reports. */
export interface ServingEnergySummary {
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  readonly deviceJoules: number;
  readonly requestJoules: number;
  readonly idleJoules: number;
  readonly requests: number;
  /** `serving_fair_share` or `serving_token_weighted`. */
  readonly method: string;
  /** Device ids and names, e.g. `nvml:0=NVIDIA H100 80GB HBM3`. */
  readonly devices: readonly string[];
  readonly sources: readonly string[];
}

/** One OTLP/JSON document holding the span, in a trace of its own (service.name `openjoules`). */
export function servingEnergyDocument(summary: ServingEnergySummary): OtlpTraceRequest {
  return {
    resourceSpans: [
      {
        resource: { attributes: [stringAttribute('service.name', 'openjoules'), stringArrayAttribute(ATTR_OPENJOULES_ENERGY_DEVICES, summary.devices)] },
        scopeSpans: [
          {
            scope: { name: TRACER_NAME, version: TRACER_VERSION },
            spans: [
              {
                traceId: randomBytes(16).toString('hex'),
                spanId: randomBytes(8).toString('hex'),
                name: SERVING_ENERGY_SPAN_NAME,
                kind: 1,
                startTimeUnixNano: msToNanoString(summary.windowStartMs),
                endTimeUnixNano: msToNanoString(summary.windowEndMs),
                attributes: [
                  doubleAttribute(ATTR_ENERGY_SERVING_DEVICE_JOULES, summary.deviceJoules),
                  doubleAttribute(ATTR_ENERGY_SERVING_JOULES, summary.requestJoules),
                  doubleAttribute(ATTR_ENERGY_SERVING_IDLE_JOULES, summary.idleJoules),
                  intAttribute(ATTR_ENERGY_SERVING_REQUESTS, summary.requests),
                  stringAttribute(ATTR_ENERGY_SERVING_METHOD, summary.method),
                  stringAttribute(ATTR_ENERGY_SOURCE, summary.sources.join(',')),
                ],
              },
            ],
          },
        ],
      },
    ],
  };
}

/** Epoch ms (with a fraction) → decimal nanoseconds, exact to the nanosecond without a lossy 19-digit float. */
export function msToNanoString(ms: number): string {
  const whole = Math.floor(ms);
  const nanos = Math.round((ms - whole) * 1e6);
  return (BigInt(whole) * 1_000_000n + BigInt(nanos)).toString();
}
