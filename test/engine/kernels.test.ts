/**
 * llmdpd's kernels against float64 references, on every kernel set this machine can run: the
 * wasm module, and each native set the CPU supports (AVX-512, AVX2, portable) on 1 and 2
 * threads. Where the repository's build is missing, test/support/native-addon.ts builds the addon
 * for the tests; only a machine without a compiler skips the native sets, saying so.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { ShapeError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { initEngine, type KernelRequest } from '../../src/engine/index.js';
import {
  activeKernelSet,
  activeWasmMemory,
  customKernelsActive,
  type DenoiseScalars,
  fusedBlendActive,
  fusedDenoiseActive,
  valuesVersion,
  wasmBlend,
  wasmBlendInPlace,
  wasmAdam,
  wasmAdamInPlace,
  wasmColumnSums,
  wasmDenseForward,
  wasmMatMulWithColumnSums,
  wasmDenoise,
  wasmDenoiseGrad,
  wasmMatMul,
  wasmMish,
  wasmMishGrad,
  wasmSumOfSquares,
} from '../../src/engine/kernels.js';
import { nativeKernelSets, nativeProvider } from '../../src/engine/native.js';
import { provideNativeAddon } from '../support/native-addon.js';
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

const addon = provideNativeAddon();
const nativeSets = nativeKernelSets();
const nativeMissing = typeof addon === 'string' ? addon : null;

/** [label, kernel request, threads]: every code path this machine supports. */
const variants: [string, KernelRequest, number][] = [
  ['wasm', 'wasm', 1],
  ...nativeSets.flatMap((set): [string, KernelRequest, number][] => [
    [`native-${set}, 1 thread`, `native-${set}`, 1],
    [`native-${set}, 2 threads`, `native-${set}`, 2],
  ]),
];

afterAll(async () => {
  await initEngine({ backend: 'wasm' });
});

