/**
 * One bounded HTTP GET of a metrics page: a deadline on the whole request, a cap on the body, a socket that never
 * keeps the host process alive, tracing suppressed (a host's http instrumentation does not trace our scrapes), and a
 * one-line reason instead of an error. Never rejects.
 */
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** A page's text, or why there is none. */
export type FetchedPage = { readonly text: string } | { readonly problem: string };

/** Options of {@link fetchPage}. */
export interface FetchPageOptions {
  /** Longest the whole request may take, ms. */
  readonly timeoutMs: number;
  /** Largest body read, bytes; a larger page is a problem. */
  readonly maxBytes: number;
  /** Aborts the request (e.g. the scraper stopping). */
  readonly signal?: AbortSignal;
  /**
   * Keep the process running until the answer comes (a CLI waiting for it); default false: a scrape in a host program
   * never delays its exit.
   */
  readonly holdProcess?: boolean;
}

/** GETs `url` (http or https). */
export function fetchPage(url: URL, options: FetchPageOptions): Promise<FetchedPage> {
  return new Promise<FetchedPage>((resolve) => {
    let settled = false;
    const done = (result: FetchedPage): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = context.with(suppressTracing(context.active()), () =>
      send(url, { method: 'GET', agent: false, headers: { accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1', connection: 'close' } }),
    );
    const timer = setTimeout(() => {
      done({ problem: `no answer within ${options.timeoutMs} ms` });
      req.destroy();
    }, options.timeoutMs);
    if (!options.holdProcess) timer.unref();
    const onAbort = (): void => {
      done({ problem: 'stopped' });
      req.destroy();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    if (!options.holdProcess) req.on('socket', (socket) => socket.unref());
    req.on('error', (error: NodeJS.ErrnoException) => done({ problem: `cannot reach it: ${error.code ?? error.message}` }));
    req.on('response', (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        done({ problem: `HTTP ${res.statusCode ?? '?'}${res.statusMessage ? ` ${res.statusMessage}` : ''}` });
        res.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > options.maxBytes) {
          done({ problem: `page larger than ${options.maxBytes} bytes` });
          res.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => done({ text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error: NodeJS.ErrnoException) => done({ problem: `connection broke: ${error.code ?? error.message}` }));
    });
    req.end();
  });
}
