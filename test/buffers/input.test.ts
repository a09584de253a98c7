import { DatasetError, ShapeError } from '../../src/core/errors.js';
import { inferDim, toFlagColumn, toFloat32Column, toTaskIndexColumn } from '../../src/buffers/input.js';

describe('boundary conversion', () => {
  test('flat, nested and typed inputs become the same owned Float32Array', () => {
    const flat = [1, 2, 3, 4];
    const typed = new Float64Array(flat);
    const a = toFloat32Column('ctx', 'x', flat, 2, 2);
    expect(a).toEqual(new Float32Array(flat));
    expect(
      toFloat32Column(
        'ctx',
        'x',
        [
          [1, 2],
          [3, 4],
        ],
        2,
        2,
      ),
    ).toEqual(a);
    expect(toFloat32Column('ctx', 'x', typed, 2, 2)).toEqual(a);
    const source = new Float32Array(flat);
    const copy = toFloat32Column('ctx', 'x', source, 2, 2);
    source[0] = 9;
    expect(copy[0]).toBe(1);
  });

  test('errors name the context, field, row and column', () => {
    expect(() => toFloat32Column('Ctx.fn', 'obs', [1, 2, 3], 2, 2)).toThrow(ShapeError);
    expect(() => toFloat32Column('Ctx.fn', 'obs', [1, 2, 3], 2, 2)).toThrow(
      /^Ctx.fn: obs has 3 values; expected 4 \(2 rows × 2\)/,
    );
    expect(() => toFloat32Column('Ctx.fn', 'obs', [[1, 2]], 2, 2)).toThrow(/obs has 1 rows; expected 2/);
    expect(() => toFloat32Column('Ctx.fn', 'obs', [1, 2, 3, -Infinity], 2, 2)).toThrow(DatasetError);
    expect(() => toFloat32Column('Ctx.fn', 'obs', [1, 2, 3, -Infinity], 2, 2)).toThrow(
      /obs row 1, column 1 is -Infinity/,
    );
    expect(() => toFloat32Column('Ctx.fn', 'r', [0, Number.NaN], 2, 1)).toThrow(/r row 1 is NaN/);
    expect(() => toFloat32Column('Ctx.fn', 'r', [0, -1e300], 2, 1)).toThrow(
      /r row 1 is -1e\+300 \(it overflows float32 to -Infinity\)/,
    );
    expect(() => toFloat32Column('Ctx.fn', 'r', [0, undefined as never], 2, 1)).toThrow(
      /r row 1 is undefined \(not a number\)/,
    );
  });

  test('flags accept 0/1 and booleans only; task indices integers >= 0 or one index for all', () => {
    expect(Array.from(toFlagColumn('c', 'f', [true, false, 1, 0], 4))).toEqual([1, 0, 1, 0]);
    expect(Array.from(toFlagColumn('c', 'f', undefined, 3))).toEqual([0, 0, 0]);
    expect(() => toFlagColumn('c', 'f', [0, -1], 2)).toThrow(/f row 1 is -1; flags must be 0, 1, false or true/);
    expect(Array.from(toTaskIndexColumn('c', 't', 4, 3))).toEqual([4, 4, 4]);
    expect(Array.from(toTaskIndexColumn('c', 't', [0, 2], 2))).toEqual([0, 2]);
    expect(() => toTaskIndexColumn('c', 't', [0, 2.5], 2)).toThrow(
      /t row 1 is 2.5; a task index must be an integer >= 0/,
    );
    expect(() => toTaskIndexColumn('c', 't', -3, 2)).toThrow(DatasetError);
  });

  test('inferDim reads the first row or divides the length', () => {
    expect(inferDim('c', 'x', [[1, 2, 3]], 1)).toBe(3);
    expect(inferDim('c', 'x', new Float32Array(12), 4)).toBe(3);
    expect(() => inferDim('c', 'x', new Float32Array(10), 4)).toThrow(/it has 10 values for 4 rows/);
    expect(() => inferDim('c', 'x', [[]], 1)).toThrow(/x\[0\] is empty/);
  });
});
