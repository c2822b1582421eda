/**
 * What a vLLM server's `/metrics` page says, by the names vLLM gives its metrics (`vllm/v1/metrics/loggers.py`), and
 * the seed's VLLMMetrics over the time between two pages. Every series carries `model_name` (and `engine` with data
 * parallelism); engines of one model are added up (their mean for the KV-cache fraction).
 */
import { bucketQuantile, type CumulativeBucket } from './bucket-quantile.js';
import { parsePrometheusText, type PromSample } from './prometheus-text.js';

/** vLLM's metric names this reads; where vLLM renamed one, the current name comes first and the older one is read too. */
export const VLLM_METRIC_NAMES = {
  /** Histogram, s. */
  timeToFirstToken: 'vllm:time_to_first_token_seconds',
  /** Histogram, s. */
  e2eRequestLatency: 'vllm:e2e_request_latency_seconds',
  /** Histogram, s; `time_per_output_token_seconds` before vLLM 0.11 (both are written for a while). */
  interTokenLatency: ['vllm:inter_token_latency_seconds', 'vllm:time_per_output_token_seconds'],
  /** Gauge, a 0–1 fraction despite `perc`; `gpu_cache_usage_perc` before 0.9 (deprecated, still written by some). */
  kvCacheUsage: ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'],
  /** Gauge: requests waiting to be scheduled (the queue depth). */
  requestsWaiting: 'vllm:num_requests_waiting',
  /** Gauge: requests in the running batch. */
  requestsRunning: 'vllm:num_requests_running',
  /** Counters (written with `_total`). */
  promptTokens: 'vllm:prompt_tokens',
  generationTokens: 'vllm:generation_tokens',
} as const;

/** A histogram's cumulative state on one page. */
export interface HistogramState {
  /** Cumulative count per upper bound (`Infinity` for `+Inf`). */
  readonly buckets: ReadonlyMap<number, number>;
  readonly sum: number;
  readonly count: number;
}

/** One model's state on one page. Undefined: the page did not have it. */
export interface VllmModelState {
  readonly timeToFirstToken?: HistogramState;
  readonly e2eRequestLatency?: HistogramState;
  readonly interTokenLatency?: HistogramState;
  /** 0–1. */
  readonly kvCacheUsage?: number;
  readonly requestsWaiting?: number;
  readonly requestsRunning?: number;
  /** Since the server started. */
  readonly promptTokens?: number;
  readonly generationTokens?: number;
}

/** One page, read at `timeMs` (epoch ms). */
export interface VllmSnapshot {
  readonly timeMs: number;
  /** By `model_name` ('' for series without one). */
  readonly models: ReadonlyMap<string, VllmModelState>;
}

/**
 * The seed's VLLMMetrics (same names: times in s, `gpu_cache_usage_pct` a 0–1 fraction as vLLM gives it) for one
 * model, plus the 99th percentiles, ITL, running requests and token counts. Percentiles are over the requests of the
 * window: between two scrapes (`interval`), or since the server started when there is only one (`lifetime`, the
 * seed's). Null where the page had no such metric or the window no request.
 */
export interface VllmMetrics {
  readonly model_name: string;
  readonly window: 'interval' | 'lifetime';
  /** Length of an `interval` window, s; null for `lifetime`. */
  readonly window_s: number | null;
  /** Requests that finished in the window (the e2e histogram's count). */
  readonly requests: number | null;
  readonly ttft_p50: number | null;
  readonly ttft_p95: number | null;
  readonly ttft_p99: number | null;
  readonly e2e_latency_p50: number | null;
  readonly e2e_latency_p95: number | null;
  readonly e2e_latency_p99: number | null;
  readonly itl_p50: number | null;
  readonly itl_p95: number | null;
  /** KV-cache usage at the end of the window, 0–1 (the seed's name). */
  readonly gpu_cache_usage_pct: number | null;
  /** Requests waiting at the end of the window. */
  readonly queue_depth: number | null;
  readonly num_requests_running: number | null;
  /** Tokens in the window. */
  readonly prompt_tokens: number | null;
  readonly generation_tokens: number | null;
  /** Generated tokens per second over an `interval` window; null for `lifetime`. */
  readonly generation_tokens_per_s: number | null;
}

/** A page read into a snapshot, or why it could not be. */
export type VllmPageResult = { readonly snapshot: VllmSnapshot } | { readonly problem: string };

const HISTOGRAMS = [
  ['timeToFirstToken', [VLLM_METRIC_NAMES.timeToFirstToken]],
  ['e2eRequestLatency', [VLLM_METRIC_NAMES.e2eRequestLatency]],
  ['interTokenLatency', VLLM_METRIC_NAMES.interTokenLatency],
] as const;

interface MutableHistogram {
  buckets: Map<number, number>;
  sum: number;
  count: number;
}
interface ModelAccumulator {
  histograms: Map<string, MutableHistogram>;
  gauges: Map<string, { sum: number; n: number }>;
}

/** Reads a `/metrics` page. A page without any `vllm:` series is a problem (not a vLLM server, or a wrong path). */
export function readVllmPage(text: string, timeMs: number): VllmPageResult {
  const page = parsePrometheusText(text, (name) => name.startsWith('vllm:'));
  if (page.samples.length === 0) {
    return { problem: page.firstProblem !== undefined ? `not a Prometheus page (${page.firstProblem})` : 'no vllm: metrics on the page (is it a vLLM server’s /metrics?)' };
  }
  const byModel = new Map<string, ModelAccumulator>();
  for (const sample of page.samples) add(byModel, sample);
  const models = new Map<string, VllmModelState>();
  for (const [model, acc] of byModel) {
    const state = toState(acc);
    // Series such as vllm:cache_config_info carry no model_name and none of the metrics read here.
    if (Object.values(state).some((v) => v !== undefined)) models.set(model, state);
  }
  if (models.size === 0) return { problem: 'none of the vLLM metrics read here are on the page (vllm:time_to_first_token_seconds, vllm:kv_cache_usage_perc, …)' };
  return { snapshot: { timeMs, models } };
}

