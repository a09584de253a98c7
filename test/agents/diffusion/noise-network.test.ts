import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../src/core/rng.js';
import { initEngine } from '../../../src/engine/index.js';
import { NoiseNetwork } from '../../../src/agents/diffusion/noise-network.js';
import { Adam, gradientsOf } from '../../../src/nets/adam.js';
import { expectClose, expectNoLeakedTensors } from '../../support/tensors.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

function build(): NoiseNetwork {
  return new NoiseNetwork({
    actionDim: 2,
    observationDim: 3,
    conditionDim: 0,
    hiddenDims: [16, 16],
    timeEmbeddingDim: 8,
    rng: new Rng(1),
    name: 'eps',
    trainable: true,
  });
}

describe('NoiseNetwork', () => {
  test('frozen calls (cached time term) equal trainable calls, before and after the weights change', () => {
    const net = build();
    const rng = new Rng(2);
    const x = tf.tensor2d(rng.fillNormal(new Float32Array(10)), [5, 2]);
    const s = tf.tensor2d(rng.fillNormal(new Float32Array(15)), [5, 3]);
    const compare = () =>
      tf.tidy(() => {
        for (const k of [0, 3, 0])
          expectClose(net.predict(x, k, s, null, true).dataSync(), net.predict(x, k, s, null, false).dataSync(), 1e-6);
      });
    compare();
    const before = tf.tidy(() => net.predict(x, 3, s, null, true).dataSync());
    // One Adam step on every weight, the time MLP included: a stale cache would now disagree.
    const opt = new Adam(net.trainableVariables(), { learningRate: 0.05 });
    tf.tidy(() =>
      opt.applyGradients(gradientsOf(() => tf.sum<tf.Scalar>(net.predict(x, 3, s, null)), opt.variables).grads),
    );
    compare();
    const after = tf.tidy(() => net.predict(x, 3, s, null, true).dataSync());
    expect(Math.max(...after.map((v, i) => Math.abs(v - before[i])))).toBeGreaterThan(1e-3);
    opt.dispose();
    tf.dispose([x, s]);
    net.dispose();
  });

  test('repeated frozen calls allocate nothing new, and dispose frees the cache', async () => {
    const x = tf.zeros<tf.Rank.R2>([4, 2]);
    const s = tf.zeros<tf.Rank.R2>([4, 3]);
    const count = tf.memory().numTensors;
    const net = build();
    tf.tidy(() => {
      net.predict(x, 1, s, null, true);
    });
    await expectNoLeakedTensors(() =>
      tf.tidy(() => {
        net.predict(x, 1, s, null, true);
      }),
    );
    net.dispose();
    expect(tf.memory().numTensors).toBe(count);
    tf.dispose([x, s]);
  });
});
