import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BackendError, ShapeError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { initEngine } from '../../src/engine/index.js';
import {
  customKernelsActive,
  wasmAdam,
  wasmColumnSums,
  wasmMatMul,
  wasmMish,
  wasmMishGrad,
  wasmSumOfSquares,
} from '../../src/engine/kernels.js';
import { expectClose, expectNoLeakedTensors } from '../support/tensors.js';

/** op(A)·op(B) + bias in float64, row-major. */
function matMul64(
  a: Float32Array,
  b: Float32Array,
  m: number,
  n: number,
  k: number,
  tA: boolean,
  tB: boolean,
  bias?: Float32Array,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = bias === undefined ? 0 : bias[j];
      for (let p = 0; p < k; p++) s += (tA ? a[p * m + i] : a[i * k + p]) * (tB ? b[j * k + p] : b[p * n + j]);
      out[i * n + j] = s;
    }
  }
  return out;
}

const mish64 = (x: number): number => x * Math.tanh(Math.log1p(Math.exp(x)));
function mishGrad64(x: number): number {
  const t = Math.tanh(Math.log1p(Math.exp(x)));
  const sigma = 1 / (1 + Math.exp(-x));
  return t + x * sigma * (1 - t * t);
}

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

describe('llmdpd wasm kernels', () => {
  test('are on by default on the single-threaded wasm backend', async () => {
    const info = await initEngine({ backend: 'wasm' });
    expect(info.kernels).toBe('llmdpd-wasm');
    expect(customKernelsActive()).toBe(true);
  });

  test('the shipped binary was built from the current source (rerun scripts/build-wasm-kernels.sh)', () => {
    const source = readFileSync(new URL('../../native/wasm/kernels.c', import.meta.url));
    const recorded = readFileSync(
      new URL('../../assets/wasm/llmdpd-kernels.source.sha256', import.meta.url),
      'utf8',
    ).trim();
    expect(createHash('sha256').update(source).digest('hex')).toBe(recorded);
  });

  test.each([
    [1, 1, 1],
    [3, 5, 2],
    [4, 8, 16],
    [7, 13, 5],
    [50, 256, 30],
    [9, 17, 33],
  ])('matMul %i×%i (K %i) equals the float64 product in all four transpose modes, with and without bias', (m, n, k) => {
    const rng = new Rng(m * 1000 + n * 10 + k);
    const a = rng.fillNormal(new Float32Array(m * k));
    const b = rng.fillNormal(new Float32Array(k * n));
    const bias = rng.fillNormal(new Float32Array(n));
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        for (const withBias of [false, true]) {
          const got = tf.tidy(() => {
            const at = tf.tensor2d(a, tA ? [k, m] : [m, k]);
            const bt = tf.tensor2d(b, tB ? [n, k] : [k, n]);
            const out = wasmMatMul(at, bt, tA, tB, withBias ? tf.tensor1d(bias) : undefined);
            expect(out.shape).toEqual([m, n]);
            return out.dataSync();
          });
          expectClose(got, matMul64(a, b, m, n, k, tA, tB, withBias ? bias : undefined), 1e-5, 1e-5);
        }
      }
    }
  });

  test.each([
    [1, 1],
    [5, 3],
    [64, 64],
    [7, 13],
  ])('column sums of a %i×%i matrix equal the float64 sums', (m, n) => {
    const x = new Rng(m + n).fillNormal(new Float32Array(m * n));
    const got = tf.tidy(() => {
      const out = wasmColumnSums(tf.tensor2d(x, [m, n]));
      expect(out.shape).toEqual([n]);
      return out.dataSync();
    });
    const want = Array.from({ length: n }, (_, j) =>
      Array.from({ length: m }, (_, i) => x[i * n + j]).reduce((s, v) => s + v, 0),
    );
    expectClose(got, want, 1e-5, 1e-5);
  });

  test('Mish and its gradient match the float64 formulas from −100 to 100, odd lengths included', () => {
    const xs = Float32Array.from([-100, -30, -20.5, -5, -1, -1e-3, 0, 1e-3, 0.5, 1, 2.5, 5, 19.9, 20, 20.1, 40, 100]);
    const dy = Float32Array.from(xs, (_, i) => 0.5 + i * 0.25);
    const [y, dx] = tf.tidy(() => {
      const x = tf.tensor1d(xs);
      return [wasmMish(x).dataSync(), wasmMishGrad(tf.tensor1d(dy), x).dataSync()];
    });
    const y64 = Array.from(xs, mish64);
    const dx64 = Array.from(xs, (x, i) => dy[i] * mishGrad64(x));
    expectClose(y, y64, 1e-7, 2e-6);
    expectClose(dx, dx64, 1e-7, 2e-6);
  });

  test('Adam and the sum of squares match float64 arithmetic', () => {
    const rng = new Rng(5);
    const n = 23;
    const w = rng.fillNormal(new Float32Array(n));
    const g = rng.fillNormal(new Float32Array(n));
    const m = rng.fillNormal(new Float32Array(n));
    const v = Float32Array.from(rng.fillNormal(new Float32Array(n)), (x) => x * x);
    const scalars = { beta1: 0.9, beta2: 0.999, stepSize: 3e-4, epsilonHat: 1e-8, gradScale: 0.7 };
    const [wOut, mOut, vOut] = tf.tidy(() =>
      wasmAdam(tf.tensor1d(w), tf.tensor1d(g), tf.tensor1d(m), tf.tensor1d(v), scalars).map((t) => t.dataSync()),
    );
    for (let i = 0; i < n; i++) {
      const gi = g[i] * 0.7;
      const mi = 0.9 * m[i] + 0.1 * gi;
      const vi = 0.999 * v[i] + 0.001 * gi * gi;
      expect(mOut[i]).toBeCloseTo(mi, 6);
      expect(vOut[i]).toBeCloseTo(vi, 6);
      expect(wOut[i]).toBeCloseTo(w[i] - (3e-4 * mi) / (Math.sqrt(vi) + 1e-8), 6);
    }
    const squares = tf.tidy(() => wasmSumOfSquares(tf.tensor1d(g)));
    expect(squares).toBeCloseTo(
      g.reduce((s, x) => s + x * x, 0),
      4,
    );
  });

  test('mismatched shapes and dtypes are ShapeErrors, never raw memory reads', () => {
    tf.tidy(() => {
      const a = tf.ones([3, 4]) as tf.Tensor2D;
      expect(() => wasmMatMul(a, a)).toThrow(/inner sizes differ: op\(A\) is \[3, 4\], op\(B\) is \[3, 4\]/);
      expect(() => wasmMatMul(a, a, false, true, tf.ones([4]) as tf.Tensor1D)).toThrow(/bias: expected 3 elements/);
      expect(() => wasmMatMul(a, tf.ones([4, 2], 'int32') as tf.Tensor2D)).toThrow(ShapeError);
      expect(() => wasmMishGrad(tf.ones([5]), tf.ones([4]))).toThrow(/dy: expected 4 elements/);
      const scalars = { beta1: 0.9, beta2: 0.999, stepSize: 1e-3, epsilonHat: 1e-8, gradScale: 1 };
      expect(() => wasmAdam(tf.ones([4]), tf.ones([3]), tf.ones([4]), tf.ones([4]), scalars)).toThrow(
        /LlmdpdAdam g: expected 4 elements/,
      );
    });
  });

  test('keep working after the backend memory grows, and leak nothing', async () => {
    const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const big = tf.zeros([64, 1024, 1024]); // 256 MiB: the wasm memory must grow
    expect(Array.from(wasmMatMul(a, a).dataSync())).toEqual([7, 10, 15, 22]);
    big.dispose();
    await expectNoLeakedTensors(() => {
      tf.tidy(() => {
        wasmMatMul(a, a, true, true);
        wasmMishGrad(a, wasmMish(a));
      });
    });
    a.dispose();
  });

  test("kernels: 'tfjs' and LLMDPD_KERNELS switch them off; bad values are BackendErrors", async () => {
    const off = await initEngine({ backend: 'wasm', kernels: 'tfjs' });
    expect(off.kernels).toBe('tfjs');
    expect(customKernelsActive()).toBe(false);
    const on = await initEngine({ backend: 'wasm' });
    expect(on.kernels).toBe('llmdpd-wasm');
    expect(customKernelsActive()).toBe(true);
    const saved = process.env['LLMDPD_KERNELS'];
    try {
      process.env['LLMDPD_KERNELS'] = 'tfjs';
      expect((await initEngine({ backend: 'wasm' })).kernels).toBe('tfjs');
      process.env['LLMDPD_KERNELS'] = 'fast';
      await expect(initEngine({ backend: 'wasm' })).rejects.toThrow(BackendError);
      await expect(initEngine({ backend: 'wasm' })).rejects.toThrow(
        /LLMDPD_KERNELS is "fast"; expected 'auto' or 'tfjs'/,
      );
    } finally {
      if (saved === undefined) delete process.env['LLMDPD_KERNELS'];
      else process.env['LLMDPD_KERNELS'] = saved;
    }
    expect((await initEngine({ backend: 'wasm' })).kernels).toBe('llmdpd-wasm');
  });

  test('the cpu backend uses the tfjs ops', async () => {
    const info = await initEngine({ backend: 'cpu' });
    expect(info.kernels).toBe('tfjs');
    expect(customKernelsActive()).toBe(false);
    await initEngine({ backend: 'wasm' });
    expect(customKernelsActive()).toBe(true);
  });
});
