import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, RlError, ShapeError } from '../../../src/core/errors.js';
import { Rng } from '../../../src/core/rng.js';
import type { Trajectory } from '../../../src/core/types.js';
import {
  mergePromptBatches,
  TRAJECTORY_ENCODER_DEFAULTS,
  TrajectoryEncoder,
  type TrajectoryEncoderOptions,
  type TrajectoryPrompt,
} from '../../../src/encoders/trajectory/index.js';
import { initEngine } from '../../../src/engine/index.js';
import { Adam, gradientsOf } from '../../../src/nets/adam.js';
import { expectClose, expectNoLeakedTensors } from '../../support/tensors.js';
import { referenceEncode } from './reference.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

const S = 3;
const A = 2;

function trajectory(rng: Rng, steps: number, s = S, a = A): Trajectory {
  return {
    length: steps,
    observationDim: s,
    actionDim: a,
    observations: rng.fillNormal(new Float32Array(steps * s)),
    actions: rng.fillUniform(new Float32Array(steps * a), -1, 1),
    rewards: new Float32Array(steps),
  };
}

/** The same steps, front zero-padded to `length` with a mask (as ReplayBuffer.lastSteps builds it). */
function frontPadded(t: Trajectory, length: number): TrajectoryPrompt {
  const pad = length - t.length;
  const observations = new Float32Array(length * t.observationDim);
  const actions = new Float32Array(length * t.actionDim);
  observations.set(t.observations, pad * t.observationDim);
  actions.set(t.actions, pad * t.actionDim);
  const mask = new Uint8Array(length).fill(1, pad);
  return { ...t, length, observations, actions, rewards: new Float32Array(length), mask };
}

/** The steps of `t` in the order given by `order`. */
function reordered(t: Trajectory, order: readonly number[]): Trajectory {
  const observations = new Float32Array(t.observations.length);
  const actions = new Float32Array(t.actions.length);
  order.forEach((from, to) => {
    observations.set(
      t.observations.subarray(from * t.observationDim, (from + 1) * t.observationDim),
      to * t.observationDim,
    );
    actions.set(t.actions.subarray(from * t.actionDim, (from + 1) * t.actionDim), to * t.actionDim);
  });
  return { ...t, observations, actions };
}

const tiny = (rng: Rng, extra: Partial<TrajectoryEncoderOptions> = {}): TrajectoryEncoder =>
  new TrajectoryEncoder({
    observationDim: S,
    actionDim: A,
    width: 8,
    heads: 2,
    layers: 2,
    feedForwardDim: 16,
    headHiddenDims: [6],
    outputDim: 3,
    maxPromptLength: 6,
    dropout: 0,
    rng,
    ...extra,
  });

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('TrajectoryEncoder shapes and configuration', () => {
  test('encode gives [P, outputDim] and embed one vector per prompt; defaults are the sizes of docs/encoders.md', () => {
    const rng = new Rng(1);
    const enc = new TrajectoryEncoder({ observationDim: 11, actionDim: 3, rng });
    expect(enc.config).toMatchObject({
      width: 128,
      layers: 3,
      heads: 1,
      feedForwardDim: 512,
      headHiddenDims: [128],
      outputDim: 64,
      maxPromptLength: 20,
      dropout: 0.1,
    });
    const prompts = [trajectory(rng, 20, 11, 3), trajectory(rng, 7, 11, 3), trajectory(rng, 1, 11, 3)];
    const z = enc.encode(prompts);
    expect(z.shape).toEqual([3, 64]);
    z.dispose();
    const vectors = enc.embed(prompts);
    expect(vectors).toHaveLength(3);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(64);
      expect(v.every(Number.isFinite)).toBe(true);
    }
    // (S + A + 1 + 20)·128 + 128 embedding, 198 272 per block, 256 final LayerNorm, 24 768 head.
    expect(enc.parameterCount()).toBe((11 + 3 + 1 + 20) * 128 + 128 + 3 * 198272 + 256 + 24768);
    enc.dispose();
  });

  test('invalid options and prompts raise typed errors with a useful message', () => {
    const rng = new Rng(2);
    expect(() => new TrajectoryEncoder({ observationDim: 3, actionDim: 2, width: 10, heads: 3, rng })).toThrow(
      ConfigError,
    );
    expect(() => new TrajectoryEncoder({ observationDim: 0, actionDim: 2, rng })).toThrow(/observationDim/);
    expect(() => new TrajectoryEncoder({ observationDim: 3, actionDim: 2, dropout: 1, rng })).toThrow(/dropout/);
    const enc = tiny(rng);
    expect(() => enc.encode([trajectory(rng, 3, 4, 2)])).toThrow(ShapeError);
    expect(() => enc.encode([{ ...trajectory(rng, 3), mask: new Uint8Array(3) }])).toThrow(/no real step/);
    expect(() => enc.encode([{ ...trajectory(rng, 3), length: 4 }])).toThrow(ShapeError);
    expect(() => enc.encode([])).toThrow(ConfigError);
    enc.dispose();
    expect(() => enc.encode([trajectory(rng, 3)])).toThrow(RlError);
  });
});

