// The analysis layer: span records → GenAI views → per-trace forests → units (turns, calls, tool calls) → one energy
// rule. Every command (summary, rollup, stats, report, export) reads spans through it; runtime code never imports it.
export { amount, finite, flag, strings, text } from './attribute-value.js';
export { addEnergy, energyRoots, exclusiveEnergy, fairShare, subtreeEnergy, type EnergyTotals } from './energy-rule.js';
export { HostShares, withHostShares, type HostDevice } from './host-shares.js';
export { hostSharesFromFiles } from './host-shares-files.js';
export { GENAI_FIELDS, type FieldType, type GenAiField } from './genai-fields.js';
export { readGenAiSpan, type GenAiSpan, type RemoteEnergy, type SpanEnergy, type TokenUsage } from './genai-span.js';
export { forestUnits, GenAiUnit, type ForestUnits, type UnitKind } from './genai-units.js';
export { classifyOperation, MODEL_OPERATIONS, type OperationKind } from './operation-kind.js';
export { processKey } from './process-key.js';
export { addRemoteEstimate, emptyRemoteTotals, remoteEnergyTotals, type RemoteEnergyTotals } from './remote-totals.js';
export { SpanForest } from './span-forest.js';
export { chunkTimesMs } from './stream-chunks.js';
export { TraceAssembler } from './trace-assembler.js';
export { analyzeSpans, type AnalyzedSpans } from './span-set.js';
export { queryAttribute, queryResolved, queryRoot } from './query-outcome.js';
