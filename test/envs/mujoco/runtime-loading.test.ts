/**
 * The sync/async story of the MuJoCo envs: before `loadMujocoRuntime()` has finished, making a
 * MuJoCo env throws an EnvError that names what to call; `makeEnvAsync` loads the runtime
 * itself; afterwards `makeEnv` is synchronous. Runs in its own file so the runtime starts unloaded
 * (jest gives every test file a fresh module registry).
 */
import { EnvError } from '../../../src/core/errors.js';
import { HopperEnv } from '../../../src/envs/mujoco/hopper.js';
import { isMujocoRuntimeLoaded, loadMujocoRuntime, mujocoMemoryStats } from '../../../src/envs/mujoco/runtime.js';
import { makeEnv, makeEnvAsync } from '../../../src/envs/registry.js';

test('before the runtime is loaded, MuJoCo envs throw an EnvError that says what to call', () => {
  expect(isMujocoRuntimeLoaded()).toBe(false);
  let error: unknown;
  try {
    makeEnv('Hopper-v4');
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(EnvError);
  expect((error as Error).message).toContain('Call `await loadMujocoRuntime()`');
  expect((error as Error).message).toContain('`await makeEnvAsync("Hopper-v4")`');
  expect(() => new HopperEnv({ version: 5 })).toThrow(/Hopper-v5 runs on the MuJoCo WebAssembly runtime/);
  expect(() => mujocoMemoryStats()).toThrow(EnvError);
  expect(() => makeEnv('Pendulum-v1').close()).not.toThrow(); // other envs do not care
});

test('a failed load rejects with an EnvError naming the file, and can be retried', async () => {
  await expect(loadMujocoRuntime({ assetBaseUrl: 'file:///nonexistent-llmdpd-assets/' })).rejects.toThrow(
    /Could not read the MuJoCo model file file:\/\/\/nonexistent-llmdpd-assets\/half_cheetah\.xml/,
  );
  expect(isMujocoRuntimeLoaded()).toBe(false);
});

test('makeEnvAsync loads the runtime once; afterwards makeEnv is synchronous', async () => {
  const [env, info, again] = await Promise.all([
    makeEnvAsync<Float32Array, Float32Array>('Hopper-v4'),
    loadMujocoRuntime(),
    loadMujocoRuntime(),
  ]);
  try {
    expect(isMujocoRuntimeLoaded()).toBe(true);
    expect(info.mujocoVersion).toMatch(/^3\./);
    expect(again).toEqual(info);
    expect(info.assets).toEqual(['half_cheetah', 'hopper', 'walker2d', 'walker2d_v5']);
    const reset = env.reset({ seed: 0 });
    expect(reset).not.toBeInstanceOf(Promise); // synchronous all the way through the wrappers
    expect((reset as [Float32Array, unknown])[0]).toHaveLength(11);
    const sync = makeEnv('Walker2d-v5');
    expect(sync.spec).toMatchObject({ id: 'Walker2d-v5', maxEpisodeSteps: 1000 });
    void sync.close();
  } finally {
    void env.close();
  }
  expect(mujocoMemoryStats()).toMatchObject({ liveModels: 0, liveData: 0 });
});
