import { ConfigError } from '../../src/core/errors.js';
import { bootstrapDifference, meanStd } from '../../src/cli/demo-stats.js';

describe('demo statistics', () => {
  test('meanStd is the mean and the population standard deviation', () => {
    expect(meanStd([1, 2, 3, 4])).toEqual({ mean: 2.5, std: Math.sqrt(1.25) });
    expect(meanStd([])).toEqual({ mean: 0, std: 0 });
  });

  test('the estimate is the difference of the means over seeds and tasks', () => {
    const a = [
      [0.5, 1, 0],
      [0.25, 0.75, 0.5],
    ];
    const b = [[0, 0.5, 0]];
    const d = bootstrapDifference(a, b, { resamples: 500 });
    expect(d.estimate).toBeCloseTo(3 / 6 - 0.5 / 3, 12);
    expect(d.low).toBeLessThanOrEqual(d.estimate);
    expect(d.high).toBeGreaterThanOrEqual(d.estimate);
    expect(d.level).toBe(0.95);
  });

  test('tasks are resampled in pairs: a constant gap on every task gives a zero-width interval', () => {
    // Tasks differ a lot from each other, but a beats b by exactly 0.1 on each; seeds agree.
    const base = [0, 0.9, 0.1, 0.6, 0.3, 0.8];
    const a = [base.map((x) => x + 0.1), base.map((x) => x + 0.1)];
    const b = [base, base, base];
    const d = bootstrapDifference(a, b);
    expect(d.estimate).toBeCloseTo(0.1, 12);
    expect(d.low).toBeCloseTo(0.1, 12);
    expect(d.high).toBeCloseTo(0.1, 12);
  });

  test('disagreeing seeds widen the interval until it includes zero', () => {
    const tasks = 12;
    const row = (x: number) => Array.from({ length: tasks }, () => x);
    const steady = bootstrapDifference([row(0.3), row(0.3), row(0.3)], [row(0.2), row(0.2), row(0.2)]);
    expect(steady.low).toBeCloseTo(0.1, 12);
    // Same mean gap, but one of a's seeds failed: the 0.1 gap is no longer supported.
    const noisy = bootstrapDifference([row(0.45), row(0.45), row(0)], [row(0.2), row(0.2), row(0.2)]);
    expect(noisy.estimate).toBeCloseTo(0.1, 12);
    expect(noisy.low).toBeLessThan(0);
    expect(noisy.high).toBeGreaterThan(0.2);
    // Seeded: the same call gives the same interval.
    expect(bootstrapDifference([row(0.45), row(0.45), row(0)], [row(0.2), row(0.2), row(0.2)])).toEqual(noisy);
  });

  test('ragged or empty tables are refused with the shapes received', () => {
    expect(() => bootstrapDifference([[1, 2], [1]], [[1, 2]])).toThrow(ConfigError);
    expect(() => bootstrapDifference([[1, 2]], [[1, 2, 3]])).toThrow(/2 tasks per seed/);
    expect(() => bootstrapDifference([], [[1]])).toThrow(ConfigError);
    expect(() => bootstrapDifference([[1]], [[1]], { resamples: 10 })).toThrow(/resamples/);
  });
});
