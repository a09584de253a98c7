import { jest } from '@jest/globals';
import { ConfigError, EnvError, NotFoundError, ShapeError } from '../../src/core/errors.js';
import { makeEnv } from '../../src/envs/registry.js';
import {
  episodeStreams,
  evaluatePolicy,
  toBatchedPolicy,
  type BatchedPolicy,
  type BatchedPolicyContext,
  type PolicyContext,
} from '../../src/eval/index.js';
import { AsyncToyEnv, ToyEnv } from './toy-envs.js';

const zero = () => Float32Array.of(0);
/** A deterministic policy that depends on the observation. */
const feedback = (obs: Float32Array) => Float32Array.of(Math.max(-1, Math.min(1, 0.3 - 0.4 * obs[1])));
/** A stochastic policy that draws only from its episode stream. */
const noisy = (obs: Float32Array, ctx: PolicyContext) =>
  Float32Array.of(Math.max(-1, Math.min(1, -0.4 * obs[1] + 0.3 * ctx.rng.normal())));

describe('evaluatePolicy statistics', () => {
  test('returns, lengths, means and population stds equal the hand-computed numbers', async () => {
    // Zero actions from x0 = 0: reward t at step t, so an episode of length L returns L(L+1)/2.
    const env = new ToyEnv({ lengths: [2, 3, 5] });
    const r = await evaluatePolicy(zero, env, { episodes: 3, seed: 0 });
    expect(r.returns).toEqual([3, 6, 15]);
    expect(r.lengths).toEqual([2, 3, 5]);
    expect(r.meanReturn).toBe(8);
    expect(r.stdReturn).toBeCloseTo(Math.sqrt((25 + 4 + 49) / 3), 12);
    expect(r.meanLength).toBeCloseTo(10 / 3, 12);
    expect(r.stdLength).toBeCloseTo(Math.sqrt((16 + 1 + 25) / 27), 12);
    expect(r.terminated).toEqual([true, true, true]);
    expect(r.successes).toBeNull();
    expect(r.successRate).toBeNull();
    expect(r.normalizedScore).toBeNull();
    expect(r.policyCalls).toBe(10);
    expect(r.numEnvs).toBe(1);
    expect(r.resetSeeds).toEqual(episodeStreams(0, 3).map((s) => s.resetSeed));
    expect(env.seeds).toEqual(r.resetSeeds);
    expect(env.closed).toBe(0);
  });

  test('an explicit reference gives the normalised score and its spread', async () => {
    const r = await evaluatePolicy(zero, new ToyEnv({ lengths: [2, 3, 5] }), {
      episodes: 3,
      seed: 0,
      referenceScore: { min: 0, max: 20 },
    });
    expect(r.referenceScore).toEqual({ min: 0, max: 20 });
    expect(r.normalizedScore).toBe(40); // 100 * (8 - 0) / 20
    expect(r.normalizedScoreStd).toBeCloseTo((100 * Math.sqrt(26)) / 20, 12);
    const shifted = await evaluatePolicy(zero, new ToyEnv({ lengths: [2, 3, 5] }), {
      episodes: 3,
      seed: 0,
      referenceScore: { min: 4, max: 12 },
    });
    expect(shifted.normalizedScore).toBe(50);
    expect(shifted.normalizedScoreStd).toBeCloseTo((100 * Math.sqrt(26)) / 8, 12);
  });

  test('a D4RL dataset id supplies the reference; an unknown id or a bad pair is an error', async () => {
    const r = await evaluatePolicy(zero, new ToyEnv({ lengths: [2] }), {
      episodes: 1,
      seed: 0,
      datasetId: 'hopper-medium-replay-v2',
    });
    expect(r.referenceScore).toEqual({ min: -20.272305, max: 3234.3 });
    expect(r.normalizedScore).toBeCloseTo((100 * (3 + 20.272305)) / (3234.3 + 20.272305), 10);
    await expect(
      evaluatePolicy(zero, new ToyEnv(), { episodes: 1, seed: 0, datasetId: 'pendulum-expert-v0' }),
    ).rejects.toThrow(NotFoundError);
    await expect(
      evaluatePolicy(zero, new ToyEnv(), { episodes: 1, seed: 0, referenceScore: { min: 5, max: 5 } }),
    ).rejects.toThrow(/max > min/);
    // The explicit pair wins over the dataset id.
    const both = await evaluatePolicy(zero, new ToyEnv({ lengths: [2] }), {
      episodes: 1,
      seed: 0,
      referenceScore: { min: 0, max: 3 },
      datasetId: 'hopper-medium-v2',
    });
    expect(both.normalizedScore).toBe(100);
  });

  test('Pendulum-v1 from the registry: 200-step truncated episodes, no reference, reproducible', async () => {
    const swing = (obs: Float32Array) => Float32Array.of(Math.max(-2, Math.min(2, -2 * obs[1] - 0.5 * obs[2])));
    const a = await evaluatePolicy(swing, 'Pendulum-v1', { episodes: 2, seed: 7 });
    const b = await evaluatePolicy(swing, () => makeEnv<Float32Array, Float32Array>('Pendulum-v1'), {
      episodes: 2,
      seed: 7,
    });
    const c = await evaluatePolicy(swing, 'Pendulum-v1', { episodes: 2, seed: 8 });
    expect(a.lengths).toEqual([200, 200]);
    expect(a.terminated).toEqual([false, false]);
    expect(a.normalizedScore).toBeNull();
    expect(a.returns).toEqual(b.returns);
    expect(a.returns).not.toEqual(c.returns);
    expect(a.returns[0]).toBeLessThan(0);
    // Episode 1 replayed by hand from its reset seed gives the same return.
    const env = makeEnv<Float32Array, Float32Array>('Pendulum-v1');
    let [obs] = await env.reset({ seed: a.resetSeeds[1] });
    let total = 0;
    for (let t = 0; t < 200; t++) {
      const [next, reward] = await env.step(swing(obs));
      total += Math.fround(reward);
      obs = next;
    }
    expect(a.returns[1]).toBe(total);
  });

  test('maxEpisodeSteps ends endless episodes as truncated', async () => {
    const r = await evaluatePolicy(zero, new ToyEnv({ lengths: [1000], ending: 'none' }), {
      episodes: 2,
      seed: 0,
      maxEpisodeSteps: 4,
    });
    expect(r.lengths).toEqual([4, 4]);
    expect(r.returns).toEqual([10, 10]);
    expect(r.terminated).toEqual([false, false]);
  });

  test('the deterministic flag reaches the policy (default true) with the episode and step', async () => {
    const seen: [number, number, boolean][] = [];
    const spy = (_obs: Float32Array, ctx: PolicyContext) => {
      seen.push([ctx.episode, ctx.step, ctx.deterministic]);
      return Float32Array.of(0);
    };
    await evaluatePolicy(spy, new ToyEnv({ lengths: [2] }), { episodes: 2, seed: 0 });
    await evaluatePolicy(spy, new ToyEnv({ lengths: [1] }), { episodes: 1, seed: 0, deterministic: false });
    expect(seen).toEqual([
      [0, 0, true],
      [0, 1, true],
      [1, 0, true],
      [1, 1, true],
      [0, 0, false],
    ]);
  });
});

