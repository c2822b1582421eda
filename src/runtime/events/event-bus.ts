import { randomUUID } from 'node:crypto';
import { diag } from '@opentelemetry/api';
import type { EventType } from './event-types.js';

/** An event on the bus (the seed's `eventbus.Event`). */
export interface BusEvent {
  readonly eventType: EventType;
  /** Unix time in nanoseconds. A float: below a microsecond it is rounded, finer than any clock we read. */
  readonly timestampNs: number;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly turnId?: string;
  /** Pairs a `*_start` with its `*_end`. */
  readonly correlationId?: string;
}

/** A subscriber. It may return a promise; a rejection is reported, never left unhandled. */
export type BusListener = (event: BusEvent) => unknown;

interface Subscription {
  readonly eventType: EventType | null;
  readonly listener: BusListener;
  failures: number;
}

/**
 * Synchronous publish/subscribe for {@link BusEvent}s (the seed's `EventBus`). Subscribers run in the order they
 * subscribed; one that throws is reported through `diag` and skipped, the others still get the event.
 */
export class EventBus {
  private readonly _subscriptions = new Map<string, Subscription>();

  /** Subscribes to one event type, or to every type with `null`. Returns a handle for {@link unsubscribe}. */
  subscribe(eventType: EventType | null, listener: BusListener): string {
    const handle = randomUUID();
    this._subscriptions.set(handle, { eventType, listener, failures: 0 });
    return handle;
  }

  /** Removes a subscription; returns whether the handle was subscribed. */
  unsubscribe(handle: string): boolean {
    return this._subscriptions.delete(handle);
  }

  /** Delivers the event to every matching subscriber before returning. Never throws. */
  publish(event: BusEvent): void {
    // A snapshot, so a subscriber that (un)subscribes while being called does not change this delivery.
    for (const [handle, sub] of [...this._subscriptions]) {
      if (sub.eventType !== null && sub.eventType !== event.eventType) continue;
      try {
        const result = sub.listener(event);
        if (isThenable(result)) result.then(undefined, (error: unknown) => this._report(handle, sub, event, error));
      } catch (error) {
        this._report(handle, sub, event, error);
      }
    }
  }

  private _report(handle: string, sub: Subscription, event: BusEvent, error: unknown): void {
    // Logged once per subscriber at warn level, then counted at debug level, so a broken subscriber cannot flood logs.
    sub.failures++;
    const message = `openjoules EventBus: subscriber ${handle} failed on ${event.eventType}`;
    if (sub.failures === 1) diag.warn(message, error);
    else diag.debug(`${message} (${sub.failures} failures)`, error);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
