import { jest } from '@jest/globals';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../../src/core/errors.js';
import { initEngine } from '../../src/engine/index.js';
import { CLIP_NORM_EPSILON, clipByGlobalNorm, globalNorm } from '../../src/nets/grad-clip.js';
import { expectClose, expectNoLeakedTensors } from '../support/tensors.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

/** Hand-computed case: [3, 4] and [[12]] have global norm √(9 + 16 + 144) = √169 = 13. */
function grads345(): tf.Tensor[] {
  return [tf.tensor1d([3, 4]), tf.tensor2d([[12]])];
}

describe('globalNorm', () => {
  test('golden: √(3² + 4² + 12²) = 13; list and map agree; empty is 0', async () => {
    const g = grads345();
    const n = globalNorm(g);
    expect(n.rank).toBe(0);
    expect(await n.data()).toEqual(new Float32Array([13]));
    const m = globalNorm({ w: g[0], b: g[1] });
    expect((await m.data())[0]).toBe(13);
    const single = globalNorm([
      tf.tidy(() =>
        tf.tensor2d([
          [1, 2],
          [2, 4],
        ]),
      ),
    ]);
    expect((await single.data())[0]).toBe(5);
    const empty = globalNorm([]);
    expect((await empty.data())[0]).toBe(0);
    tf.dispose([g, n, m, single, empty]);
  });
});

describe('clipByGlobalNorm (torch clip_grad_norm_: scale = maxNorm / (norm + 1e-6), only when < 1)', () => {
  test('golden: maxNorm 1 scales [3, 4], [[12]] by 1/(13 + 1e-6)', async () => {
    const g = grads345();
    const { grads, globalNorm: norm } = clipByGlobalNorm(g, 1);
    expect((await norm.data())[0]).toBe(13);
    const s = 1 / (13 + CLIP_NORM_EPSILON);
    expect(grads[0].shape).toEqual([2]);
    expect(grads[1].shape).toEqual([1, 1]);
    expectClose(await grads[0].data(), [3 * s, 4 * s], 1e-7, 1e-6);
    expectClose(await grads[1].data(), [12 * s], 1e-7, 1e-6);
    expectClose(await grads[0].data(), [0.230769, 0.307692], 1e-6, 0); // 3/13, 4/13
    expectClose(await grads[1].data(), [0.923077], 1e-6, 0); // 12/13
    // the clipped norm is just under maxNorm
    const after = globalNorm(grads);
    expect((await after.data())[0]).toBeCloseTo(13 / (13 + 1e-6), 6);
    // inputs are untouched and still alive
    expect(Array.from(await g[0].data())).toEqual([3, 4]);
    tf.dispose([g, grads, norm, after]);
  });

  test('no scaling when the norm is under the limit: values bit-identical, but new tensors', async () => {
    const g = grads345();
    const { grads, globalNorm: norm } = clipByGlobalNorm(g, 26);
    expect(grads[0]).not.toBe(g[0]);
    expect(Array.from(await grads[0].data())).toEqual([3, 4]);
    expect(Array.from(await grads[1].data())).toEqual([12]);
    expect((await norm.data())[0]).toBe(13);
    tf.dispose([g, grads, norm]);
  });

  test('a limit of half the norm halves the gradients', async () => {
    const g = grads345();
    const { grads, globalNorm: norm } = clipByGlobalNorm(g, 6.5);
    expectClose(await grads[0].data(), [1.5, 2], 1e-6, 1e-6);
    expectClose(await grads[1].data(), [6], 1e-6, 1e-6);
    tf.dispose([g, grads, norm]);
  });

  test('a name → tensor map comes back as a map with the same keys', async () => {
    const [w, b] = grads345();
    const { grads, globalNorm: norm } = clipByGlobalNorm({ 'layer/w': w, 'layer/b': b }, 1);
    expect(Object.keys(grads)).toEqual(['layer/w', 'layer/b']);
    expectClose(await grads['layer/w'].data(), [3 / 13, 4 / 13], 1e-6, 1e-6);
    expectClose(await grads['layer/b'].data(), [12 / 13], 1e-6, 1e-6);
    tf.dispose([w, b, grads, norm]);
  });

  test('all-zero gradients stay zero (ε keeps the division finite)', async () => {
    const z = [tf.zeros([3])];
    const { grads, globalNorm: norm } = clipByGlobalNorm(z, 1);
    expect(Array.from(await grads[0].data())).toEqual([0, 0, 0]);
    expect((await norm.data())[0]).toBe(0);
    tf.dispose([z, grads, norm]);
  });

  test('invalid maxNorm is a ConfigError', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => clipByGlobalNorm([], bad)).toThrow(ConfigError);
    }
    expect(() => clipByGlobalNorm([], 0)).toThrow(/maxNorm must be a finite number > 0, received 0/);
  });

  test('never reads back to the host, and leaks nothing once the results are disposed', async () => {
    const g = grads345();
    const spy = jest.spyOn(tf.Tensor.prototype, 'dataSync');
    const r = clipByGlobalNorm(g, 1);
    const n = globalNorm(g);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    tf.dispose([r.grads, r.globalNorm, n]);
    await expectNoLeakedTensors(() => {
      const out = clipByGlobalNorm(g, 1);
      tf.dispose([out.grads, out.globalNorm]);
      globalNorm(g).dispose();
    });
    // exactly the outputs survive: 2 gradients + 1 norm
    const before = tf.memory().numTensors;
    const kept = clipByGlobalNorm(g, 1);
    expect(tf.memory().numTensors - before).toBe(3);
    tf.dispose([g, kept.grads, kept.globalNorm]);
  });
});
