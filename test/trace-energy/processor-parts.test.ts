// The span processor's small parts, one at a time: what each must keep true for the processor to be right.
import { describe, expect, it } from 'vitest';
import { FinalizePolicy } from '../../src/runtime/span-processor/finalize-policy.js';
import { HeldQueue } from '../../src/runtime/span-processor/held-queue.js';
import { StartOrder, type RunningSlots } from '../../src/runtime/span-processor/start-order.js';

describe('HeldQueue', () => {
  it('keeps end order across wrap-around and growth, and stamps only the spans held since the last stamp', () => {
    const queue = new HeldQueue();
    for (let i = 0; i < 200; i++) queue.push(i);
    queue.stamp(1);
    for (let i = 0; i < 150; i++) queue.shift(); // head moves: the ring wraps when more come
    for (let i = 200; i < 700; i++) queue.push(i); // grows past 256 while wrapped
    queue.stamp(2);
    expect(queue.count).toBe(550);
    expect(queue.oldest).toBe(150);
    expect(queue.newest).toBe(699);
    expect(queue.oldestEndedAt).toBe(1); // held before the first stamp
    const seen: number[] = [];
    while (queue.count > 0) {
      seen.push(queue.oldest);
      if (queue.oldest === 200) expect(queue.oldestEndedAt).toBe(2);
      queue.shift();
    }
    expect(seen).toEqual(Array.from({ length: 550 }, (_, k) => 150 + k));
    expect(queue.oldest).toBe(-1);
    expect(queue.oldestEndedAt).toBeNaN();
  });
});

describe('StartOrder', () => {
  it('gives the oldest running span, skipping ended and freed ones, and stays bounded by what runs', () => {
    const ended = new Set<number>();
    const slots: RunningSlots = { slotOf: (token) => (token >= 0 && token % 1000 !== 999 ? token : -1), isEnded: (slot) => ended.has(slot) };
    const order = new StartOrder(slots);
    for (let t = 0; t < 10; t++) order.push(t);
    ended.add(0).add(1);
    expect(order.takeOldestRunning()).toBe(2);
    for (let t = 10; t < 5000; t++) {
      order.push(t);
      if (t % 2 === 0) ended.add(t); // half end: compaction drops them when the array fills
    }
    expect(order.takeOldestRunning()).toBe(3);
    expect(order.takeOldestRunning()).toBe(4);
  });
});

describe('FinalizePolicy', () => {
  it('auto: immediate under load, back to waiting once fewer than half of maxHeld would wait over a window', () => {
    const policy = new FinalizePolicy('auto', 100, () => 100, 5000);
    expect(policy.immediate).toBe(false);
    policy.startImmediate(1000, 900); // the data lags 100 ms: a 100 ms window
    expect(policy.immediate).toBe(true);
    // 1000 span ends in 100 ms: 1000 would wait at once, far above 50.
    for (let k = 0; k < 1000; k++) expect(policy.stillImmediate(1000 + k * 0.1)).toBe(true);
    expect(policy.stillImmediate(1100)).toBe(true);
    // Then 10 ends in the next window: 10 would wait, under half of 100: back to waiting.
    for (let k = 1; k < 10; k++) policy.stillImmediate(1100 + k * 10);
    expect(policy.stillImmediate(1200)).toBe(false);
    expect(policy.immediate).toBe(false);
  });

  it('immediate stays immediate; exact never starts immediate by itself', () => {
    const immediate = new FinalizePolicy('immediate', 1, () => 10, 5000);
    expect(immediate.immediate).toBe(true);
    expect(immediate.stillImmediate(1e9)).toBe(true);
    expect(new FinalizePolicy('exact', 1, () => 10, 5000).immediate).toBe(false);
  });
});
