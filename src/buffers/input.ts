/**
 * Validation and conversion of user-supplied columns at the buffer boundary. Every function here
 * either returns a fresh, owned typed array holding exactly the validated values, or throws a
 * typed error naming the field, the first bad row and the fix. Nothing is written into a buffer
 * before all of its inputs have passed through here, so a rejected call changes nothing.
 *
 * @module
 */
import { ConfigError, DatasetError, ShapeError } from '../core/errors.js';

/**
 * A column of real-valued rows: either flat and row-major (`rows * dim` numbers, e.g. a
 * `Float32Array`) or one array per row (e.g. `number[][]` parsed from JSON).
 */
export type RealColumnInput = ArrayLike<number> | ReadonlyArray<ArrayLike<number>>;

/** A column of 0/1 flags: numbers 0 or 1, or booleans (h5py bools arrive as 0/1 integers). */
export type FlagColumnInput = ArrayLike<number | boolean>;

/** A per-row task index column, or one task index for every row. */
export type TaskIndexInput = ArrayLike<number> | number;

/** True when `input` is an array of rows rather than a flat array of numbers. */
function isNested(input: RealColumnInput): input is ReadonlyArray<ArrayLike<number>> {
  return (
    input.length > 0 &&
    typeof (input as ArrayLike<unknown>)[0] === 'object' &&
    (input as ArrayLike<unknown>)[0] !== null
  );
}

/** Describes a non-finite value for a message (`NaN`, `Infinity`, or the original number). */
function describeBad(original: unknown): string {
  if (typeof original === 'number') {
    if (Number.isNaN(original)) return 'NaN';
    if (!Number.isFinite(original)) return String(original);
    return `${original} (it overflows float32 to ${original > 0 ? 'Infinity' : '-Infinity'})`;
  }
  return `${JSON.stringify(original)} (not a number)`;
}

/**
 * Checks that `value` is an integer >= `min` and returns it.
 *
 * @param context - the calling API, e.g. `ReplayBuffer.sample`, for the message.
 * @param field - the option name, for the message.
 * @throws {@link ConfigError} otherwise.
 */
export function checkInteger(context: string, field: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ConfigError(`${context}: ${field} must be an integer >= ${min}, got ${String(value)}.`);
  }
  return value;
}

/**
 * Infers the row length of a column from its shape: the length of the first row for nested
 * input, else `input.length / rows`.
 *
 * @throws {@link ShapeError} when the length is not a positive multiple of `rows`.
 */
export function inferDim(context: string, field: string, input: RealColumnInput, rows: number): number {
  if (isNested(input)) {
    const d = input[0].length;
    if (d < 1) throw new ShapeError(`${context}: ${field}[0] is empty; each row needs at least one value.`);
    return d;
  }
  if (rows < 1 || input.length % rows !== 0 || input.length === 0) {
    throw new ShapeError(
      `${context}: cannot infer the row length of ${field}: it has ${input.length} values for ${rows} rows ` +
        `(the number of rewards), which is not a positive multiple. Pass the dimension explicitly or fix the array lengths.`,
    );
  }
  return input.length / rows;
}

/**
 * Converts a real column to an owned `Float32Array` of `rows * dim` finite values.
 *
 * @param context - the calling API, for messages.
 * @param field - the field name, for messages.
 * @param input - flat row-major values or one array per row.
 * @param rows - expected number of rows.
 * @param dim - expected row length (1 for scalar columns such as rewards).
 * @throws {@link ShapeError} when the total length or a row length is wrong.
 * @throws {@link DatasetError} at the first NaN, infinite, non-numeric or float32-overflowing value.
 */
export function toFloat32Column(
  context: string,
  field: string,
  input: RealColumnInput,
  rows: number,
  dim: number,
): Float32Array {
  const out = new Float32Array(rows * dim);
  if (isNested(input)) {
    if (input.length !== rows) {
      throw new ShapeError(`${context}: ${field} has ${input.length} rows; expected ${rows} (one per transition).`);
    }
    for (let r = 0; r < rows; r++) {
      const row = input[r];
      if (row === null || typeof row !== 'object' || row.length !== dim) {
        throw new ShapeError(
          `${context}: ${field}[${r}] has ${row === null || typeof row !== 'object' ? 'no' : row.length} values; expected ${dim}. ` +
            `Every row must have the same length.`,
        );
      }
      for (let k = 0; k < dim; k++) out[r * dim + k] = row[k];
    }
  } else {
    if (input.length !== rows * dim) {
      const shape = dim === 1 ? `${rows} (one per transition)` : `${rows * dim} (${rows} rows × ${dim})`;
      throw new ShapeError(
        `${context}: ${field} has ${input.length} values; expected ${shape}. Pass row-major values, ${dim} per transition.`,
      );
    }
    if (input instanceof Float32Array) out.set(input);
    else for (let i = 0; i < out.length; i++) out[i] = input[i];
  }
  checkFinite(context, field, out, dim, (i) => (isNested(input) ? input[Math.floor(i / dim)][i % dim] : input[i]));
  return out;
}

