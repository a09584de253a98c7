import { engineWorkerEnv } from '../../src/engine/worker-kernels.js';

test('training worker threads get one kernel thread each unless the user chose the threads', () => {
  expect(engineWorkerEnv(2, { PATH: '/bin' })).toEqual({ PATH: '/bin', LLMDPD_THREADS: '1' });
  expect(engineWorkerEnv(1, { PATH: '/bin' })).toEqual({ PATH: '/bin', LLMDPD_THREADS: '1' });
  expect(engineWorkerEnv(0, { PATH: '/bin' })).toEqual({ PATH: '/bin' });
  expect(engineWorkerEnv(4, { LLMDPD_THREADS: '3' })).toEqual({ LLMDPD_THREADS: '3' });
  // The kernels are left to initEngine: the native addon where it is built.
  expect(engineWorkerEnv(2, { LLMDPD_KERNELS: 'wasm' })).toEqual({ LLMDPD_KERNELS: 'wasm', LLMDPD_THREADS: '1' });
  const parent = { A: '1' };
  expect(engineWorkerEnv(2, parent)).not.toBe(parent); // a copy: the parent's environment is untouched
  expect(parent).toEqual({ A: '1' });
});
