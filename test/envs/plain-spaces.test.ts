import { ConfigError, EnvError } from '../../src/core/errors.js';
import { Box, Dict, Discrete } from '../../src/core/spaces.js';
import { coerceToSpace, toPlainValue } from '../../src/envs/coerce.js';
import { spaceFromPlain } from '../../src/envs/plain-spaces.js';

describe('spaceFromPlain', () => {
  it('builds Boxes from plain bounds, nested arrays, nulls and NumPy dtype names', () => {
    const a = spaceFromPlain({ shape: [2], low: -1, high: 1 }) as Box;
    expect([a.dtype, a.shape, Array.from(a.low), Array.from(a.high)]).toEqual(['float32', [2], [-1, -1], [1, 1]]);
    const b = spaceFromPlain({
      low: [
        [0, null],
        [1, 2],
      ],
      high: [
        [5, 5],
        [null, 9],
      ],
      dtype: 'np.float64',
    }) as Box<'float64'>;
    expect(b.shape).toEqual([2, 2]);
    expect(b.dtype).toBe('float64');
    expect(Array.from(b.low)).toEqual([0, -Infinity, 1, 2]);
    expect(Array.from(b.high)).toEqual([5, 5, Infinity, 9]);
    const img = spaceFromPlain({ shape: 3, low: 0, high: 255, dtype: 'uint8' }) as Box<'int32'>;
    expect([img.dtype, img.shape]).toEqual(['int32', [3]]);
    expect(spaceFromPlain({ type: 'box', shape: [1], dtype: 'float32', low: [null], high: [null] })).toBeInstanceOf(
      Box,
    );
  });

  it('builds Discrete and Dict spaces and passes core spaces through', () => {
    expect(spaceFromPlain({ n: 4, start: -1 })).toEqual(new Discrete(4, -1));
    const d = spaceFromPlain({ spaces: { b: { n: 2 }, a: { shape: [1], low: 0, high: 1 } } }) as Dict;
    expect(Object.keys(d.spaces)).toEqual(['a', 'b']);
    const box = new Box({ low: 0, high: 1, shape: [1] });
    expect(spaceFromPlain(box)).toBe(box);
  });

  it('explains what is wrong', () => {
    expect(() => spaceFromPlain({ low: 0, high: 1 })).toThrow(/scalar low and high and no shape/);
    expect(() => spaceFromPlain({ shape: [2], low: 0, high: 1, dtype: 'bool' })).toThrow(
      /dtype "bool", which a Box cannot hold/,
    );
    expect(() => spaceFromPlain({ low: [0, 0], high: [1, 1, 1] })).toThrow(
      /high has 3 elements but shape \[2\] holds 2/,
    );
    expect(() => spaceFromPlain({ low: [[0], [0, 1]], high: 1, shape: [3] })).toThrow(/ragged array/);
    expect(() => spaceFromPlain({ shape: [1], low: 0, high: 2 ** 40, dtype: 'int64' })).toThrow(
      /outside the int32 range/,
    );
    expect(() => spaceFromPlain({ low: 0 })).toThrow(ConfigError);
    expect(() => spaceFromPlain(42)).toThrow(/got number 42/);
  });
});

describe('coerceToSpace', () => {
  it('converts arrays into the typed array of the Box dtype, always as a copy', () => {
    const box = new Box({ low: 0, high: 1, shape: [2, 2], dtype: 'float64' });
    expect(
      coerceToSpace(
        box,
        [
          [1, 2],
          [3, 4],
        ],
        'obs',
      ),
    ).toEqual(Float64Array.of(1, 2, 3, 4));
    const src = Float32Array.of(0.5, 0.25);
    const out = coerceToSpace(new Box({ low: 0, high: 1, shape: [2] }), src, 'obs');
    expect(out).toEqual(src);
    expect(out).not.toBe(src);
    expect(() => coerceToSpace(new Box({ low: 0, high: 9, shape: [1], dtype: 'int32' }), [1.5], 'obs')).toThrow(
      /not an integer/,
    );
    expect(() => coerceToSpace(new Discrete(3), 1.5, 'obs')).toThrow(EnvError);
    expect(coerceToSpace(new Discrete(3), [2], 'obs')).toBe(2);
    const dict = new Dict({ a: new Discrete(2) });
    expect(() => coerceToSpace(dict, { a: 1, b: 2 }, 'obs')).toThrow(/key "b" that the Dict space does not declare/);
    expect(() => coerceToSpace(dict, {}, 'obs')).toThrow(/lacks key "a"/);
  });

  it('turns typed arrays into plain arrays recursively', () => {
    expect(toPlainValue({ a: Float32Array.of(1, 2), b: 3 })).toEqual({ a: [1, 2], b: 3 });
  });
});
