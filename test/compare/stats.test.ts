import { ConfigError } from '../../src/core/errors.js';
import {
  aggregateIqm,
  aggregateMean,
  interquartileMean,
  mean,
  percentileBySelection,
  percentileOfSorted,
  std,
  stratifiedBootstrapCi,
} from '../../src/compare/stats.js';
import { Rng } from '../../src/core/rng.js';

describe('mean, std and the interquartile mean', () => {
  test('population standard deviation (numpy default)', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    // sqrt(((1.5)^2 + (0.5)^2 + (0.5)^2 + (1.5)^2) / 4) = sqrt(1.25)
    expect(std([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(1.25), 15);
    expect(std([7])).toBe(0);
    expect(mean([])).toBeNaN();
  });

  test('IQM cuts floor(n/4) values from each end (scipy trim_mean 0.25)', () => {
    expect(interquartileMean([8, 1, 7, 2, 6, 3, 5, 4])).toBe(4.5); // mean of 3, 4, 5, 6
    expect(interquartileMean([1, 2, 3, 4, 100])).toBe(3); // cut 1 each end: 2, 3, 4
    expect(interquartileMean([10, 0, 1, 2])).toBe(1.5); // middle two
    expect(interquartileMean([0, 9, 3])).toBe(4); // n < 4: plain mean
    expect(interquartileMean([5, 1])).toBe(3);
    // 9 values: cut 2 each end, mean of 3..7 sorted values
    expect(interquartileMean([9, 8, 7, 6, 5, 4, 3, 2, 1])).toBe(5);
  });

  test('percentiles interpolate linearly (numpy linear method)', () => {
    const sorted = [1, 2, 3, 4];
    expect(percentileOfSorted(sorted, 25)).toBeCloseTo(1.75, 15);
    expect(percentileOfSorted(sorted, 50)).toBe(2.5);
    expect(percentileOfSorted(sorted, 0)).toBe(1);
    expect(percentileOfSorted(sorted, 100)).toBe(4);
    expect(percentileOfSorted([10, 20], 97.5)).toBeCloseTo(19.75, 12);
    expect(() => percentileOfSorted([], 50)).toThrow(ConfigError);
    expect(() => percentileOfSorted([1], 101)).toThrow(ConfigError);
  });

  test('selection gives the sorted percentile exactly, on any order, ties and sizes', () => {
    const rng = new Rng(8);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + rng.int(trial < 100 ? 12 : 3000);
      // Few distinct values on some trials, so that ties are common.
      const levels = trial % 3 === 0 ? 4 : 1e9;
      const values = Float64Array.from({ length: n }, () => rng.int(levels) / 7 - 3);
      const sorted = values.slice().sort();
      for (const p of [0, 2.5, 25, 50, 97.5, 100, 100 * rng.float()])
        expect(percentileBySelection(values.slice(), p)).toBe(percentileOfSorted(sorted, p));
      // Both ends from one array, as the bootstrap takes them (the first call reorders it).
      const both = values.slice();
      expect([percentileBySelection(both, 2.5), percentileBySelection(both, 97.5)]).toEqual([
        percentileOfSorted(sorted, 2.5),
        percentileOfSorted(sorted, 97.5),
      ]);
    }
    expect(() => percentileBySelection(new Float64Array(0), 50)).toThrow(ConfigError);
    expect(() => percentileBySelection(Float64Array.of(1), -1)).toThrow(ConfigError);
  });
});

