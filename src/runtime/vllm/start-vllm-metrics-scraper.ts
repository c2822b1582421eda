/**
 * The vLLM scraper run in a host program: a scrape every `intervalMs` on an unref'd timer (never more than one under
 * way), its results as OpenTelemetry metrics, problems as one line each when they start or change. Never throws.
 */
import { metrics as metricsApi, type MeterProvider } from '@opentelemetry/api';
import { registerVllmMetrics, type VllmMetricsEntry } from '../metrics/vllm-metrics.js';
import { TRACER_NAME, TRACER_VERSION } from '../api/tracer.js';
import { DEFAULT_VLLM_SCRAPE_INTERVAL_MS, MIN_VLLM_SCRAPE_INTERVAL_MS } from './scrape-interval.js';
import { VllmMetricsScraper, type VllmScrape } from './vllm-metrics-scraper.js';

/** Options of {@link startVllmMetricsScraper}. */
export interface StartVllmMetricsScraperOptions {
  /** The server (`http://localhost:8000`, `/metrics` added) or its metrics page URL. */
  readonly url: string;
  /** Time between scrapes, ms, and so the window the percentiles cover; default 15000. */
  readonly intervalMs?: number;
  /** Longest one scrape takes, ms; default 5000, at most `intervalMs`. */
  readonly timeoutMs?: number;
  /** Where the metrics go; default the global meter provider. */
  readonly meterProvider?: MeterProvider;
  /** Where problems go, one line each; default console.warn. */
  readonly warn?: (message: string) => void;
  /** Sees every scrape (e.g. to log or keep them). Must not throw; an error it throws is ignored. */
  readonly onScrape?: (scrape: VllmScrape) => void;
}

/** A running scraper. */
export interface RunningVllmMetricsScraper {
  /** The page scraped (or why the URL given is not usable). */
  readonly url: string;
  /** Each model's metrics from the latest good scrape; [] before the first or after a failed one. */
  latest(): readonly VllmMetricsEntry[];
  /** Scrapes now (joins the scrape under way, if any). Never rejects. */
  scrapeNow(): Promise<VllmScrape>;
  /** Stops the timer, aborts a scrape under way and removes the metrics. Idempotent. */
  stop(): void;
}

/**
 * Starts scraping a vLLM server's `/metrics` page and reporting it as OpenTelemetry metrics (see
 * metrics/vllm-metrics.ts for the names): the first scrape at once, then one every `intervalMs`. Percentiles cover
 * the requests between two scrapes; the first scrape's cover the server's life so far.
 *
 * @example
 * const vllm = startVllmMetricsScraper({ url: 'http://localhost:8000', intervalMs: 15_000 });
 * // … later
 * vllm.stop();
 */
export function startVllmMetricsScraper(options: StartVllmMetricsScraperOptions): RunningVllmMetricsScraper {
  const warn = options.warn ?? ((message: string) => console.warn(message));
  let intervalMs = options.intervalMs ?? DEFAULT_VLLM_SCRAPE_INTERVAL_MS;
  if (!(Number.isFinite(intervalMs) && intervalMs >= MIN_VLLM_SCRAPE_INTERVAL_MS)) {
    warn(`openjoules: vLLM metrics interval ${options.intervalMs} ms is not a number ≥ ${MIN_VLLM_SCRAPE_INTERVAL_MS}; using ${DEFAULT_VLLM_SCRAPE_INTERVAL_MS}`);
    intervalMs = DEFAULT_VLLM_SCRAPE_INTERVAL_MS;
  }
  const scraper = new VllmMetricsScraper(options.url, { timeoutMs: Math.min(options.timeoutMs ?? 5000, intervalMs) });
  const where = typeof scraper.url === 'string' ? options.url : scraper.url.href;
  const abort = new AbortController();
  const totals = new Map<string, { prompt: number; generation: number }>();
  let latest: VllmMetricsEntry[] = [];
  let running: Promise<VllmScrape> | undefined;
  let reported: string | undefined;
  let stopped = false;

  const onResult = (scrape: VllmScrape): void => {
    if (stopped) return;
    if (scrape.ok) {
      if (reported !== undefined) warn(`openjoules: vLLM metrics at ${where}: answering again`);
      reported = undefined;
      latest = scrape.metrics.map((m) => {
        const t = totals.get(m.model_name) ?? { prompt: 0, generation: 0 };
        // The first scrape is the baseline: tokens count from the scraper's start, not the server's.
        if (m.window === 'interval') {
          t.prompt += m.prompt_tokens ?? 0;
          t.generation += m.generation_tokens ?? 0;
        }
        totals.set(m.model_name, t);
        return { metrics: m, promptTokens: t.prompt, generationTokens: t.generation };
      });
    } else {
      latest = [];
      if (scrape.problem !== reported && scrape.problem !== 'stopped') warn(`openjoules: vLLM metrics at ${where}: ${scrape.problem}`);
      reported = scrape.problem;
    }
    try {
      options.onScrape?.(scrape);
    } catch {
      // A user callback must not stop the scraper.
    }
  };
  const scrapeNow = (): Promise<VllmScrape> => {
    if (stopped) return Promise.resolve({ ok: false, problem: 'stopped' });
    running ??= scraper
      .scrape(abort.signal)
      .then((scrape) => {
        onResult(scrape);
        return scrape;
      })
      .finally(() => (running = undefined));
    return running;
  };

  if (typeof scraper.url === 'string') {
    warn(`openjoules: vLLM metrics are off: ${scraper.url}`);
    return { url: where, latest: () => [], scrapeNow: () => Promise.resolve({ ok: false, problem: scraper.url as string }), stop: () => undefined };
  }
  const server = { address: scraper.url.hostname, port: Number(scraper.url.port || (scraper.url.protocol === 'https:' ? 443 : 80)) };
  const meter = (options.meterProvider ?? metricsApi.getMeterProvider()).getMeter(TRACER_NAME, TRACER_VERSION);
  const unregister = registerVllmMetrics(meter, server, () => latest);
  const timer = setInterval(() => void scrapeNow(), intervalMs);
  timer.unref();
  void scrapeNow();
  return {
    url: where,
    latest: () => latest,
    scrapeNow,
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      abort.abort();
      latest = [];
      unregister();
    },
  };
}
