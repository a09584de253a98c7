/**
 * The hand-written backward passes of the encoder's blocks against tfjs's own automatic
 * differentiation of plain implementations (slow on wasm, but correct), on random inputs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../src/core/rng.js';
import { layerNorm, MASKED_SCORE, maskedAttention } from '../../../src/encoders/trajectory/index.js';
import { denseApply } from '../../../src/nets/dense.js';
import { initEngine } from '../../../src/engine/index.js';
import { expectClose, expectNoLeakedTensors } from '../../support/tensors.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

const rng = new Rng(21);
const randn = (shape: number[], std = 1): tf.Tensor =>
  tf.tensor(rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1)), 0, std), shape);

/** Gradients of Σ u ⊙ f(inputs) with respect to every input. */
function gradsOf(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], u: tf.Tensor): Float32Array[] {
  return tf.tidy(() => {
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), u)))(inputs);
    return grads.map((g) => g.dataSync() as Float32Array);
  });
}

function compare(
  fast: (...xs: tf.Tensor[]) => tf.Tensor,
  plain: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
  outShape: number[],
): void {
  const u = randn(outShape);
  tf.tidy(() => expectClose(fast(...inputs).dataSync(), plain(...inputs).dataSync(), 1e-5, 1e-4));
  const a = gradsOf(fast, inputs, u);
  const b = gradsOf(plain, inputs, u);
  a.forEach((g, i) => {
    expect(Math.max(...b[i].map(Math.abs))).toBeGreaterThan(1e-3);
    expectClose(g, b[i], 1e-5, 1e-3);
  });
  tf.dispose([u, ...inputs]);
}

describe('denseApply on encoder shapes (both input-gradient paths: fewer and more rows than inputs)', () => {
  // rows < in takes the transpose(W·dzᵀ) path, rows ≥ in the dz·Wᵀ path
  test.each([
    [3, 5, 4, 'linear'],
    [3, 5, 4, 'relu'],
    [7, 5, 4, 'linear'],
    [7, 5, 4, 'relu'],
  ] as const)('rows %i, in %i, out %i, %s: values and gradients match tfjs autodiff', (rows, inDim, outDim, act) => {
    const plain = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor => {
      const z = tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b);
      return act === 'relu' ? tf.relu(z) : z;
    };
    const fast = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor =>
      denseApply(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D, act);
    compare(fast, plain, [randn([rows, inDim]), randn([inDim, outDim]), randn([outDim])], [rows, outDim]);
  });

  test('inputGradient false returns a zero input gradient', () => {
    const [x, w, b] = [randn([2, 3]), randn([3, 4]), randn([4])];
    const [dx] = gradsOf(
      (xi, wi, bi) => denseApply(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D, 'linear', false),
      [x, w, b],
      tf.onesLike(b),
    );
    expect(Array.from(dx)).toEqual([0, 0, 0, 0, 0, 0]);
    tf.dispose([x, w, b]);
  });
});

describe('layerNorm', () => {
  test('values and gradients match tfjs autodiff of tf.moments', () => {
    const plain = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => {
      const { mean, variance } = tf.moments(x, -1, true);
      return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
    };
    const fast = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor =>
      layerNorm(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D);
    compare(fast, plain, [randn([6, 8], 2), randn([8]), randn([8])], [6, 8]);
  });
});

describe('maskedAttention', () => {
  test('values and gradients match tfjs autodiff, and padded keys get no weight', () => {
    const [batch, tokens, dim] = [3, 5, 4];
    // sequence i has 5 − i real tokens
    const biasValues = new Float32Array(batch * tokens);
    for (let i = 0; i < batch; i++) biasValues.fill(MASKED_SCORE, i * tokens + tokens - i, (i + 1) * tokens);
    const bias = tf.tensor3d(biasValues, [batch, 1, tokens]);
    const plain = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor): tf.Tensor =>
      tf.matMul(tf.softmax(tf.add(tf.mul(tf.matMul(q as tf.Tensor3D, k as tf.Tensor3D, false, true), 0.5), bias)), v);
    const fast = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor): tf.Tensor =>
      maskedAttention(q as tf.Tensor3D, k as tf.Tensor3D, v as tf.Tensor3D, bias, 0.5);
    const [q, k, v] = [randn([batch, tokens, dim]), randn([batch, tokens, dim]), randn([batch, tokens, dim])];
    // changing a padded value row changes nothing
    const changed = tf.tidy(() => {
      const vv = v.arraySync() as number[][][];
      vv[2][4] = [100, 100, 100, 100];
      return tf.tensor3d(vv);
    });
    tf.tidy(() => expectClose(fast(q, k, changed).dataSync(), fast(q, k, v).dataSync(), 1e-6, 1e-6));
    changed.dispose();
    compare(fast, plain, [q, k, v], [batch, tokens, dim]);
    bias.dispose();
  });

  test('forward and backward leak no tensors', async () => {
    const [q, k, v] = [randn([2, 3, 4]), randn([2, 3, 4]), randn([2, 3, 4])];
    const bias = tf.zeros<tf.Rank.R3>([2, 1, 3]);
    await expectNoLeakedTensors(() =>
      tf.tidy(() => {
        tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          tf.sum(maskedAttention(a as tf.Tensor3D, b as tf.Tensor3D, c as tf.Tensor3D, bias, 0.5)),
        )([q, k, v]);
      }),
    );
    tf.dispose([q, k, v, bias]);
  });
});