function add(byModel: Map<string, ModelAccumulator>, sample: PromSample): void {
  const model = sample.labels.model_name ?? '';
  let acc = byModel.get(model);
  if (!acc) byModel.set(model, (acc = { histograms: new Map(), gauges: new Map() }));
  const { name, value } = sample;
  for (const suffix of ['_bucket', '_sum', '_count'] as const) {
    if (!name.endsWith(suffix)) continue;
    const family = name.slice(0, -suffix.length);
    let h = acc.histograms.get(family);
    if (!h) acc.histograms.set(family, (h = { buckets: new Map(), sum: 0, count: 0 }));
    if (suffix === '_bucket') {
      const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
      if (Number.isNaN(le)) return;
      h.buckets.set(le, (h.buckets.get(le) ?? 0) + value);
    } else if (suffix === '_sum') {
      h.sum += value;
    } else {
      h.count += value;
    }
    return;
  }
  const base = name.endsWith('_total') ? name.slice(0, -'_total'.length) : name;
  const g = acc.gauges.get(base);
  if (g) {
    g.sum += value;
    g.n++;
  } else {
    acc.gauges.set(base, { sum: value, n: 1 });
  }
}

function toState(acc: ModelAccumulator): VllmModelState {
  const state: { -readonly [K in keyof VllmModelState]: VllmModelState[K] } = {};
  for (const [key, names] of HISTOGRAMS) {
    const found = names.map((n) => acc.histograms.get(n)).find((h) => h !== undefined && h.buckets.size > 0);
    if (found) state[key] = found;
  }
  const total = (name: string): number | undefined => acc.gauges.get(name)?.sum;
  const kv = VLLM_METRIC_NAMES.kvCacheUsage.map((n) => acc.gauges.get(n)).find((g) => g !== undefined);
  if (kv) state.kvCacheUsage = kv.sum / kv.n;
  state.requestsWaiting = total(VLLM_METRIC_NAMES.requestsWaiting);
  state.requestsRunning = total(VLLM_METRIC_NAMES.requestsRunning);
  state.promptTokens = total(VLLM_METRIC_NAMES.promptTokens);
  state.generationTokens = total(VLLM_METRIC_NAMES.generationTokens);
  return state;
}

/**
 * The metrics of each model of `after` over the window since `before` (the deltas of its histograms and counters),
 * or since the server started when `before` is undefined. A counter that went down (the server restarted) counts
 * from zero, as Prometheus' `rate` does.
 */
export function vllmMetricsBetween(before: VllmSnapshot | undefined, after: VllmSnapshot): VllmMetrics[] {
  const out: VllmMetrics[] = [];
  const windowS = before !== undefined ? Math.max(0, (after.timeMs - before.timeMs) / 1000) : null;
  for (const [model, now] of after.models) {
    const then = before?.models.get(model);
    const ttft = histogramDelta(then?.timeToFirstToken, now.timeToFirstToken);
    const e2e = histogramDelta(then?.e2eRequestLatency, now.e2eRequestLatency);
    const itl = histogramDelta(then?.interTokenLatency, now.interTokenLatency);
    const generated = counterDelta(then?.generationTokens, now.generationTokens);
    out.push({
      model_name: model,
      window: before !== undefined ? 'interval' : 'lifetime',
      window_s: windowS,
      requests: e2e ? lastCount(e2e) : null,
      ttft_p50: quantile(ttft, 0.5),
      ttft_p95: quantile(ttft, 0.95),
      ttft_p99: quantile(ttft, 0.99),
      e2e_latency_p50: quantile(e2e, 0.5),
      e2e_latency_p95: quantile(e2e, 0.95),
      e2e_latency_p99: quantile(e2e, 0.99),
      itl_p50: quantile(itl, 0.5),
      itl_p95: quantile(itl, 0.95),
      gpu_cache_usage_pct: now.kvCacheUsage ?? null,
      queue_depth: now.requestsWaiting ?? null,
      num_requests_running: now.requestsRunning ?? null,
      prompt_tokens: counterDelta(then?.promptTokens, now.promptTokens),
      generation_tokens: generated,
      generation_tokens_per_s: windowS !== null && windowS > 0 && generated !== null ? generated / windowS : null,
    });
  }
  return out.sort((a, b) => a.model_name.localeCompare(b.model_name));
}

/** The buckets observed between two states (all of `now` after a reset); undefined when `now` has none. */
function histogramDelta(then: HistogramState | undefined, now: HistogramState | undefined): CumulativeBucket[] | undefined {
  if (!now) return undefined;
  const reset = then !== undefined && (now.count < then.count || [...now.buckets].some(([le, c]) => c < (then.buckets.get(le) ?? 0)));
  const base = then !== undefined && !reset ? then : undefined;
  return [...now.buckets].map(([le, count]) => ({ le, count: count - (base?.buckets.get(le) ?? 0) }));
}

function counterDelta(then: number | undefined, now: number | undefined): number | null {
  if (now === undefined) return null;
  if (then === undefined || now < then) return now;
  return now - then;
}

function quantile(buckets: CumulativeBucket[] | undefined, q: number): number | null {
  return buckets ? bucketQuantile(buckets, q) : null;
}

function lastCount(buckets: CumulativeBucket[]): number {
  let last: CumulativeBucket | undefined;
  for (const b of buckets) if (last === undefined || b.le > last.le) last = b;
  return last?.count ?? 0;
}
