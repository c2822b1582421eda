/**
 * @modelcontextprotocol/sdk clients: `Client.callTool` becomes an `execute_tool {name}` span (`gen_ai.tool.type`
 * `extension`, `mcp.method.name` `tools/call`). A result with `isError: true` marks the span as failed
 * (`error.type` `tool_error`) without throwing anything the SDK did not.
 */
import { withToolCall } from '../api/agent-spans.js';
import { getTracer, type TracerSource } from '../api/tracer.js';
import { unwrapMethod, wrapMethod } from './wrap.js';

type Fn = (this: unknown, ...args: unknown[]) => unknown;

function clientPrototype(moduleOrClass: unknown): object | undefined {
  if (!moduleOrClass || (typeof moduleOrClass !== 'object' && typeof moduleOrClass !== 'function')) return undefined;
  const candidate = moduleOrClass as { Client?: unknown; prototype?: { callTool?: unknown } };
  if (typeof candidate.Client === 'function') return (candidate.Client as { prototype: object }).prototype;
  if (typeof moduleOrClass === 'function' && typeof candidate.prototype?.callTool === 'function') return candidate.prototype;
  return undefined;
}

/**
 * Patches the MCP client module (`@modelcontextprotocol/sdk/client/index.js`) or its `Client` class. Idempotent.
 * Spans start with the tracer `tracer` gives (default: the global provider's).
 */
export function patchMcpClient<M>(moduleOrClass: M, tracer: TracerSource = getTracer): M {
  wrapMethod(clientPrototype(moduleOrClass), 'callTool', (original) => tracedCallTool(original, tracer));
  return moduleOrClass;
}

/** Removes what {@link patchMcpClient} added. */
export function unpatchMcpClient(moduleOrClass: unknown): void {
  unwrapMethod(clientPrototype(moduleOrClass), 'callTool');
}

function tracedCallTool(original: Fn, tracer: TracerSource): Fn {
  return function callTool(this: unknown, ...args: unknown[]): unknown {
    const params = args[0] as { name?: unknown; arguments?: unknown } | undefined;
    if (!params || typeof params.name !== 'string') return original.apply(this, args);
    return withToolCall(
      { name: params.name, type: 'extension', arguments: params.arguments, attributes: { 'mcp.method.name': 'tools/call' }, tracer: tracer() },
      async (tool) => {
        const result = await (original.apply(this, args) as Promise<unknown>);
        tool.recordResult(result);
        if (result && typeof result === 'object' && (result as { isError?: unknown }).isError === true) {
          tool.setAttributes({ 'error.type': 'tool_error' });
          tool.span.setStatus({ code: 2, message: 'MCP tool returned isError' });
        }
        return result;
      },
    );
  };
}
