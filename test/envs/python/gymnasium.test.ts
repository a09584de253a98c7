/**
 * The Gymnasium path: ids made with gymnasium.make, and Gymnasium's own space classes. These
 * tests need a Python where `import gymnasium` works: $LLMDPD_TEST_GYMNASIUM_PYTHON, else the
 * interpreter of the other bridge tests or `python3`. Without one they are skipped, saying so
 * (the rest of the bridge is tested without gymnasium). To run them offline on the development
 * machine: `python3 -m venv --system-site-packages /tmp/gymvenv && /tmp/gymvenv/bin/pip install
 * --no-index --find-links /opt/pypi/files gymnasium`, then LLMDPD_TEST_GYMNASIUM_PYTHON=/tmp/gymvenv/bin/python.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { type Box, type Dict, Discrete } from '../../../src/core/spaces.js';
import { checkEnv } from '../../../src/envs/check-env.js';
import { makePythonEnv, type PythonEnv, type PythonVectorEnv } from '../../../src/envs/python/index.js';
import { FIXTURES, PYTHON } from './helpers.js';

const GYM_PYTHON = [process.env['LLMDPD_TEST_GYMNASIUM_PYTHON'], PYTHON, 'python3'].find(
  (p) => p !== undefined && spawnSync(p, ['-c', 'import gymnasium'], { timeout: 30_000 }).status === 0,
);
if (GYM_PYTHON === undefined) {
  console.warn(
    'Python bridge gymnasium tests SKIPPED: no Python with gymnasium found (set LLMDPD_TEST_GYMNASIUM_PYTHON to one).',
  );
}
const describeWithGymnasium = GYM_PYTHON === undefined ? describe.skip : describe;

const opened: (PythonEnv | PythonVectorEnv)[] = [];
afterAll(async () => {
  await Promise.all(opened.map((e) => e.close().catch(() => undefined)));
});

describeWithGymnasium('makePythonEnv with gymnasium', () => {
  it('makes CartPole-v1 with gymnasium.make: spaces, spec, seeding, checkEnv', async () => {
    const env = await makePythonEnv<Float32Array, number>('CartPole-v1', { python: GYM_PYTHON, cwd: FIXTURES });
    opened.push(env);
    expect(env.python.gymnasiumVersion).toMatch(/^\d+\.\d+/);
    expect(env.python.envType).toMatch(/TimeLimit$/);
    expect(env.spec).toEqual({ id: 'CartPole-v1', maxEpisodeSteps: 500 });
    expect(env.actionSpace).toEqual(new Discrete(2));
    const obsSpace = env.observationSpace as unknown as Box;
    expect(obsSpace.dtype).toBe('float32');
    expect(Array.from(obsSpace.high).map((v) => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : v))).toEqual([
      4.8,
      Infinity,
      0.419,
      Infinity,
    ]);
    const [a] = await env.reset({ seed: 42 });
    const [b] = await env.reset({ seed: 42 });
    expect(Array.from(b)).toEqual(Array.from(a));
    // CartPole's first observation is uniform in [-0.05, 0.05] per element.
    for (const v of a) expect(Math.abs(v)).toBeLessThanOrEqual(0.05);
    const [, reward, terminated, truncated] = await env.step(1);
    expect([reward, terminated, truncated]).toEqual([1, false, false]);
    await expect(checkEnv(env, { steps: 200 })).resolves.toMatchObject({ stepsRun: 200 });
  });

  it('passes kwargs to gymnasium.make and runs a vector of ids', async () => {
    const vec = await makePythonEnv<Float32Array, number>('CartPole-v1', {
      python: GYM_PYTHON,
      cwd: FIXTURES,
      kwargs: { max_episode_steps: 5 },
      numEnvs: 3,
    });
    opened.push(vec);
    expect(vec.spec).toMatchObject({ id: 'CartPole-v1', maxEpisodeSteps: 5 });
    await vec.reset({ seed: 0 });
    let truncations: Uint8Array = new Uint8Array(3);
    for (let t = 0; t < 5; t++) [, , , truncations] = await vec.step(Int32Array.of(0, 1, t % 2));
    expect(Array.from(truncations)).toEqual([1, 1, 1]);
  });

  it('carries MultiDiscrete, MultiBinary and uint8 Boxes as int32 and hands numpy actions back', async () => {
    const env = await makePythonEnv<Record<string, Int32Array>, Int32Array>('gym_envs:SpacesEnv', {
      python: GYM_PYTHON,
      cwd: FIXTURES,
    });
    opened.push(env);
    const space = env.observationSpace as unknown as Dict;
    expect(Object.keys(space.spaces)).toEqual(['bits', 'counts', 'image']);
    expect(space.spaces['counts'].toJSON()).toEqual({
      type: 'box',
      shape: [2],
      dtype: 'int32',
      low: [0, 0],
      high: [2, 3],
    });
    expect(space.spaces['bits'].toJSON()).toEqual({
      type: 'box',
      shape: [3],
      dtype: 'int32',
      low: [0, 0, 0],
      high: [1, 1, 1],
    });
    expect(space.spaces['image'].toJSON()).toMatchObject({ shape: [2, 2], dtype: 'int32', high: [255, 255, 255, 255] });
    expect(env.actionSpace.toJSON()).toEqual({ type: 'box', shape: [2], dtype: 'int32', low: [0, 0], high: [1, 4] });
    await env.reset({ seed: 0 });
    const [obs, reward, , , info] = await env.step(Int32Array.of(1, 4));
    expect(obs['image']).toEqual(Int32Array.of(0, 2, 4, 6));
    expect(obs['counts']).toEqual(Int32Array.of(1, 1));
    expect(obs['bits']).toEqual(Int32Array.of(1, 0, 1));
    expect(reward).toBe(5);
    expect(info).toEqual({ action: [1, 4], action_dtype: 'int64', action_shape: [2] });
    await expect(checkEnv(env, { steps: 10 })).resolves.toBeDefined();
  });
});
