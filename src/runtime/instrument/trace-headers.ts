/**
 * W3C trace context on the model call's HTTP request: the `traceparent` (and `tracestate`) of the model-call span go
 * in the request options' headers, the way OpenTelemetry's HTTP instrumentations put them on every outgoing request.
 * A serving engine that traces its requests (vLLM `--otlp-traces-endpoint`, TGI) then makes its request span a child
 * of the agent's model-call span, which is how `openjoules attribute` puts the engine's per-request joules on the call
 * that made it. Only what the registered propagator writes is added (nothing when none is registered); a header the
 * caller set is never replaced; headers given in a form other than a plain object are left alone.
 * OPENJOULES_PROPAGATE_CONTEXT=false turns it off.
 */
import { context, propagation } from '@opentelemetry/api';

/** Whether to add trace headers (OPENJOULES_PROPAGATE_CONTEXT; read per call: next to an HTTP request it costs nothing). */
function enabled(): boolean {
  return !/^(false|0|off|no)$/i.test(process.env.OPENJOULES_PROPAGATE_CONTEXT?.trim() ?? '');
}

/**
 * `args` with the active context's trace headers merged into the request options at `optionsIndex` (the SDKs'
 * `create(body, options)`). Call inside the model-call span's context. Returns `args` itself when there is nothing to add.
 */
export function withTraceHeaders(args: readonly unknown[], optionsIndex = 1): unknown[] {
  if (!enabled()) return args as unknown[];
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  if (carrier.traceparent === undefined) return args as unknown[];
  const options = args[optionsIndex];
  if (options !== undefined && (options === null || typeof options !== 'object')) return args as unknown[];
  const given = (options as { headers?: unknown } | undefined)?.headers;
  if (given !== undefined && given !== null && (typeof given !== 'object' || Array.isArray(given) || Object.getPrototypeOf(given) !== Object.prototype)) {
    return args as unknown[];
  }
  const headers: Record<string, unknown> = { ...carrier, ...(given as Record<string, unknown> | undefined) };
  const out = [...args];
  while (out.length < optionsIndex) out.push(undefined);
  out[optionsIndex] = { ...(options as object | undefined), headers };
  return out;
}
