/**
 * Batching rules for vector envs: how N values of a space are stacked into one value and split
 * back. Box values are stacked row-major into one typed array of the Box's dtype (`N * size`
 * elements, row `i` at `[i * size, (i + 1) * size)`); Discrete values into an `Int32Array(N)`;
 * Dict values key by key.
 *
 * @module
 */
import { ConfigError, ShapeError } from '../core/errors.js';
import { Box, Dict, Discrete, describeValue, type BoxArray, type BoxDtype, type Space } from '../core/spaces.js';
import { isPlainObject } from './values.js';
import { allocate } from './wrappers/box-helpers.js';

/**
 * The batched form of a single value type: a Box's typed array stays the same typed array class
 * (holding N rows), a Discrete number becomes an `Int32Array`, a Dict maps key by key.
 */
export type Batched<T> = T extends Float32Array
  ? Float32Array
  : T extends Float64Array
    ? Float64Array
    : T extends Int32Array
      ? Int32Array
      : T extends number
        ? Int32Array
        : T extends Record<string, unknown>
          ? { [K in keyof T]: Batched<T[K]> }
          : unknown;

/**
 * What a vector env's `step` accepts as actions: for Box and Discrete any array-like of numbers
 * laid out as {@link Batched} describes (a typed array or a plain number array), for Dict an
 * object of those.
 */
export type BatchedInput<T> = T extends BoxArray | number
  ? ArrayLike<number>
  : T extends Record<string, unknown>
    ? { [K in keyof T]: BatchedInput<T[K]> }
    : unknown;

/**
 * The space of batched values: a Box of shape `[n, ...shape]` with the bounds repeated, an int32
 * Box of shape `[n]` for Discrete, a Dict of batched sub-spaces.
 * @throws {@link ConfigError} for an unknown space kind.
 */
export function batchSpace(space: Space, n: number): Space {
  if (space instanceof Box) {
    const box = space as Box<BoxDtype>;
    const low = new Float64Array(n * box.size);
    const high = new Float64Array(n * box.size);
    for (let i = 0; i < n; i++) {
      low.set(box.low, i * box.size);
      high.set(box.high, i * box.size);
    }
    return new Box({ low, high, shape: [n, ...box.shape], dtype: box.dtype });
  }
  if (space instanceof Discrete)
    return new Box({ low: space.start, high: space.start + space.n - 1, shape: [n], dtype: 'int32' });
  if (space instanceof Dict) {
    const spaces: Record<string, Space> = {};
    for (const [k, s] of Object.entries(space.spaces)) spaces[k] = batchSpace(s as Space, n);
    return new Dict(spaces);
  }
  throw new ConfigError(
    `Cannot batch a space of type ${describeValue(space?.type)}; vector envs support Box, Discrete and Dict.`,
  );
}

/** Stacks single values of `space` into one batched value (a new array). */
export function stackBatch(space: Space, items: readonly unknown[]): unknown {
  const n = items.length;
  if (space instanceof Box) {
    const box = space as Box<BoxDtype>;
    const out = allocate(box.dtype, n * box.size);
    for (let i = 0; i < n; i++) {
      const row = items[i] as ArrayLike<number>;
      if (row?.length !== box.size)
        throw new ShapeError(
          `Env ${i} returned an observation of ${describeValue(row)}; expected ${box.size} values for shape [${box.shape.join(', ')}].`,
        );
      for (let j = 0; j < box.size; j++) out[i * box.size + j] = row[j]!;
    }
    return out;
  }
  if (space instanceof Discrete) return Int32Array.from(items as number[]);
  if (space instanceof Dict) {
    const out: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(space.spaces))
      out[k] = stackBatch(
        s as Space,
        items.map((it) => (it as Record<string, unknown>)[k]),
      );
    return out;
  }
  return [...items];
}

function checkArrayLike(value: unknown, length: number, where: string): ArrayLike<number> {
  if (!(Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView)))) {
    throw new ShapeError(
      `${where} must be a typed array or number array of length ${length}, got ${describeValue(value)}.`,
    );
  }
  const arr = value as ArrayLike<number>;
  if (arr.length !== length) throw new ShapeError(`${where} must have ${length} elements, got ${arr.length}.`);
  return arr;
}

/**
 * Splits a batched value into `n` single values of `space` (new arrays, so envs never alias the
 * caller's buffer).
 * @throws {@link ShapeError} when the batch has the wrong layout or length.
 */
export function unstackBatch(space: Space, batch: unknown, n: number, where: string): unknown[] {
  if (space instanceof Box) {
    const box = space as Box<BoxDtype>;
    const arr = checkArrayLike(batch, n * box.size, `${where} (${n} envs x ${box.size} values, row-major)`);
    return Array.from({ length: n }, (_, i) => {
      const row = allocate(box.dtype, box.size);
      for (let j = 0; j < box.size; j++) row[j] = arr[i * box.size + j]!;
      return row;
    });
  }
  if (space instanceof Discrete) {
    const arr = checkArrayLike(batch, n, `${where} (one integer per env)`);
    return Array.from({ length: n }, (_, i) => arr[i]);
  }
  if (space instanceof Dict) {
    if (!isPlainObject(batch))
      throw new ShapeError(
        `${where} must be an object with keys [${Object.keys(space.spaces).join(', ')}], got ${describeValue(batch)}.`,
      );
    const columns: Record<string, unknown[]> = {};
    for (const [k, s] of Object.entries(space.spaces))
      columns[k] = unstackBatch(s as Space, batch[k], n, `${where}.${k}`);
    return Array.from({ length: n }, (_, i) => Object.fromEntries(Object.keys(columns).map((k) => [k, columns[k][i]])));
  }
  throw new ConfigError(`Cannot split a batch for a space of type ${describeValue(space?.type)}.`);
}
