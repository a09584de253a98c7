/**
 * The threaded SIMD build of tfjs-backend-wasm, started by src/engine/wasm-threads.ts.
 *
 * A tfjs backend initialises once per tfjs instance, and jest gives each test file its own, so
 * this file covers the working threaded path; wasm-threads-fallback.test.ts covers the failures.
 */
import * as tf from '@tensorflow/tfjs-core';
import os from 'node:os';
import { availableParallelism } from 'node:os';
import { loadWasmBackend, wasmThreadsInUse } from '../../src/engine/wasm.js';
import { customKernelsActive } from '../../src/engine/kernels.js';
import { installWasmKernels } from '../../src/engine/wasm-kernels.js';

/** Deterministic data in [-1, 1). */
function data(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

/** Float64 matrix product, the reference. */
function matMulReference(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      for (let j = 0; j < n; j++) c[i * n + j] += aip * b[p * n + j];
    }
  }
  return c;
}

describe('wasm backend, threaded SIMD build', () => {
  const realCpus = os.cpus;
  const realBlob = globalThis.Blob;
  const realCreateObjectURL: unknown = Reflect.get(URL, 'createObjectURL');

  afterAll(() => {
    tf.engine().reset();
  });

  it('starts with 2 threads, activates, and restores every global it replaced', async () => {
    const setup = await loadWasmBackend(2);
    expect(setup).toMatchObject({
      packageName: '@tensorflow/tfjs-backend-wasm',
      requestedThreads: 2,
      threads: 2,
      build: 'threaded-simd',
    });
    expect(setup.fallbackReason).toBeUndefined();
    expect(os.cpus).toBe(realCpus);
    expect(globalThis.Blob).toBe(realBlob);
    expect(Reflect.get(URL, 'createObjectURL')).toBe(realCreateObjectURL);
    expect(tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')).toBe(false);

    expect(await tf.setBackend('wasm')).toBe(true);
    await tf.ready();
    expect(tf.getBackend()).toBe('wasm');
    expect(await wasmThreadsInUse()).toBe(2);
    // The pool runs on 2 threads even on a machine that reports fewer cores.
    expect(availableParallelism()).toBeGreaterThanOrEqual(1);
  });

  it("keeps llmdpd's single-threaded kernels off on the threaded build (XNNPACK's pool runs the products)", async () => {
    expect(await installWasmKernels()).toMatch(/threaded wasm build is active/);
    expect(customKernelsActive()).toBe(false);
  });

  it.each([
    [64, 48, 80],
    [256, 256, 256],
    [300, 30, 257],
  ])('matMul %ix%i · %ix%i... equals the float64 reference within 1e-4 (relative)', (m, k, n) => {
    const a = data(m * k, 7 + m);
    const b = data(k * n, 11 + n);
    const ref = matMulReference(a, b, m, k, n);
    const got = tf.tidy(() => tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])).dataSync());
    let scale = 0;
    let worst = 0;
    for (let i = 0; i < ref.length; i++) {
      scale = Math.max(scale, Math.abs(ref[i]));
      worst = Math.max(worst, Math.abs(ref[i] - got[i]));
    }
    expect(worst / scale).toBeLessThan(1e-4);
  });

  it('a second load keeps the initialised backend and reports its real thread count', async () => {
    const again = await loadWasmBackend(1);
    expect(again).toMatchObject({ requestedThreads: 1, threads: 2, build: 'threaded-simd' });
  });
});
