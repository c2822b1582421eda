/**
 * `openjoules attribute` without the command line: reads the spans (pass 1: the serving requests and the spans' time
 * span), the energy timeline, splits the energy, then rewrites the span input with the joules on the request spans
 * and their callers' spans (pass 2), plus one serving-energy span with the idle rest.
 */
import { readSpanBatches } from '../otlp/read-spans.js';
import type { ReadIssue, SpanRecord } from '../otlp/span-record.js';
import * as sc from '../../semconv.js';
import { doubleAttribute, intAttribute, spanKey, stringAttribute, type SpanAnnotation } from './annotate-otlp.js';
import { attributeEnergy, type AttributionResult, type AttributionRule } from './attribute-energy.js';
import { CallerIndex } from './caller-index.js';
import { readServingTimeline } from './read-timeline.js';
import { rewriteTraceLines } from './rewrite-trace-lines.js';
import { isServingRequestSpan, readServingRequest, type ServingRequest } from './serving-request.js';
import { servingEnergyDocument } from './serving-energy-span.js';

/** The `energy.method` value each rule writes. */
export const RULE_METHOD: Readonly<Record<AttributionRule, string>> = {
  fair: sc.ATTR_ENERGY_METHOD_VALUE_SERVING_FAIR_SHARE,
  tokens: sc.ATTR_ENERGY_METHOD_VALUE_SERVING_TOKEN_WEIGHTED,
};

/** Options of {@link attributeSpans}. */
export interface AttributeSpansOptions {
  /** OTLP/JSON lines (files or directories; read twice, so not stdin). */
  readonly inputs: readonly string[];
  /** Energy timeline files or directories. */
  readonly timeline: readonly string[];
  /** The output file (OTLP/JSON lines). */
  readonly out: string;
  readonly rule: AttributionRule;
  /** Timeline devices to use; default every GPU. */
  readonly devices?: readonly string[];
  readonly strict?: boolean;
  /** Each bad line or span, with file:line. */
  readonly onIssue?: (issue: ReadIssue) => void;
}

/** What a run found and wrote. */
export interface AttributeSpansResult {
  readonly attribution: AttributionResult;
  readonly out: string;
  /** Request spans given energy. */
  readonly requests: number;
  /** Request spans entirely outside the timeline or the window (left without energy). */
  readonly outside: number;
  /** Request spans only partly covered (energy.serving.coverage < 1). */
  readonly partlyCovered: number;
  /** Request spans whose token counts were missing under `tokens` (split equally where they ran). */
  readonly tokensMissing: number;
  /** Caller spans that got energy.serving.joules. */
  readonly callers: number;
  /** Requests whose caller span is not in the input (their joules are on the request span only). */
  readonly callersMissing: number;
  /** Stretches of the timeline left uncovered (gaps, restarts). */
  readonly timelineGaps: number;
  /** The devices used, as `id=name`. */
  readonly devices: readonly string[];
}

/** Why a run could not produce output (bad selection, no overlap); the message is one line. */
export class AttributionError extends Error {
  readonly code = 'OJ_ATTRIBUTION';
}

