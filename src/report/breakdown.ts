import type { SpanRecord } from '../otlp/span-record.js';
import * as sc from '../semconv.js';
import { amount, LLM_OPERATIONS, spanJoules, STATUS_ERROR, text } from './span-energy.js';

/** Energy of one tool or one model over the run. */
export interface EnergyGroup {
  readonly name: string;
  /** Σ attributed joules (inclusive where a span has no attributed value). */
  readonly joules: number;
  readonly calls: number;
  readonly errors: number;
  /** Σ gen_ai.usage.output_tokens (models only; 0 for tools). */
  readonly outputTokens: number;
}

/** Joules per `gen_ai.tool.name` over execute_tool spans, most first. */
export function energyByTool(spans: readonly SpanRecord[]): EnergyGroup[] {
  return group(spans, (s) => (text(s.attributes[sc.ATTR_GEN_AI_OPERATION_NAME]) === 'execute_tool' ? (text(s.attributes[sc.ATTR_GEN_AI_TOOL_NAME]) ?? '(unnamed tool)') : undefined));
}

/** Joules per `gen_ai.request.model` (else `gen_ai.response.model`) over model-call spans, most first. */
export function energyByModel(spans: readonly SpanRecord[]): EnergyGroup[] {
  return group(spans, (s) => {
    const op = text(s.attributes[sc.ATTR_GEN_AI_OPERATION_NAME]);
    if (op === undefined || !LLM_OPERATIONS.has(op)) return undefined;
    return text(s.attributes[sc.ATTR_GEN_AI_REQUEST_MODEL]) ?? text(s.attributes[sc.ATTR_GEN_AI_RESPONSE_MODEL]) ?? '(unknown model)';
  });
}

function group(spans: readonly SpanRecord[], keyOf: (span: SpanRecord) => string | undefined): EnergyGroup[] {
  const groups = new Map<string, { name: string; joules: number; calls: number; errors: number; outputTokens: number }>();
  for (const span of spans) {
    const name = keyOf(span);
    if (name === undefined) continue;
    let g = groups.get(name);
    if (g === undefined) {
      g = { name, joules: 0, calls: 0, errors: 0, outputTokens: 0 };
      groups.set(name, g);
    }
    g.calls++;
    g.joules += spanJoules(span) ?? 0;
    if (span.statusCode === STATUS_ERROR) g.errors++;
    g.outputTokens += amount(span.attributes[sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]) ?? 0;
  }
  return [...groups.values()].sort((a, b) => b.joules - a.joules || a.name.localeCompare(b.name));
}
