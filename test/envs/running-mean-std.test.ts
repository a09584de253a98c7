import { ShapeError } from '../../src/core/errors.js';
import { RunningMeanStd } from '../../src/envs/running-mean-std.js';

describe('RunningMeanStd', () => {
  it('starts at mean 0, variance 1 and tracks hand-computed statistics', () => {
    const rms = new RunningMeanStd(2);
    expect(rms.getState()).toEqual({ mean: new Float64Array(2), variance: Float64Array.of(1, 1), count: 0 });
    expect(Array.from(rms.normalize([3, -2], 0))).toEqual([3, -2]);
    for (const x of [
      [1, 10],
      [2, 10],
      [3, 10],
      [6, 10],
    ])
      rms.update(x);
    const s = rms.getState();
    expect(Array.from(s.mean)).toEqual([3, 10]);
    expect(s.variance[0]).toBeCloseTo(3.5, 14); // ((-2)^2 + 1 + 0 + 9) / 4
    expect(s.variance[1]).toBe(0);
    expect(s.count).toBe(4);
    const z = rms.normalize([6, 10], 1e-8);
    expect(z[0]).toBeCloseTo(3 / Math.sqrt(3.5 + 1e-8), 12);
    expect(z[1]).toBe(0);
  });

  it('is stable for a large offset where the naive sum-of-squares formula fails', () => {
    const rms = new RunningMeanStd(1);
    for (const x of [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]) rms.update([x]);
    expect(rms.getState().variance[0]).toBeCloseTo(22.5, 6);
  });

  it('checks lengths', () => {
    const rms = new RunningMeanStd(2);
    expect(() => rms.update([1])).toThrow(ShapeError);
    expect(() => rms.normalize([1, 2, 3], 1e-8)).toThrow(/expected 2 values, got 3/);
  });
});