describe('stratified bootstrap confidence intervals', () => {
  test('the interval of a mean matches the exact bootstrap distribution', () => {
    // 3 runs of one task scoring 0, 1, 2. A replicate's sum of 3 draws is 0..6 with counts
    // 1, 3, 6, 7, 6, 3, 1 out of 27, so P(mean <= 0) = 0.037 and P(mean <= 1/3) = 0.148: the
    // 5th percentile is 1/3 and, by symmetry, the 95th is 5/3 (90% interval).
    const ci = stratifiedBootstrapCi([[0], [1], [2]], aggregateMean, { reps: 20000, confidence: 0.9, seed: 3 });
    expect(ci.point).toBe(1);
    expect(ci.low).toBeCloseTo(1 / 3, 12);
    expect(ci.high).toBeCloseTo(5 / 3, 12);
    // 95%: 2.5% < 3.7%, so the ends are the extreme values 0 and 2.
    const wide = stratifiedBootstrapCi([[0], [1], [2]], aggregateMean, { reps: 20000, seed: 3 });
    expect([wide.low, wide.high]).toEqual([0, 2]);
  });

  test('runs are redrawn within each task, never across tasks', () => {
    // Task A always scores 0; task B scores 0, 1, 2. Stratified, the mean of the 6 cells is
    // sum_B / 6 with sum_B as above: 90% interval [1/6, 5/6]. Pooling the 6 cells instead would
    // give a lower end of 0 (all six draws 0 with probability (4/6)^6 = 0.088 > 0.05).
    const scores = [
      [0, 0],
      [0, 1],
      [0, 2],
    ];
    const ci = stratifiedBootstrapCi(scores, aggregateMean, { reps: 20000, confidence: 0.9, seed: 1 });
    expect(ci.point).toBeCloseTo(0.5, 15);
    expect(ci.low).toBeCloseTo(1 / 6, 12);
    expect(ci.high).toBeCloseTo(5 / 6, 12);
  });

  test('identical runs give a zero-width interval; one run gives its own score', () => {
    const same = stratifiedBootstrapCi(
      [
        [0.5, 0.25],
        [0.5, 0.25],
      ],
      aggregateIqm,
      { reps: 100 },
    );
    expect([same.point, same.low, same.high]).toEqual([0.375, 0.375, 0.375]);
    const one = stratifiedBootstrapCi([[0.2, 0.4, 0.9]], aggregateMean, { reps: 10 });
    expect(one.low).toBeCloseTo(0.5, 15);
    expect(one.high).toBeCloseTo(0.5, 15);
  });

  test('IQM interval on a case computed by hand', () => {
    // Two runs of one task, scores 0 and 1: a replicate is [0,0], [0,1], [1,0] or [1,1]; the
    // IQM of two values is their mean, so the replicates are 0, 0.5, 0.5, 1 with probabilities
    // 1/4, 1/2, 1/4. The 20th percentile is 0 and the 80th is 1 (60% interval of [0, 1]); the
    // 30th to 70th percentiles are 0.5.
    const ci = stratifiedBootstrapCi([[0], [1]], aggregateIqm, { reps: 40000, confidence: 0.4, seed: 9 });
    expect(ci.point).toBe(0.5);
    expect([ci.low, ci.high]).toEqual([0.5, 0.5]);
  });

  test('seeded: the same seed gives the same interval, another seed a nearby one', () => {
    const scores = [
      [0.1, 0.7, 0.3],
      [0.4, 0.9, 0.2],
      [0.3, 0.6, 0.5],
      [0.2, 0.8, 0.1],
    ];
    const a = stratifiedBootstrapCi(scores, aggregateIqm, { reps: 2000, seed: 5 });
    const b = stratifiedBootstrapCi(scores, aggregateIqm, { reps: 2000, seed: 5 });
    const c = stratifiedBootstrapCi(scores, aggregateIqm, { reps: 2000, seed: 6 });
    expect(b).toEqual(a);
    expect(c.point).toBe(a.point);
    expect(Math.abs(c.low - a.low)).toBeLessThan(0.05);
    expect(a.low).toBeLessThanOrEqual(a.point);
    expect(a.high).toBeGreaterThanOrEqual(a.point);
  });

  test('bad input is refused with a reason', () => {
    expect(() => stratifiedBootstrapCi([], aggregateMean)).toThrow(/at least one run/);
    expect(() => stratifiedBootstrapCi([[1, 2], [3]], aggregateMean)).toThrow(/rectangular/);
    expect(() => stratifiedBootstrapCi([[NaN]], aggregateMean)).toThrow(/finite/);
    expect(() => stratifiedBootstrapCi([[1]], aggregateMean, { reps: 0 })).toThrow(/reps/);
    expect(() => stratifiedBootstrapCi([[1]], aggregateMean, { confidence: 1 })).toThrow(/confidence/);
  });
});
