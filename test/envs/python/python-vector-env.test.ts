/**
 * PythonVectorEnv (N envs in one Python process) against SyncVectorEnv over N single PythonEnvs
 * of the same env: the same observations, rewards, flags and infos, step by step, in every
 * autoreset mode, with episodes that end at different steps.
 */
import { afterAll, expect, it } from '@jest/globals';
import { ConfigError, EnvError, ShapeError } from '../../../src/core/errors.js';
import { type Box } from '../../../src/core/spaces.js';
import {
  makePythonEnv,
  type PythonEnv,
  type PythonEnvOptions,
  type PythonVectorEnv,
} from '../../../src/envs/python/index.js';
import { SyncVectorEnv, type AutoresetMode, type VectorStepResult } from '../../../src/envs/vector.js';
import { FIXTURES, PYTHON, describeWithPython } from './helpers.js';

type Obs = Float32Array;
const closers: { close(): Promise<void> | void }[] = [];
afterAll(async () => {
  await Promise.all(closers.map(async (c) => c.close()));
});

const BASE: PythonEnvOptions = { python: PYTHON, cwd: FIXTURES, env: { LLMDPD_BRIDGE_NUMPY: '0' } };

async function vector<O = Obs, A = Obs>(
  target: string,
  numEnvs: number,
  options: PythonEnvOptions & { autoresetMode?: AutoresetMode } = {},
): Promise<PythonVectorEnv<O, A>> {
  const vec = await makePythonEnv<O, A>(target, { ...BASE, ...options, numEnvs });
  closers.push(vec);
  return vec;
}

async function singles(target: string, n: number, options: PythonEnvOptions = {}): Promise<PythonEnv<Obs, Obs>[]> {
  const envs = await Promise.all(
    Array.from({ length: n }, () => makePythonEnv<Obs, Obs>(target, { ...BASE, ...options })),
  );
  closers.push(...envs);
  return envs;
}

/** A deterministic action batch for step t: a different push for every env. */
function actionsAt(t: number, n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(1.3 * t + i));
}