describe('TrajectoryEncoder semantics', () => {
  test('padding does not change the embedding (front-padded with a mask, or batched with longer prompts)', () => {
    const rng = new Rng(3);
    const enc = tiny(rng, { heads: 1 });
    const short = trajectory(rng, 3);
    const long = trajectory(rng, 6);
    const [alone] = enc.embed([short]);
    const [padded] = enc.embed([frontPadded(short, 6)]);
    const batched = enc.embed([long, frontPadded(short, 5)]);
    const padTo = enc.embed(enc.prepare([short], 6));
    expectClose(padded, alone, 1e-6, 1e-5);
    expectClose(batched[1], alone, 1e-6, 1e-5);
    expectClose(padTo[0], alone, 1e-6, 1e-5);
    // and the long prompt is not affected by sharing a batch with the short one
    expectClose(batched[0], enc.embed([long])[0], 1e-6, 1e-5);
    expect(maxAbsDiff(batched[0], alone)).toBeGreaterThan(1e-3);
    enc.dispose();
  });

  test('prompts longer than maxPromptLength keep their last steps', () => {
    const rng = new Rng(4);
    const enc = tiny(rng);
    const t = trajectory(rng, 9);
    const last6 = reordered(
      { ...t, length: 6, observations: t.observations.slice(0, 6 * S), actions: t.actions.slice(0, 6 * A) },
      [0, 1, 2, 3, 4, 5],
    );
    const tail: Trajectory = { ...last6, observations: t.observations.slice(3 * S), actions: t.actions.slice(3 * A) };
    expectClose(enc.embed([t])[0], enc.embed([tail])[0], 1e-6, 1e-5);
    expect(maxAbsDiff(enc.embed([t])[0], enc.embed([last6])[0])).toBeGreaterThan(1e-4);
    enc.dispose();
  });

  test('step order matters through the timestep embedding, and only through it', () => {
    const rng = new Rng(5);
    const enc = tiny(rng);
    const t = trajectory(rng, 5);
    const reversed = reordered(t, [4, 3, 2, 1, 0]);
    const [forward] = enc.embed([t]);
    const [backward] = enc.embed([reversed]);
    expect(maxAbsDiff(forward, backward)).toBeGreaterThan(1e-4);
    // Zero the timestep rows of the embedding kernel: the transformer is then permutation
    // invariant over steps (bidirectional attention, mean pooling), so the order stops mattering.
    const { observationDim, actionDim, width, maxPromptLength } = enc.config;
    const kernel = enc.embedding.kernel;
    const values = kernel.dataSync().slice();
    values.fill(
      0,
      (observationDim + actionDim + 1) * width,
      (observationDim + actionDim + 1 + maxPromptLength) * width,
    );
    tf.tidy(() => kernel.assign(tf.tensor2d(values, kernel.shape)));
    expectClose(enc.embed([reversed])[0], enc.embed([t])[0], 1e-6, 1e-5);
    enc.dispose();
  });

  test('the same seed gives the same weights and embeddings; another seed does not', () => {
    const prompts = [trajectory(new Rng(9), 4)];
    const a = tiny(new Rng(6));
    const b = tiny(new Rng(6));
    const c = tiny(new Rng(7));
    const values = (e: TrajectoryEncoder): number[] => e.trainableVariables().flatMap((v) => Array.from(v.dataSync()));
    expect(values(a)).toEqual(values(b));
    expect(values(a)).not.toEqual(values(c));
    expect(Array.from(a.embed(prompts)[0])).toEqual(Array.from(b.embed(prompts)[0]));
    for (const e of [a, b, c]) e.dispose();
  });

  test('dropout acts only in training mode, and its masks follow the seed', () => {
    const prompts = [trajectory(new Rng(10), 6), trajectory(new Rng(11), 4)];
    const run = (seed: number, training: boolean, dropout: number): Float32Array => {
      const enc = tiny(new Rng(seed), { dropout });
      const z = enc.encode(prompts, { training });
      const out = z.dataSync() as Float32Array;
      z.dispose();
      enc.dispose();
      return out;
    };
    const evalOut = run(12, false, 0.5);
    expectClose(run(12, true, 0), evalOut, 0, 0);
    const trainA = run(12, true, 0.5);
    expect(maxAbsDiff(trainA, evalOut)).toBeGreaterThan(1e-3);
    expect(Array.from(run(12, true, 0.5))).toEqual(Array.from(trainA));
  });
});

