import * as tf from '@tensorflow/tfjs-core';
import { readScalars } from '../../../src/agents/common/metrics.js';
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