describeWithPython('PythonVectorEnv', () => {
  it('batches the spaces and reports the autoreset mode', async () => {
    const vec = await vector('toy_envs:DriftEnv', 3, { autoresetMode: 'same-step' });
    expect(vec.numEnvs).toBe(3);
    expect((vec.observationSpace as Box).shape).toEqual([3, 3]);
    expect((vec.actionSpace as Box).shape).toEqual([3, 1]);
    expect(vec.singleObservationSpace.toJSON()).toMatchObject({ shape: [3], dtype: 'float32' });
    expect(vec.metadata).toMatchObject({ autoresetMode: 'same-step', renderFps: 30 });
    expect(vec.autoresetMode).toBe('same-step');
    const [obs, infos] = await vec.reset({ seed: 10 });
    expect(obs).toBeInstanceOf(Float32Array);
    expect(obs).toHaveLength(9);
    expect(infos.map((i) => i['seed'])).toEqual([10, 11, 12]);
    expect(vec.observationSpace.contains(obs)).toBe(true);
  });

  for (const mode of ['next-step', 'same-step', 'disabled'] as const) {
    it(`gives the same results as SyncVectorEnv over single envs ('${mode}')`, async () => {
      const n = 3;
      const kwargs = { max_steps: 4 };
      const vec = await vector('toy_envs:DriftEnv', n, { kwargs, autoresetMode: mode });
      const reference = new SyncVectorEnv<Obs, Obs>(
        (await singles('toy_envs:DriftEnv', n, { kwargs })).map((env) => () => env),
        { autoresetMode: mode },
      );
      const [obsA, infosA] = await vec.reset({ seed: 21 });
      const [obsB, infosB] = await reference.reset({ seed: 21 });
      expect(obsA).toEqual(obsB);
      expect(infosA).toEqual(infosB);
      let sawEnd = 0;
      for (let t = 0; t < 14; t++) {
        if (t === 2) {
          // A masked reset of env 1 shifts its episode, so the envs end at different steps.
          const [a, ia] = await vec.reset({ mask: [0, 1, 0], seed: [undefined, 99, undefined] });
          const [b, ib] = await reference.reset({ mask: [0, 1, 0], seed: [undefined, 99, undefined] });
          expect(a).toEqual(b);
          expect(ia).toEqual(ib);
        }
        const actions = actionsAt(t, n);
        const a: VectorStepResult<Obs> = await vec.step(actions);
        const b: VectorStepResult<Obs> = await reference.step(actions);
        expect(a[0]).toEqual(b[0]);
        expect(a[1]).toEqual(b[1]);
        expect(a[2]).toEqual(b[2]);
        expect(a[3]).toEqual(b[3]);
        expect(a[4]).toEqual(b[4]);
        const done = Array.from(a[3], (tr, i) => tr === 1 || a[2][i] === 1);
        sawEnd += done.filter(Boolean).length;
        if (mode === 'disabled' && done.some(Boolean)) {
          const [ra] = await vec.reset({ mask: done });
          const [rb] = await reference.reset({ mask: done });
          expect(ra).toEqual(rb);
        }
      }
      expect(sawEnd).toBeGreaterThanOrEqual(6);
    });
  }

  it('puts the final observation and info into same-step autoreset infos', async () => {
    const vec = await vector('toy_envs:DriftEnv', 2, { kwargs: { max_steps: 1 }, autoresetMode: 'same-step' });
    await vec.reset({ seed: 0 });
    const [obs, , , truncations, infos] = await vec.step(Float32Array.of(0.5, -0.5));
    expect(Array.from(truncations)).toEqual([1, 1]);
    for (let i = 0; i < 2; i++) {
      const final = infos[i]['finalObservation'] as Float32Array;
      expect(final).toBeInstanceOf(Float32Array);
      expect(final[2]).toBe(1); // t = 1 at the end of the episode
      expect(obs[3 * i + 2]).toBe(0); // the reset observation
      expect(infos[i]['finalInfo']).toMatchObject({ t: 1, action: [0.5, -0.5][i] });
      expect(infos[i]).toMatchObject({ seed: null, label: 'drift' });
    }
  });

  it('batches Discrete actions and Dict observations', async () => {
    const vec = await vector<{ goal: Float64Array; pos: number }, number>('toy_envs:ChainEnv', 4);
    const [obs] = await vec.reset({ seed: 3 });
    const batch = obs;
    expect(batch.goal).toBeInstanceOf(Float64Array);
    expect(batch.pos).toBeInstanceOf(Int32Array);
    expect(batch.pos).toHaveLength(4);
    const actions = Int32Array.from(batch.pos, (p, i) => Math.sign(batch.goal[i] - p));
    const [next] = await vec.step(actions);
    const after = next as unknown as { pos: Int32Array };
    expect(Array.from(after.pos)).toEqual(Array.from(batch.pos, (p, i) => Math.min(4, Math.max(0, p + actions[i]))));
  });

  it('checks its inputs as SyncVectorEnv does', async () => {
    const vec = await vector('toy_envs:DriftEnv', 2, { autoresetMode: 'disabled', kwargs: { max_steps: 1 } });
    await expect(vec.step(new Float32Array(2))).rejects.toThrow(/before reset\(\)/);
    await expect(vec.reset({ mask: [1, 0] })).rejects.toThrow(/sub-env 1 is masked out but has never been reset/);
    await expect(vec.reset({ seed: [1, 2, 3] })).rejects.toThrow(ConfigError);
    await vec.reset({ seed: 0 });
    await expect(vec.step(new Float32Array(3))).rejects.toThrow(ShapeError);
    await vec.step(new Float32Array(2));
    await expect(vec.step(new Float32Array(2))).rejects.toThrow(/sub-envs 0, 1 finished an episode and must be reset/);
    await vec.close();
    await expect(vec.reset()).rejects.toThrow(EnvError);
    await expect(vec.close()).resolves.toBeUndefined();
  });
});