describe('TrajectoryEncoder gradients', () => {
  // Every variable gets random values (so LayerNorm γ, β and the biases are not at their
  // symmetric initial values), then the tfjs gradient of L = Σ u ⊙ encode(prompts) is compared,
  // entry by entry for every variable, with central differences of the float64 reference.
  // [name, options, entries checked per variable (all when undefined)]
  const cases: [string, Partial<TrajectoryEncoderOptions>, number | undefined][] = [
    ['2 heads, every entry', { heads: 2 }, undefined],
    ['1 head, every entry', { heads: 1 }, undefined],
    // 24 token rows < width 32 and < feed-forward 40: the transpose(W·dzᵀ) input-gradient path
    ['4 heads, rows < width, 10 entries per variable', { heads: 4, width: 32, feedForwardDim: 40 }, 10],
  ];
  test.each(cases)('match float64 finite differences on a tiny configuration (%s)', (_name, extra, entries) => {
    const rng = new Rng(13);
    const enc = tiny(rng, extra);
    const variables = enc.trainableVariables();
    const params: Float64Array[] = variables.map((v) => rng.fillNormal(new Float64Array(v.size), 0, 0.5));
    tf.tidy(() => variables.forEach((v, i) => v.assign(tf.tensor(Float32Array.from(params[i]), v.shape))));
    // float32-exact parameters, so the reference sees exactly what tfjs sees
    params.forEach((p, i) => p.set(variables[i].dataSync()));
    const prompts = [trajectory(rng, 4), frontPadded(trajectory(rng, 2), 5), trajectory(rng, 1)];
    const refPrompts = [
      prompts[0],
      {
        ...prompts[1],
        length: 2,
        observations: prompts[1].observations.slice(3 * S),
        actions: prompts[1].actions.slice(3 * A),
      },
      prompts[2],
    ].map((p) => ({ steps: p.length, observations: p.observations, actions: p.actions }));
    const u = rng.fillNormal(new Float64Array(prompts.length * enc.outputDim));
    const loss64 = (ps: readonly Float64Array[]): number =>
      refPrompts.reduce((total, p, i) => {
        const z = referenceEncode(enc.config, ps, p);
        return total + z.reduce((s, zi, o) => s + zi * u[i * enc.outputDim + o], 0);
      }, 0);

    const weights = tf.tensor2d(Float32Array.from(u), [prompts.length, enc.outputDim]);
    const { value, grads } = gradientsOf(
      () => tf.tidy(() => tf.sum<tf.Scalar>(tf.mul(enc.encode(prompts), weights))),
      variables,
    );
    weights.dispose();
    expect(value.dataSync()[0]).toBeCloseTo(loss64(params), 4);

    const h = 1e-6;
    let checked = 0;
    variables.forEach((v, vi) => {
      const p = params[vi];
      const picked =
        entries === undefined || entries >= p.length
          ? p.map((_, j) => j)
          : Array.from({ length: entries }, () => rng.int(p.length));
      const fd = new Float64Array(picked.length);
      for (const [n, j] of picked.entries()) {
        const keep = p[j];
        p[j] = keep + h;
        const plus = loss64(params);
        p[j] = keep - h;
        const minus = loss64(params);
        p[j] = keep;
        fd[n] = (plus - minus) / (2 * h);
      }
      const scale = Math.max(...fd.map(Math.abs));
      try {
        const g = grads[vi].dataSync();
        expectClose(
          picked.map((j) => g[j]),
          fd,
          1e-4 * Math.max(1, scale),
          2e-3,
        );
      } catch (e) {
        throw new Error(`gradient of ${v.name} [${v.shape.join(', ')}]: ${(e as Error).message}`, { cause: e });
      }
      // A gradient that is zero everywhere would pass trivially: require a real signal per
      // variable, except the key bias, whose gradient is exactly zero (it shifts every score of a
      // query row by the same amount, which softmax ignores).
      if (/\/key\/bias$/.test(v.name)) expect(scale).toBeLessThan(1e-6);
      else expect(scale).toBeGreaterThan(1e-3);
      checked += picked.length;
    });
    if (entries === undefined) expect(checked).toBe(enc.parameterCount());
    tf.dispose([value, ...grads]);
    enc.dispose();
  });
});

