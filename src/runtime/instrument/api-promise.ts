/**
 * Tracing of the `APIPromise` Stainless-generated SDKs return. The user gets an `APIPromise` again (made with the
 * SDK's own `_thenUnwrap`), so `.withResponse()`, `.asResponse()` and the request id keep working; our transform
 * sees the parsed body (or the `Stream`) on its way to the user.
 */
import type { LlmCallHandle } from '../api/agent-spans.js';

interface ApiPromiseLike<T> extends Promise<T> {
  _thenUnwrap?: (transform: (data: T, props: unknown) => T) => ApiPromiseLike<T>;
  responsePromise?: Promise<unknown>;
  parsedPromise?: Promise<unknown>;
  asResponse?: () => Promise<unknown>;
}

/**
 * Returns the promise the user should get: it resolves to what `promise` resolves to, after `onResult` saw it.
 * `onResult` ends the span (or hands it to a stream). A failed request ends the span with its error. A user who only
 * takes the raw response (`.asResponse()`) ends the span there.
 */
export function traceApiPromise<T>(promise: ApiPromiseLike<T>, call: LlmCallHandle, onResult: (result: T) => void): ApiPromiseLike<T> {
  const observe = (result: T): T => {
    try {
      onResult(result);
    } catch {
      call.end();
    }
    return result;
  };
  // Not a Stainless APIPromise, or one whose body something below us already reads (`then` was called on it): a
  // second promise made with `_thenUnwrap` would read the body again ("Body is unusable"). Observe it on the side.
  if (typeof promise._thenUnwrap !== 'function' || !(promise.responsePromise instanceof Promise) || promise.parsedPromise !== undefined) {
    promise.then(observe, (error: unknown) => call.fail(error));
    return promise;
  }
  promise.responsePromise.then(undefined, (error: unknown) => call.fail(error));
  const traced = promise._thenUnwrap(observe);
  const asResponse = traced.asResponse;
  if (typeof asResponse === 'function') {
    traced.asResponse = function (this: ApiPromiseLike<T>) {
      const response = asResponse.call(this);
      // withResponse() parses first: only a bare asResponse() means the body is the user's, unparsed.
      if (!this.parsedPromise) void response.then(() => call.end(), () => undefined);
      return response;
    };
  }
  return traced;
}
