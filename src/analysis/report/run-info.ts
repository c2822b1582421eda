import { strings } from '../model/attribute-value.js';
import { fairShare } from '../model/energy-rule.js';
import { analyzeSpans } from '../model/span-set.js';
import type { SpanRecord } from '../otlp/span-record.js';
import * as sc from '../../semconv.js';
import { amount, STATUS_ERROR, text } from './span-energy.js';

/** What the report's header says about the run. */
export interface RunInfo {
  readonly services: readonly string[];
  /** Energy sources named by the resources (`openjoules.energy.sources`) or by spans (`energy.source`). */
  readonly sources: readonly string[];
  /** Devices the resources name (`openjoules.energy.devices`), e.g. `nvml:gpu0=NVIDIA H100`. */
  readonly devices: readonly string[];
  /** Sources that were looked for and not found (`openjoules.energy.unavailable`). */
  readonly unavailable: readonly string[];
  /** `energy.method` value → number of spans carrying it. */
  readonly methods: ReadonlyMap<string, number>;
  /** Spans with energy whose method or source is `estimate`. */
  readonly estimatedSpans: number;
  /** Spans with any energy attribute. */
  readonly energySpans: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly spans: number;
  readonly traces: number;
  readonly errors: number;
  /** Model calls, tool calls and agent turns, nested spans of one counting once (analysis/genai-units.ts). */
  readonly llmCalls: number;
  readonly toolCalls: number;
  readonly turns: number;
  /** The run's energy, each joule once: the fair shares of its energy roots (analysis/energy-rule.ts). */
  readonly totalJoules: number;
}

/** Collects the header facts in one pass over the spans. */
export function describeRun(spans: readonly SpanRecord[]): RunInfo {
  const services = new Set<string>();
  const sources = new Set<string>();
  const devices = new Set<string>();
  const unavailable = new Set<string>();
  const methods = new Map<string, number>();
  const traces = new Set<string>();
  const seenResources = new Set<object>();
  let startMs = Infinity;
  let endMs = -Infinity;
  let errors = 0;
  let estimatedSpans = 0;
  let energySpans = 0;
  for (const span of spans) {
    traces.add(span.traceId);
    startMs = Math.min(startMs, span.startMs);
    endMs = Math.max(endMs, span.endMs);
    if (span.statusCode === STATUS_ERROR) errors++;
    const method = text(span.attributes[sc.ATTR_ENERGY_METHOD]);
    const source = text(span.attributes[sc.ATTR_ENERGY_SOURCE]);
    if (method !== undefined) methods.set(method, (methods.get(method) ?? 0) + 1);
    if (source !== undefined) sources.add(source);
    if (amount(span.attributes[sc.ATTR_ENERGY_JOULES]) !== undefined || method !== undefined) {
      energySpans++;
      if (method === sc.ATTR_ENERGY_METHOD_VALUE_ESTIMATE || source === sc.ATTR_ENERGY_SOURCE_VALUE_ESTIMATE) estimatedSpans++;
    }
    if (seenResources.has(span.resource)) continue;
    seenResources.add(span.resource);
    const service = text(span.resource['service.name']);
    if (service !== undefined) services.add(service);
    for (const s of strings(span.resource[sc.ATTR_OPENJOULES_ENERGY_SOURCES])) sources.add(s);
    for (const d of strings(span.resource[sc.ATTR_OPENJOULES_ENERGY_DEVICES])) devices.add(d);
    for (const u of strings(span.resource[sc.ATTR_OPENJOULES_ENERGY_UNAVAILABLE])) unavailable.add(u);
  }
  const { forest, units, energyRoots } = analyzeSpans(spans);
  let totalJoules = 0;
  for (const root of energyRoots) totalJoules += fairShare(forest.nodes[root]!.energy!).joules ?? 0;
  return {
    services: [...services].sort(),
    sources: [...sources].sort(),
    devices: [...devices].sort(),
    unavailable: [...unavailable].sort(),
    methods,
    estimatedSpans,
    energySpans,
    startMs,
    endMs,
    spans: spans.length,
    traces: traces.size,
    errors,
    llmCalls: units.model.length,
    toolCalls: units.tool.length,
    turns: units.agent.length,
    totalJoules,
  };
}
