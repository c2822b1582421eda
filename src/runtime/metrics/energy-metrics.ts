/**
 * The `openjoules.operation.energy` histogram: inclusive joules of each GenAI operation (agent turn, LLM call, tool
 * call), by operation, model, tool and agent.
 */
import type { Attributes, Histogram, Meter } from '@opentelemetry/api';
import {
  ATTR_ENERGY_JOULES,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_TOOL_NAME,
  METRIC_OPENJOULES_OPERATION_ENERGY,
} from '../../semconv.js';

/**
 * Bucket boundaries in joules: roughly ×2.5 steps from a 10 ms tool call on a laptop CPU (~0.05 J) to a long agent turn
 * on a multi-GPU server (~100 kJ).
 */
export const OPERATION_ENERGY_BUCKETS_J: readonly number[] = [
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000,
];

const DIMENSIONS = [ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_REQUEST_MODEL, ATTR_GEN_AI_TOOL_NAME, ATTR_GEN_AI_AGENT_NAME];

/** Records the inclusive joules of spans that are GenAI operations. */
export class OperationEnergyMetrics {
  private readonly _histogram: Histogram;

  constructor(meter: Meter) {
    this._histogram = meter.createHistogram(METRIC_OPENJOULES_OPERATION_ENERGY, {
      unit: 'J',
      description: 'Energy drawn by the devices while a GenAI operation (agent turn, LLM call, tool call) ran, inclusive.',
      advice: { explicitBucketBoundaries: [...OPERATION_ENERGY_BUCKETS_J] },
    });
  }

  /**
   * Records one span, given its attributes with the energy ones merged in. Spans that are not GenAI operations (no
   * `gen_ai.operation.name`) are skipped: they are nested inside operations and would count the same joules again.
   */
  record(attributes: Attributes): void {
    const joules = attributes[ATTR_ENERGY_JOULES];
    const operation = attributes[ATTR_GEN_AI_OPERATION_NAME];
    if (typeof joules !== 'number' || typeof operation !== 'string') return;
    const dims: Attributes = {};
    for (const key of DIMENSIONS) {
      const value = attributes[key];
      if (typeof value === 'string') dims[key] = value;
    }
    this._histogram.record(joules, dims);
  }
}
