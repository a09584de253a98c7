import * as tf from '@tensorflow/tfjs-core';
import { mish } from '../../src/nets/activations.js';
import { initEngine } from '../../src/engine/index.js';
import { expectClose, expectNoLeakedTensors } from '../support/tensors.js';

/** Mish in float64, the textbook way: x * tanh(log(1 + e^x)). */
function mish64(x: number): number {
  const softplus = x > 30 ? x : Math.log1p(Math.exp(x));
  return x * Math.tanh(softplus);
}

const grid = Array.from({ length: 121 }, (_, i) => -30 + i * 0.5);

// Every test runs with llmdpd's wasm kernels and with the stock tfjs ops.
describe.each(['auto', 'tfjs'] as const)('with %s kernels', (kernels) => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm', kernels });
  });

  describe('mish', () => {
    test('matches x*tanh(softplus(x)) in float64 over [-30, 30]', () => {
      const y = tf.tidy(() => mish(tf.tensor1d(grid)).dataSync());
      expectClose(y, grid.map(mish64), 1e-6, 2e-6);
    });

    test('golden values', () => {
      const y = tf.tidy(() => mish(tf.tensor1d([-1, 0, 1, 2])).dataSync());
      // x*tanh(ln(1+e^x)) worked by hand: tanh(0.3132617) = 0.3034014, tanh(1.3132617) = 0.8650984, tanh(2.1269280) =
      // 0.9719795
      expectClose(y, [-0.3034014, 0, 0.8650984, 1.943959], 2e-6, 0);
    });

    test('large inputs give exactly x and very negative inputs a tiny negative value', () => {
      const y = tf.tidy(() => mish(tf.tensor1d([40, 88, -40])).dataSync());
      expect(y[0]).toBe(40);
      expect(y[1]).toBe(88);
      expect(y[2]).toBeLessThanOrEqual(0);
      expect(y[2]).toBeGreaterThan(-1e-14);
    });

    test('gradient equals the central finite difference of the float64 reference', () => {
      const xs = grid.filter((x) => Math.abs(x) <= 12);
      const g = tf.tidy(() =>
        tf
          .grad((x: tf.Tensor) => tf.sum(mish(x)))(tf.tensor1d(xs))
          .dataSync(),
      );
      const h = 1e-5;
      const fd = xs.map((x) => (mish64(x + h) - mish64(x - h)) / (2 * h));
      expectClose(g, fd, 2e-6, 2e-6);
    });

    test('upstream gradients are multiplied through (chain rule)', () => {
      const x = [0.3, -1.2, 2.5];
      const w = [2, -3, 0.5];
      const g = tf.tidy(() =>
        tf
          .grad((t: tf.Tensor) => tf.sum(tf.mul(mish(t), tf.tensor1d(w))))(tf.tensor1d(x))
          .dataSync(),
      );
      const h = 1e-5;
      expectClose(
        g,
        x.map((v, i) => (w[i] * (mish64(v + h) - mish64(v - h))) / (2 * h)),
        1e-5,
        1e-5,
      );
    });

    test('leaks no tensors forward or backward', async () => {
      const x = tf.tensor2d([
        [1, -2],
        [3, 0.5],
      ]);
      await expectNoLeakedTensors(() => tf.tidy(() => mish(x).dataSync()));
      await expectNoLeakedTensors(() =>
        tf.tidy(() =>
          tf
            .grad((t: tf.Tensor) => tf.sum(mish(t)))(x)
            .dataSync(),
        ),
      );
      x.dispose();
    });
  });

  describe('stopGradient', () => {
    test('passes the value and blocks the gradient', async () => {
      const { stopGradient } = await import('../../src/nets/stop-gradient.js');
      const [value, grad] = tf.tidy(() => {
        const x = tf.tensor1d([1, 2, 3]);
        // d/dx [x * sg(x)] = sg(x) = x, not 2x
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(t, stopGradient(t))))(x);
        return [stopGradient(x).dataSync(), g.dataSync()];
      });
      expect(Array.from(value)).toEqual([1, 2, 3]);
      expect(Array.from(grad)).toEqual([1, 2, 3]);
    });
  });
});
