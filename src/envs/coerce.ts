/**
 * {@link coerceToSpace}: converts loosely typed values from foreign envs (number arrays, nested
 * arrays, typed arrays of another dtype) into the exact form a core space holds.
 *
 * @module
 */
import { EnvError } from '../core/errors.js';
import { Box, Dict, Discrete, describeValue, type BoxDtype, type Space } from '../core/spaces.js';
import { isPlainObject } from './values.js';
import { allocate } from './wrappers/box-helpers.js';

function flattenNumbers(x: unknown, out: number[], where: string): void {
  if (typeof x === 'number') {
    out.push(x);
    return;
  }
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) {
    const arr = x as unknown as ArrayLike<unknown>;
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i];
      if (typeof v !== 'number') throw new EnvError(`${where} holds a ${typeof v} element; expected numbers.`);
      out.push(v);
    }
    return;
  }
  if (Array.isArray(x)) {
    for (const v of x) flattenNumbers(v, out, where);
    return;
  }
  throw new EnvError(`${where} holds ${describeValue(x)} where a number was expected.`);
}

/**
 * Returns `value` in the exact form `space` holds: a new typed array of the Box's dtype
 * (from a typed array, a number array or a nested array in row-major order), an integer for
 * Discrete, an object with the Dict's keys. Bounds are not checked (that is `checkEnv`'s job).
 *
 * @param where - names the value in error messages, e.g. `'reset() observation'`.
 * @throws {@link EnvError} when the value cannot be converted (wrong length, non-numbers,
 * a non-integer for an int32 Box or Discrete, missing or extra Dict keys).
 */
export function coerceToSpace(space: Space, value: unknown, where: string): unknown {
  if (space instanceof Box) {
    const box = space as Box<BoxDtype>;
    const flat: number[] = [];
    flattenNumbers(value, flat, where);
    if (flat.length !== box.size) {
      throw new EnvError(
        `${where} has ${flat.length} values but the Box space has shape [${box.shape.join(', ')}] (${box.size} values); return one value per element or fix the space.`,
      );
    }
    const out = allocate(box.dtype, box.size);
    for (let i = 0; i < flat.length; i++) {
      const v = flat[i];
      if (box.dtype === 'int32' && !Number.isInteger(v))
        throw new EnvError(
          `${where} element ${i} is ${v}, not an integer, but the Box dtype is int32; round it or declare a float Box.`,
        );
      out[i] = v;
    }
    return out;
  }
  if (space instanceof Discrete) {
    const v =
      ArrayBuffer.isView(value) || Array.isArray(value)
        ? (value as ArrayLike<unknown>).length === 1
          ? (value as ArrayLike<unknown>)[0]
          : value
        : value;
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw new EnvError(`${where} must be an integer for a Discrete space, got ${describeValue(value)}.`);
    return v;
  }
  if (space instanceof Dict) {
    if (!isPlainObject(value))
      throw new EnvError(
        `${where} must be an object with keys [${Object.keys(space.spaces).join(', ')}] for a Dict space, got ${describeValue(value)}.`,
      );
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value))
      if (!(k in space.spaces))
        throw new EnvError(
          `${where} has key "${k}" that the Dict space does not declare (keys: ${Object.keys(space.spaces).join(', ')}).`,
        );
    for (const [k, sub] of Object.entries(space.spaces)) {
      if (!(k in value)) throw new EnvError(`${where} lacks key "${k}" of the Dict space.`);
      out[k] = coerceToSpace(sub as Space, value[k], `${where}.${k}`);
    }
    return out;
  }
  return value;
}

/** Converts a core value into plain JavaScript arrays (typed arrays become number arrays), recursively. */
export function toPlainValue(value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView))
    return Array.from(value as unknown as ArrayLike<number>);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toPlainValue(v);
    return out;
  }
  return value;
}
