import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../../src/core/rng.js';
import { initEngine } from '../../../../src/engine/index.js';
import { ConditionedMlp } from '../../../../src/agents/common/networks/conditioned-mlp.js';
import { CriticEnsemble } from '../../../../src/agents/common/networks/critics.js';
import { expectClose } from '../../../support/tensors.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

test('f([x, c]) equals the concatenated first layer, for a shared row and for one row per input', () => {
  const net = new ConditionedMlp({
    inputDim: 3,
    conditionDim: 2,
    hiddenDims: [5],
    outputDim: 1,
    activation: 'relu',
    rng: new Rng(4),
    name: 'q',
    trainable: true,
  });
  const rng = new Rng(5);
  const x = rng.fillNormal(new Float32Array(12));
  const c = rng.fillNormal(new Float32Array(2));
  const [w1, b1, w2, b2] = net.mlp.trainableVariables().map((v) => v.dataSync());
  const wc = net.condition!.kernel.dataSync();
  const reference = (row: number, cRow: ArrayLike<number>) => {
    let out = b2[0];
    for (let h = 0; h < 5; h++) {
      let z = b1[h];
      for (let i = 0; i < 3; i++) z += x[row * 3 + i] * w1[i * 5 + h];
      for (let i = 0; i < 2; i++) z += cRow[i] * wc[i * 5 + h];
      out += Math.max(0, z) * w2[h];
    }
    return out;
  };
  const shared = tf.tidy(() => net.apply(tf.tensor2d(x, [4, 3]), tf.tensor2d(c, [1, 2])).dataSync());
  expectClose(
    shared,
    [0, 1, 2, 3].map((r) => reference(r, c)),
    1e-5,
  );
  const perRow = rng.fillNormal(new Float32Array(8));
  const each = tf.tidy(() => net.apply(tf.tensor2d(x, [4, 3]), tf.tensor2d(perRow, [4, 2])).dataSync());
  expectClose(
    each,
    [0, 1, 2, 3].map((r) => reference(r, perRow.subarray(r * 2, r * 2 + 2))),
    1e-5,
  );
  net.dispose();
});

test('an unconditioned network refuses a condition; an ensemble has N independent critics', () => {
  const critics = new CriticEnsemble({
    count: 3,
    observationDim: 2,
    actionDim: 1,
    conditionDim: 0,
    hiddenDims: [4],
    activation: 'mish',
    rng: new Rng(1),
    name: 'c',
    trainable: true,
  });
  const values = tf.tidy(() =>
    critics.values(tf.ones([2, 2]), tf.ones([2, 1]), null).map((q) => Array.from(q.dataSync())),
  );
  expect(values).toHaveLength(3);
  expect(values[0]).not.toEqual(values[1]);
  expect(() => tf.tidy(() => critics.networks[0].apply(tf.ones([1, 3]), tf.ones([1, 2])))).toThrow(
    /built without a condition/,
  );
  expect(() => new CriticEnsemble({ ...critics, count: 0 } as never)).toThrow(/count must be an integer >= 1/);
  critics.dispose();
});
