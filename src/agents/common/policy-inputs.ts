/**
 * Checks of what a policy is given at acting time. A network turns NaN or an infinite value into
 * a bounded, confident-looking action, so every observation, trajectory prompt, feature vector
 * and text vector that reaches one is checked first, and a bad value is a
 * {@link NonFiniteInputError} naming the input, its row and its column. Observations may be any
 * array of numbers (converted to a `Float32Array`); anything else is a {@link ShapeError} that
 * says what to pass.
 *
 * The scans cost one comparison per value, next to a network pass over the same values.
 *
 * @module
 */
import { NonFiniteInputError, ShapeError } from '../../core/errors.js';

/**
 * The index of the first value of `values` that is NaN or infinite, or -1.
 * @param values - any array of numbers.
 */
export function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // v - v is 0 for every finite number and NaN for NaN and ±Infinity.
    if (v - v !== 0) return i;
  }
  return -1;
}

/**
 * Checks that `values`, rows of `width` values, are all finite.
 * @param input - what the values are, for the message (`observation`, `context.features`).
 * @param what - the calling API (`DiffusionQLAgent.act`).
 * @param fix - how to fix it, appended to the message.
 * @throws {@link NonFiniteInputError} naming the row and column of the first NaN or infinite value.
 */
export function checkFinite(values: ArrayLike<number>, width: number, input: string, what: string, fix: string): void {
  const i = firstNonFinite(values);
  if (i < 0) return;
  const row = Math.floor(i / Math.max(1, width));
  const column = i - row * Math.max(1, width);
  const v = values[i];
  throw new NonFiniteInputError(
    `${what}: ${input} row ${row}, column ${column} is ${String(v)}; a policy would turn it into a confident-looking action, so it is refused. ${fix}`,
    input,
    row,
    column,
    v,
  );
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'object'}`;
  return `a ${typeof value}`;
}

/**
 * `input` as a `Float32Array`: returned as it is when it is one, converted from a plain array of
 * numbers or another numeric typed array.
 * @param what - the calling API, for messages.
 * @throws {@link ShapeError} saying what to pass when `input` is not an array of numbers.
 */
export function toFloat32(input: unknown, what: string, expected: string): Float32Array {
  if (input instanceof Float32Array) return input;
  const numericView =
    ArrayBuffer.isView(input) &&
    !(input instanceof DataView) &&
    !(input instanceof BigInt64Array) &&
    !(input instanceof BigUint64Array);
  if (numericView) return Float32Array.from(input as unknown as ArrayLike<number>);
  if (Array.isArray(input)) {
    const bad = input.findIndex((v) => typeof v !== 'number');
    if (bad >= 0)
      throw new ShapeError(
        `${what} expects ${expected} as a Float32Array or an array of numbers; element ${bad} is ${describe(input[bad])} (${JSON.stringify(input[bad]) ?? String(input[bad])}).`,
      );
    return Float32Array.from(input as number[]);
  }
  throw new ShapeError(
    `${what} expects ${expected} as a Float32Array (or an array of numbers), got ${describe(input)}. Pass e.g. Float32Array.from(observation).`,
  );
}

/** How to fix a non-finite observation. */
const OBSERVATION_FIX =
  'Fix: check where the observation comes from (a simulator that diverged, a division by zero in a wrapper or normaliser).';

/**
 * One observation of `observationDim` finite values, as a `Float32Array`.
 * @throws {@link ShapeError} when it is not an array of numbers or has the wrong length;
 * {@link NonFiniteInputError} naming the column of a NaN or infinite value.
 */
export function oneObservation(input: unknown, observationDim: number, what: string): Float32Array {
  const o = toFloat32(input, what, `one observation of ${observationDim} numbers`);
  if (o.length !== observationDim)
    throw new ShapeError(
      `${what} expects one observation of length ${observationDim}, got ${o.length}; use policy(context).actBatch for several.`,
    );
  checkFinite(o, observationDim, 'observation', what, OBSERVATION_FIX);
  return o;
}

/**
 * N >= 1 observations, row-major (`N * observationDim` finite values), as a `Float32Array`.
 * @throws {@link ShapeError} when it is not an array of numbers or its length is not a positive
 * multiple of `observationDim`; {@link NonFiniteInputError} naming the row and column of a NaN or
 * infinite value.
 */
export function manyObservations(input: unknown, observationDim: number, what: string): Float32Array {
  const o = toFloat32(input, what, `observations (N rows of ${observationDim} numbers, row-major)`);
  if (o.length === 0 || o.length % observationDim !== 0)
    throw new ShapeError(
      `${what} expects observations of length observationDim (${observationDim}) or a multiple of it, got ${o.length}.`,
    );
  checkFinite(o, observationDim, 'observations', what, OBSERVATION_FIX);
  return o;
}
