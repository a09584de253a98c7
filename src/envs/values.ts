/**
 * Small value utilities shared by `checkEnv`, the adapter and the vector env: plain-object
 * tests, NaN-aware deep equality and short previews for error messages.
 *
 * @module
 */
import { describeValue } from '../core/spaces.js';

/** True for a non-null object that is not an array or typed array (an `info`-like record). */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

/**
 * Deep equality for observations: typed arrays of the same class and length with equal
 * elements (NaN equals NaN), numbers, plain arrays and plain objects compared key by key.
 */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor) return false;
    const x = a as unknown as ArrayLike<number>;
    const y = b as unknown as ArrayLike<number>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!valuesEqual(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => valuesEqual(v, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && valuesEqual(a[k], b[k]));
  }
  return Object.is(a, b);
}

/** A short rendering of a value for messages: the first `max` numbers of an array, else {@link describeValue}. */
export function previewValue(x: unknown, max = 6): string {
  if (ArrayBuffer.isView(x) || Array.isArray(x)) {
    const arr = x as unknown as ArrayLike<unknown>;
    const head = Array.from({ length: Math.min(arr.length, max) }, (_, i) => String(arr[i]));
    const name = Array.isArray(x) ? 'Array' : (x as object).constructor.name;
    return `${name} [${head.join(', ')}${arr.length > max ? ', ...' : ''}]`;
  }
  if (typeof x === 'number') return String(x);
  if (typeof x === 'string') return JSON.stringify(x);
  return describeValue(x);
}
