import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../src/core/rng.js';
import { initEngine } from '../../../src/engine/index.js';
import { NoiseNetwork } from '../../../src/agents/diffusion/noise-network.js';
import { Adam, gradientsOf } from '../../../src/nets/adam.js';
import { expectClose, expectNoLeakedTensors } from '../../support/tensors.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

function build(conditionDim = 0): NoiseNetwork {
  return new NoiseNetwork({
    actionDim: 2,
    observationDim: 3,
    conditionDim,
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

  describe.each([
    ['no condition', 0, 0],
    ['a shared condition row', 4, 1],
    ['a condition per row', 4, 5],
  ])('reverseChain with %s', (_label, conditionDim, conditionRows) => {
    const K = 4;
    let x: tf.Tensor2D, s: tf.Tensor2D, weights: tf.Tensor2D, c: tf.Tensor2D | null;
    beforeAll(() => {
      const rng = new Rng(3);
      x = tf.tensor2d(rng.fillNormal(new Float32Array(10)), [5, 2]);
      s = tf.tensor2d(rng.fillNormal(new Float32Array(15)), [5, 3]);
      weights = tf.tensor2d(rng.fillNormal(new Float32Array(10)), [5, 2]);
      c =
        conditionDim > 0 ? tf.tensor2d(rng.fillNormal(new Float32Array(conditionRows * 4)), [conditionRows, 4]) : null;
    });
    afterAll(() => tf.dispose([x, s, weights, ...(c === null ? [] : [c])]));

    test.each([false, true])('equals predict at every step to the bit (frozen %s)', (frozen) => {
      const net = build(conditionDim);
      tf.tidy(() => {
        const chain = net.reverseChain(K, s, c, frozen);
        for (let k = K - 1; k >= 0; k--)
          expect(Array.from(chain(x, k).dataSync())).toEqual(Array.from(net.predict(x, k, s, c, frozen).dataSync()));
      });
      net.dispose();
    });

    test('gives the per-step gradients of every weight, and leaks nothing', async () => {
      const net = build(conditionDim);
      const vars = net.trainableVariables();
      // Σ_k w·ε(x, k): every step's prediction feeds the loss, as in the actor's chain.
      const lossWith = (eps: (k: number) => tf.Tensor2D) => () => {
        let total = tf.scalar(0);
        for (let k = K - 1; k >= 0; k--) total = tf.add(total, tf.sum(tf.mul(eps(k), weights)));
        return total;
      };
      const grads = (chained: boolean) =>
        tf.tidy(() => {
          const f = chained
            ? () => {
                const chain = net.reverseChain(K, s, c);
                return lossWith((k) => chain(x, k))();
              }
            : lossWith((k) => net.predict(x, k, s, c));
          const { grads: g } = tf.variableGrads(f, vars);
          return vars.map((v) => g[v.name].dataSync());
        });
      const reference = grads(false);
      const got = grads(true);
      for (let i = 0; i < vars.length; i++) expectClose(got[i], reference[i], 1e-5, 1e-5);
      await expectNoLeakedTensors(() => {
        grads(true);
      });
      net.dispose();
    });
  });
});
