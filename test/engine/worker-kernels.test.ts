import { engineWorkerEnv } from '../../src/engine/worker-kernels.js';

test('training worker threads get the wasm kernels unless the user chose the kernels', () => {
  expect(engineWorkerEnv(2, { PATH: '/bin' })).toEqual({ PATH: '/bin', LLMDPD_KERNELS: 'wasm' });
  expect(engineWorkerEnv(1, { PATH: '/bin' })).toEqual({ PATH: '/bin', LLMDPD_KERNELS: 'wasm' });
  expect(engineWorkerEnv(0, { PATH: '/bin' })).toEqual({ PATH: '/bin' });
  expect(engineWorkerEnv(4, { LLMDPD_KERNELS: 'native' })).toEqual({ LLMDPD_KERNELS: 'native' });
  const parent = { A: '1' };
  expect(engineWorkerEnv(2, parent)).not.toBe(parent); // a copy: the parent's environment is untouched
  expect(parent).toEqual({ A: '1' });
});
