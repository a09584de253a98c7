import { DatasetError } from '../../src/core/errors.js';
import {
  combineMoments,
  computeMoments,
  computeStatistics,
  emptyMoments,
  momentsToStatistics,
} from '../../src/buffers/index.js';

describe('statistics', () => {
  test('computeStatistics matches hand-computed mean, population std, min and max per dimension', () => {
    // Rows [1, -2], [2, 0], [6, 2]: means 3 and 0; deviations (-2, -1, 3) and (-2, 0, 2).
    const s = computeStatistics(new Float32Array([1, -2, 2, 0, 6, 2]), 2);
    expect(Array.from(s.mean)).toEqual([3, 0]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(14 / 3), 6);
    expect(s.std[1]).toBeCloseTo(Math.sqrt(8 / 3), 6);
    expect(Array.from(s.min)).toEqual([1, -2]);
    expect(Array.from(s.max)).toEqual([6, 2]);
  });

  test('a constant column has std 0 (not clamped), and empty or ragged input is rejected', () => {
    expect(Array.from(computeStatistics(new Float32Array([4, 4, 4]), 1).std)).toEqual([0]);
    expect(() => computeStatistics(new Float32Array(0), 1)).toThrow(DatasetError);
    expect(() => computeStatistics(new Float32Array(5), 2)).toThrow(
      /5 values are not a whole number of rows of length 2/,
    );
  });

  test('combineMoments of two parts equals the moments of the whole', () => {
    const values = Float32Array.from({ length: 3 * 101 }, (_, i) => Math.sin(i) * 100 + (i % 3) * 1000);
    const whole = computeMoments(values, 101, 3);
    const a = computeMoments(values.subarray(0, 3 * 40), 40, 3);
    const b = computeMoments(values.subarray(3 * 40), 61, 3);
    const merged = combineMoments(a, b);
    expect(merged.count).toBe(101);
    for (let k = 0; k < 3; k++) {
      expect(merged.mean[k]).toBeCloseTo(whole.mean[k], 9);
      expect(merged.m2[k] / whole.m2[k]).toBeCloseTo(1, 12);
      expect([merged.min[k], merged.max[k]]).toEqual([whole.min[k], whole.max[k]]);
    }
    expect(combineMoments(emptyMoments(3), a)).toBe(a);
    expect(() => combineMoments(a, emptyMoments(2))).toThrow(/row lengths differ \(3 vs 2\)/);
    expect(() => momentsToStatistics(emptyMoments(2), 'the thing')).toThrow(
      /Cannot compute statistics of the thing: it holds no transitions/,
    );
  });
});
