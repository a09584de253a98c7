import { ConfigError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { initDense } from '../../src/nets/init.js';

describe('initDense', () => {
  test("'pytorch' draws kernel and bias from U(-1/sqrt(fanIn), 1/sqrt(fanIn))", () => {
    const { kernel, bias } = initDense(64, 128, 'pytorch', new Rng(1));
    const bound = 1 / 8;
    expect(kernel.length).toBe(64 * 128);
    expect(bias.length).toBe(128);
    expect(Math.max(...kernel)).toBeLessThanOrEqual(bound);
    expect(Math.min(...kernel)).toBeGreaterThanOrEqual(-bound);
    expect(Math.max(...bias)).toBeLessThanOrEqual(bound);
    // A uniform on [-b, b] has variance b^2/3; with 8192 draws the estimate is within 5 %.
    const variance = kernel.reduce((s, v) => s + v * v, 0) / kernel.length;
    expect(variance).toBeCloseTo(bound ** 2 / 3, 3);
    expect(Math.max(...kernel)).toBeGreaterThan(0.95 * bound);
    expect(Math.min(...bias)).toBeLessThan(0);
  });

  test("'glorot-uniform' uses sqrt(6/(in+out)) and zero bias", () => {
    const { kernel, bias } = initDense(100, 50, 'glorot-uniform', new Rng(2));
    const bound = Math.sqrt(6 / 150);
    expect(Math.max(...kernel.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...kernel.map(Math.abs))).toBeGreaterThan(0.95 * bound);
    expect(bias.every((b) => b === 0)).toBe(true);
  });

  test("'zeros' is all zero and the same seed gives the same weights", () => {
    expect(initDense(3, 4, 'zeros', new Rng(0)).kernel.every((v) => v === 0)).toBe(true);
    expect(initDense(5, 6, 'pytorch', new Rng(9)).kernel).toEqual(initDense(5, 6, 'pytorch', new Rng(9)).kernel);
    expect(initDense(5, 6, 'pytorch', new Rng(9)).kernel).not.toEqual(initDense(5, 6, 'pytorch', new Rng(10)).kernel);
  });

  test('rejects bad sizes and unknown initialisers', () => {
    expect(() => initDense(0, 4, 'pytorch', new Rng(0))).toThrow(ConfigError);
    expect(() => initDense(3, 4, 'he' as never, new Rng(0))).toThrow(/Unknown initializer "he"/);
  });
});
