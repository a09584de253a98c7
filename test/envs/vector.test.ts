import { ConfigError, EnvError, ShapeError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { type Box } from '../../src/core/spaces.js';
import { PendulumEnv } from '../../src/envs/classic/pendulum.js';
import { SyncVectorEnv, type VectorResetResult, type VectorStepResult } from '../../src/envs/vector.js';
import { AsyncEnv, ChainEnv, CounterEnv } from './helpers/toy-envs.js';

type Obs = Float32Array;
const step = (vec: SyncVectorEnv<Obs, Obs>, actions: ArrayLike<number>) => vec.step(actions) as VectorStepResult<Obs>;

/** Three counters; env i terminates at step i + 2 (2, 3, 4). */
function counters(mode?: 'next-step' | 'same-step' | 'disabled') {
  const envs = [0, 1, 2].map((i) => new CounterEnv({ terminateAt: i + 2 }));
  const vec = new SyncVectorEnv<Obs, Obs>(
    envs.map((e) => () => e),
    mode === undefined ? {} : { autoresetMode: mode },
  );
  return { envs, vec };
}

describe('SyncVectorEnv', () => {
  it('batches spaces as [N, ...shape] and seeds env i with seed + i', () => {
    const { envs, vec } = counters();
    expect(vec.numEnvs).toBe(3);
    expect((vec.observationSpace as Box).shape).toEqual([3, 2]);
    expect((vec.actionSpace as Box).shape).toEqual([3, 1]);
    expect(vec.singleObservationSpace).toBe(envs[0].observationSpace);
    expect(vec.metadata).toEqual({ autoresetMode: 'next-step' });
    const [obs, infos] = vec.reset({ seed: 10 }) as VectorResetResult<Obs>;
    expect(obs).toBeInstanceOf(Float32Array);
    expect(obs).toHaveLength(6);
    const expected = [10, 11, 12].map((seed) => new CounterEnv().reset({ seed })[0]);
    for (let i = 0; i < 3; i++) expect(Array.from(obs.subarray(2 * i, 2 * i + 2))).toEqual(Array.from(expected[i]));
    expect(infos).toEqual([{ resets: 1 }, { resets: 1 }, { resets: 1 }]);
    expect(vec.observationSpace.contains(obs)).toBe(true);
  });

  it('accepts a seed per env and keeps streams for undefined entries', () => {
    const { vec } = counters();
    const [a] = vec.reset({ seed: [4, 4, 7] }) as VectorResetResult<Obs>;
    expect(a[1]).toBe(a[3]);
    expect(a[5]).toBe(new CounterEnv().reset({ seed: 7 })[0][1]);
    expect(() => vec.reset({ seed: [1, 2] })).toThrow(/seed list has 2 entries for 3 envs/);
  });

  it('hands each env its own row of a row-major action batch', () => {
    const { envs, vec } = counters();
    void vec.reset({ seed: 0 });
    const actions = Float32Array.of(0.1, 0.2, 0.3);
    const [, rewards] = step(vec, actions);
    expect(envs.map((e) => e.actions[0][0])).toEqual([0.1, 0.2, 0.3].map(Math.fround));
    expect(rewards).toEqual(Float32Array.of(1.1, 1.2, 1.3));
    actions[0] = 9; // the envs got copies
    expect(envs[0].actions[0][0]).toBe(Math.fround(0.1));
    step(vec, [0, 0, 0]); // plain arrays work too
    expect(() => vec.step(new Float32Array(2))).toThrow(ShapeError);
    expect(() => vec.step(new Float32Array(2))).toThrow(/3 envs x 1 values, row-major\) must have 3 elements, got 2/);
  });

  it("'next-step': the step after an episode ends resets that env with reward 0 and flags 0", () => {
    const { envs, vec } = counters('next-step');
    void vec.reset({ seed: 0 });
    const a = new Float32Array(3);
    const s1 = step(vec, a);
    expect(Array.from(s1[2])).toEqual([0, 0, 0]);
    const s2 = step(vec, a); // env 0 terminates (t = 2)
    expect(Array.from(s2[2])).toEqual([1, 0, 0]);
    expect(s2[0][0]).toBe(2); // the real last observation
    expect(s2[1][0]).toBe(2);
    expect(s2[4][0]).toEqual({ t: 2 });
    const s3 = step(vec, Float32Array.of(0.5, 0, 0)); // env 0 resets, env 1 terminates
    expect(s3[0][0]).toBe(0); // reset observation t = 0
    expect(s3[1][0]).toBe(0);
    expect([s3[2][0], s3[3][0]]).toEqual([0, 0]);
    expect(s3[4][0]).toEqual({ resets: 2 });
    expect(envs[0].actions).toHaveLength(2); // its action was ignored
    expect(Array.from(s3[2])).toEqual([0, 1, 0]);
    const s4 = step(vec, a); // env 0 steps again, env 1 resets, env 2 terminates
    expect(Array.from(s4[0])).toEqual([1, envs[0].offset, 0, envs[1].offset, 4, envs[2].offset]);
    expect(Array.from(s4[1])).toEqual([1, 0, 4]);
    expect(Array.from(s4[2])).toEqual([0, 0, 1]);
  });

  it("'same-step': resets within the ending step and puts the last observation and info in infos", () => {
    const { envs, vec } = counters('same-step');
    void vec.reset({ seed: 0 });
    const a = new Float32Array(3);
    step(vec, a);
    const offset0 = envs[0].offset; // the reset inside the next step draws a new one
    const [obs, rewards, terms, truncs, infos] = step(vec, a);
    expect(Array.from(terms)).toEqual([1, 0, 0]);
    expect(Array.from(truncs)).toEqual([0, 0, 0]);
    expect(rewards[0]).toBe(2); // the last step's reward
    expect([obs[0], obs[1]]).toEqual([0, envs[0].offset]); // already the reset observation
    expect(envs[0].offset).not.toBe(offset0);
    expect(infos[0]).toEqual({ resets: 2, finalObservation: Float32Array.of(2, offset0), finalInfo: { t: 2 } });
    expect(infos[1]).toEqual({ t: 2 });
    const [obs3, , terms3] = step(vec, a);
    expect(obs3[0]).toBe(1); // env 0 continues its new episode
    expect(Array.from(terms3)).toEqual([0, 1, 0]);
    expect(envs[0].actions).toHaveLength(3);
  });

  it("'disabled': stepping a finished env throws until it is reset with a mask", () => {
    const { envs, vec } = counters('disabled');
    void vec.reset({ seed: 0 });
    const a = new Float32Array(3);
    step(vec, a);
    const [, , terms] = step(vec, a);
    expect(Array.from(terms)).toEqual([1, 0, 0]);
    expect(() => vec.step(a)).toThrow(EnvError);
    expect(() => vec.step(a)).toThrow(
      /sub-env 0 finished an episode and must be reset before stepping; call vec.reset\(\{ mask \}\)/,
    );
    expect(envs[1].actions).toHaveLength(2); // nothing was stepped by the failed call
    const [obs, infos] = vec.reset({ mask: [true, false, false], seed: 100 }) as VectorResetResult<Obs>;
    expect(Array.from(obs)).toEqual([
      0,
      new CounterEnv().reset({ seed: 100 })[0][1],
      2,
      envs[1].offset,
      2,
      envs[2].offset,
    ]);
    expect(infos).toEqual([{ resets: 2 }, {}, {}]);
    const [obs2, , terms2] = step(vec, a);
    expect(Array.from(terms2)).toEqual([0, 1, 0]);
    expect(obs2[0]).toBe(1);
  });

  it('matches individually stepped pendulums', () => {
    const n = 4;
    const vec = new SyncVectorEnv<Obs, Obs>(Array.from({ length: n }, () => () => new PendulumEnv()));
    const singles = Array.from({ length: n }, () => new PendulumEnv());
    const [obs] = vec.reset({ seed: 3 }) as VectorResetResult<Obs>;
    singles.forEach((e, i) =>
      expect(Array.from(obs.subarray(3 * i, 3 * i + 3))).toEqual(Array.from(e.reset({ seed: 3 + i })[0])),
    );
    const rng = new Rng(0);
    for (let t = 0; t < 20; t++) {
      const actions = vec.actionSpace.sample(rng) as Float32Array;
      const [o, r] = step(vec, actions);
      singles.forEach((e, i) => {
        const [so, sr] = e.step(actions.slice(i, i + 1));
        expect(Array.from(o.subarray(3 * i, 3 * i + 3))).toEqual(Array.from(so));
        expect(r[i]).toBe(Math.fround(sr));
      });
    }
  });

  it('is synchronous over sync envs and returns promises when any env is async', async () => {
    const { vec } = counters();
    expect(vec.reset()).not.toBeInstanceOf(Promise);
    const mixed = new SyncVectorEnv<Obs, Obs>([
      () => new CounterEnv({ terminateAt: 1 }),
      () => new AsyncEnv(new CounterEnv({ terminateAt: 1 })),
    ]);
    const reset = mixed.reset({ seed: 0 });
    expect(reset).toBeInstanceOf(Promise);
    await reset;
    const [, rewards, terms] = await mixed.step(Float32Array.of(0.5, 0.25));
    expect(Array.from(rewards)).toEqual([1.5, 1.25]);
    expect(Array.from(terms)).toEqual([1, 1]);
    const [obs, rewards2, terms2, , infos] = await mixed.step(Float32Array.of(0, 0));
    expect(Array.from(rewards2)).toEqual([0, 0]);
    expect(Array.from(terms2)).toEqual([0, 0]);
    expect([obs[0], obs[2]]).toEqual([0, 0]);
    expect(infos).toEqual([{ resets: 2 }, { resets: 2 }]);
    await mixed.close();
  });

  it('batches Discrete observations and actions as Int32Array', () => {
    const vec = new SyncVectorEnv<number, number>([() => new ChainEnv(), () => new ChainEnv()]);
    const [obs] = vec.reset() as VectorResetResult<number>;
    expect(obs).toEqual(Int32Array.of(0, 0));
    const [next, rewards] = vec.step([1, 0]) as VectorStepResult<number>;
    expect(next).toEqual(Int32Array.of(1, 0));
    expect(rewards).toEqual(new Float32Array(2));
  });

  it('closes every env once and rejects use after close or before reset', () => {
    const { envs, vec } = counters();
    expect(() => vec.step(new Float32Array(3))).toThrow(/before reset\(\)/);
    void vec.close();
    void vec.close();
    expect(envs.map((e) => e.closed)).toEqual([1, 1, 1]);
    expect(() => vec.reset()).toThrow(/after close\(\)/);
  });

  it('validates construction and reset arguments', () => {
    expect(() => new SyncVectorEnv([])).toThrow(ConfigError);
    expect(() => new SyncVectorEnv([new CounterEnv() as never])).toThrow(/pass \(\) => env, not the env itself/);
    expect(() => new SyncVectorEnv([() => new CounterEnv(), () => new PendulumEnv()])).toThrow(
      /different spaces from sub-env 0/,
    );
    expect(() => new SyncVectorEnv([() => new CounterEnv()], { autoresetMode: 'sometimes' as never })).toThrow(
      /autoresetMode must be/,
    );
    const { vec } = counters();
    expect(() => vec.reset({ mask: [true] })).toThrow(/mask has 1 entries for 3 envs/);
    expect(() => vec.reset({ mask: [true, false, false] })).toThrow(/sub-env 1 is masked out but has never been reset/);
    expect(() => vec.reset({ seed: -1 })).toThrow(ConfigError);
  });
});
