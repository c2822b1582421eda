/**
 * The vLLM metrics scraper's settings, read once from the environment: OPENJOULES_VLLM_METRICS_URL (the server, e.g.
 * `http://localhost:8000`, or its `/metrics` URL) and OPENJOULES_VLLM_METRICS_INTERVAL_MS (time between scrapes,
 * default 15000).
 */
import { DEFAULT_VLLM_SCRAPE_INTERVAL_MS, MIN_VLLM_SCRAPE_INTERVAL_MS } from '../vllm/scrape-interval.js';

/** What {@link vllmMetricsSettingsFromEnv} read. */
export interface VllmMetricsSettings {
  readonly url: string;
  readonly intervalMs: number;
}

/** The settings, or undefined when OPENJOULES_VLLM_METRICS_URL is unset. A bad interval is one `warn` line and the default. */
export function vllmMetricsSettingsFromEnv(env: NodeJS.ProcessEnv, warn: (message: string) => void): VllmMetricsSettings | undefined {
  const url = env.OPENJOULES_VLLM_METRICS_URL?.trim();
  if (!url) return undefined;
  const text = env.OPENJOULES_VLLM_METRICS_INTERVAL_MS?.trim();
  let intervalMs = DEFAULT_VLLM_SCRAPE_INTERVAL_MS;
  if (text) {
    const n = Number(text);
    if (Number.isFinite(n) && n >= MIN_VLLM_SCRAPE_INTERVAL_MS && n <= 2 ** 31 - 1) intervalMs = n;
    else warn(`openjoules: OPENJOULES_VLLM_METRICS_INTERVAL_MS "${text}" is not a number of ms ≥ ${MIN_VLLM_SCRAPE_INTERVAL_MS}; using ${DEFAULT_VLLM_SCRAPE_INTERVAL_MS}`);
  }
  return { url, intervalMs };
}
