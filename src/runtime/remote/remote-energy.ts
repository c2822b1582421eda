/**
 * `energy.remote.*`: a labelled estimate of what a model call cost on a hosted API's servers, from the model's
 * parameters, the output tokens and the call's latency (EcoLogits' method, ecologits-method.ts). The agent host's
 * measured joules say nothing about that energy, so it is estimated, with bounds, and kept apart: these attributes
 * are never added to `energy.joules` or to any measured total.
 *
 * Which spans: model calls (no agent turn or tool call, whatever it carries) whose provider is a hosted API (OpenTelemetry GenAI `gen_ai.provider.name`/`gen_ai.system`,
 * OpenInference `llm.provider`), with a model the table knows and output tokens, that did not go to a server on this
 * machine or a private network (an OpenAI-compatible local server's energy is measured, not estimated). The Vercel AI
 * SDK's outer `ai.generateText`/`ai.streamText` spans are skipped: their `*.doGenerate`/`*.doStream` children are the
 * calls.
 */
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import {
  ATTR_ENERGY_REMOTE_JOULES,
  ATTR_ENERGY_REMOTE_MAX_JOULES,
  ATTR_ENERGY_REMOTE_METHOD,
  ATTR_ENERGY_REMOTE_MIN_JOULES,
  ATTR_ENERGY_REMOTE_SOURCE,
} from '../../semconv.js';
import { MODEL_OPERATIONS } from '../../genai-operations.js';
import { estimateRemoteEnergyKWh } from './ecologits-method.js';
import { HostedModelTable, PROVIDER_PUE, type HostedProvider } from './hosted-models.js';

/** `energy.remote.method` of this estimate. */
export const REMOTE_ENERGY_METHOD = 'ecologits';

const JOULES_PER_KWH = 3.6e6;

/** GenAI provider names (current and older conventions, OpenInference's) → EcoLogits' provider. */
const PROVIDERS: Readonly<Record<string, HostedProvider>> = {
  openai: 'openai',
  'azure.ai.openai': 'openai',
  az: 'openai',
  anthropic: 'anthropic',
  'gcp.gemini': 'google_genai',
  'gcp.vertex_ai': 'google_genai',
  'gcp.gen_ai': 'google_genai',
  google: 'google_genai',
  gemini: 'google_genai',
  vertex_ai: 'google_genai',
  mistral_ai: 'mistralai',
  mistralai: 'mistralai',
  cohere: 'cohere',
  huggingface: 'huggingface_hub',
  huggingface_hub: 'huggingface_hub',
};

function text(attributes: Attributes, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = attributes[k];
    if (typeof v === 'string' && v.trim()) return v.trim();
  }
  return undefined;
}

function count(attributes: Attributes, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v: AttributeValue | undefined = attributes[k];
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
    if (Number.isFinite(n) && n >= 0) return n;
  }
  return undefined;
}

/** A loopback or private-network host: a server the user runs, whose energy is not a hosted API's. */
function isLocalServer(address: string | undefined): boolean {
  if (!address) return false;
  const host = address.toLowerCase().replace(/^\[|\]$/g, '');
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    /^127\./.test(host) ||
    /^10\./.test(host) ||
    /^192\.168\./.test(host) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(host) ||
    /^f[cd][0-9a-f]{2}:/.test(host)
  );
}

/** Puts the remote estimate on hosted-API model-call spans; see the file comment. */
export class RemoteEnergyEstimator {
  constructor(private readonly _table: HostedModelTable = HostedModelTable.builtIn()) {}

  /**
   * From the environment: OPENJOULES_REMOTE_ENERGY=off disables it (undefined); OPENJOULES_REMOTE_MODELS names a
   * parameter table in EcoLogits' models.json format that replaces or extends the built-in rows. Never throws.
   */
  static fromEnv(env: NodeJS.ProcessEnv, warn: (message: string) => void): RemoteEnergyEstimator | undefined {
    const switchText = env.OPENJOULES_REMOTE_ENERGY?.trim().toLowerCase();
    if (switchText === 'off' || switchText === 'false' || switchText === '0' || switchText === 'none') return undefined;
    if (switchText && !['on', 'true', '1', 'auto'].includes(switchText)) {
      warn(`openjoules: OPENJOULES_REMOTE_ENERGY "${switchText}" is not on or off; using on`);
    }
    const file = env.OPENJOULES_REMOTE_MODELS?.trim();
    return new RemoteEnergyEstimator(file ? HostedModelTable.fromFile(file, warn) : HostedModelTable.builtIn());
  }

  /** The `energy.remote.*` attributes for a span with these attributes that lasted `durationS`, or undefined. */
  attributes(attributes: Attributes, durationS: number): Attributes | undefined {
    const operation = text(attributes, 'ai.operationId');
    if (operation && !/\.do(Generate|Stream)$/.test(operation)) return undefined;
    // A turn or tool span may carry the provider, model and its calls' tokens: only the calls are estimated.
    const operationName = text(attributes, 'gen_ai.operation.name');
    if (operationName && !MODEL_OPERATIONS.has(operationName)) return undefined;
    const openinferenceKind = text(attributes, 'openinference.span.kind');
    if (openinferenceKind && openinferenceKind.toUpperCase() !== 'LLM') return undefined;
    const providerName = text(attributes, 'gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'ai.model.provider');
    if (!providerName) return undefined;
    const provider = PROVIDERS[providerName.toLowerCase()] ?? PROVIDERS[providerName.toLowerCase().split('.')[0] ?? ''];
    if (!provider || isLocalServer(text(attributes, 'server.address'))) return undefined;
    const modelName = text(attributes, 'gen_ai.response.model', 'gen_ai.request.model', 'llm.model_name', 'ai.model.id');
    const outputTokens = count(
      attributes,
      'gen_ai.usage.output_tokens',
      'gen_ai.usage.completion_tokens',
      'llm.token_count.completion',
      'ai.usage.outputTokens',
      'ai.usage.completionTokens',
    );
    if (!modelName || !outputTokens || !(durationS > 0)) return undefined;
    const model = this._table.find(provider, modelName);
    if (!model) return undefined;
    const { minKWh, maxKWh } = estimateRemoteEnergyKWh({
      activeParamsB: model.activeParamsB,
      totalParamsB: model.totalParamsB,
      outputTokens,
      requestLatencyS: durationS,
      pue: PROVIDER_PUE[provider],
      tokensPerSecond: model.tokensPerSecond,
      timeToFirstTokenS: model.timeToFirstTokenS,
    });
    return {
      [ATTR_ENERGY_REMOTE_JOULES]: ((minKWh + maxKWh) / 2) * JOULES_PER_KWH,
      [ATTR_ENERGY_REMOTE_MIN_JOULES]: minKWh * JOULES_PER_KWH,
      [ATTR_ENERGY_REMOTE_MAX_JOULES]: maxKWh * JOULES_PER_KWH,
      [ATTR_ENERGY_REMOTE_METHOD]: REMOTE_ENERGY_METHOD,
      [ATTR_ENERGY_REMOTE_SOURCE]: `${this._table.source}: ${model.provider}/${model.name}`,
    };
  }
}
