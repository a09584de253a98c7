import * as tf from '@tensorflow/tfjs-core';
import { clipGradients, readScalars } from '../../src/agents/common/training.js';
import { initEngine } from '../../src/engine/index.js';
import { expectClose, expectNoLeakedTensors } from '../support/tensors.js';

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

test('clipGradients clips to the global norm, and 0 disables it', () => {
  tf.tidy(() => {
    const g = [tf.tensor1d([3, 4])];
    expect(clipGradients(g, 0)).toBe(g);
    expectClose(clipGradients(g, 1)[0]!.dataSync(), [0.6, 0.8], 1e-6);
  });
});