describe.each(variants)('%s kernels', (_label, request, threads) => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm', kernels: request, threads });
  });

  test('are installed, self-tested and report their set and threads', async () => {
    const info = await initEngine({ backend: 'wasm', kernels: request, threads });
    expect(info.kernels).toBe(request);
    expect(info.threads).toBe(threads);
    expect(info.skipped).toEqual([]);
    expect(customKernelsActive()).toBe(true);
    expect(activeKernelSet()).toBe(request);
  });

  test.each([
    [1, 1, 1],
    [3, 5, 2],
    [4, 8, 16],
    [13, 37, 50],
    [7, 2, 400],
    [30, 70, 800],
    [50, 256, 30],
    [256, 3, 64],
    [9, 4, 33],
    [100, 130, 300],
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
          // float32 sums of k products of N(0, 1) values: error grows like √k
          expectClose(got, matMul64(a, b, m, n, k, tA, tB, withBias ? bias : undefined), 2e-6 * Math.sqrt(k), 1e-5);
        }
      }
    }
  });

  test.each([
    [5, 9, 7],
    [30, 70, 800],
    [256, 3, 64],
    [13, 40, 1],
  ])('a dense forward %i×%i (K %i) with Mish gives Mish(x·W + b) and x·W + b', (m, n, k) => {
    const rng = new Rng(m + 7 * n + 13 * k);
    const x = rng.fillNormal(new Float32Array(m * k));
    const w = rng.fillNormal(new Float32Array(k * n), 0, 1 / Math.sqrt(k));
    const bias = rng.fillNormal(new Float32Array(n));
    const [y, z, linear] = tf.tidy(() => {
      const xt = tf.tensor2d(x, [m, k]);
      const wt = tf.tensor2d(w, [k, n]);
      const fused = wasmDenseForward(xt, wt, tf.tensor1d(bias), 'mish');
      const plain = wasmDenseForward(xt, wt, tf.tensor1d(bias), 'linear');
      expect(plain.z).toBeNull();
      return [fused.y.dataSync(), fused.z!.dataSync(), plain.y.dataSync()];
    });
    const z64 = matMul64(x, w, m, n, k, false, false, bias);
    expectClose(z, z64, 2e-6 * Math.sqrt(k), 1e-5);
    expectClose(linear, z64, 2e-6 * Math.sqrt(k), 1e-5);
    expectClose(y, Array.from(z64, mish64), 4e-6 * Math.sqrt(k), 1e-5);
  });

  test.each([
    [256, 256, 256],
    [40, 3, 256],
    [17, 33, 900],
  ])('a weight gradient %i×%i over %i rows comes with the column sums of dz', (inputs, outputs, rows) => {
    const rng = new Rng(inputs + outputs + rows);
    const x = rng.fillNormal(new Float32Array(rows * inputs));
    const dz = rng.fillNormal(new Float32Array(rows * outputs));
    const [dw, db] = tf.tidy(() =>
      wasmMatMulWithColumnSums(tf.tensor2d(x, [rows, inputs]), tf.tensor2d(dz, [rows, outputs]), true).map((t) =>
        t.dataSync(),
      ),
    );
    expectClose(dw, matMul64(x, dz, inputs, outputs, rows, true, false), 2e-6 * Math.sqrt(rows), 1e-5);
    const sums = Array.from({ length: outputs }, (_, j) => {
      let s = 0;
      for (let i = 0; i < rows; i++) s += dz[i * outputs + j];
      return s;
    });
    expectClose(db, sums, 2e-6 * Math.sqrt(rows), 1e-5);
  });

  test('matMul with K = 0 gives the bias (or zeros)', () => {
    const got = tf.tidy(() =>
      wasmMatMul(tf.zeros<tf.Rank.R2>([3, 0]), tf.zeros<tf.Rank.R2>([0, 5]), false, false, tf.range(0, 5)).dataSync(),
    );
    expect(Array.from(got)).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
  });

  test.each([
    [1, 1],
    [5, 3],
    [64, 64],
    [7, 13],
    [300, 257],
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
    expectClose(got, want, 2e-6 * Math.sqrt(m), 1e-5);
  });

  test('Mish and its gradient match the float64 formulas from −100 to 100, odd lengths included', () => {
    const xs = Float32Array.from([-100, -30, -20.5, -5, -1, -1e-3, 0, 1e-3, 0.5, 1, 2.5, 5, 19.9, 20, 20.1, 40, 100]);
    const dy = Float32Array.from(xs, (_, i) => 0.5 + i * 0.25);
    const [y, dx] = tf.tidy(() => {
      const x = tf.tensor1d(xs);
      return [wasmMish(x).dataSync(), wasmMishGrad(tf.tensor1d(dy), x).dataSync()];
    });
    expectClose(y, Array.from(xs, mish64), 1e-7, 2e-6);
    expectClose(
      dx,
      Array.from(xs, (x, i) => dy[i] * mishGrad64(x)),
      1e-7,
      2e-6,
    );
  });

  test('Mish and its gradient on 40,001 values (split across threads) match float64', () => {
    const xs = new Rng(9).fillNormal(new Float32Array(40_001), 0, 4);
    const dy = new Rng(10).fillNormal(new Float32Array(40_001));
    const [y, dx] = tf.tidy(() => {
      const x = tf.tensor1d(xs);
      return [wasmMish(x).dataSync(), wasmMishGrad(tf.tensor1d(dy), x).dataSync()];
    });
    expectClose(y, Array.from(xs, mish64), 1e-6, 2e-6);
    expectClose(
      dx,
      Array.from(xs, (x, i) => dy[i] * mishGrad64(x)),
      1e-6,
      4e-6,
    );
  });

  test.each([23, 70_001])('Adam on %i values and the sum of squares match float64 arithmetic', (n) => {
    const rng = new Rng(5);
    const w = rng.fillNormal(new Float32Array(n));
    const g = rng.fillNormal(new Float32Array(n));
    const m = rng.fillNormal(new Float32Array(n));
    const v = Float32Array.from(rng.fillNormal(new Float32Array(n)), (x) => x * x);
    const scalars = { beta1: 0.9, beta2: 0.999, stepSize: 3e-4, epsilonHat: 1e-8, gradScale: 0.7 };
    const [wOut, mOut, vOut] = tf.tidy(() =>
      wasmAdam(tf.tensor1d(w), tf.tensor1d(g), tf.tensor1d(m), tf.tensor1d(v), scalars).map((t) => t.dataSync()),
    );
    const mWant = new Float64Array(n);
    const vWant = new Float64Array(n);
    const wWant = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const gi = g[i] * 0.7;
      mWant[i] = 0.9 * m[i] + 0.1 * gi;
      vWant[i] = 0.999 * v[i] + 0.001 * gi * gi;
      wWant[i] = w[i] - (3e-4 * mWant[i]) / (Math.sqrt(vWant[i]) + 1e-8);
    }
    expectClose(mOut, mWant, 1e-7, 1e-6);
    expectClose(vOut, vWant, 1e-9, 1e-6);
    // w changes by at most ~3e-4·(1/(1−β1)); its rounding is that of w itself
    expectClose(wOut, wWant, 1e-7, 1e-6);
    const squares = tf.tidy(() => wasmSumOfSquares(tf.tensor1d(g)));
    const want = g.reduce((s, x) => s + x * x, 0);
    // each square is rounded to float32 before the float64 sum
    expect(Math.abs(squares - want)).toBeLessThan(2e-7 * want);
  });

  test("Adam in place gives wasmAdam's numbers to the bit, creates no tensor, and refuses shared data", () => {
    const rng = new Rng(6);
    const n = 70_001; // split across threads on the 2-thread variants
    const [w0, g0, m0] = [0, 1, 2].map(() => rng.fillNormal(new Float32Array(n)));
    const v0 = Float32Array.from(rng.fillNormal(new Float32Array(n)), (x) => x * x);
    const scalars = { beta1: 0.9, beta2: 0.999, stepSize: 3e-4, epsilonHat: 1e-8, gradScale: 0.7 };
    const want = tf.tidy(() =>
      wasmAdam(tf.tensor1d(w0), tf.tensor1d(g0), tf.tensor1d(m0), tf.tensor1d(v0), scalars).map((t) => t.dataSync()),
    );
    const [w, m, v] = [w0, m0, v0].map((x) => tf.tidy(() => tf.variable(tf.tensor1d(x), false)));
    const g = tf.tensor1d(g0);
    const versions = [w, m, v].map(valuesVersion);
    const tensorsBefore = tf.memory().numTensors;
    expect(wasmAdamInPlace(w, g, m, v, scalars)).toBe(true);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    [w, m, v].forEach((t, i) => {
      expect(Buffer.from(t.dataSync().buffer).equals(Buffer.from(want[i].buffer))).toBe(true);
      expect(valuesVersion(t)).not.toBe(versions[i]);
    });
    // A clone shares the variable's data (tfjs's Identity here): overwriting it would change the clone.
    expect(wasmAdamInPlace(w, w, m, v, scalars)).toBe(false); // a gradient that is the variable's data
    const snapshot = tf.clone(w);
    const before = w.dataSync();
    expect(wasmAdamInPlace(w, g, m, v, scalars)).toBe(false);
    expect(Array.from(w.dataSync())).toEqual(Array.from(before));
    expect(Array.from(snapshot.dataSync())).toEqual(Array.from(before));
    expect(() => wasmAdamInPlace(w, tf.ones([3]), m, v, scalars)).toThrow(/wasmAdamInPlace g: expected 70001 elements/);
    tf.dispose([w, m, v, g, snapshot]);
  });

  test('an operand overwritten in place is multiplied with its new values by the stock matMul', () => {
    // XNNPACK caches a stock BatchMatMul's packed right-hand operand by tensor id: an in-place
    // update must retire that id, or the product would keep using the old values.
    const [table, m, v] = tf.tidy(() => [
      tf.variable(tf.tensor2d([1, 2, 3, 4], [2, 2]), false),
      tf.variable(tf.zeros([2, 2]), false),
      tf.variable(tf.ones([2, 2]), false),
    ]);
    const rows = tf.tensor2d([1, 0, 0, 1], [2, 2]);
    expect(Array.from(tf.tidy(() => tf.matMul(rows, table).dataSync()))).toEqual([1, 2, 3, 4]);
    const scalars = { beta1: 0, beta2: 0, stepSize: 1, epsilonHat: 0, gradScale: 1 }; // w − g/|g|
    expect(wasmAdamInPlace(table, tf.tensor2d([1, 1, -1, -1], [2, 2]), m, v, scalars)).toBe(true);
    expect(Array.from(tf.tidy(() => tf.matMul(rows, table).dataSync()))).toEqual([0, 1, 4, 5]);
    tf.dispose([table, m, v, rows]);
  });

  test('mismatched shapes and dtypes are ShapeErrors, never raw memory reads', () => {
    tf.tidy(() => {
      const a = tf.ones<tf.Rank.R2>([3, 4]);
      expect(() => wasmMatMul(a, a)).toThrow(/inner sizes differ: op\(A\) is \[3, 4\], op\(B\) is \[3, 4\]/);
      expect(() => wasmMatMul(a, a, false, true, tf.ones<tf.Rank.R1>([4]))).toThrow(/bias: expected 3 elements/);
      expect(() => wasmMatMul(a, tf.ones<tf.Rank.R2>([4, 2], 'int32'))).toThrow(ShapeError);
      expect(() => wasmMishGrad(tf.ones([5]), tf.ones([4]))).toThrow(/dy: expected 4 elements/);
      const scalars = { beta1: 0.9, beta2: 0.999, stepSize: 1e-3, epsilonHat: 1e-8, gradScale: 1 };
      expect(() => wasmAdam(tf.ones([4]), tf.ones([3]), tf.ones([4]), tf.ones([4]), scalars)).toThrow(
        /LlmdpdAdam g: expected 4 elements/,
      );
      expect(() => wasmSumOfSquares(tf.ones([3], 'int32'))).toThrow(ShapeError);
    });
  });

  test('leave no tensors behind', async () => {
    const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    await expectNoLeakedTensors(() => {
      tf.tidy(() => {
        wasmMatMul(a, a, true, true);
        wasmMishGrad(a, wasmMish(a));
        wasmColumnSums(a);
      });
    });
    a.dispose();
  });
});