describe('evaluatePolicy success rate', () => {
  // Episode by reset count, 4 steps each:
  //   0: success at step 2 only (any yes, final no)
  //   1: reports false every step (no)
  //   2: success at the last step (any yes, final yes)
  //   3: no success key at all (counts as a failure)
  const schedule = (episode: number, t: number): unknown => {
    if (episode === 0) return t === 2;
    if (episode === 1) return false;
    if (episode === 2) return t === 4 ? 1 : 0; // Meta-World style numbers
    return undefined;
  };

  test('success = any step reported success; the final-step rate is reported apart', async () => {
    const r = await evaluatePolicy(zero, new ToyEnv({ lengths: [4], success: schedule }), { episodes: 4, seed: 0 });
    expect(r.successes).toEqual([true, false, true, false]);
    expect(r.successRate).toBe(0.5);
    expect(r.finalSuccessRate).toBe(0.25);
  });

  test('vectorised evaluation counts success per episode too', async () => {
    // Success from the seed: episodes whose reset seed is even succeed at step 1.
    const seeds = episodeStreams(3, 6).map((s) => s.resetSeed);
    const factory = () => {
      const env = new ToyEnv({ lengthFromSeed: true });
      let seed = 0;
      return {
        observationSpace: env.observationSpace,
        actionSpace: env.actionSpace,
        reset: (o?: { seed?: number }) => {
          seed = o?.seed ?? -1;
          return env.reset(o);
        },
        step: (a: Float32Array) => {
          const [obs, reward, terminated, truncated] = env.step(a);
          return [obs, reward, terminated, truncated, { success: seed % 2 === 0 && obs[0] === 1 }] as const;
        },
        close: () => env.close(),
      };
    };
    const r = await evaluatePolicy(zero, factory as never, { episodes: 6, seed: 3, vectorized: true, numEnvs: 4 });
    expect(r.successes).toEqual(seeds.map((s) => s % 2 === 0));
    expect(r.successRate).toBe(seeds.filter((s) => s % 2 === 0).length / 6);
    expect(r.finalSuccessRate).toBe(0);
  });

  test('a success value that is neither boolean nor number is an EnvError', async () => {
    await expect(evaluatePolicy(zero, new ToyEnv({ success: () => 'yes' }), { episodes: 1, seed: 0 })).rejects.toThrow(
      EnvError,
    );
    await expect(evaluatePolicy(zero, new ToyEnv({ success: () => 'yes' }), { episodes: 1, seed: 0 })).rejects.toThrow(
      /info.success is string yes; expected a boolean or a number/,
    );
  });
});