/** Runs the attribution and writes the output. Throws what the readers throw in strict mode, or an AttributionError. */
export async function attributeSpans(o: AttributeSpansOptions): Promise<AttributeSpansResult> {
  if (o.inputs.includes('-')) throw new AttributionError('the span input is read twice, so it cannot be stdin: give files or directories');
  // Pass 1: the request spans, and the time the input covers.
  const requests: ServingRequest[] = [];
  let spansStart = Infinity;
  let spansEnd = -Infinity;
  const callers = new CallerIndex();
  // The reader's `validate` reports a bad request span with its file:line; what it read is kept for the loop (one
  // line's spans at a time).
  const read = new Map<SpanRecord, ServingRequest>();
  const batches = readSpanBatches(o.inputs, {
    strict: o.strict,
    onIssue: o.onIssue,
    validate: (span) => {
      if (!isServingRequestSpan(span)) return undefined;
      const request = readServingRequest(span);
      if (typeof request === 'string') return request;
      read.set(span, request);
      return undefined;
    },
  });
  for await (const batch of batches) {
    for (const span of batch) {
      if (span.startMs < spansStart) spansStart = span.startMs;
      if (span.endMs > spansEnd) spansEnd = span.endMs;
      callers.add(span);
      const request = read.get(span);
      if (request) requests.push(request);
    }
    read.clear();
  }
  if (requests.length === 0) throw new AttributionError('no serving request spans in the input (spans with gen_ai.latency.time_to_first_token, as vLLM writes them)');

  const timeline = await readServingTimeline(o.timeline, { devices: o.devices, fromMs: spansStart, toMs: spansEnd, strict: o.strict, onIssue: o.onIssue });
  const windowStart = Math.max(spansStart, timeline.startMs);
  const windowEnd = Math.min(spansEnd, timeline.endMs);
  if (!(windowEnd > windowStart)) {
    throw new AttributionError(
      `the timeline (${iso(timeline.startMs)} to ${iso(timeline.endMs)}) does not overlap the spans (${iso(spansStart)} to ${iso(spansEnd)})`,
    );
  }
  const attribution = attributeEnergy(requests, timeline, o.rule, windowStart, windowEnd);

  // The attributes each span gets.
  const method = RULE_METHOD[o.rule];
  const sources = [...new Set(timeline.devices.map((d) => d.source).filter(Boolean))];
  const annotations = new Map<string, SpanAnnotation>();
  const callerJoules = new Map<string, { joules: number; requests: number }>();
  let outside = 0;
  let partly = 0;
  let tokensMissing = 0;
  let requestJoules = 0;
  requests.forEach((r, i) => {
    const share = attribution.requests[i]!;
    if (share.onGpuMs > 0 && !(share.coveredMs > 0)) {
      outside++;
      return;
    }
    const coverage = share.onGpuMs > 0 ? Math.min(1, share.coveredMs / share.onGpuMs) : 1;
    if (coverage < 0.999999) partly++;
    if (share.tokensMissing) tokensMissing++;
    requestJoules += share.joules;
    const attributes = [
      doubleAttribute(sc.ATTR_ENERGY_JOULES, share.joules),
      doubleAttribute(sc.ATTR_ENERGY_ATTRIBUTED_JOULES, share.joules),
      doubleAttribute(sc.ATTR_ENERGY_PREFILL_JOULES, share.prefillJoules),
      doubleAttribute(sc.ATTR_ENERGY_DECODE_JOULES, share.decodeJoules),
      ...Object.entries(share.components).map(([component, joules]) => doubleAttribute(`energy.${component}.joules`, joules)),
      stringAttribute(sc.ATTR_ENERGY_METHOD, method),
      stringAttribute(sc.ATTR_ENERGY_SOURCE, sources.join(',')),
      ...(coverage < 0.999999 ? [doubleAttribute(sc.ATTR_ENERGY_SERVING_COVERAGE, coverage)] : []),
    ];
    annotations.set(spanKey(r.traceId, r.spanId), attributes);
    if (r.parentSpanId === undefined) return;
    const key = callers.callerOf(spanKey(r.traceId, r.parentSpanId));
    const caller = callerJoules.get(key) ?? { joules: 0, requests: 0 };
    caller.joules += share.joules;
    caller.requests++;
    callerJoules.set(key, caller);
  });
  for (const [key, caller] of callerJoules) {
    // A request span that is itself a caller (nested engines) keeps its own joules and gains the serving ones.
    const own = annotations.get(key) ?? [];
    annotations.set(key, [
      ...own,
      doubleAttribute(sc.ATTR_ENERGY_SERVING_JOULES, caller.joules),
      intAttribute(sc.ATTR_ENERGY_SERVING_REQUESTS, caller.requests),
      stringAttribute(sc.ATTR_ENERGY_SERVING_METHOD, method),
    ]);
  }

  // Pass 2: the input again, line by line, with the attributes set; then the serving-energy span.
  const devices = timeline.devices.map((d) => (d.name ? `${d.device}=${d.name}` : d.device));
  const applied = await rewriteTraceLines(o.inputs, o.out, annotations, [
    JSON.stringify(
      servingEnergyDocument({
        windowStartMs: windowStart,
        windowEndMs: windowEnd,
        deviceJoules: attribution.deviceJoules,
        requestJoules,
        idleJoules: attribution.idleJoules,
        requests: requests.length - outside,
        method,
        devices,
        sources,
      }),
    ),
  ]);
  const callersFound = [...callerJoules.keys()].filter((key) => applied.has(key)).length;
  const callersMissing = [...callerJoules.entries()].filter(([key]) => !applied.has(key)).reduce((sum, [, c]) => sum + c.requests, 0);
  return {
    attribution,
    out: o.out,
    requests: requests.length - outside,
    outside,
    partlyCovered: partly,
    tokensMissing,
    callers: callersFound,
    callersMissing,
    timelineGaps: timeline.gaps,
    devices,
  };
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : 'none';
}
