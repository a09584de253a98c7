import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '../../src/core/errors.js';
import { engineInfo, initEngine } from '../../src/engine/index.js';

describe('initEngine', () => {
  const saved = process.env['LLMDPD_BACKEND'];
  afterEach(() => {
    if (saved === undefined) delete process.env['LLMDPD_BACKEND'];
    else process.env['LLMDPD_BACKEND'] = saved;
  });

  test('auto prefers tfjs-node when it is installed, else wasm, and reports what it chose', async () => {
    delete process.env['LLMDPD_BACKEND'];
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the package is an optional peer
    const nodeInstalled = await import('@tensorflow/tfjs-node' as string).then(
      () => true,
      () => false,
    );
    const info = await initEngine();
    expect(info.tfjsVersion).toBe(tf.version_core);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(engineInfo()).toBe(info);
    if (nodeInstalled) {
      expect(info.backend).toBe('tensorflow');
    } else {
      // tfjs-node downloads libtensorflow at install, so it is absent on offline machines.
      expect(info.backend).toBe('wasm');
      expect(info.packageName).toBe('@tensorflow/tfjs-backend-wasm');
      expect(info.skipped.join(' ')).toMatch(/tensorflow: .*tfjs-node/);
      expect(tf.getBackend()).toBe('wasm');
    }
  });

  test('an explicit backend that cannot be had is a BackendError, not a fallback', async () => {
    delete process.env['LLMDPD_BACKEND'];
    await initEngine({ backend: 'wasm' });
    await expect(initEngine({ backend: 'tensorflow' })).rejects.toThrow(BackendError);
    await expect(initEngine({ backend: 'tensorflow' })).rejects.toThrow(/npm install @tensorflow\/tfjs-node/);
    expect(tf.getBackend()).toBe('wasm');
  });

  test('LLMDPD_BACKEND overrides the option, and unknown names are rejected', async () => {
    process.env['LLMDPD_BACKEND'] = 'cpu';
    const info = await initEngine({ backend: 'wasm' });
    expect(info.backend).toBe('cpu');
    expect(info.requested).toBe('cpu');
    process.env['LLMDPD_BACKEND'] = 'webgl';
    await expect(initEngine()).rejects.toThrow(/LLMDPD_BACKEND is "webgl"; expected one of/);
    delete process.env['LLMDPD_BACKEND'];
    expect((await initEngine({ backend: 'wasm' })).backend).toBe('wasm');
  });

  test('rejects a bad thread count', async () => {
    await expect(initEngine({ threads: 0 })).rejects.toThrow(BackendError);
  });

  test('LLMDPD_THREADS overrides the thread option, and anything but a positive integer is rejected', async () => {
    delete process.env['LLMDPD_BACKEND'];
    const saved = process.env['LLMDPD_THREADS'];
    try {
      process.env['LLMDPD_THREADS'] = '1';
      expect((await initEngine({ backend: 'wasm', threads: 3 })).requestedThreads).toBe(1);
      for (const bad of ['0', '2x', '-1', '1.5']) {
        process.env['LLMDPD_THREADS'] = bad;
        await expect(initEngine({ backend: 'wasm' })).rejects.toThrow(
          `LLMDPD_THREADS must be a positive integer, got ${JSON.stringify(bad)}.`,
        );
      }
    } finally {
      if (saved === undefined) delete process.env['LLMDPD_THREADS'];
      else process.env['LLMDPD_THREADS'] = saved;
    }
  });
});