describe('vectorised evaluation', () => {
  const toy = () => new ToyEnv({ lengthFromSeed: true, x0FromSeed: true });

  test('gives the same per-episode returns as sequential evaluation, for any numEnvs', async () => {
    const sequential = await evaluatePolicy(feedback, toy(), { episodes: 11, seed: 4 });
    expect(new Set(sequential.lengths).size).toBeGreaterThan(2); // episodes really finish at different times
    for (const numEnvs of [1, 3, 4, 16]) {
      const vectorized = await evaluatePolicy(feedback, toy, { episodes: 11, seed: 4, vectorized: true, numEnvs });
      expect(vectorized.returns).toEqual(sequential.returns);
      expect(vectorized.lengths).toEqual(sequential.lengths);
      expect(vectorized.resetSeeds).toEqual(sequential.resetSeeds);
      expect(vectorized.numEnvs).toBe(Math.min(numEnvs, 11));
    }
  });

  test('a stochastic policy drawing from its episode stream also matches across modes', async () => {
    const sequential = await evaluatePolicy(noisy, toy(), { episodes: 7, seed: 9, deterministic: false });
    const vectorized = await evaluatePolicy(noisy, toy, {
      episodes: 7,
      seed: 9,
      deterministic: false,
      vectorized: true,
      numEnvs: 3,
    });
    expect(vectorized.returns).toEqual(sequential.returns);
    const otherSeed = await evaluatePolicy(noisy, toy(), { episodes: 7, seed: 10, deterministic: false });
    expect(otherSeed.returns).not.toEqual(sequential.returns);
  });

  test('Pendulum-v1: vectorised equals sequential', async () => {
    const swing = (obs: Float32Array) => Float32Array.of(Math.max(-2, Math.min(2, -2 * obs[1] - 0.5 * obs[2])));
    const factory = () => makeEnv<Float32Array, Float32Array>('Pendulum-v1', { maxEpisodeSteps: 40 });
    const sequential = await evaluatePolicy(swing, factory, { episodes: 5, seed: 1 });
    const vectorized = await evaluatePolicy(swing, factory, { episodes: 5, seed: 1, vectorized: true, numEnvs: 2 });
    expect(vectorized.returns).toEqual(sequential.returns);
    expect(vectorized.lengths).toEqual([40, 40, 40, 40, 40]);
  });

  test('the batched policy is called exactly once per vector step, with idle rows marked', async () => {
    // Every episode lasts 5 steps: 6 episodes on 4 envs take 5 + 5 = 10 vector steps.
    const calls: { length: number; episodes: number[]; steps: number[]; call: number }[] = [];
    const batched: BatchedPolicy = (obs, ctx) => {
      calls.push({
        length: obs.length,
        episodes: Array.from(ctx.episodes),
        steps: Array.from(ctx.steps),
        call: ctx.call,
      });
      return new Float32Array(ctx.numEnvs);
    };
    const envs: ToyEnv[] = [];
    const factory = () => {
      const env = new ToyEnv({ lengths: [5] });
      envs.push(env);
      return env;
    };
    const r = await evaluatePolicy({ batched }, factory, { episodes: 6, seed: 0, vectorized: true, numEnvs: 4 });
    expect(calls).toHaveLength(10);
    expect(r.policyCalls).toBe(10);
    expect(calls.every((c) => c.length === 4 * 2)).toBe(true);
    expect(calls.map((c) => c.call)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(calls[0]).toMatchObject({ episodes: [0, 1, 2, 3], steps: [0, 0, 0, 0] });
    expect(calls[4]).toMatchObject({ episodes: [0, 1, 2, 3], steps: [4, 4, 4, 4] });
    expect(calls[5]).toMatchObject({ episodes: [4, 5, -1, -1], steps: [0, 0, 0, 0] });
    expect(calls[9]).toMatchObject({ episodes: [4, 5, -1, -1], steps: [4, 4, 0, 0] });
    expect(r.returns).toEqual([15, 15, 15, 15, 15, 15]);
    expect(envs).toHaveLength(4);
    expect(envs.map((e) => e.closed)).toEqual([1, 1, 1, 1]);
    // Env 0 ran episodes 0 and 4 with their seeds; env 2 ran episode 2, then idled unseeded.
    const seeds = episodeStreams(0, 6).map((s) => s.resetSeed);
    expect(envs[0].seeds).toEqual([seeds[0], seeds[4]]);
    expect(envs[2].seeds).toEqual([seeds[2], undefined]);
  });

  test('per-observation and batched forms of one policy agree, sequentially and vectorised', async () => {
    const batched: BatchedPolicy = (obs, ctx) => {
      const out = new Float32Array(ctx.numEnvs);
      for (let i = 0; i < ctx.numEnvs; i++) out[i] = feedback(obs.subarray(i * 2, i * 2 + 2))[0]!;
      return out;
    };
    const reference = await evaluatePolicy(feedback, toy(), { episodes: 6, seed: 2 });
    const sequentialBatched = await evaluatePolicy({ batched }, toy(), { episodes: 6, seed: 2 });
    const vectorizedBatched = await evaluatePolicy({ batched }, toy, {
      episodes: 6,
      seed: 2,
      vectorized: true,
      numEnvs: 4,
    });
    expect(sequentialBatched.returns).toEqual(reference.returns);
    expect(vectorizedBatched.returns).toEqual(reference.returns);
    expect(sequentialBatched.policyCalls).toBe(reference.policyCalls);
  });

  test('async envs and an async batched policy', async () => {
    const batched: BatchedPolicy = async (obs, ctx) => {
      await new Promise((r) => setImmediate(r));
      const out = new Float32Array(ctx.numEnvs);
      for (let i = 0; i < ctx.numEnvs; i++) out[i] = feedback(obs.subarray(i * 2, i * 2 + 2))[0]!;
      return out;
    };
    const options = { lengthFromSeed: true, x0FromSeed: true } as const;
    const asyncRun = await evaluatePolicy({ batched }, () => new AsyncToyEnv(options), {
      episodes: 5,
      seed: 6,
      vectorized: true,
      numEnvs: 2,
    });
    const syncRun = await evaluatePolicy(feedback, new ToyEnv(options), { episodes: 5, seed: 6 });
    expect(asyncRun.returns).toEqual(syncRun.returns);
  });

  test('errors: an env instance, a wrong-sized batch, bad options', async () => {
    await expect(evaluatePolicy(zero, new ToyEnv(), { episodes: 2, seed: 0, vectorized: true })).rejects.toThrow(
      /needs a factory \(\) => env or an env id/,
    );
    const short: BatchedPolicy = () => new Float32Array(1);
    await expect(
      evaluatePolicy({ batched: short }, toy, { episodes: 4, seed: 0, vectorized: true, numEnvs: 2 }),
    ).rejects.toThrow(ShapeError);
    await expect(
      evaluatePolicy({ batched: short }, toy, { episodes: 4, seed: 0, vectorized: true, numEnvs: 2 }),
    ).rejects.toThrow(/returned 1 values; expected 2 \(2 rows x 1 action values/);
    await expect(evaluatePolicy(zero, toy, { episodes: 0, seed: 0 })).rejects.toThrow(ConfigError);
    await expect(evaluatePolicy(zero, toy, { episodes: 2, seed: 1.5 })).rejects.toThrow(
      /seed must be a non-negative integer/,
    );
    await expect(evaluatePolicy({} as never, toy, { episodes: 2, seed: 0 })).rejects.toThrow(
      /policy must be an agent .* a function \(observation, context\) => action/,
    );
  });

  test('progress reports each finished episode when asked; off by default', async () => {
    const lines: string[] = [];
    const stream = { write: (s: string) => lines.push(s), isTTY: false };
    await evaluatePolicy(zero, new ToyEnv(), { episodes: 3, seed: 0, progress: { mode: 'lines', stream } });
    expect(lines.map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual([
      'evaluate 1/3',
      'evaluate 2/3',
      'evaluate 3/3',
    ]);
    expect(lines[2]).toMatch(/meanReturn=6\.000$/m);
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await evaluatePolicy(zero, new ToyEnv(), { episodes: 3, seed: 0 });
      expect(write).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
  });
});

describe('toBatchedPolicy', () => {
  test('calls the policy per active row with that row’s context; idle rows stay zero', async () => {
    const seen: [number[], number, number][] = [];
    const policy = (obs: Float32Array, ctx: PolicyContext) => {
      seen.push([Array.from(obs), ctx.episode, ctx.step]);
      return Float32Array.of(obs[0] * 10, ctx.episode);
    };
    const [s0, s1] = episodeStreams(0, 2);
    const context: BatchedPolicyContext = {
      numEnvs: 3,
      observationDim: 2,
      rng: s0.rng,
      rngs: [s0.rng, null, s1.rng],
      episodes: Int32Array.of(0, -1, 1),
      steps: Int32Array.of(3, 0, 7),
      call: 0,
      deterministic: true,
    };
    const out = await toBatchedPolicy(policy)(Float32Array.of(1, 2, 3, 4, 5, 6), context);
    expect(Array.from(out)).toEqual([10, 0, 0, 0, 50, 1]);
    expect(seen).toEqual([
      [[1, 2], 0, 3],
      [[5, 6], 1, 7],
    ]);
    const wrong = toBatchedPolicy((_o: Float32Array, ctx: PolicyContext) => new Float32Array(ctx.episode + 1));
    expect(() => wrong(Float32Array.of(1, 2, 3, 4, 5, 6), context)).toThrow(
      /action of 2 values for row 2, after 1 before/,
    );
  });
});
