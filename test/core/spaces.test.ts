import { ConfigError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { Box, Dict, Discrete, flatDim, spaceFromJSON, type SpaceJSON } from '../../src/core/spaces.js';

describe('Box', () => {
  test('bounded samples stay inside and cover the range', () => {
    const box = new Box({ low: [-1, 0, 5], high: [1, 2, 6] });
    const rng = new Rng(0);
    const mins = [Infinity, Infinity, Infinity];
    const maxs = [-Infinity, -Infinity, -Infinity];
    for (let i = 0; i < 2000; i++) {
      const x = box.sample(rng);
      expect(box.contains(x)).toBe(true);
      x.forEach((v, j) => {
        mins[j] = Math.min(mins[j], v);
        maxs[j] = Math.max(maxs[j], v);
      });
    }
    expect(mins[0]).toBeLessThan(-0.99);
    expect(maxs[2]).toBeGreaterThan(5.99);
  });

  test('unbounded and half-bounded sides sample normal and shifted exponential', () => {
    const box = new Box({ low: [-Infinity, 2], high: [Infinity, Infinity] });
    const rng = new Rng(1);
    let sum0 = 0;
    let sum1 = 0;
    for (let i = 0; i < 20000; i++) {
      const x = box.sample(rng);
      sum0 += x[0];
      sum1 += x[1];
      expect(x[1]).toBeGreaterThanOrEqual(2);
    }
    expect(Math.abs(sum0 / 20000)).toBeLessThan(0.05);
    expect(sum1 / 20000).toBeCloseTo(3, 1); // 2 + Exp(1)
    expect(box.isBounded()).toBe(false);
  });

  test('contains explains dtype, length, NaN and bound mismatches', () => {
    const box = new Box({ low: -1, high: 1, shape: [2] });
    expect(box.explainMismatch(new Float64Array(2))).toBe('expected dtype float32, got float64');
    expect(box.explainMismatch(new Float32Array(3))).toBe('expected 2 elements (shape [2]), got 3');
    expect(box.explainMismatch(Float32Array.of(0, NaN))).toBe('element 1 is NaN');
    expect(box.explainMismatch(Float32Array.of(0, 2))).toBe('element 1 = 2 is outside [-1, 1]');
    expect(box.explainMismatch([0, 0])).toMatch(/expected a float32 typed array of length 2, got Array\(2\)/);
    expect(box.contains(Float32Array.of(1, -1))).toBe(true);
  });

  test('float32 rounding of a float64 bound does not exclude values at the bound', () => {
    const box = new Box({ low: -0.1, high: 0.1, shape: [1] });
    expect(box.contains(Float32Array.of(0.1))).toBe(true);
  });

  test('integer boxes sample integers in range', () => {
    const box = new Box({ low: 0, high: 3, shape: [4], dtype: 'int32' });
    const rng = new Rng(2);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) box.sample(rng).forEach((v) => seen.add(v));
    expect([...seen].sort()).toEqual([0, 1, 2, 3]);
  });

  test('rejects inconsistent definitions with a fix', () => {
    expect(() => new Box({ low: 1, high: 0, shape: [1] })).toThrow('Box low[0] = 1 is above high[0] = 0');
    expect(() => new Box({ low: [0, 0], high: [1, 1, 1] })).toThrow(ConfigError);
    expect(() => new Box({ low: 0, high: 1 })).toThrow('Box needs a shape');
    expect(() => new Box({ low: NaN, high: 1, shape: [1] })).toThrow(/NaN/);
  });

  test('JSON round trip keeps infinite bounds', () => {
    const box = new Box({ low: [-Infinity, 0], high: [Infinity, 1] });
    const json = JSON.parse(JSON.stringify(box.toJSON())) as SpaceJSON;
    const back = spaceFromJSON(json) as Box;
    expect(Array.from(back.low)).toEqual([-Infinity, 0]);
    expect(Array.from(back.high)).toEqual([Infinity, 1]);
  });
});

describe('Discrete and Dict', () => {
  test('Discrete samples every value in {start..start+n-1}', () => {
    const d = new Discrete(3, 5);
    const rng = new Rng(0);
    const seen = new Set<number>();
    for (let i = 0; i < 300; i++) seen.add(d.sample(rng));
    expect([...seen].sort()).toEqual([5, 6, 7]);
    expect(d.contains(8)).toBe(false);
    expect(d.explainMismatch(5.5)).toMatch(/expected an integer/);
    expect(() => new Discrete(0)).toThrow(ConfigError);
  });

  test('Dict checks keys and sub-spaces, naming the key at fault', () => {
    const d = new Dict({ pos: new Box({ low: -1, high: 1, shape: [2] }), mode: new Discrete(2) });
    expect(Object.keys(d.spaces)).toEqual(['mode', 'pos']);
    const x = d.sample(new Rng(0));
    expect(d.contains(x)).toBe(true);
    expect(d.explainMismatch({ pos: Float32Array.of(0, 0) })).toBe('missing key "mode"');
    expect(d.explainMismatch({ pos: Float32Array.of(0, 3), mode: 1 })).toBe(
      'key "pos": element 1 = 3 is outside [-1, 1]',
    );
    expect(d.explainMismatch({ pos: Float32Array.of(0, 0), mode: 1, extra: 1 })).toBe('unexpected key "extra"');
    expect(flatDim(d)).toBe(3);
    expect(spaceFromJSON(d.toJSON()).toJSON()).toEqual(d.toJSON());
  });
});
