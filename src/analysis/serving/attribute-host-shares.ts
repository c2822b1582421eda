/**
 * `openjoules attribute` without a timeline: agent spans of several processes that shared a device, re-attributed
 * from the device readings they carry (analysis/host-shares.ts), and the span input written again with the new
 * `energy.attributed.joules` (OTLP/JSON lines, as the Collector's file exporter writes them) for replay into a
 * Collector, Jaeger or Tempo.
 */
import { HostShares, type HostDevice } from '../model/host-shares.js';
import { readSpanBatches } from '../otlp/read-spans.js';
import type { ReadIssue } from '../otlp/span-record.js';
import { ATTR_ENERGY_ATTRIBUTED_JOULES } from '../../semconv.js';
import { doubleAttribute, type SpanAnnotation } from './annotate-otlp.js';
import { AttributionError } from './attribute-spans.js';
import { rewriteTraceLines } from './rewrite-trace-lines.js';

/** Options of {@link attributeHostShares}. */
export interface AttributeHostSharesOptions {
  /** OTLP/JSON lines (files or directories; read twice, so not stdin). */
  readonly inputs: readonly string[];
  /** The output file (OTLP/JSON lines). */
  readonly out: string;
  readonly strict?: boolean;
  /** Each bad line or span, with file:line. */
  readonly onIssue?: (issue: ReadIssue) => void;
}

/** What a run found and wrote. */
export interface AttributeHostSharesResult {
  readonly out: string;
  /** Spans with device readings, all given attributed joules across processes. */
  readonly spans: number;
  /** The devices the readings name, each with its processes and joules. */
  readonly devices: readonly HostDevice[];
  /** Spans read in all. */
  readonly read: number;
}

/** Runs the re-attribution and writes the output. Throws what the reader throws in strict mode, or an AttributionError. */
export async function attributeHostShares(o: AttributeHostSharesOptions): Promise<AttributeHostSharesResult> {
  if (o.inputs.includes('-')) throw new AttributionError('the span input is read twice, so it cannot be stdin: give files or directories');
  const shares = new HostShares();
  let read = 0;
  for await (const batch of readSpanBatches(o.inputs, { strict: o.strict, onIssue: o.onIssue })) {
    read += batch.length;
    for (const span of batch) shares.add(span);
  }
  if (shares.size === 0) {
    throw new AttributionError(
      'no span carries device readings (energy.device.ids, written by openjoules on a device with a host-wide energy counter); to attribute serving-engine requests give --timeline',
    );
  }
  shares.resolve();
  const annotations = new Map<string, SpanAnnotation>();
  for (const [key, joules] of shares.attributed()) annotations.set(key, [doubleAttribute(ATTR_ENERGY_ATTRIBUTED_JOULES, joules)]);
  await rewriteTraceLines(o.inputs, o.out, annotations, []);
  return { out: o.out, spans: annotations.size, devices: shares.devices, read };
}
