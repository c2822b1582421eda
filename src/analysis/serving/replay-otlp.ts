/**
 * Sends OTLP/JSON trace documents (one per line, as the file exporter and `openjoules attribute` write them) to an
 * OTLP/HTTP endpoint, so a Collector forwards them to Jaeger, Tempo or any backend. One POST per line, in order.
 */
import { createReadStream } from 'node:fs';
import { readLines } from '../otlp/read-spans.js';

/** Time allowed for one POST, ms. */
const POST_TIMEOUT_MS = 10_000;

/** Where to send: the full traces URL and any headers (`OTEL_EXPORTER_OTLP_HEADERS`). */
export interface OtlpTarget {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What a replay did. */
export interface ReplayResult {
  readonly sent: number;
  /** One line per document the endpoint refused or that could not be sent (status or error). */
  readonly failures: readonly string[];
}

/**
 * The traces URL for a base endpoint given on the command line (`http://host:4318` → `http://host:4318/v1/traces`);
 * an endpoint that already ends in `/v1/traces` is kept.
 */
export function otlpTracesUrlFor(endpoint: string): string {
  const trimmed = endpoint.trim().replace(/\/+$/, '');
  return /\/v1\/traces$/.test(trimmed) ? trimmed : `${trimmed}/v1/traces`;
}

/** POSTs every non-empty line of `file` to `target`. Never throws; failures are counted and described. */
export async function replayOtlpJsonLines(file: string, target: OtlpTarget): Promise<ReplayResult> {
  let sent = 0;
  const failures: string[] = [];
  for await (const { line, text } of readLines(createReadStream(file))) {
    if (text.trim() === '') continue;
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...target.headers },
        body: text,
        signal: AbortSignal.timeout(POST_TIMEOUT_MS),
      });
      // Drain the body so the connection is reused.
      await response.arrayBuffer();
      if (response.ok) sent++;
      else failures.push(`${file}:${line}: ${target.url} answered ${response.status} ${response.statusText}`);
    } catch (error) {
      failures.push(`${file}:${line}: ${target.url}: ${(error as Error).message}`);
    }
  }
  return { sent, failures };
}
