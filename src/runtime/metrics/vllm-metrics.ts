/**
 * The vLLM server's view as OpenTelemetry metrics: TTFT, e2e latency and ITL at p50/p95/p99 over the last scrape
 * interval (gauges with `openjoules.quantile`), KV-cache usage, waiting and running requests (gauges), and tokens
 * (a counter by `gen_ai.token.type`). One batch callback observes them from the scraper's latest result, so a
 * collection costs no request.
 */
import type { Attributes, BatchObservableCallback, Meter, Observable, ObservableGauge } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_OPENJOULES_QUANTILE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  METRIC_OPENJOULES_VLLM_E2E_REQUEST_LATENCY,
  METRIC_OPENJOULES_VLLM_INTER_TOKEN_LATENCY,
  METRIC_OPENJOULES_VLLM_KV_CACHE_USAGE,
  METRIC_OPENJOULES_VLLM_REQUESTS_RUNNING,
  METRIC_OPENJOULES_VLLM_REQUESTS_WAITING,
  METRIC_OPENJOULES_VLLM_TIME_TO_FIRST_TOKEN,
  METRIC_OPENJOULES_VLLM_TOKENS,
} from '../../semconv.js';
import type { VllmMetrics } from '../vllm/vllm-page.js';

/** What the scraper has for one model: its latest window, and its tokens since the scraper started. */
export interface VllmMetricsEntry {
  readonly metrics: VllmMetrics;
  readonly promptTokens: number;
  readonly generationTokens: number;
}

/** The server the entries come from, for `server.address` / `server.port`. */
export interface VllmServer {
  readonly address: string;
  readonly port: number;
}

/** Registers the vLLM instruments on `meter`; `latest` must be cheap. Returns a function that unregisters them. */
export function registerVllmMetrics(meter: Meter, server: VllmServer, latest: () => readonly VllmMetricsEntry[]): () => void {
  const gauge = (name: string, unit: string, description: string): ObservableGauge => meter.createObservableGauge(name, { unit, description });
  const ttft = gauge(METRIC_OPENJOULES_VLLM_TIME_TO_FIRST_TOKEN, 's', 'Time to first token over the last scrape interval, at openjoules.quantile.');
  const e2e = gauge(METRIC_OPENJOULES_VLLM_E2E_REQUEST_LATENCY, 's', 'End-to-end request latency over the last scrape interval, at openjoules.quantile.');
  const itl = gauge(METRIC_OPENJOULES_VLLM_INTER_TOKEN_LATENCY, 's', 'Inter-token latency over the last scrape interval, at openjoules.quantile.');
  const kvCache = gauge(METRIC_OPENJOULES_VLLM_KV_CACHE_USAGE, '1', 'Fraction of the KV cache in use, 0 to 1.');
  const waiting = gauge(METRIC_OPENJOULES_VLLM_REQUESTS_WAITING, '{request}', 'Requests waiting to be scheduled (queue depth).');
  const running = gauge(METRIC_OPENJOULES_VLLM_REQUESTS_RUNNING, '{request}', 'Requests in the running batch.');
  const tokens = meter.createObservableCounter(METRIC_OPENJOULES_VLLM_TOKENS, { unit: '{token}', description: 'Tokens processed since the scraper started, by gen_ai.token.type.' });
  const observables: Observable[] = [ttft, e2e, itl, kvCache, waiting, running, tokens];

  const callback: BatchObservableCallback = (result) => {
    let entries: readonly VllmMetricsEntry[];
    try {
      entries = latest();
    } catch {
      return;
    }
    for (const { metrics: m, promptTokens, generationTokens } of entries) {
      const attributes: Attributes = { [ATTR_SERVER_ADDRESS]: server.address, [ATTR_SERVER_PORT]: server.port };
      if (m.model_name !== '') attributes[ATTR_GEN_AI_REQUEST_MODEL] = m.model_name;
      const at = (q: number): Attributes => ({ ...attributes, [ATTR_OPENJOULES_QUANTILE]: q });
      const observe = (instrument: ObservableGauge, value: number | null, attrs: Attributes): void => {
        if (value !== null && Number.isFinite(value)) result.observe(instrument, value, attrs);
      };
      observe(ttft, m.ttft_p50, at(0.5));
      observe(ttft, m.ttft_p95, at(0.95));
      observe(ttft, m.ttft_p99, at(0.99));
      observe(e2e, m.e2e_latency_p50, at(0.5));
      observe(e2e, m.e2e_latency_p95, at(0.95));
      observe(e2e, m.e2e_latency_p99, at(0.99));
      observe(itl, m.itl_p50, at(0.5));
      observe(itl, m.itl_p95, at(0.95));
      observe(kvCache, m.gpu_cache_usage_pct, attributes);
      observe(waiting, m.queue_depth, attributes);
      observe(running, m.num_requests_running, attributes);
      result.observe(tokens, promptTokens, { ...attributes, [ATTR_GEN_AI_TOKEN_TYPE]: 'input' });
      result.observe(tokens, generationTokens, { ...attributes, [ATTR_GEN_AI_TOKEN_TYPE]: 'output' });
    }
  };
  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}
