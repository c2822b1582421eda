// The counter tracker and the power integrator: pure arithmetic, no hardware boundary involved.
import { describe, expect, it } from 'vitest';
import { PowerIntegrator } from '../../src/runtime/energy/sources/power-integrator.js';
import { CounterTracker } from '../../src/runtime/energy/sources/wraparound.js';

describe('CounterTracker', () => {
  it('adds forward deltas and wraps at the range', () => {
    const t = new CounterTracker({ wrapAt: 1000 });
    expect([t.update(900), t.update(950), t.update(50), t.update(60)]).toEqual([undefined, undefined, 'wrap', undefined]);
    expect(t.total).toBe(160);
  });

  it('treats a drop that no single wrap explains as a reset that adds nothing', () => {
    const t = new CounterTracker({ wrapAt: 1000 });
    t.update(300);
    expect(t.update(100)).toBe('reset'); // wrapping would mean 800 units in one interval
    expect(t.total).toBe(0);
    t.update(150);
    expect(t.total).toBe(50);
  });

  it('refuses a wrap larger than the caller allows', () => {
    const t = new CounterTracker({ wrapAt: 1000 });
    t.update(990);
    expect(t.update(5, 10)).toBe('reset');
    expect(t.total).toBe(0);
  });

  it('without a range, every drop is a reset', () => {
    const t = new CounterTracker();
    t.update(10);
    expect(t.update(5)).toBe('reset');
    expect(t.total).toBe(0);
  });
});

describe('PowerIntegrator', () => {
  it('integrates by trapezoids and ignores samples that do not move time', () => {
    const p = new PowerIntegrator();
    p.add(0, 100);
    p.add(1000, 100);
    p.add(1000, 500);
    expect(p.add(2000, 300)).toBe(100 + 200);
  });
});
