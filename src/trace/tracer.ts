import { trace, type Tracer } from '@opentelemetry/api';

/** Instrumentation scope name of every span openjoules makes. */
export const TRACER_NAME = 'openjoules';
/** Kept in step with package.json by test/trace/agent-spans.test.ts. */
export const TRACER_VERSION = '0.1.0';

/**
 * The tracer from the global provider, looked up on each call so spans go to whatever provider is registered when
 * they start (a user may register theirs after importing us).
 */
export function getTracer(): Tracer {
  return trace.getTracer(TRACER_NAME, TRACER_VERSION);
}
