/**
 * The seed's `EnergyBatch` (OpenJarvis `telemetry/batch.py`): a bracket over a batch of inference requests that counts
 * them and their tokens, and divides the batch's energy per token and per request.
 */
import { randomUUID } from 'node:crypto';
import { context } from '@opentelemetry/api';
import { withBatchId } from './batch-context.js';
import type { EnergySample } from './energy-sample.js';
import { measureEnergy, type MeasureEnergyOptions } from './measure-energy.js';

/** The seed's BatchMetrics, in its field names: energies in J, power in W, throughput in tokens/s. */
export interface BatchMetrics {
  readonly batch_id: string;
  readonly total_requests: number;
  /** Prompt + completion tokens of every request, as recorded. */
  readonly total_tokens: number;
  /** The batch's measured energy; without a measurement, the sum of the requests' own energies. */
  readonly total_energy_joules: number;
  /** total_energy_joules / total_tokens (0 without tokens): per TOTAL token, as the seed's batch. */
  readonly energy_per_token_joules: number;
  /** total_energy_joules / total_requests (0 without requests). */
  readonly energy_per_request_joules: number;
  /** The measurement's mean power; 0 without one. */
  readonly mean_power_watts: number;
  /** total_tokens / the batch's wall time. */
  readonly mean_throughput_tok_per_sec: number;
  /** Always 0, as in the seed (a batch has no single first token): per-call spans carry the phase split. */
  readonly prefill_energy_joules: number;
  readonly decode_energy_joules: number;
  /** Each request's own energy as recorded, in order. */
  readonly per_request_energy: readonly number[];
}

/** What the batch's function records requests through (the seed's `_BatchContext`). */
export interface BatchRecorder {
  /** The batch's id: the one given, else a new UUID4. */
  readonly batchId: string;
  /**
   * Records one request: `tokens` is its prompt + completion tokens; `promptTokens` is informational (as in the seed);
   * `energyJoules` is the request's own energy, if known (it makes the total when the batch is not measured).
   */
  recordRequest(tokens: number, options?: { readonly promptTokens?: number; readonly energyJoules?: number }): void;
}

/** Options of {@link withEnergyBatch}. */
export interface EnergyBatchOptions extends MeasureEnergyOptions {
  /** The batch's id; default a new UUID4. */
  readonly batchId?: string;
  /** Whether to measure the batch with the energy sampler (the seed's monitor); default true. */
  readonly measure?: boolean;
}

/** What {@link withEnergyBatch} resolves to. */
export interface EnergyBatchResult<T> {
  readonly result: T;
  readonly metrics: BatchMetrics;
  /** The batch's EnergySample, when it was measured. */
  readonly sample?: EnergySample;
}

/**
 * Runs `fn` as one batch: `fn` records each request with `batch.recordRequest(tokens, …)`; the batch is measured like
 * {@link measureEnergy} and its energy divided per token and per request (the seed's `with batch.sample() as ctx`).
 * Never throws of its own; `fn`'s own error is passed on. Bad token or energy values (negative, not finite) count as 0.
 * Spans started inside `fn` get `openjoules.batch.id` (with the energy span processor installed and a context manager,
 * as the NodeSDK and `openjoules/register` set up), so `openjoules stats --by batch` groups them.
 *
 * @example
 * const { metrics } = await withEnergyBatch(async (batch) => {
 *   for (const prompt of prompts) batch.recordRequest((await generate(prompt)).usage.total_tokens);
 * });
 * console.log(metrics.energy_per_token_joules);
 */
export async function withEnergyBatch<T>(
  fn: (batch: BatchRecorder) => T | PromiseLike<T>,
  options: EnergyBatchOptions = {},
): Promise<EnergyBatchResult<T>> {
  const requests = new RequestTally(options.batchId ?? randomUUID());
  // Spans started inside carry the batch's id (the energy span processor stamps openjoules.batch.id).
  const inBatch = withBatchId(context.active(), requests.batchId);
  const run = (): T | PromiseLike<T> => context.with(inBatch, fn, undefined, requests);
  const started = performance.now();
  if (options.measure === false) {
    const result = await run();
    return { result, metrics: toBatchMetrics(requests, undefined, (performance.now() - started) / 1000) };
  }
  const { result, sample } = await measureEnergy(run, options);
  return { result, sample, metrics: toBatchMetrics(requests, sample, sample.duration_seconds) };
}

/** The requests recorded so far. */
export class RequestTally implements BatchRecorder {
  readonly batchId: string;
  tokens = 0;
  readonly energies: number[] = [];

  constructor(batchId: string) {
    this.batchId = batchId;
  }

  recordRequest(tokens: number, options: { readonly promptTokens?: number; readonly energyJoules?: number } = {}): void {
    this.tokens += amount(tokens);
    this.energies.push(amount(options.energyJoules ?? 0));
  }
}

/** The seed's BatchMetrics arithmetic, given the requests, the batch's measurement if any, and its wall time. */
export function toBatchMetrics(requests: RequestTally, sample: EnergySample | undefined, elapsedSeconds: number): BatchMetrics {
  const count = requests.energies.length;
  const tokens = requests.tokens;
  const energy = sample?.measured ? sample.energy_joules : requests.energies.reduce((a, b) => a + b, 0);
  return {
    batch_id: requests.batchId,
    total_requests: count,
    total_tokens: tokens,
    total_energy_joules: energy,
    energy_per_token_joules: tokens > 0 ? energy / tokens : 0,
    energy_per_request_joules: count > 0 ? energy / count : 0,
    mean_power_watts: sample?.measured ? sample.mean_power_watts : 0,
    mean_throughput_tok_per_sec: elapsedSeconds > 0 ? tokens / elapsedSeconds : 0,
    prefill_energy_joules: 0,
    decode_energy_joules: 0,
    per_request_energy: [...requests.energies],
  };
}

function amount(value: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
