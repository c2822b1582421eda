import type { SpanRecord } from '../otlp/span-record.js';
import { energyRoots } from './energy-rule.js';
import { forestUnits, type ForestUnits } from './genai-units.js';
import { SpanForest } from './span-forest.js';

/** A set of spans read once through the analysis layer: its forest, its units and its energy roots. */
export interface AnalyzedSpans {
  readonly forest: SpanForest;
  readonly units: ForestUnits;
  /** Node indexes of the spans whose fair shares make up the set's energy (analysis/energy-rule.ts). */
  readonly energyRoots: readonly number[];
}

const MEMO = new WeakMap<readonly SpanRecord[], AnalyzedSpans>();

/**
 * The analysis of an in-memory span list, worked out once per list (memoised on the array), so the parts of a
 * command that each need it (a report's header, charts and tables) share one forest.
 */
export function analyzeSpans(spans: readonly SpanRecord[]): AnalyzedSpans {
  let found = MEMO.get(spans);
  if (found === undefined) {
    const forest = SpanForest.fromSpans(spans);
    found = { forest, units: forestUnits(forest), energyRoots: energyRoots(forest) };
    MEMO.set(spans, found);
  }
  return found;
}
