import * as tf from '@tensorflow/tfjs-core';
import { LoggedScalars, readScalars } from '../../../src/agents/common/metrics.js';
import { initEngine } from '../../../src/engine/index.js';
import { expectNoLeakedTensors } from '../../support/tensors.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

test('readScalars reads every scalar in one go, null as NaN, without leaks', async () => {
  const a = tf.scalar(1.5);
  const b = tf.scalar(-2);
  expect(readScalars({ a, missing: null, b })).toEqual({ a: 1.5, missing: NaN, b: -2 });
  await expectNoLeakedTensors(() => readScalars({ a, b }));
  tf.dispose([a, b]);
});

test('LoggedScalars keeps values past their scope only when logging, and reads them in one go', async () => {
  const quiet = new LoggedScalars(false);
  const before = tf.memory().numTensors;
  tf.tidy(() => quiet.keep('loss', tf.scalar(3)));
  expect(tf.memory().numTensors).toBe(before);
  expect(quiet.read({ other: null })).toBeNull();
  const loud = new LoggedScalars(true);
  tf.tidy(() => {
    loud.keep('loss', tf.scalar(3));
    loud.keep('mean', tf.tensor2d([[1], [2], [6]]));
  });
  const extra = tf.scalar(-1);
  expect(loud.read({ extra })).toEqual({ extra: -1, loss: 3, mean: 3 });
  extra.dispose();
  expect(tf.memory().numTensors).toBe(before);
  await expectNoLeakedTensors(() => {
    const l = new LoggedScalars(true);
    tf.tidy(() => l.keep('x', tf.scalar(1)));
    return l.read();
  });
});
