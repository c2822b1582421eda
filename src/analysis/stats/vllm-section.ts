/**
 * The vLLM server's view in `openjoules stats --vllm-metrics`: each source is a server (`http://host:8000`, its
 * `/metrics` URL) or a page saved from one (`curl …/metrics > before.prom`). One source gives the figures since the
 * server started (the seed's scraper); two give those of the interval between the first and the last, e.g. a page
 * saved before a benchmark and the live server after it, so the server's TTFT covers exactly the calls the stats do.
 */
import { readFile, stat } from 'node:fs/promises';
import { fetchPage } from '../../runtime/vllm/fetch-page.js';
import { DEFAULT_VLLM_SCRAPE_TIMEOUT_MS, MAX_VLLM_PAGE_BYTES, vllmMetricsUrl } from '../../runtime/vllm/vllm-metrics-scraper.js';
import { readVllmPage, vllmMetricsBetween, type VllmMetrics, type VllmSnapshot } from '../../runtime/vllm/vllm-page.js';

/** What the section shows. */
export interface VllmSection {
  /** The pages read: the URL scraped or the file, first and last. */
  readonly sources: readonly string[];
  readonly metrics: readonly VllmMetrics[];
}

/** Reads the sources (one, or the first and last of several). A source that cannot be read is a `problem` naming it. */
export async function readVllmSection(sources: readonly string[]): Promise<{ readonly section: VllmSection } | { readonly problem: string }> {
  const used = sources.length > 1 ? [sources[0]!, sources[sources.length - 1]!] : [...sources];
  const snapshots: VllmSnapshot[] = [];
  const names: string[] = [];
  for (const source of used) {
    const page = await loadPage(source);
    if ('problem' in page) return { problem: `${source}: ${page.problem}` };
    const read = readVllmPage(page.text, page.timeMs);
    if ('problem' in read) return { problem: `${page.name}: ${read.problem}` };
    snapshots.push(read.snapshot);
    names.push(page.name);
  }
  const metrics = snapshots.length === 2 ? vllmMetricsBetween(snapshots[0], snapshots[1]!) : vllmMetricsBetween(undefined, snapshots[0]!);
  return { section: { sources: names, metrics } };
}

/** A page's text and when it was taken (now for a server, the file's modification time for a saved page). */
async function loadPage(source: string): Promise<{ readonly text: string; readonly timeMs: number; readonly name: string } | { readonly problem: string }> {
  if (/^https?:\/\//i.test(source)) {
    const url = vllmMetricsUrl(source);
    if (typeof url === 'string') return { problem: url };
    const page = await fetchPage(url, { timeoutMs: DEFAULT_VLLM_SCRAPE_TIMEOUT_MS, maxBytes: MAX_VLLM_PAGE_BYTES, holdProcess: true });
    return 'problem' in page ? page : { text: page.text, timeMs: Date.now(), name: url.href };
  }
  try {
    const info = await stat(source);
    if (!info.isFile()) return { problem: 'not a file or an http(s) URL' };
    if (info.size > MAX_VLLM_PAGE_BYTES) return { problem: `larger than ${MAX_VLLM_PAGE_BYTES} bytes` };
    return { text: await readFile(source, 'utf8'), timeMs: info.mtimeMs, name: source };
  } catch (error) {
    return { problem: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (give a saved /metrics page or an http(s) URL)' : (error as Error).message };
  }
}

const num = (v: number | null, digits = 3): string => (v === null || !Number.isFinite(v) ? '-' : Number(v.toPrecision(digits)).toString());
const pct = (v: number | null): string => (v === null ? '-' : `${Number((v * 100).toPrecision(3))}`);
const ms = (v: number | null): string => (v === null ? '-' : num(v * 1000));

const COLUMNS: ReadonlyArray<readonly [header: string, cell: (m: VllmMetrics) => string]> = [
  ['requests', (m) => (m.requests === null ? '-' : String(m.requests))],
  ['TTFT p50 s', (m) => num(m.ttft_p50)],
  ['p95', (m) => num(m.ttft_p95)],
  ['p99', (m) => num(m.ttft_p99)],
  ['e2e p50 s', (m) => num(m.e2e_latency_p50)],
  ['p95', (m) => num(m.e2e_latency_p95)],
  ['ITL p50 ms', (m) => ms(m.itl_p50)],
  ['p95', (m) => ms(m.itl_p95)],
  ['KV cache %', (m) => pct(m.gpu_cache_usage_pct)],
  ['waiting', (m) => num(m.queue_depth)],
  ['running', (m) => num(m.num_requests_running)],
  ['out tok/s', (m) => num(m.generation_tokens_per_s, 4)],
];

/** The section as a terminal table: a heading naming the window, one row per model. */
export function formatVllmSection(section: VllmSection): string {
  const first = section.metrics[0];
  const window =
    first?.window === 'interval' ? `the ${num(first.window_s)} s between ${section.sources.join(' and ')}` : `since the server started (${section.sources[0]})`;
  const saved = first?.window === 'interval' && section.sources.some((s) => !/^https?:\/\//i.test(s)) ? ' (a saved page is dated by its file’s modification time)' : '';
  const head = ['vLLM model', ...COLUMNS.map(([h]) => h)];
  const body = section.metrics.map((m) => [m.model_name === '' ? '(none)' : m.model_name, ...COLUMNS.map(([, cell]) => cell(m))]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [`vLLM server, ${window}${saved}; percentiles from its histogram buckets:`, line(head), ...body.map(line)].join('\n');
}
