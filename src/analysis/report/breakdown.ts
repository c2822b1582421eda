import { analyzeSpans } from '../model/span-set.js';
import type { GenAiUnit } from '../model/genai-units.js';
import type { SpanRecord } from '../otlp/span-record.js';

/** Energy of one tool or one model over the run. */
export interface EnergyGroup {
  readonly name: string;
  /** Σ the calls' joules: fair shares, each joule once (analysis/energy-rule.ts). */
  readonly joules: number;
  readonly calls: number;
  readonly errors: number;
  /** Σ output tokens (models only; 0 for tools). */
  readonly outputTokens: number;
}

/** Joules per tool name over tool calls (nested spans of one call count once), most first. */
export function energyByTool(spans: readonly SpanRecord[]): EnergyGroup[] {
  return group(analyzeSpans(spans).units.tool, (u) => u.toolName ?? '(unnamed tool)');
}

/** Joules per requested model (else the response's) over model calls (nested spans of one call count once), most first. */
export function energyByModel(spans: readonly SpanRecord[]): EnergyGroup[] {
  return group(analyzeSpans(spans).units.model, (u) => u.requestModel ?? u.responseModel ?? '(unknown model)');
}

function group(units: readonly GenAiUnit[], keyOf: (unit: GenAiUnit) => string): EnergyGroup[] {
  const groups = new Map<string, { name: string; joules: number; calls: number; errors: number; outputTokens: number }>();
  for (const unit of units) {
    const name = keyOf(unit);
    let g = groups.get(name);
    if (g === undefined) {
      g = { name, joules: 0, calls: 0, errors: 0, outputTokens: 0 };
      groups.set(name, g);
    }
    g.calls++;
    g.joules += unit.energy.joules ?? 0;
    if (unit.failed) g.errors++;
    if (unit.kind === 'model') g.outputTokens += unit.usage.outputTokens ?? 0;
  }
  return [...groups.values()].sort((a, b) => b.joules - a.joules || a.name.localeCompare(b.name));
}
