/**
 * The manual path, for code the hooks cannot see (bundled apps, ESM without the loader hook): pass the module or the
 * client class and it is patched in place, the same way the hooks do it. Idempotent, safe beside the hooks.
 *
 * @example
 * import OpenAI from 'openai';
 * import Anthropic from '@anthropic-ai/sdk';
 * instrumentModules({ openai: OpenAI, anthropic: Anthropic });
 */
import { patchAnthropic } from './anthropic.js';
import { patchMcpClient } from './mcp.js';
import { patchOpenAI, type OpenAIInstrumentationOptions } from './openai.js';

/** Modules (or their main classes) to instrument by hand. */
export interface InstrumentModules {
  /** The `openai` module or its `OpenAI` class. */
  readonly openai?: unknown;
  /** The `@anthropic-ai/sdk` module or its `Anthropic` class. */
  readonly anthropic?: unknown;
  /** `@modelcontextprotocol/sdk/client/index.js` or its `Client` class. */
  readonly mcpClient?: unknown;
}

/** Patches the `OpenAI` class (or the `openai` module). Returns it. */
export function instrumentOpenAI<T>(openai: T, options?: OpenAIInstrumentationOptions): T {
  return patchOpenAI(openai, options);
}

/** Patches the `Anthropic` class (or the `@anthropic-ai/sdk` module). Returns it. */
export function instrumentAnthropic<T>(anthropic: T): T {
  return patchAnthropic(anthropic);
}

/** Patches the MCP `Client` class (or `@modelcontextprotocol/sdk/client/index.js`). Returns it. */
export function instrumentMcpClient<T>(client: T): T {
  return patchMcpClient(client);
}

/** Patches every module given. */
export function instrumentModules(modules: InstrumentModules): void {
  if (modules.openai) patchOpenAI(modules.openai);
  if (modules.anthropic) patchAnthropic(modules.anthropic);
  if (modules.mcpClient) patchMcpClient(modules.mcpClient);
}
