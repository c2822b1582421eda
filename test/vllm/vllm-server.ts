/**
 * A local stand-in for a vLLM server's `/metrics` endpoint on 127.0.0.1, serving recorded pages in turn (the last one
 * again once they run out). test/fixtures/vllm/metrics-{1,2}.prom are pages in the format vLLM's prometheus_client
 * writes (HELP/TYPE lines, sorted labels with model_name and engine, `_total` counters, `_created` gauges, the
 * deprecated names next to the current ones), 15 s apart on one engine serving meta-llama/Llama-3.1-8B-Instruct.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'vllm');
export const PAGE_1 = readFileSync(join(FIXTURES, 'metrics-1.prom'), 'utf8');
export const PAGE_2 = readFileSync(join(FIXTURES, 'metrics-2.prom'), 'utf8');
export const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

export interface FakeVllm {
  /** The server's base URL (`http://127.0.0.1:port`). */
  readonly url: string;
  /** Paths requested, in order. */
  readonly requested: string[];
  close(): Promise<void>;
}

/** Serves `pages` in turn on GET /metrics; `status` answers every request with that status instead; `hang` never answers. */
export async function startFakeVllm(pages: readonly string[], behaviour: { status?: number; hang?: boolean } = {}): Promise<FakeVllm> {
  let next = 0;
  const requested: string[] = [];
  const server: Server = createServer((req, res) => {
    requested.push(req.url ?? '');
    if (behaviour.hang) return;
    if (behaviour.status !== undefined) {
      res.writeHead(behaviour.status).end('nope');
      return;
    }
    if (req.url !== '/metrics') {
      res.writeHead(404).end('{"detail":"Not Found"}');
      return;
    }
    const page = pages[Math.min(next++, pages.length - 1)]!;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requested,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
