/**
 * Is a peer instrumentation tracing the call being made? A peer wraps the library method and calls it with its own
 * span active, so while our wrapper runs inside theirs the active span is theirs, for this very call.
 */
import { trace } from '@opentelemetry/api';

/** Instrumentation scopes of the peers that make a model span per call, by the library they trace. */
export const PEER_SCOPES = {
  openai: new Set([
    '@opentelemetry/instrumentation-openai',
    '@traceloop/instrumentation-openai',
    '@arizeai/openinference-instrumentation-openai',
  ]),
  anthropic: new Set(['@traceloop/instrumentation-anthropic', '@arizeai/openinference-instrumentation-anthropic']),
} as const;

interface ScopedSpan {
  readonly instrumentationScope?: { readonly name?: unknown };
  isRecording(): boolean;
}

/**
 * True when the active span is a recording span of one of `scopes`. Reads the span's `instrumentationScope`, which
 * the SDK's spans expose as `ReadableSpan`; a span without it (no SDK, another implementation) is never a peer's.
 */
export function isPeerSpanActive(scopes: ReadonlySet<string> | undefined): boolean {
  if (!scopes) return false;
  const span = trace.getActiveSpan() as ScopedSpan | undefined;
  if (!span) return false;
  const name = span.instrumentationScope?.name;
  return typeof name === 'string' && scopes.has(name) && span.isRecording();
}
