/**
 * Fail-safe of the threaded wasm start: real pthread workers with an injected fault (one throws
 * while it loads the module, one never answers), each of which must give the single-threaded
 * SIMD build, report 1 thread and never hang. Separate from wasm-threads.test.ts because a tfjs
 * backend initialises once per tfjs instance and jest gives each file its own.
 */
import * as tf from '@tensorflow/tfjs-core';
import os from 'node:os';
import { BackendError } from '../../src/core/errors.js';
import { loadWasmBackend, wasmThreadsInUse } from '../../src/engine/wasm.js';

describe('wasm backend, threaded start that fails', () => {
  const realCpus = os.cpus;
  const realBlob = globalThis.Blob;
  const realCreateObjectURL: unknown = Reflect.get(URL, 'createObjectURL');

  afterEach(() => {
    expect(os.cpus).toBe(realCpus);
    expect(globalThis.Blob).toBe(realBlob);
    expect(Reflect.get(URL, 'createObjectURL')).toBe(realCreateObjectURL);
  });

  afterAll(() => {
    tf.engine().reset();
  });

  it('falls back to 1 thread when a worker throws while loading', async () => {
    const started = Date.now();
    const setup = await loadWasmBackend(2, { simulateWorkerFault: 'throw', timeoutMs: 20_000 });
    expect(setup).toMatchObject({ requestedThreads: 2, threads: 1, build: 'simd' });
    expect(setup.fallbackReason).toMatch(/pthread worker failed.*simulated worker failure/);
    // Reported by the worker's error, not by the timeout.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('falls back to 1 thread, within the timeout, when the workers never answer', async () => {
    const started = Date.now();
    const setup = await loadWasmBackend(2, { simulateWorkerFault: 'hang', timeoutMs: 1_500 });
    expect(setup).toMatchObject({ requestedThreads: 2, threads: 1, build: 'simd' });
    expect(setup.fallbackReason).toMatch(/did not start within 1500 ms/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('then initialises the single-threaded build, which reports 1 thread and computes', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    await tf.ready();
    expect(await wasmThreadsInUse()).toBe(1);
    const y = tf.tidy(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])).dataSync());
    expect(Array.from(y)).toEqual([19, 22, 43, 50]);
  });

  it('rejects thread counts outside 1..8 with a BackendError', async () => {
    await expect(loadWasmBackend(0)).rejects.toThrow(BackendError);
    await expect(loadWasmBackend(9)).rejects.toThrow(/1 to 8 threads/);
    await expect(loadWasmBackend(2.5)).rejects.toThrow(BackendError);
  });
});
