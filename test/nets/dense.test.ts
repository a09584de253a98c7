import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { initEngine } from '../../src/engine/index.js';
import type { Activation } from '../../src/nets/activations.js';
import { Dense, denseApply, denseApplyFrozen, denseStackApply } from '../../src/nets/dense.js';
import { expectClose, expectNoLeakedTensors } from '../support/tensors.js';

const act64: Record<Activation, (z: number) => number> = {
  linear: (z) => z,
  relu: (z) => Math.max(0, z),
  mish: (z) => z * Math.tanh(z > 30 ? z : Math.log1p(Math.exp(z))),
};

/** Float64 reference of loss = sum(u ⊙ act(x·W + b)). */
function loss64(
  x: number[],
  w: number[],
  b: number[],
  u: number[],
  n: number,
  i: number,
  o: number,
  act: Activation,
): number {
  let total = 0;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < o; c++) {
      let z = b[c];
      for (let k = 0; k < i; k++) z += x[r * i + k] * w[k * o + c];
      total += u[r * o + c] * act64[act](z);
    }
  }
  return total;
}

function finiteDiff(f: (v: number[]) => number, v: number[], h = 1e-6): number[] {
  return v.map((_, j) => {
    const plus = [...v];
    const minus = [...v];
    plus[j] += h;
    minus[j] -= h;
    return (f(plus) - f(minus)) / (2 * h);
  });
}

