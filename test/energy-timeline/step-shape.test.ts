// One power step solved for inside a sample interval whose energy is known.
import { describe, expect, it } from 'vitest';
import { stepShapedJoules } from '../../src/runtime/energy/timeline/step-shape.js';

describe('stepShapedJoules', () => {
  it('puts a 100 W → 300 W step where the interval energy says: 4 ms into a 10 ms interval holding 2.2 J', () => {
    // 100 W for 4 ms (0.4 J) then 300 W for 6 ms (1.8 J).
    expect(stepShapedJoules(0, 10, 5, 7.2, 100, 300, 2)).toBeCloseTo(5.2, 12);
    expect(stepShapedJoules(0, 10, 5, 7.2, 100, 300, 4)).toBeCloseTo(5.4, 12);
    expect(stepShapedJoules(0, 10, 5, 7.2, 100, 300, 7)).toBeCloseTo(6.3, 12);
  });

  it('declines where no single step explains the energy, or the samples are too close to say', () => {
    expect(stepShapedJoules(0, 10, 0, 5, 100, 300, 5)).toBeNaN(); // 5 J is more than 300 W for 10 ms
    expect(stepShapedJoules(0, 10, 0, 2, 200, 200.5, 5)).toBeNaN();
  });
});
