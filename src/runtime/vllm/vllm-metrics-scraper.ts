/**
 * Scrapes a vLLM server's Prometheus `/metrics` page (the seed's `VLLMMetricsScraper`): TTFT, e2e latency and ITL
 * percentiles from its histogram buckets over the time between two scrapes, KV-cache usage, queue depth and tokens.
 */
import { fetchPage } from './fetch-page.js';
import { readVllmPage, vllmMetricsBetween, type VllmMetrics, type VllmSnapshot } from './vllm-page.js';

/** The seed's request timeout, ms. */
export const DEFAULT_VLLM_SCRAPE_TIMEOUT_MS = 5000;
/** Largest page read, bytes: a vLLM page is tens to a few hundred KiB; anything this size is not one. */
export const MAX_VLLM_PAGE_BYTES = 16 * 1024 * 1024;

/** One scrape: each model's metrics over the window since the previous good scrape, or why there are none. */
export type VllmScrape =
  | { readonly ok: true; /** Epoch ms. */ readonly timeMs: number; readonly metrics: readonly VllmMetrics[] }
  | { readonly ok: false; readonly problem: string };

/** Options of {@link VllmMetricsScraper}. */
export interface VllmScraperOptions {
  /** Longest one scrape takes, ms; default 5000. */
  readonly timeoutMs?: number;
  /** Keep the process running while a scrape is under way (a CLI); default false. */
  readonly holdProcess?: boolean;
}

/**
 * The `/metrics` URL of a vLLM server: `http://host:8000` (the seed's `host`) gets `/metrics`; a URL with a path is
 * kept as given. A string is the reason it is not an http(s) URL.
 */
export function vllmMetricsUrl(text: string): URL | string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return `"${text}" is not a URL (expected e.g. http://localhost:8000)`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `"${text}" is not an http(s) URL`;
  if (url.pathname === '' || url.pathname === '/') url.pathname = '/metrics';
  return url;
}

/**
 * Scrapes one server. Each {@link scrape} returns each model's metrics since the previous good scrape (deltas of the
 * histograms and counters); the first returns them since the server started, as the seed's scraper does.
 */
export class VllmMetricsScraper {
  /** The page scraped, or the reason the URL given is not usable. */
  readonly url: URL | string;
  private readonly _timeoutMs: number;
  private readonly _holdProcess: boolean;
  private _last: VllmSnapshot | undefined;

  constructor(url: string, options: VllmScraperOptions = {}) {
    this.url = vllmMetricsUrl(url);
    this._timeoutMs = options.timeoutMs !== undefined && options.timeoutMs > 0 ? options.timeoutMs : DEFAULT_VLLM_SCRAPE_TIMEOUT_MS;
    this._holdProcess = options.holdProcess ?? false;
  }

  /** GETs the page and reads it. Never rejects; a bad URL, an unreachable server or a page that is not vLLM's is a `problem`. */
  async scrape(signal?: AbortSignal): Promise<VllmScrape> {
    if (typeof this.url === 'string') return { ok: false, problem: this.url };
    const page = await fetchPage(this.url, { timeoutMs: this._timeoutMs, maxBytes: MAX_VLLM_PAGE_BYTES, signal, holdProcess: this._holdProcess });
    if ('problem' in page) return { ok: false, problem: page.problem };
    return this.read(page.text, Date.now());
  }

  /** Reads a page fetched some other way (a recorded page), as if scraped at `timeMs` (epoch ms). */
  read(text: string, timeMs: number): VllmScrape {
    const read = readVllmPage(text, timeMs);
    if ('problem' in read) return { ok: false, problem: read.problem };
    const metrics = vllmMetricsBetween(this._last, read.snapshot);
    this._last = read.snapshot;
    return { ok: true, timeMs, metrics };
  }
}
