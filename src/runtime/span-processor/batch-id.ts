/**
 * Spans started inside `withEnergyBatch` carry the batch's id as `openjoules.batch.id` (an id the span set itself
 * is kept). Stamped at start, before any processor after ours sees the span.
 */
import type { Context } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/sdk-trace';
import { ATTR_OPENJOULES_BATCH_ID } from '../../semconv.js';
import { batchIdIn } from '../measure/batch-context.js';

/** Sets `openjoules.batch.id` on `span` when `parentContext` is inside a batch. Never throws. */
export function stampBatchId(span: Span, parentContext: Context): void {
  try {
    const batchId = batchIdIn(parentContext);
    if (batchId !== undefined && span.attributes[ATTR_OPENJOULES_BATCH_ID] === undefined) {
      span.setAttribute(ATTR_OPENJOULES_BATCH_ID, batchId);
    }
  } catch {
    // A span of an SDK that will not take it: the batch's own metrics still count the call.
  }
}
