/**
 * Helpers for values that may or may not be promises, so wrappers around a synchronous env stay
 * synchronous (no microtask per step) and wrappers around an asynchronous env return promises.
 *
 * @module
 */
import type { MaybePromise } from '../core/types.js';

/** True when `x` is a promise or any other thenable. */
export function isPromiseLike<T>(x: MaybePromise<T> | PromiseLike<T>): x is Promise<T> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/**
 * Applies `f` to `x`: synchronously when `x` is a plain value, after it resolves when it is a
 * promise. The result is a promise exactly when `x` (or `f`'s result) is one.
 */
export function thenMaybe<T, U>(x: MaybePromise<T>, f: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromiseLike(x) ? Promise.resolve(x).then(f) : f(x);
}

/**
 * Calls `f(0)`, `f(1)`, ..., `f(n - 1)` in order, waiting for each promise before the next
 * call. Synchronous when every call is synchronous.
 */
export function forEachMaybe(n: number, f: (index: number) => MaybePromise<void>, start = 0): MaybePromise<void> {
  for (let i = start; i < n; i++) {
    const r = f(i);
    if (isPromiseLike(r)) return Promise.resolve(r).then(() => forEachMaybe(n, f, i + 1));
  }
  return undefined;
}