/**
 * Throws at the first non-finite value of `values`.
 *
 * @param original - returns the value as the user gave it, for the message (NaN after conversion
 *   may have been a string, a large finite float64 may have overflowed float32).
 * @throws {@link DatasetError} naming the field, row and column.
 */
export function checkFinite(
  context: string,
  field: string,
  values: Float32Array,
  dim: number,
  original: (flatIndex: number) => unknown = (i) => values[i],
): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // v - v is 0 for finite v and NaN for NaN and +-Infinity: one test for both.
    if (v - v !== 0) {
      const row = Math.floor(i / dim);
      const where = dim === 1 ? `row ${row}` : `row ${row}, column ${i % dim}`;
      throw new DatasetError(
        `${context}: ${field} ${where} is ${describeBad(original(i))}; every value must be a finite float32. ` +
          `Fix: drop or repair that transition before adding it (check with Number.isFinite).`,
      );
    }
  }
}

/**
 * Converts a flag column to an owned `Uint8Array` of 0/1.
 *
 * @param input - the flags, or `undefined` for all zeros.
 * @throws {@link ShapeError} when the length is not `rows`.
 * @throws {@link DatasetError} at the first value that is not 0, 1, `false` or `true`.
 */
export function toFlagColumn(
  context: string,
  field: string,
  input: FlagColumnInput | undefined,
  rows: number,
): Uint8Array {
  const out = new Uint8Array(rows);
  if (input === undefined) return out;
  if (input.length !== rows) {
    throw new ShapeError(`${context}: ${field} has ${input.length} values; expected ${rows} (one per transition).`);
  }
  for (let i = 0; i < rows; i++) out[i] = toFlag(context, `${field} row ${i}`, input[i]);
  return out;
}

/**
 * Converts one flag to 0 or 1.
 *
 * @throws {@link DatasetError} when the value is not 0, 1, `false` or `true`.
 */
export function toFlag(context: string, where: string, value: unknown): 0 | 1 {
  if (value === true || value === 1) return 1;
  if (value === false || value === 0) return 0;
  throw new DatasetError(
    `${context}: ${where} is ${JSON.stringify(value) ?? String(value)}; flags must be 0, 1, false or true. ` +
      `Fix: convert the column with (x) => (x ? 1 : 0) if it holds truthy values by design.`,
  );
}

/**
 * Checks one task index: an integer >= 0 below 2^31.
 *
 * @throws {@link DatasetError} otherwise.
 */
export function checkTaskIndex(context: string, where: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    throw new DatasetError(
      `${context}: ${where} is ${String(value)}; a task index must be an integer >= 0 (the task's position ` +
        `in the dataset, 0 for single-task data).`,
    );
  }
  return value;
}

/**
 * Converts a task index column (or one index for all rows) to an owned `Int32Array`.
 *
 * @param input - per-row indices, one index for every row, or `undefined` for all zeros.
 * @throws {@link ShapeError} when the length is not `rows`.
 * @throws {@link DatasetError} at the first index that is not an integer >= 0.
 */
export function toTaskIndexColumn(
  context: string,
  field: string,
  input: TaskIndexInput | undefined,
  rows: number,
): Int32Array {
  const out = new Int32Array(rows);
  if (input === undefined) return out;
  if (typeof input === 'number') {
    out.fill(checkTaskIndex(context, field, input));
    return out;
  }
  if (input.length !== rows) {
    throw new ShapeError(`${context}: ${field} has ${input.length} values; expected ${rows} (one per transition).`);
  }
  for (let i = 0; i < rows; i++) out[i] = checkTaskIndex(context, `${field} row ${i}`, input[i]);
  return out;
}

/**
 * Checks a dimension option: an integer >= 1.
 *
 * @throws {@link ConfigError} otherwise.
 */
export function checkDim(context: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${context}: ${field} must be an integer >= 1, got ${String(value)}.`);
  }
  return value;
}
