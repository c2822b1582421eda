/** Default time between scrapes of a vLLM server, ms: Prometheus' default scrape interval. */
export const DEFAULT_VLLM_SCRAPE_INTERVAL_MS = 15_000;
/** Shortest time between scrapes accepted, ms. */
export const MIN_VLLM_SCRAPE_INTERVAL_MS = 100;
