import {
  checkFinite,
  firstNonFinite,
  manyObservations,
  oneObservation,
  toFloat32,
} from '../../../src/agents/common/policy-inputs.js';
import { NonFiniteInputError, ShapeError } from '../../../src/core/errors.js';

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('did not throw');
}

test('firstNonFinite finds NaN, Infinity and -Infinity, and nothing in finite data', () => {
  expect(firstNonFinite(Float32Array.of(0, -0, 3.4e38, -1e-45))).toBe(-1);
  expect(firstNonFinite([1, 2, NaN])).toBe(2);
  expect(firstNonFinite(Float64Array.of(1, Infinity))).toBe(1);
  expect(firstNonFinite([-Infinity])).toBe(0);
});

test('a non-finite value is a NonFiniteInputError carrying its input, row, column and value', () => {
  const e = caught(() => checkFinite(Float32Array.of(1, 2, 3, 4, 5, -Infinity), 3, 'observations', 'X.act', 'Fix it.'));
  expect(e).toBeInstanceOf(NonFiniteInputError);
  const error = e as NonFiniteInputError;
  expect([error.input, error.row, error.column, error.value]).toEqual(['observations', 1, 2, -Infinity]);
  expect(error.message).toBe(
    'X.act: observations row 1, column 2 is -Infinity; a policy would turn it into a confident-looking action, so it is refused. Fix it.',
  );
});

test('observations: a Float32Array is used as it is, other arrays of numbers are converted', () => {
  const f = Float32Array.of(1, 2, 3);
  expect(oneObservation(f, 3, 'X.act')).toBe(f);
  expect(oneObservation([1, 2, 3], 3, 'X.act')).toEqual(f);
  expect(oneObservation(Float64Array.of(1, 2, 3), 3, 'X.act')).toEqual(f);
  expect(manyObservations(Int32Array.of(1, 2, 3, 4, 5, 6), 3, 'X.actBatch')).toEqual(Float32Array.of(1, 2, 3, 4, 5, 6));
});

test('observations: wrong lengths and things that are not arrays of numbers are ShapeErrors saying what to pass', () => {
  expect(() => oneObservation(Float32Array.of(1, 2), 3, 'X.act')).toThrow(
    'X.act expects one observation of length 3, got 2; use policy(context).actBatch for several.',
  );
  expect(() => manyObservations(new Float32Array(0), 3, 'X.actBatch')).toThrow(/multiple of it, got 0/);
  expect(() => manyObservations(new Float32Array(7), 3, 'X.actBatch')).toThrow(/multiple of it, got 7/);
  for (const bad of [null, undefined, 3, 'abc', { length: 3 }, new DataView(new ArrayBuffer(12)), new BigInt64Array(3)])
    expect(() => toFloat32(bad, 'X.act', 'one observation')).toThrow(ShapeError);
  expect(() => toFloat32([1, null, 3], 'X.act', 'one observation')).toThrow(/element 1 is null/);
  expect(() => toFloat32('abc', 'X.act', 'one observation')).toThrow(
    'X.act expects one observation as a Float32Array (or an array of numbers), got a string. Pass e.g. Float32Array.from(observation).',
  );
});

test('observations with NaN name the row and column', () => {
  expect(() => manyObservations([0, 1, 2, 3, NaN, 5], 3, 'X.actBatch')).toThrow(
    /X.actBatch: observations row 1, column 1 is NaN/,
  );
  expect(() => oneObservation([0, Infinity, 2], 3, 'X.act')).toThrow(NonFiniteInputError);
});