describe('TrajectoryEncoder memory', () => {
  test('encode, embed and a full Adam step leak no tensors', async () => {
    const rng = new Rng(14);
    const enc = tiny(rng, { dropout: 0.1 });
    const prompts = [trajectory(rng, 5), frontPadded(trajectory(rng, 3), 6)];
    const opt = new Adam(enc.trainableVariables(), { learningRate: 1e-3 });
    await expectNoLeakedTensors(() =>
      tf.tidy(() => {
        enc.encode(prompts, { training: true });
      }),
    );
    await expectNoLeakedTensors(() => enc.embed(prompts));
    await expectNoLeakedTensors(() => {
      const z = enc.encode(prompts);
      z.dispose();
    });
    const before = enc.embed(prompts)[0];
    await expectNoLeakedTensors(() =>
      tf.tidy(() => {
        const { grads } = gradientsOf(
          () => tf.sum<tf.Scalar>(tf.square(enc.encode(prompts, { training: true }))),
          opt.variables,
        );
        opt.applyGradients(grads);
      }),
    );
    // the step did change the encoder
    expect(maxAbsDiff(enc.embed(prompts)[0], before)).toBeGreaterThan(1e-5);
    opt.dispose();
    enc.dispose();
  });

  test('dispose frees every variable', () => {
    const before = tf.memory().numTensors;
    const enc = new TrajectoryEncoder({ observationDim: 5, actionDim: 2, layers: 2, rng: new Rng(15) });
    expect(tf.memory().numTensors - before).toBe(enc.trainableVariables().length);
    enc.embed([trajectory(new Rng(16), 4, 5, 2)]);
    enc.dispose();
    expect(tf.memory().numTensors).toBe(before);
    enc.dispose(); // idempotent
  });
});

test('defaults object is frozen and documents the sizes of docs/encoders.md', () => {
  expect(Object.isFrozen(TRAJECTORY_ENCODER_DEFAULTS)).toBe(true);
  expect(TRAJECTORY_ENCODER_DEFAULTS.width).toBe(128);
});

describe('mergePromptBatches', () => {
  test('one call on the joined batches gives every prompt the embedding of its own call', () => {
    const rng = new Rng(21);
    const enc = tiny(rng);
    // Different lengths, so the joined batch pads the shorter prompts.
    const batches = [[trajectory(rng, 4)], [trajectory(rng, 6), trajectory(rng, 2)], [trajectory(rng, 5)]].map((p) =>
      enc.prepare(p),
    );
    const joined = mergePromptBatches(batches);
    expect(joined.size).toBe(4);
    expect(joined.steps).toBe(6);
    expect(Array.from(joined.lengths)).toEqual([4, 6, 2, 5]);
    const together = enc.embed(joined);
    const alone = batches.flatMap((b) => enc.embed(b));
    expect(together).toHaveLength(4);
    together.forEach((z, i) => expect(maxAbsDiff(z, alone[i])).toBeLessThan(1e-5));
    enc.dispose();
  });

  test('gives back a single batch as it is and refuses an empty list or mixed widths', () => {
    const rng = new Rng(22);
    const enc = tiny(rng);
    const one = enc.prepare([trajectory(rng, 3)]);
    expect(mergePromptBatches([one])).toBe(one);
    expect(() => mergePromptBatches([])).toThrow(ConfigError);
    const wideEncoder = tiny(rng, { observationDim: S + 1 });
    const wide = wideEncoder.prepare([trajectory(rng, 3, S + 1)]);
    expect(() => mergePromptBatches([one, wide])).toThrow(
      /batch 1 has observationDim 4 and actionDim 2, but batch 0 has 3 and 2/,
    );
    wideEncoder.dispose();
    enc.dispose();
  });
});