/** The denoise step in float64 (see DenoiseScalars). */
function denoise64(x: number, eps: number, z: number | undefined, s: DenoiseScalars): number {
  const x0 = Math.min(s.clip, Math.max(-s.clip, s.inputScale * x - s.noiseScale * eps));
  return s.meanFromClean * x0 + s.meanFromInput * x + (z === undefined ? 0 : s.sigma * z);
}

const nativeVariants = variants.filter(([, request]) => request.startsWith('native'));

if (nativeVariants.length === 0)
  test.skip(`native kernels on this machine (skipped: ${nativeMissing ?? 'no native set'})`, () => {});

(nativeVariants.length > 0 ? describe.each(nativeVariants) : () => () => {})(
  '%s: fused denoise step',
  (_l, request, threads) => {
    beforeAll(async () => {
      await initEngine({ backend: 'wasm', kernels: request, threads });
    });

    test('matches float64 with and without noise, and its gradient stops at the clip', () => {
      expect(fusedDenoiseActive()).toBe(true);
      const n = 771;
      const rng = new Rng(4);
      const x = rng.fillNormal(new Float32Array(n));
      const eps = rng.fillNormal(new Float32Array(n));
      const z = rng.fillNormal(new Float32Array(n));
      const dy = rng.fillNormal(new Float32Array(n));
      const s: DenoiseScalars = {
        inputScale: 1.7,
        noiseScale: 0.9,
        meanFromClean: 0.3,
        meanFromInput: 0.6,
        sigma: 0.2,
        clip: 1,
      };
      const [withNoise, without, dx, dEps] = tf.tidy(() => {
        const xt = tf.tensor1d(x);
        const et = tf.tensor1d(eps);
        const [gx, ge] = wasmDenoiseGrad(xt, et, tf.tensor1d(dy), s);
        return [
          wasmDenoise(xt, et, tf.tensor1d(z), s).dataSync(),
          wasmDenoise(xt, et, undefined, s).dataSync(),
          gx.dataSync(),
          ge.dataSync(),
        ];
      });
      expectClose(
        withNoise,
        Array.from(x, (xi, i) => denoise64(xi, eps[i], z[i], s)),
        1e-6,
        1e-6,
      );
      expectClose(
        without,
        Array.from(x, (xi, i) => denoise64(xi, eps[i], undefined, s)),
        1e-6,
        1e-6,
      );
      const inside = Array.from(x, (xi, i) => Math.abs(s.inputScale * xi - s.noiseScale * eps[i]) <= s.clip);
      expect(inside.some((v) => v) && inside.some((v) => !v)).toBe(true);
      expectClose(
        dx,
        Array.from(dy, (d, i) => s.meanFromInput * d + (inside[i] ? s.inputScale * s.meanFromClean * d : 0)),
        1e-6,
        1e-6,
      );
      expectClose(
        dEps,
        Array.from(dy, (d, i) => (inside[i] ? -s.noiseScale * s.meanFromClean * d : 0)),
        1e-6,
        1e-6,
      );
    });
  },
);

