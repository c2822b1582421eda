/**
 * The auto-instrumentation: one InstrumentationBase for openai, @anthropic-ai/sdk and MCP clients. It hooks
 * `require` (require-in-the-middle) and, when the loader hook is registered (see `esm-hook.ts`), `import`
 * (import-in-the-middle). Patching only changes prototype methods, so CommonJS and ESM copies of a library are
 * both covered when each is loaded. Its spans go to the tracer provider it is given (`setTracerProvider`, as NodeSDK
 * and `registerInstrumentations` do), else to the global one. Where a peer instrumentation traces the same method,
 * ours steps aside (see wrap.ts).
 */
import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
  type InstrumentationConfig,
} from '@opentelemetry/instrumentation';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Hook as RequireHook } from 'require-in-the-middle';
import type { Tracer, TracerProvider } from '@opentelemetry/api';
import { getTracer, tracerOf, TRACER_NAME, TRACER_VERSION, type TracerSource } from '../api/tracer.js';
import { patchAnthropic, unpatchAnthropic } from './anthropic.js';
import { patchMcpClient, unpatchMcpClient } from './mcp.js';
import { patchOpenAI, unpatchOpenAI, type OpenAIInstrumentationOptions } from './openai.js';

/** Options of {@link OpenJoulesInstrumentation}. */
export interface OpenJoulesInstrumentationConfig extends InstrumentationConfig {
  readonly openai?: OpenAIInstrumentationOptions;
}

/** Module specifiers the ESM loader hook must intercept (everything we hook, as apps import it). */
export const INSTRUMENTED_MODULES: readonly string[] = [
  'openai',
  '@anthropic-ai/sdk',
  '@modelcontextprotocol/sdk/client/index.js',
  '@modelcontextprotocol/sdk/client',
];

const MCP_CLIENT_FILES = ['dist/cjs/client/index.js', 'dist/esm/client/index.js'];

/**
 * The MCP SDK's CommonJS build sits under a nameless `dist/cjs/package.json`, which require-in-the-middle does not
 * attribute to the package: its client file is hooked by absolute path, resolved from the app's directory.
 */
function mcpCjsClientPath(): string | undefined {
  try {
    return createRequire(join(process.cwd(), 'index.js')).resolve('@modelcontextprotocol/sdk/client/index.js');
  } catch {
    return undefined;
  }
}

let mcpCjsHooked = false;

/** Hooks the MCP CommonJS client file by path, once per process (the patch is idempotent and off when disabled). */
function hookMcpCjsClient(isEnabled: () => boolean, tracer: TracerSource): void {
  if (mcpCjsHooked) return;
  const path = mcpCjsClientPath();
  if (!path) return;
  mcpCjsHooked = true;
  new RequireHook([path], (exports) => (isEnabled() ? patchMcpClient(exports, tracer) : exports));
}

/** Auto-instrumentation of the LLM and MCP client libraries. */
export class OpenJoulesInstrumentation extends InstrumentationBase<OpenJoulesInstrumentationConfig> {
  /** The openjoules tracer of the provider given to {@link setTracerProvider}; undefined: the global provider's. */
  private _spanTracer: Tracer | undefined;

  constructor(config: OpenJoulesInstrumentationConfig = {}) {
    super(`${TRACER_NAME}-instrumentation`, TRACER_VERSION, config);
    hookMcpCjsClient(() => this.isEnabled(), this._tracerSource());
  }

  /** Spans made by the hooks go to `tracerProvider` from now on (the span API used by app code keeps the global one). */
  override setTracerProvider(tracerProvider: TracerProvider): void {
    super.setTracerProvider(tracerProvider);
    this._spanTracer = tracerOf(tracerProvider);
  }

  /**
   * The hooks' tracer, asked at each span start. A method, not a field: InstrumentationBase patches modules already
   * loaded from inside its constructor, before our fields exist.
   */
  private _tracerSource(): TracerSource {
    return () => this._spanTracer ?? getTracer();
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    const openai = this.getConfig().openai ?? {};
    const tracer = this._tracerSource();
    return [
      new InstrumentationNodeModuleDefinition(
        'openai',
        ['>=4 <8'],
        (exports: unknown) => patchOpenAI(exports, openai, tracer),
        (exports: unknown) => unpatchOpenAI(exports),
      ),
      new InstrumentationNodeModuleDefinition(
        '@anthropic-ai/sdk',
        ['>=0.20 <2'],
        (exports: unknown) => patchAnthropic(exports, tracer),
        (exports: unknown) => unpatchAnthropic(exports),
      ),
      new InstrumentationNodeModuleDefinition(
        '@modelcontextprotocol/sdk',
        ['>=1 <2'],
        undefined,
        undefined,
        MCP_CLIENT_FILES.map(
          (file) =>
            new InstrumentationNodeModuleFile(
              `@modelcontextprotocol/sdk/${file}`,
              ['>=1 <2'],
              (exports: unknown) => patchMcpClient(exports, tracer),
              (exports: unknown) => unpatchMcpClient(exports),
            ),
        ),
      ),
    ];
  }
}
