// The seed's tests/telemetry/test_events.py, plus the bus (seeds-spec §1.4).
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus, type BusEvent } from '../../src/runtime/events/event-bus.js';
import { EventRecorder } from '../../src/runtime/events/event-recorder.js';
import { EventType, isEventType } from '../../src/runtime/events/event-types.js';

const noSpans = (bus?: EventBus): EventRecorder => new EventRecorder({ bus, spans: false });

describe('EventType', () => {
  it('has exactly the seed values', () => {
    expect(Object.values(EventType)).toEqual([
      'lm_inference_start', 'lm_inference_end', 'tool_call_start', 'tool_call_end', 'prefill_start', 'prefill_end',
      'decode_start', 'decode_end', 'submodel_call_start', 'submodel_call_end', 'agent_start', 'agent_end',
      'turn_start', 'turn_end', 'retry_attempt', 'error_classified', 'energy_attributed', 'trajectory_end',
    ]);
    expect(EventType.TOOL_CALL_START).toBe('tool_call_start');
  });
  it('values are plain strings (a str enum)', () => {
    expect(isEventType('lm_inference_end')).toBe(true);
    expect(isEventType('LM_INFERENCE_END')).toBe(false);
    expect(isEventType(3)).toBe(false);
  });
});

describe('EventRecorder', () => {
  it('record() stamps a Unix-seconds time between before and after', () => {
    const recorder = noSpans();
    const before = Date.now() / 1000;
    recorder.record('tool_call_start', { tool: 'calculator' });
    const after = Date.now() / 1000;
    const [event] = recorder.getEvents();
    expect(event!.eventType).toBe('tool_call_start');
    // performance.now() and Date.now() may disagree by a fraction of a millisecond.
    expect(event!.timestamp).toBeGreaterThanOrEqual(before - 0.002);
    expect(event!.timestamp).toBeLessThanOrEqual(after + 0.002);
  });

  it('getEvents() returns a copy', () => {
    const recorder = noSpans();
    recorder.record('tool_call_start');
    const events = recorder.getEvents();
    events.pop();
    expect(recorder.getEvents()).toHaveLength(1);
  });

  it('clear() and length', () => {
    const recorder = noSpans();
    expect(recorder.length).toBe(0);
    recorder.record('a');
    recorder.record('b');
    expect(recorder.length).toBe(2);
    recorder.clear();
    expect(recorder.length).toBe(0);
    expect(recorder.getEvents()).toEqual([]);
  });

  it('10 concurrent async "threads" x 100 records = 1000 events, none lost', async () => {
    const recorder = noSpans();
    await Promise.all(
      Array.from({ length: 10 }, async (_, worker) => {
        for (let i = 0; i < 100; i++) {
          recorder.record('tool_call_start', { worker, i });
          await new Promise<void>((resolve) => (i % 3 === 0 ? setImmediate(resolve) : queueMicrotask(resolve)));
        }
      }),
    );
    const events = recorder.getEvents();
    expect(events).toHaveLength(1000);
    for (let worker = 0; worker < 10; worker++) {
      expect(events.filter((e) => e.metadata.worker === worker).map((e) => e.metadata.i)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    }
  });

  it('timestamps are chronological', () => {
    const recorder = noSpans();
    for (let i = 0; i < 50; i++) recorder.record('lm_inference_start');
    const ts = recorder.getEvents().map((e) => e.timestamp);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
  });

  it('stores metadata (a copy of it)', () => {
    const recorder = noSpans();
    const meta = { tool: 'calc', args: { x: 1 } };
    recorder.record('tool_call_start', meta);
    meta.tool = 'changed';
    expect(recorder.getEvents()[0]!.metadata).toEqual({ tool: 'calc', args: { x: 1 } });
  });

  it('the seed conftest fixture: 4 events in order', () => {
    const recorder = noSpans();
    recorder.record('lm_inference_start', { model: 'm' });
    recorder.record('tool_call_start', { tool: 'calc' });
    recorder.record('tool_call_end', { tool: 'calc' });
    recorder.record('lm_inference_end', { prompt_tokens: 10, completion_tokens: 5 });
    expect(recorder.getEvents().map((e) => e.eventType)).toEqual(['lm_inference_start', 'tool_call_start', 'tool_call_end', 'lm_inference_end']);
  });

  it('publishes known types with timestampNs, turnId and correlationId; free-form strings are recorded only', () => {
    const bus = new EventBus();
    const seen: BusEvent[] = [];
    bus.subscribe(null, (e) => void seen.push(e));
    const recorder = noSpans(bus);
    expect(recorder.bus).toBe(bus);
    recorder.record('my_custom_event', { x: 1 });
    recorder.record('tool_call_end', { tool: 'calc', turn_id: 'turn-42', correlation_id: 'c1', status: 'ok' });
    expect(recorder.length).toBe(2);
    expect(seen).toHaveLength(1);
    const [event] = seen;
    expect(event).toMatchObject({ eventType: 'tool_call_end', turnId: 'turn-42', correlationId: 'c1', payload: { tool: 'calc', status: 'ok' } });
    expect(event!.timestampNs / 1e9).toBeCloseTo(recorder.getEvents()[1]!.timestamp, 6);
  });

  it('accepts a bus positionally, as the seed does', () => {
    const bus = new EventBus();
    expect(new EventRecorder(bus).bus).toBe(bus);
  });
});

describe('EventBus', () => {
  const warnings: string[] = [];
  const logger: DiagLogger = {
    error: () => {},
    warn: (message) => void warnings.push(message),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  };
  afterEach(() => {
    diag.disable();
    warnings.length = 0;
  });

  const event = (eventType: BusEvent['eventType']): BusEvent => ({ eventType, timestampNs: 1e18, payload: {} });

  it('delivers synchronously to typed and wildcard subscribers; unsubscribe stops delivery', () => {
    const bus = new EventBus();
    const got: string[] = [];
    const typed = bus.subscribe('tool_call_start', (e) => void got.push(`typed:${e.eventType}`));
    bus.subscribe(null, (e) => void got.push(`all:${e.eventType}`));
    bus.publish(event('tool_call_start'));
    bus.publish(event('tool_call_end'));
    expect(got).toEqual(['typed:tool_call_start', 'all:tool_call_start', 'all:tool_call_end']);
    expect(bus.unsubscribe(typed)).toBe(true);
    expect(bus.unsubscribe(typed)).toBe(false);
    bus.publish(event('tool_call_start'));
    expect(got).toHaveLength(4);
    expect(typed).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('isolates a throwing subscriber, reports it via diag once, and still delivers to the others', async () => {
    diag.setLogger(logger, DiagLogLevel.WARN);
    const bus = new EventBus();
    const got: string[] = [];
    bus.subscribe(null, () => {
      throw new Error('boom');
    });
    bus.subscribe(null, () => Promise.reject(new Error('async boom')));
    bus.subscribe(null, (e) => void got.push(e.eventType));
    expect(() => bus.publish(event('agent_start'))).not.toThrow();
    bus.publish(event('agent_end'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(got).toEqual(['agent_start', 'agent_end']);
    expect(warnings.filter((w) => w.includes('subscriber'))).toHaveLength(2);
  });
});