describe.each(nativeVariants.length > 0 ? nativeVariants : [['none', 'native', 1] as [string, KernelRequest, number]])(
  '%s: blend and concatenation',
  (_l, request, threads) => {
    const run = nativeVariants.length > 0 ? test : test.skip;
    beforeAll(async () => {
      if (nativeVariants.length > 0) await initEngine({ backend: 'wasm', kernels: request, threads });
    });

    run('blend gives a·x + b·y for every pair', () => {
      expect(fusedBlendActive()).toBe(true);
      const rng = new Rng(8);
      const xs = [rng.fillNormal(new Float32Array(7)), rng.fillNormal(new Float32Array(300))];
      const ys = [rng.fillNormal(new Float32Array(7)), rng.fillNormal(new Float32Array(300))];
      const got = tf.tidy(() =>
        wasmBlend(
          xs.map((x) => tf.tensor1d(x)),
          ys.map((y) => tf.tensor1d(y)),
          0.005,
          0.995,
        ).map((t) => t.dataSync()),
      );
      for (let i = 0; i < 2; i++)
        expectClose(
          got[i],
          Array.from(xs[i], (x, j) => 0.005 * x + 0.995 * ys[i][j]),
          1e-7,
          1e-6,
        );
    });

    run("blend in place gives wasmBlend's numbers to the bit, and refuses a target sharing its data", () => {
      const rng = new Rng(9);
      const x = rng.fillNormal(new Float32Array(40_000));
      const y = rng.fillNormal(new Float32Array(40_000));
      const want = tf.tidy(() => wasmBlend([tf.tensor1d(x)], [tf.tensor1d(y)], 0.005, 0.995)[0].dataSync());
      const [source, target] = tf.tidy(() => [tf.variable(tf.tensor1d(x), false), tf.variable(tf.tensor1d(y), false)]);
      const version = valuesVersion(target);
      expect(wasmBlendInPlace(target, source, 0.005, 0.995)).toBe(true);
      expect(Buffer.from(target.dataSync().buffer).equals(Buffer.from(want.buffer))).toBe(true);
      expect(valuesVersion(target)).not.toBe(version);
      expect(Array.from(source.dataSync())).toEqual(Array.from(x));
      expect(wasmBlendInPlace(source, source, 0.5, 0.5)).toBe(false); // out would overlap x
      target.assign(source); // a hard copy: both now hold the same data
      expect(wasmBlendInPlace(target, source, 0.5, 0.5)).toBe(false);
      expect(Array.from(source.dataSync())).toEqual(Array.from(x));
      tf.dispose([source, target]);
    });

    run('tf.concat runs natively and gives what the stock kernel gives, on every axis', () => {
      const rng = new Rng(12);
      const a = rng.fillNormal(new Float32Array(2 * 3 * 4));
      const b = rng.fillNormal(new Float32Array(2 * 3 * 5));
      const c = rng.fillNormal(new Float32Array(2 * 6 * 4));
      const got = tf.tidy(() => {
        const at = tf.tensor3d(a, [2, 3, 4]);
        return [
          tf.concat([at, tf.tensor3d(b, [2, 3, 5])], 2).arraySync(),
          tf.concat([at, tf.tensor3d(c.slice(0, 24), [2, 3, 4]), at], -1).arraySync(),
          tf.concat([at, tf.tensor3d(c, [2, 6, 4])], 1).arraySync(),
          tf.concat([at, at], 0).arraySync(),
          tf.concat([tf.tensor2d([1, 2], [1, 2]), tf.tensor2d([3, 4, 5, 6], [2, 2])]).arraySync(),
          tf.concat([tf.tensor1d([1, 2], 'int32'), tf.tensor1d([3], 'int32')]).arraySync(),
        ];
      });
      const a3 = tf.tidy(() => tf.tensor3d(a, [2, 3, 4]).arraySync());
      const b3 = tf.tidy(() => tf.tensor3d(b, [2, 3, 5]).arraySync());
      const c3 = tf.tidy(() => tf.tensor3d(c, [2, 6, 4]).arraySync());
      const c3a = tf.tidy(() => tf.tensor3d(c.slice(0, 24), [2, 3, 4]).arraySync());
      expect(got[0]).toEqual(a3.map((m, i) => m.map((row, j) => [...row, ...b3[i][j]])));
      expect(got[1]).toEqual(a3.map((m, i) => m.map((row, j) => [...row, ...c3a[i][j], ...row])));
      expect(got[2]).toEqual(a3.map((m, i) => [...m, ...c3[i]]));
      expect(got[3]).toEqual([...a3, ...a3]);
      expect(got[4]).toEqual([
        [1, 2],
        [3, 4],
        [5, 6],
      ]);
      expect(got[5]).toEqual([1, 2, 3]);
      expect(() => tf.tidy(() => tf.concat([tf.ones([2, 3]), tf.ones([3, 3])], 1))).toThrow();
    });
  },
);

