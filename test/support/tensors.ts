/**
 * Test helpers for tensor code. Every module that creates tensors uses
 * {@link expectNoLeakedTensors} in its tests.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `fn` once to warm up (lazy variables, caches), then again, and fails unless the second
 * run changed the live tensor count by exactly `expectedNew` (default 0).
 */
export async function expectNoLeakedTensors(fn: () => unknown, expectedNew = 0): Promise<void> {
  await fn();
  const before = tf.memory().numTensors;
  await fn();
  const after = tf.memory().numTensors;
  if (after - before !== expectedNew) {
    throw new Error(
      `Expected ${expectedNew} new live tensor(s) but ${after - before} were created (${before} -> ${after}). ` +
        'Wrap temporary tensors in tf.tidy, or dispose what the function returns.',
    );
  }
}

/** Asserts two arrays are elementwise within `atol + rtol * |expected|`, naming the first bad index. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-6, rtol = 1e-5): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`index ${i}: got ${a}, expected ${e} (atol ${atol}, rtol ${rtol})`);
    }
  }
}
