/**
 * Small helpers shared by the Box wrappers: checking that a space is a {@link Box} and turning
 * caller values into fresh typed arrays of a given dtype.
 *
 * @module
 */
import { ConfigError, ShapeError } from '../../core/errors.js';
import { Box, describeValue, type BoxArray, type BoxDtype, type Space } from '../../core/spaces.js';

/**
 * Returns `space` as a {@link Box}.
 * @throws {@link ConfigError} when it is another kind of space.
 */
export function requireBox(space: Space<unknown>, who: string, role: 'action' | 'observation'): Box<BoxDtype> {
  if (!(space instanceof Box)) {
    throw new ConfigError(
      `${who} needs a Box ${role} space, got a ${space?.type ?? typeof space} space. Apply ${who} only to envs with continuous (Box) ${role}s.`,
    );
  }
  return space as Box<BoxDtype>;
}

/**
 * Returns `space` as a floating-point {@link Box} (float32 or float64).
 * @throws {@link ConfigError} for another kind of space or an int32 box.
 */
export function requireFloatBox(
  space: Space<unknown>,
  who: string,
  role: 'action' | 'observation',
): Box<'float32' | 'float64'> {
  const box = requireBox(space, who, role);
  if (box.dtype === 'int32') throw new ConfigError(`${who} needs a float32 or float64 ${role} Box, got dtype int32.`);
  return box as Box<'float32' | 'float64'>;
}

/** A new zero-filled typed array of the given dtype and length. */
export function allocate(dtype: BoxDtype, size: number): BoxArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
    default:
      throw new ConfigError(`Unknown Box dtype ${JSON.stringify(dtype)}; use 'float32', 'float64' or 'int32'.`);
  }
}

/**
 * Checks that `value` is an array-like of `size` numbers and returns it as such.
 * @throws {@link ShapeError} when it is not array-like or has the wrong length.
 */
export function expectNumbers(value: unknown, size: number, what: string): ArrayLike<number> {
  const arrayLike = ArrayBuffer.isView(value) || Array.isArray(value);
  if (!arrayLike || value instanceof DataView) {
    throw new ShapeError(
      `${what} must be a typed array or number array of length ${size}, got ${describeValue(value)}.`,
    );
  }
  const arr = value as ArrayLike<number>;
  if (arr.length !== size) throw new ShapeError(`${what} must have ${size} elements, got ${arr.length}.`);
  return arr;
}
