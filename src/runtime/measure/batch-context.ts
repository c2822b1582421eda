/**
 * The batch an operation runs in, carried in the OpenTelemetry context: {@link withEnergyBatch} sets it around its
 * function, and the energy span processor stamps it on every span started there as `openjoules.batch.id`, so
 * `openjoules stats --by batch` groups a batch's calls without the user tagging each one.
 */
import { createContextKey, type Context } from '@opentelemetry/api';

const BATCH_ID = createContextKey('openjoules.batch.id');

/** `context` with the batch id set. */
export function withBatchId(context: Context, batchId: string): Context {
  return context.setValue(BATCH_ID, batchId);
}

/** The batch id set in `context`, if any. */
export function batchIdIn(context: Context): string | undefined {
  const value = context.getValue(BATCH_ID);
  return typeof value === 'string' ? value : undefined;
}