// Every test runs with llmdpd's wasm kernels and with the stock tfjs ops.
describe.each(['auto', 'tfjs'] as const)('with %s kernels', (kernels) => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm', kernels });
  });

  describe('denseApply', () => {
    const n = 4;
    const i = 3;
    const o = 5;
    const rng = new Rng(7);
    const x = Array.from(rng.fillNormal(new Float64Array(n * i)));
    const w = Array.from(rng.fillNormal(new Float64Array(i * o), 0, 0.7));
    const b = Array.from(rng.fillNormal(new Float64Array(o), 0, 0.3));
    const u = Array.from(rng.fillNormal(new Float64Array(n * o)));

    test.each<Activation>(['linear', 'relu', 'mish'])('%s: forward matches float64', (act) => {
      const y = tf.tidy(() =>
        denseApply(tf.tensor2d(x, [n, i]), tf.tensor2d(w, [i, o]), tf.tensor1d(b), act).dataSync(),
      );
      const expected: number[] = [];
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < o; c++) {
          let z = b[c];
          for (let k = 0; k < i; k++) z += x[r * i + k] * w[k * o + c];
          expected.push(act64[act](z));
        }
      }
      expectClose(y, expected, 1e-5, 1e-5);
    });

    test.each<Activation>(['linear', 'relu', 'mish'])('%s: dx, dW and db match finite differences', (act) => {
      const [gx, gw, gb] = tf.tidy(() => {
        const f = (xt: tf.Tensor, wt: tf.Tensor, bt: tf.Tensor) =>
          tf.sum(
            tf.mul(denseApply(xt as tf.Tensor2D, wt as tf.Tensor2D, bt as tf.Tensor1D, act), tf.tensor2d(u, [n, o])),
          );
        return tf
          .grads(f)([tf.tensor2d(x, [n, i]), tf.tensor2d(w, [i, o]), tf.tensor1d(b)])
          .map((g) => g.dataSync());
      });
      expectClose(
        gx,
        finiteDiff((v) => loss64(v, w, b, u, n, i, o, act), x),
        1e-4,
        1e-4,
      );
      expectClose(
        gw,
        finiteDiff((v) => loss64(x, v, b, u, n, i, o, act), w),
        1e-4,
        1e-4,
      );
      expectClose(
        gb,
        finiteDiff((v) => loss64(x, w, v, u, n, i, o, act), b),
        1e-4,
        1e-4,
      );
    });

    test('agrees with tfjs autodiff of the plain composition (matMul, add, tanh(softplus))', () => {
      const [fast, plain] = tf.tidy(() => {
        const xt = tf.tensor2d(x, [n, i]);
        const wt = tf.tensor2d(w, [i, o]);
        const bt = tf.tensor1d(b);
        const ut = tf.tensor2d(u, [n, o]);
        const fastGrads = tf.grads((a: tf.Tensor, c: tf.Tensor) =>
          tf.sum(tf.mul(denseApply(a as tf.Tensor2D, c as tf.Tensor2D, bt, 'mish'), ut)),
        )([xt, wt]);
        const plainGrads = tf.grads((a: tf.Tensor, c: tf.Tensor) => {
          const z = tf.add(tf.matMul(a as tf.Tensor2D, c as tf.Tensor2D), bt);
          return tf.sum(tf.mul(tf.mul(z, tf.tanh(tf.softplus(z))), ut));
        })([xt, wt]);
        return [fastGrads.map((g) => g.dataSync()), plainGrads.map((g) => g.dataSync())];
      });
      expectClose(fast[0], plain[0], 1e-5, 1e-4);
      expectClose(fast[1], plain[1], 1e-5, 1e-4);
    });

    test('frozen mode gives the same value and input gradient, and no weight gradient', () => {
      const [v1, g1, v2, g2] = tf.tidy(() => {
        const xt = tf.tensor2d(x, [n, i]);
        const wt = tf.tensor2d(w, [i, o]);
        const bt = tf.tensor1d(b);
        const ut = tf.tensor2d(u, [n, o]);
        const full = tf.valueAndGrad((a: tf.Tensor) =>
          tf.sum(tf.mul(denseApply(a as tf.Tensor2D, wt, bt, 'mish'), ut)),
        )(xt);
        const frozen = tf.valueAndGrad((a: tf.Tensor) =>
          tf.sum(tf.mul(denseApplyFrozen(a as tf.Tensor2D, wt, bt, 'mish'), ut)),
        )(xt);
        return [full.value.dataSync(), full.grad.dataSync(), frozen.value.dataSync(), frozen.grad.dataSync()];
      });
      expect(v2).toEqual(v1);
      expectClose(g2, g1, 1e-7, 1e-6);
      const layer = new Dense({ inputDim: i, outputDim: o, activation: 'mish', rng: new Rng(2) });
      const xt = tf.tensor2d(x, [n, i]);
      // With frozen weights, the layer's variables are not on the gradient path at all.
      expect(() =>
        tf.tidy(() => tf.variableGrads(() => tf.sum(layer.apply(xt, { frozen: true })), layer.trainableVariables())),
      ).toThrow(/Cannot find a connection between any variable and the result/);
      xt.dispose();
      layer.dispose();
    });

    test('inputGradient=false returns a zero input gradient but keeps dW', () => {
      const [gx, gw] = tf.tidy(() =>
        tf
          .grads((a: tf.Tensor, c: tf.Tensor) =>
            tf.sum(denseApply(a as tf.Tensor2D, c as tf.Tensor2D, tf.tensor1d(b), 'mish', false)),
          )([tf.tensor2d(x, [n, i]), tf.tensor2d(w, [i, o])])
          .map((g) => g.dataSync()),
      );
      expect(Array.from(gx).every((v) => v === 0)).toBe(true);
      expect(Array.from(gw).some((v) => v !== 0)).toBe(true);
    });
  });

  describe('denseStackApply', () => {
    const rows = 6;
    const dims = [5, 7, 4, 2];
    const acts: Activation[] = ['mish', 'mish', 'linear'];
    const rng = new Rng(31);
    const xs = rng.fillNormal(new Float32Array(rows * dims[0]));
    const ws = acts.map((_, l) => rng.fillNormal(new Float32Array(dims[l] * dims[l + 1]), 0, 0.6));
    const bs = acts.map((_, l) => rng.fillNormal(new Float32Array(dims[l + 1]), 0, 0.3));
    const us = rng.fillNormal(new Float32Array(rows * dims[3]));
    const shared = rng.fillNormal(new Float32Array(dims[1]));
    const perRow = rng.fillNormal(new Float32Array(rows * dims[1]));

    /** Values and gradients (x, every W and b, the extra bias) of sum(u ⊙ net(x)), stacked or layer by layer. */
    function run(stacked: boolean, extra: 'none' | 'shared' | 'per-row', firstInputGradient: boolean): Float32Array[] {
      return tf.tidy(() => {
        const x = tf.tensor2d(xs, [rows, dims[0]]);
        const params = acts.flatMap((_, l) => [tf.tensor2d(ws[l], [dims[l], dims[l + 1]]), tf.tensor1d(bs[l])]);
        const e = extra === 'shared' ? tf.tensor2d(shared, [1, dims[1]]) : tf.tensor2d(perRow, [rows, dims[1]]);
        const u = tf.tensor2d(us, [rows, dims[3]]);
        const f = (...t: tf.Tensor[]) => {
          const [input, ...rest] = t;
          const weights = rest.slice(0, 6);
          const firstBias = extra === 'none' ? weights[1] : tf.add(weights[1], rest[6]);
          const layers = acts.map((activation, l) => ({
            kernel: weights[2 * l] as tf.Tensor2D,
            bias: (l === 0 ? firstBias : weights[2 * l + 1]) as tf.Tensor1D | tf.Tensor2D,
            activation,
            inputGradient: l > 0 || firstInputGradient,
          }));
          let out: tf.Tensor2D;
          if (stacked) out = denseStackApply(input as tf.Tensor2D, layers);
          else {
            out = input as tf.Tensor2D;
            for (const l of layers) out = denseApply(out, l.kernel, l.bias, l.activation, l.inputGradient);
          }
          return tf.sum(tf.mul(out, u));
        };
        const inputs = extra === 'none' ? [x, ...params] : [x, ...params, e];
        const { value, grads } = tf.valueAndGrads(f)(inputs);
        return [value.dataSync() as Float32Array, ...grads.map((g) => g.dataSync() as Float32Array)];
      });
    }

    test.each([
      ['none', true],
      ['shared', true],
      ['per-row', false],
    ] as const)(
      'gives the layer-by-layer values and gradients (extra bias %s, input gradient %s)',
      (extra, inputGradient) => {
        const stacked = run(true, extra, inputGradient);
        const layered = run(false, extra, inputGradient);
        expect(stacked.length).toBe(layered.length);
        for (let i = 0; i < stacked.length; i++) expectClose(stacked[i], layered[i], 1e-6, 1e-5);
        if (!inputGradient) expect(Array.from(stacked[1]).every((v) => v === 0)).toBe(true);
      },
    );

    test('frozen: the value and input gradient of the trained stack, and no weight on the gradient path', async () => {
      const [value, gx, frozenValue, frozenGx] = tf.tidy(() => {
        const x = tf.tensor2d(xs, [rows, dims[0]]);
        const layers = acts.map((activation, l) => ({
          kernel: tf.tensor2d(ws[l], [dims[l], dims[l + 1]]),
          bias: tf.tensor1d(bs[l]),
          activation,
          inputGradient: true,
        }));
        const u = tf.tensor2d(us, [rows, dims[3]]);
        const full = tf.valueAndGrad((a: tf.Tensor) => tf.sum(tf.mul(denseStackApply(a as tf.Tensor2D, layers), u)))(x);
        const frozen = tf.valueAndGrad((a: tf.Tensor) =>
          tf.sum(tf.mul(denseStackApply(a as tf.Tensor2D, layers, true), u)),
        )(x);
        return [full.value.dataSync(), full.grad.dataSync(), frozen.value.dataSync(), frozen.grad.dataSync()];
      });
      expect(frozenValue).toEqual(value);
      expectClose(frozenGx, gx, 1e-7, 1e-6);
      await expectNoLeakedTensors(() => run(true, 'shared', true));
    });
  });

  describe('Dense', () => {
    test('owns a [in, out] kernel and [out] bias, validates input shape, and frees them', () => {
      const before = tf.memory().numTensors;
      const layer = new Dense({ inputDim: 3, outputDim: 2, activation: 'relu', rng: new Rng(0) });
      expect(layer.kernel.shape).toEqual([3, 2]);
      expect(layer.bias.shape).toEqual([2]);
      expect(layer.trainableVariables()).toEqual([layer.kernel, layer.bias]);
      expect(() => tf.tidy(() => layer.apply(tf.zeros<tf.Rank.R2>([4, 5])))).toThrow(ShapeError);
      expect(() => tf.tidy(() => layer.apply(tf.zeros<tf.Rank.R2>([4, 5])))).toThrow(
        'expects input [batch, 3], got [4, 5]',
      );
      layer.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    test('same seed gives the same layer; non-trainable copies are not trainable', () => {
      const a = new Dense({ inputDim: 4, outputDim: 3, rng: new Rng(5) });
      const b = new Dense({ inputDim: 4, outputDim: 3, rng: new Rng(5), trainable: false });
      expect(a.kernel.dataSync()).toEqual(b.kernel.dataSync());
      expect(a.kernel.trainable).toBe(true);
      expect(b.kernel.trainable).toBe(false);
      a.dispose();
      b.dispose();
    });

    test('leaks no tensors through a gradient step', async () => {
      const layer = new Dense({ inputDim: 8, outputDim: 6, activation: 'mish', rng: new Rng(1) });
      const x = tf.randomNormal<tf.Rank.R2>([5, 8], 0, 1, 'float32', 3);
      await expectNoLeakedTensors(() =>
        tf.tidy(() => {
          const { grads } = tf.variableGrads(() => tf.sum(layer.apply(x)), layer.trainableVariables());
          return Object.values(grads)[0].dataSync();
        }),
      );
      x.dispose();
      layer.dispose();
    });
  });
});
