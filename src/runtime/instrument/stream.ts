/**
 * Tracing of the streams Stainless-generated SDKs (openai, @anthropic-ai/sdk) return. Their `Stream` keeps its
 * chunks behind one `iterator` function that `[Symbol.asyncIterator]`, `tee()` and `toReadableStream()` all call,
 * so replacing that function on the instance traces every way of reading the stream while the object the user
 * receives (its class, `controller`, helpers) stays the same.
 */
import type { LlmCallHandle } from '../api/agent-spans.js';

/** What a stream's chunks tell the span. */
export interface StreamObserver<T> {
  /** Sees each chunk; return false to hide it from the user (a chunk only we asked for). Must not throw. */
  onChunk(chunk: T): boolean | void;
  /** Called once when the stream ends without an error (also when the user stops early), before the span ends. */
  onEnd(): void;
}

interface IterableStream<T> {
  iterator: () => AsyncIterator<T>;
}

/** True when `value` looks like a Stainless `Stream` (an object with an `iterator` function). */
export function isIterableStream(value: unknown): value is IterableStream<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { iterator?: unknown }).iterator === 'function';
}

/**
 * Makes `stream` report to `call`: every chunk pulled with the span active, the observer told of each, the span ended
 * (with the error, if any) when the stream completes, fails or is abandoned. A stream nobody reads keeps its span open.
 */
export function traceStream<T>(stream: IterableStream<T>, call: LlmCallHandle, observer: StreamObserver<T>): void {
  const original = stream.iterator;
  let finished = false;
  const finish = (error?: unknown): void => {
    if (finished) return;
    finished = true;
    if (error !== undefined) {
      call.recordError(error);
    } else {
      try {
        observer.onEnd();
      } catch {
        // Telemetry never breaks the stream.
      }
    }
    call.end();
  };
  stream.iterator = function tracedIterator(this: unknown): AsyncIterator<T> {
    const inner = call.run(() => original.call(this));
    return (async function* traced(): AsyncGenerator<T, void, undefined> {
      let completed = false;
      try {
        for (;;) {
          const next = await call.run(() => inner.next());
          if (next.done) break;
          let keep: boolean | void = true;
          try {
            keep = observer.onChunk(next.value);
          } catch {
            // An observer failure must not cost the user a chunk.
          }
          if (keep !== false) yield next.value;
        }
        completed = true;
      } catch (error) {
        finish(error);
        throw error;
      } finally {
        if (!completed && !finished) await call.run(async () => inner.return?.());
        finish();
      }
    })();
  };
}
