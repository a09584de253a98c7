import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '../../src/core/errors.js';
import { initEngine } from '../../src/engine/index.js';
import { Adam, gradientsOf } from '../../src/nets/adam.js';
import { expectClose, expectNoLeakedTensors } from '../support/tensors.js';

/** torch.optim.Adam's update written out in float64, for golden comparisons. */
function adam64(theta: number[], gradsPerStep: number[][], lr = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8): number[] {
  const th = [...theta];
  const m = th.map(() => 0);
  const v = th.map(() => 0);
  gradsPerStep.forEach((g, k) => {
    const t = k + 1;
    for (let i = 0; i < th.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2;
      const mHat = m[i] / (1 - b1 ** t);
      const vHat = v[i] / (1 - b2 ** t);
      th[i] = th[i] - (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  });
  return th;
}

// Every test runs with llmdpd's wasm kernels and with the stock tfjs ops.
describe.each(['auto', 'tfjs'] as const)('with %s kernels', (kernels) => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm', kernels });
  });

  describe('Adam', () => {
    test('matches the torch.optim.Adam update over several steps', () => {
      const theta = [0.5, -1.5, 2.0, 0.001];
      const grads = [
        [0.1, -0.2, 3.0, 0],
        [0.3, 0.1, -1.0, 1e-4],
        [-0.5, 0.0, 0.2, -2],
      ];
      const x = tf.variable(tf.tensor1d(theta));
      const opt = new Adam([x], { learningRate: 1e-2 });
      for (const g of grads) tf.tidy(() => opt.applyGradients([tf.tensor1d(g)]));
      expect(opt.step).toBe(3);
      expectClose(x.dataSync(), adam64(theta, grads), 1e-6, 1e-6);
      opt.dispose();
      x.dispose();
    });

    test('clipNorm scales the gradients to that global norm first; 0 does not clip', () => {
      const theta = [0.5, -1.5];
      const g = [3, 4]; // global norm 5
      const x = tf.variable(tf.tensor1d(theta));
      const clipped = new Adam([x], { learningRate: 1e-2 });
      // Adam's first step is nearly scale-free, so the second step (norm 0.5, not clipped) shows it.
      tf.tidy(() => clipped.applyGradients([tf.tensor1d(g)], { clipNorm: 1 }));
      tf.tidy(() => clipped.applyGradients([tf.tensor1d([0.3, 0.4])], { clipNorm: 1 }));
      expectClose(
        x.dataSync(),
        adam64(theta, [
          [0.6, 0.8],
          [0.3, 0.4],
        ]),
        1e-6,
        1e-6,
      );
      const wouldBeUnclipped = adam64(theta, [g, [0.3, 0.4]]);
      expect(Math.abs(x.dataSync()[0] - wouldBeUnclipped[0])).toBeGreaterThan(1e-4);
      const y = tf.variable(tf.tensor1d(theta));
      const unclipped = new Adam([y], { learningRate: 1e-2 });
      tf.tidy(() => unclipped.applyGradients([tf.tensor1d([0.3, 0.4])], { clipNorm: 0 }));
      tf.tidy(() => unclipped.applyGradients([tf.tensor1d([0.3, 0.4])], { clipNorm: 1 })); // norm 0.5 < 1: unchanged
      expectClose(
        y.dataSync(),
        adam64(theta, [
          [0.3, 0.4],
          [0.3, 0.4],
        ]),
        1e-6,
        1e-6,
      );
      expect(() => tf.tidy(() => unclipped.applyGradients([tf.tensor1d(g)], { clipNorm: -1 }))).toThrow(
        /clipNorm must be a finite number >= 0/,
      );
      tf.dispose([x, y]);
      clipped.dispose();
      unclipped.dispose();
    });

    test('a per-step learningRate scales that step only (schedules); 0 holds the weights', () => {
      const theta = [0.5, -1.5];
      const steps = (rates: (number | undefined)[]) => {
        const x = tf.variable(tf.tensor1d(theta));
        const opt = new Adam([x], { learningRate: 1e-2 });
        for (const learningRate of rates)
          tf.tidy(() =>
            opt.applyGradients([tf.tensor1d([0.3, -0.4])], learningRate === undefined ? {} : { learningRate }),
          );
        const out = Array.from(x.dataSync());
        opt.dispose();
        x.dispose();
        return out;
      };
      const first = steps([undefined]);
      expect(steps([undefined, 0])).toEqual(first);
      const full = steps([undefined, 1e-2]);
      const half = steps([undefined, 5e-3]);
      expectClose(
        half.map((v, i) => v - first[i]),
        full.map((v, i) => (v - first[i]) / 2),
        1e-7,
        1e-4,
      );
      expect(() => steps([-1])).toThrow(/learningRate must be a finite number >= 0/);
    });

    test('updates only the variables it was given', () => {
      const a = tf.variable(tf.scalar(1));
      const b = tf.variable(tf.scalar(1));
      const opt = new Adam([a], { learningRate: 0.1 });
      tf.tidy(() => {
        const { grads } = gradientsOf(() => tf.add<tf.Scalar>(tf.square(a), tf.square(b)), opt.variables);
        opt.applyGradients(grads);
      });
      expect(a.dataSync()[0]).toBeCloseTo(0.9, 6);
      expect(b.dataSync()[0]).toBe(1);
      opt.dispose();
      a.dispose();
      b.dispose();
    });

    test('state round trip resumes the exact trajectory', () => {
      const mk = () => tf.variable(tf.tensor1d([1, 2, 3]));
      const g = () => tf.tensor1d([0.3, -0.1, 0.7]);
      const x1 = mk();
      const o1 = new Adam([x1], { learningRate: 0.05 });
      for (let i = 0; i < 3; i++) tf.tidy(() => o1.applyGradients([g()]));
      const saved = o1.getState();
      const x2 = tf.variable(tf.tensor1d(x1.dataSync()));
      const o2 = new Adam([x2], { learningRate: 0.05 });
      o2.setState(saved);
      expect(o2.step).toBe(3);
      for (let i = 0; i < 2; i++) {
        tf.tidy(() => o1.applyGradients([g()]));
        tf.tidy(() => o2.applyGradients([g()]));
      }
      expect(x2.dataSync()).toEqual(x1.dataSync());
      for (const t of [x1, x2]) t.dispose();
      o1.dispose();
      o2.dispose();
    });

    test('rejects bad options, wrong gradient counts and shapes', () => {
      const x = tf.variable(tf.zeros([2, 2]));
      expect(() => new Adam([])).toThrow(ConfigError);
      expect(() => new Adam([x], { beta1: 1 })).toThrow('beta1 must be in [0, 1)');
      expect(() => new Adam([x], { learningRate: -1 })).toThrow(ConfigError);
      const opt = new Adam([x]);
      expect(() => tf.tidy(() => opt.applyGradients([]))).toThrow(ShapeError);
      expect(() => tf.tidy(() => opt.applyGradients([tf.zeros([4])]))).toThrow(
        /shape \[4\] but variable .* has \[2, 2\]/,
      );
      expect(opt.step).toBe(0);
      expect(() => opt.setState({ ...opt.getState(), firstMoments: [] })).toThrow(ShapeError);
      opt.dispose();
      x.dispose();
    });

    test('leaks no tensors per step, and dispose frees its moments', async () => {
      const before = tf.memory().numTensors;
      const x = tf.tidy(() => tf.variable(tf.ones([3, 3])));
      const opt = new Adam([x]);
      const g = tf.ones([3, 3]);
      await expectNoLeakedTensors(() => opt.applyGradients([g]));
      opt.dispose();
      x.dispose();
      g.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});
