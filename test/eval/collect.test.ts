import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplayBuffer } from '../../src/buffers/replay-buffer.js';
import { ConfigError, ShapeError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { loadD4rl } from '../../src/datasets/index.js';
import { makeEnv } from '../../src/envs/registry.js';
import { collectDataset, episodeStreams, type PolicyContext } from '../../src/eval/index.js';
import { AsyncToyEnv, ToyEnv } from './toy-envs.js';

const half = () => Float32Array.of(0.5);
const f = Math.fround;

/** Rows of a [t, x] observation column. */
function rows(values: Float32Array, dim: number): number[][] {
  return Array.from({ length: values.length / dim }, (_, i) => Array.from(values.subarray(i * dim, (i + 1) * dim)));
}

// With action 0.5 from x0 = 0: x = 0.5, 0.75, 0.875 and r_t = t - 0.1 x^2.
const X = [0, 0.5, 0.75, 0.875];
const R = [1 - 0.1 * 0.25, 2 - 0.1 * 0.5625, 3 - 0.1 * 0.765625];

describe('collectDataset bookkeeping', () => {
  test('terminals, real next observations and a cut last episode, value by value', async () => {
    const env = new ToyEnv({ lengths: [3], ending: 'terminated' });
    const { buffer, summary } = await collectDataset(env, half, { steps: 7, seed: 0, progress: 'off' });
    const c = buffer.toArrays();
    expect(c.size).toBe(7);
    expect(rows(c.observations, 2)).toEqual([
      [0, X[0]],
      [1, X[1]],
      [2, X[2]],
      [0, X[0]],
      [1, X[1]],
      [2, X[2]],
      [0, X[0]],
    ]);
    // The terminal row's next observation is the real last one ([3, 0.875]), not the reset [0, 0].
    expect(rows(c.nextObservations, 2)).toEqual([
      [1, X[1]],
      [2, X[2]],
      [3, X[3]],
      [1, X[1]],
      [2, X[2]],
      [3, X[3]],
      [1, X[1]],
    ]);
    expect(Array.from(c.actions)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(Array.from(c.rewards)).toEqual([R[0], R[1], R[2], R[0], R[1], R[2], R[0]].map(f));
    expect(Array.from(c.terminals)).toEqual([0, 0, 1, 0, 0, 1, 0]);
    expect(Array.from(c.timeouts)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    // The cut step ends its episode explicitly: neither terminal nor timeout.
    expect(Array.from(c.episodeEnds)).toEqual([0, 0, 1, 0, 0, 1, 1]);
    const episodes = [...buffer.episodes()];
    expect(episodes.map((e) => [e.start, e.length, e.terminated, e.truncated])).toEqual([
      [0, 3, true, false],
      [3, 3, true, false],
      [6, 1, false, true],
    ]);
    expect(summary).toEqual({
      transitions: 7,
      episodes: 3,
      completedEpisodes: 2,
      returns: [f(R[0]) + f(R[1]) + f(R[2]), f(R[0]) + f(R[1]) + f(R[2]), f(R[0])],
      lengths: [3, 3, 1],
      endings: ['terminated', 'terminated', 'cut'],
      resetSeeds: episodeStreams(0, 3).map((s) => s.resetSeed),
    });
    expect(env.seeds).toEqual(summary.resetSeeds);
    expect(env.closed).toBe(0); // an instance belongs to the caller
  });

  test('truncations become timeouts; a budget that ends on an episode boundary starts no new episode', async () => {
    const env = new ToyEnv({ lengths: [2], ending: 'truncated' });
    const { buffer, summary } = await collectDataset(env, half, { steps: 4, seed: 3, progress: 'off' });
    const c = buffer.toArrays();
    expect(Array.from(c.terminals)).toEqual([0, 0, 0, 0]);
    expect(Array.from(c.timeouts)).toEqual([0, 1, 0, 1]);
    expect(Array.from(c.episodeEnds)).toEqual([0, 1, 0, 1]);
    expect(rows(c.nextObservations, 2)[1]).toEqual([2, X[2]]);
    expect(summary.endings).toEqual(['truncated', 'truncated']);
    expect(env.seeds).toHaveLength(2);
  });

  test('a step both terminated and truncated is stored as a terminal only', async () => {
    const { buffer, summary } = await collectDataset(new ToyEnv({ lengths: [2], ending: 'both' }), half, {
      episodes: 2,
      seed: 0,
      progress: 'off',
    });
    const c = buffer.toArrays();
    expect(Array.from(c.terminals)).toEqual([0, 1, 0, 1]);
    expect(Array.from(c.timeouts)).toEqual([0, 0, 0, 0]);
    expect(summary.endings).toEqual(['terminated', 'terminated']);
  });

  test('maxEpisodeSteps cuts an endless episode as a timeout', async () => {
    const { buffer, summary } = await collectDataset(new ToyEnv({ lengths: [1000], ending: 'none' }), half, {
      steps: 5,
      maxEpisodeSteps: 2,
      seed: 0,
      progress: 'off',
    });
    const c = buffer.toArrays();
    expect(Array.from(c.timeouts)).toEqual([0, 1, 0, 1, 0]);
    expect(Array.from(c.episodeEnds)).toEqual([0, 1, 0, 1, 1]);
    expect(summary.endings).toEqual(['truncated', 'truncated', 'cut']);
  });

  test('an env that mutates one observation array in place cannot corrupt the rows', async () => {
    const reused = await collectDataset(new ToyEnv({ lengths: [3], reuseObservation: true }), half, {
      steps: 7,
      seed: 0,
      progress: 'off',
    });
    const fresh = await collectDataset(new ToyEnv({ lengths: [3] }), half, { steps: 7, seed: 0, progress: 'off' });
    expect(reused.buffer.toArrays()).toEqual(fresh.buffer.toArrays());
    expect(rows(reused.buffer.toArrays().observations, 2)[1]).toEqual([1, X[1]]);
  });

  test('episodes alone collects exactly that many whole episodes', async () => {
    const { buffer, summary } = await collectDataset(new ToyEnv({ lengths: [2, 4] }), half, {
      episodes: 3,
      seed: 0,
      progress: 'off',
    });
    expect(summary.lengths).toEqual([2, 4, 2]);
    expect(summary.completedEpisodes).toBe(3);
    expect(buffer.size).toBe(8);
    expect(buffer.numEpisodes).toBe(3);
  });

  test('steps and episodes together stop at whichever comes first', async () => {
    const byEpisodes = await collectDataset(new ToyEnv({ lengths: [3] }), half, {
      steps: 100,
      episodes: 2,
      seed: 0,
      progress: 'off',
    });
    expect(byEpisodes.summary.transitions).toBe(6);
    const bySteps = await collectDataset(new ToyEnv({ lengths: [3] }), half, {
      steps: 4,
      episodes: 5,
      seed: 0,
      progress: 'off',
    });
    expect(bySteps.summary.endings).toEqual(['terminated', 'cut']);
  });

  test('the policy context carries the step, the episode and that episode’s own stream', async () => {
    const seen: [number, number, boolean, number][] = [];
    const policy = (_obs: Float32Array, ctx: PolicyContext) => {
      seen.push([ctx.episode, ctx.step, ctx.deterministic, ctx.rng.float()]);
      return Float32Array.of(0);
    };
    await collectDataset(new ToyEnv({ lengths: [2] }), policy, { steps: 5, seed: 11, progress: 'off' });
    const reference = episodeStreams(11, 3).map((s) => [s.rng.float(), s.rng.float()]);
    expect(seen).toEqual([
      [0, 0, false, reference[0][0]],
      [0, 1, false, reference[0][1]],
      [1, 0, false, reference[1][0]],
      [1, 1, false, reference[1][1]],
      [2, 0, false, reference[2][0]],
    ]);
  });
});

describe('collectDataset seeding and envs', () => {
  const randomTorque = (_obs: Float32Array, { rng }: PolicyContext) => Float32Array.of(rng.uniform(-2, 2));

  test('Pendulum-v1: the same seed gives the same dataset; the 200-step limit gives timeouts', async () => {
    const a = await collectDataset('Pendulum-v1', randomTorque, { steps: 450, seed: 5, progress: 'off' });
    const b = await collectDataset(() => makeEnv<Float32Array, Float32Array>('Pendulum-v1'), randomTorque, {
      steps: 450,
      seed: 5,
      progress: 'off',
    });
    const c = await collectDataset('Pendulum-v1', randomTorque, { steps: 450, seed: 6, progress: 'off' });
    const ca = a.buffer.toArrays();
    expect(ca).toEqual(b.buffer.toArrays());
    expect(a.summary).toEqual(b.summary);
    expect(Array.from(ca.observations.subarray(0, 3))).not.toEqual(
      Array.from(c.buffer.toArrays().observations.subarray(0, 3)),
    );
    expect(a.summary.lengths).toEqual([200, 200, 50]);
    expect(a.summary.endings).toEqual(['truncated', 'truncated', 'cut']);
    const timeouts = [...ca.timeouts.keys()].filter((i) => ca.timeouts[i] === 1);
    const ends = [...ca.episodeEnds.keys()].filter((i) => ca.episodeEnds[i] === 1);
    expect(timeouts).toEqual([199, 399]);
    expect(ends).toEqual([199, 399, 449]);
    expect(ca.terminals.every((v) => v === 0)).toBe(true);
    // Row 200 starts episode 1: its observation is the reset observation, not row 199's next one.
    expect(Array.from(ca.observations.subarray(200 * 3, 201 * 3))).not.toEqual(
      Array.from(ca.nextObservations.subarray(199 * 3, 200 * 3)),
    );
    // Within an episode, s_{t+1} of row t is s of row t + 1.
    expect(Array.from(ca.nextObservations.subarray(10 * 3, 11 * 3))).toEqual(
      Array.from(ca.observations.subarray(11 * 3, 12 * 3)),
    );
    // Episode 1 replayed by hand from its reset seed matches the stored rows.
    const env = makeEnv<Float32Array, Float32Array>('Pendulum-v1');
    const [obs] = await env.reset({ seed: a.summary.resetSeeds[1] });
    expect(Array.from(ca.observations.subarray(200 * 3, 201 * 3))).toEqual(Array.from(obs));
  });

  test('async env and async policy give the same dataset as their synchronous twins', async () => {
    const asyncPolicy = async (obs: Float32Array, ctx: PolicyContext) => {
      await new Promise((r) => setImmediate(r));
      return Float32Array.of(0.1 * obs[0] - 0.5 + 0.1 * ctx.rng.normal());
    };
    const syncPolicy = (obs: Float32Array, ctx: PolicyContext) =>
      Float32Array.of(0.1 * obs[0] - 0.5 + 0.1 * ctx.rng.normal());
    const options = { lengthFromSeed: true, x0FromSeed: true } as const;
    const asyncEnv = new AsyncToyEnv(options);
    const a = await collectDataset(asyncEnv, asyncPolicy, { steps: 23, seed: 2, progress: 'off' });
    const s = await collectDataset(new ToyEnv(options), syncPolicy, { steps: 23, seed: 2, progress: 'off' });
    expect(a.buffer.toArrays()).toEqual(s.buffer.toArrays());
    expect(a.summary).toEqual(s.summary);
    expect(new Set(a.summary.lengths.slice(0, -1)).size).toBeGreaterThan(1); // seeds really vary the lengths
  });

  test('appends to a given buffer, ending its open episode first, with the task index', async () => {
    const buffer = new ReplayBuffer({ observationDim: 2, actionDim: 1 });
    buffer.add({ observation: [9, 9], action: [0], reward: 0, nextObservation: [9, 9], terminal: false, taskIndex: 4 });
    const { buffer: out } = await collectDataset(new ToyEnv({ lengths: [2] }), half, {
      episodes: 2,
      seed: 0,
      buffer,
      taskIndex: 4,
      progress: 'off',
    });
    expect(out).toBe(buffer);
    expect(buffer.size).toBe(5);
    const episodes = [...buffer.episodes()];
    expect(episodes.map((e) => [e.start, e.length, e.terminated, e.truncated, e.taskIndex])).toEqual([
      [0, 1, false, true, 4],
      [1, 2, true, false, 4],
      [3, 2, true, false, 4],
    ]);
  });

  test('d4rlPath writes a D4RL file that loads back into the same buffer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmdpd-collect-'));
    try {
      const path = join(dir, 'toy.hdf5');
      const result = await collectDataset(new ToyEnv({ lengths: [3] }), half, {
        steps: 7,
        seed: 0,
        d4rlPath: path,
        d4rlOptions: { datasetId: 'toy-v0' },
        progress: 'off',
      });
      expect(result.d4rlPath).toBe(path);
      const loaded = await loadD4rl(path, { timeouts: 'keep' });
      expect(loaded.buffer.toArrays()).toEqual(result.buffer.toArrays());
      // D4RL's own readers see the cut as a time-out: the file's timeouts column marks it.
      expect(Array.from(loaded.buffer.toArrays().episodeEnds)).toEqual([0, 0, 1, 0, 0, 1, 1]);
      const plain = await collectDataset(new ToyEnv(), half, { steps: 2, seed: 0, progress: 'off' });
      expect(plain.d4rlPath).toBeNull();
      await expect(
        collectDataset(new ToyEnv(), half, {
          steps: 2,
          seed: 0,
          d4rlPath: path,
          d4rlOptions: { overwrite: false },
          progress: 'off',
        }),
      ).rejects.toThrow(/exists and overwrite is false/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a factory-made env is closed, also when the policy throws', async () => {
    const made: ToyEnv[] = [];
    const factory = () => {
      const env = new ToyEnv();
      made.push(env);
      return env;
    };
    await collectDataset(factory, half, { steps: 2, seed: 0, progress: 'off' });
    const failing = () => {
      throw new Error('policy failed');
    };
    await expect(collectDataset(factory, failing, { steps: 2, seed: 0, progress: 'off' })).rejects.toThrow(
      'policy failed',
    );
    expect(made.map((e) => e.closed)).toEqual([1, 1]);
  });

  test('progress in line mode prints a bounded number of lines ending at the total', async () => {
    const lines: string[] = [];
    const stream = { write: (s: string) => lines.push(s), isTTY: false };
    await collectDataset(new ToyEnv({ lengths: [7] }), half, {
      steps: 100,
      seed: 0,
      progress: { mode: 'lines', stream, label: 'toy' },
    });
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(lines.length).toBeLessThanOrEqual(21);
    expect(lines[lines.length - 1]).toMatch(/^toy 100\/100 \(100%\)/);
    const silent: string[] = [];
    await collectDataset(new ToyEnv(), half, {
      steps: 10,
      seed: 0,
      progress: { mode: 'off', stream: { write: (s: string) => silent.push(s) } },
    });
    expect(silent).toEqual([]);
  });

  test('bad options and bad policies fail with typed errors that say what to do', async () => {
    const env = new ToyEnv();
    await expect(collectDataset(env, half, { seed: 0 })).rejects.toThrow(ConfigError);
    await expect(collectDataset(env, half, { seed: 0 })).rejects.toThrow(
      /give steps \(transitions\), episodes, or both/,
    );
    await expect(collectDataset(env, half, { steps: 0, seed: 0 })).rejects.toThrow(
      /steps must be a positive integer, got 0/,
    );
    await expect(collectDataset(env, half, { steps: 5, seed: -1 })).rejects.toThrow(
      /seed must be a non-negative integer, got -1/,
    );
    await expect(
      collectDataset(env, half, { steps: 5, seed: 0, buffer: new ReplayBuffer({ observationDim: 3, actionDim: 1 }) }),
    ).rejects.toThrow(/buffer holds observations of 3 and actions of 1 values, but the env's are 2 and 1/);
    await expect(
      collectDataset(env, () => Float32Array.of(0, 0), { steps: 5, seed: 0, progress: 'off' }),
    ).rejects.toThrow(ShapeError);
    await expect(
      collectDataset(env, () => Float32Array.of(0, 0), { steps: 5, seed: 0, progress: 'off' }),
    ).rejects.toThrow(/action at step 0 of episode 0 has 2 values; the space needs 1/);
    await expect(collectDataset('Pendulum-v0', half, { steps: 5, seed: 0 })).rejects.toThrow(/Pendulum-v1/);
    await expect(collectDataset(42 as never, half, { steps: 5, seed: 0 })).rejects.toThrow(
      /expected an env, a factory/,
    );
  });
});

// The derivation that both collectDataset and evaluatePolicy rely on.
test('episodeStreams are reproducible and distinct per episode', () => {
  const [a, b] = episodeStreams(1, 2);
  const [a2] = episodeStreams(1, 1);
  expect(a.resetSeed).toBe(a2.resetSeed);
  expect(a.resetSeed).not.toBe(b.resetSeed);
  expect(a.rng).toBeInstanceOf(Rng);
  expect(a.rng.float()).toBe(a2.rng.float());
});