describe('native kernels: results and safety', () => {
  const best = nativeSets[0];
  (best === undefined ? test.skip : test)(
    `give bit-identical results on 1, 2 and 5 threads${nativeMissing === null ? '' : ` (skipped: ${nativeMissing})`}`,
    async () => {
      const rng = new Rng(77);
      const a = rng.fillNormal(new Float32Array(200 * 300));
      const b = rng.fillNormal(new Float32Array(300 * 260));
      const x = rng.fillNormal(new Float32Array(50_000));
      const run = async (threads: number) => {
        await initEngine({ backend: 'wasm', kernels: `native-${best}`, threads });
        return tf.tidy(() => {
          const at = tf.tensor2d(a, [200, 300]);
          const bt = tf.tensor2d(b, [300, 260]);
          const xt = tf.tensor1d(x);
          return [
            wasmMatMul(at, bt).dataSync(),
            wasmMatMul(at, at, true, false).dataSync(),
            wasmMish(xt).dataSync(),
            new Float32Array([wasmSumOfSquares(xt)]),
          ];
        });
      };
      const one = await run(1);
      for (const threads of [2, 5]) {
        const many = await run(threads);
        for (let i = 0; i < one.length; i++)
          expect(Buffer.from(many[i].buffer).equals(Buffer.from(one[i].buffer))).toBe(true);
      }
    },
  );

  (best === undefined ? test.skip : test)('keep working after the wasm heap grows between calls', async () => {
    for (const threads of [1, 2]) {
      await initEngine({ backend: 'wasm', kernels: `native-${best}`, threads });
      const memory = activeWasmMemory();
      if (typeof memory === 'string') throw new Error(memory);
      const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
      expect(Array.from(wasmMatMul(a, a).dataSync())).toEqual([7, 10, 15, 22]);
      const before = memory.memory.buffer;
      const held: tf.Tensor[] = [];
      while (memory.memory.buffer === before) held.push(tf.zeros([8 * 1024 * 1024])); // 32 MiB each
      const c = tf.tensor2d([1, 0, 0, 1], [2, 2]);
      expect(Array.from(wasmMatMul(a, c, false, false, tf.tensor1d([0.5, -0.5])).dataSync())).toEqual([
        1.5, 1.5, 3.5, 3.5,
      ]);
      expect(Array.from(wasmMish(tf.tensor1d([0])).dataSync())).toEqual([0]);
      tf.dispose([a, c, ...held]);
    }
  });

  (best === undefined ? test.skip : test)('refuse offsets outside the wasm memory', async () => {
    await initEngine({ backend: 'wasm', kernels: `native-${best}`, threads: 1 });
    const memory = activeWasmMemory();
    if (typeof memory === 'string' || typeof addon === 'string') throw new Error('native kernels unavailable');
    const provider = nativeProvider(addon, memory.memory, best, 1);
    const end = memory.memory.buffer.byteLength;
    expect(() => provider.gemm(2, 2, 2, 0, false, 64, false, -1, end - 8)).toThrow(
      /reaches past the end of the memory/,
    );
    expect(() => provider.mish(0, 6, 4)).toThrow(/not a non-negative multiple of 4/);
    expect(() => provider.gemm(4, 4, 4, 0, false, 1024, false, -1, 32)).toThrow(/overlaps an input/);
    // In place means each output is exactly its own input; any other overlap is refused.
    const s = { beta1: 0.9, beta2: 0.999, stepSize: 1e-3, epsilonHat: 1e-8, gradScale: 1 };
    expect(() => provider.adam(0, 64, 128, 192, [0, 128, 192], 16, s)).not.toThrow();
    expect(() => provider.adam(0, 64, 128, 192, [4, 128, 192], 16, s)).toThrow(/other than its own/);
    expect(() => provider.adam(0, 64, 128, 192, [64, 128, 192], 16, s)).toThrow(/other than its own/);
    expect(() => provider.adam(0, 64, 128, 192, [256, 256, 192], 16, s)).toThrow(/two outputs overlap/);
    expect(() => provider.blend!(0, 64, 64, 16, 0.5, 0.5)).not.toThrow();
    expect(() => provider.blend!(0, 64, 0, 16, 0.5, 0.5)).toThrow(/overlaps x, or y other than by being it/);
    expect(() => provider.mish(-4, 0, 4)).toThrow(/not a non-negative multiple of 4/);
  });

  (best === undefined ? test.skip : test)('measure a positive FMA peak with every set', () => {
    if (typeof addon === 'string') return;
    for (const set of addon.kernelSets) {
      const flops = addon.fmaPeak(set, 0.02, 1);
      expect(flops).toBeGreaterThan(1e8);
      expect(flops).toBeLessThan(1e12);
    }
    expect(() => addon.fmaPeak(addon.kernelSets[0], 20, 1)).toThrow(/seconds must be in/);
  });

  (best === undefined ? test.skip : test)('run on every core by default', async () => {
    const info = await initEngine({ backend: 'wasm', kernels: 'native' });
    expect(info.kernels).toBe(`native-${best}`);
    expect(info.threads).toBe(availableParallelism());
    expect(info.requestedThreads).toBe(availableParallelism());
  });
});

test('the shipped wasm binary was built from the current source (rerun scripts/build-wasm-kernels.sh)', () => {
  const source = readFileSync(new URL('../../native/wasm/kernels.c', import.meta.url));
  const recorded = readFileSync(
    new URL('../../assets/wasm/llmdpd-kernels.source.sha256', import.meta.url),
    'utf8',
  ).trim();
  expect(createHash('sha256').update(source).digest('hex')).toBe(recorded);
});

test('the cpu backend uses the tfjs ops, and asking it for llmdpd kernels is a BackendError', async () => {
  const info = await initEngine({ backend: 'cpu' });
  expect(info.kernels).toBe('tfjs');
  expect(customKernelsActive()).toBe(false);
  await expect(initEngine({ backend: 'cpu', kernels: 'wasm' })).rejects.toThrow(/run on the 'wasm' backend only/);
  await initEngine({ backend: 'wasm' });
  expect(customKernelsActive()).toBe(true);
});
