import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../../src/core/rng.js';
import { initEngine } from '../../../../src/engine/index.js';
import {
  logTanhJacobian,
  squashedGaussianLogProb,
  TanhGaussianActor,
  type TanhGaussianActorOptions,
} from '../../../../src/agents/common/networks/tanh-gaussian-actor.js';
import { expectClose, expectNoLeakedTensors } from '../../../support/tensors.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** log π by the formula, one row: Σ [log N(u; u − σε, σ²) − log(1 − tanh(u)² [+ 1e-6])]. */
function referenceLogProb(noise: number[], logStd: number[], u: number[], epsilon: boolean): number {
  let total = 0;
  for (let i = 0; i < u.length; i++) {
    const std = Math.exp(logStd[i]);
    const mean = u[i] - std * noise[i];
    const gaussian = -0.5 * ((u[i] - mean) / std) ** 2 - logStd[i] - HALF_LOG_TWO_PI;
    const jacobian = Math.log(1 - Math.tanh(u[i]) ** 2 + (epsilon ? 1e-6 : 0));
    total += gaussian - jacobian;
  }
  return total;
}

test('log π of a squashed Gaussian draw: both tanh corrections, golden values from the formula', () => {
  const noise = [
    [0.3, -1.2],
    [2.0, 0.1],
  ];
  const logStd = [
    [-0.5, 0.2],
    [-2.0, 1.0],
  ];
  const u = [
    [0.7, -1.5],
    [2.5, 0.05],
  ];
  for (const correction of ['exact', 'epsilon'] as const) {
    const got = tf.tidy(() =>
      squashedGaussianLogProb(tf.tensor2d(noise), tf.tensor2d(logStd), tf.tensor2d(u), correction).dataSync(),
    );
    const want = [0, 1].map((r) => referenceLogProb(noise[r], logStd[r], u[r], correction === 'epsilon'));
    expectClose(got, want, 1e-5, 1e-5);
  }
});

test('the exact tanh correction stays finite where 1 − tanh(u)² underflows', () => {
  const got = tf.tidy(() => logTanhJacobian(tf.tensor1d([0, 1, 12, -30]), 'exact').dataSync());
  const exact = (x: number) => 2 * (Math.LN2 - x - Math.log1p(Math.exp(-2 * x)));
  expectClose(got, [0, Math.log(1 - Math.tanh(1) ** 2), exact(12), 2 * (Math.LN2 - 30)], 1e-4, 1e-5);
  const epsilon = tf.tidy(() => logTanhJacobian(tf.tensor1d([12]), 'epsilon').dataSync());
  expectClose(epsilon, [Math.log(1e-6)], 1e-3, 1e-4);
});

describe('TanhGaussianActor', () => {
  const options = (overrides: Partial<TanhGaussianActorOptions> = {}): TanhGaussianActorOptions => ({
    observationDim: 3,
    actionDim: 2,
    conditionDim: 0,
    hiddenDims: [8],
    maxAction: 2,
    logStdBounds: { min: -20, max: 2 },
    logStdAffine: true,
    tanhCorrection: 'exact',
    rng: new Rng(1),
    name: 'pi',
    ...overrides,
  });

  test('a sample is maxAction·tanh(μ + σε); its log π equals logProbOf(its action); the mean action is maxAction·tanh(μ)', () => {
    const actor = new TanhGaussianActor(options());
    const s = tf.tensor2d(new Rng(2).fillNormal(new Float32Array(12)), [4, 3]);
    const eps = tf.tensor2d(new Rng(3).fillNormal(new Float32Array(8)), [4, 2]);
    const [actions, logProb, again, deterministic, mean, logStd] = tf.tidy(() => {
      const sample = actor.sample(s, null, eps);
      const d = actor.distribution(s, null);
      return [
        sample.actions.dataSync(),
        sample.logProb.dataSync(),
        actor.logProbOf(s, null, sample.actions).dataSync(),
        actor.deterministic(s, null).dataSync(),
        d.mean.dataSync(),
        d.logStd.dataSync(),
      ];
    });
    const e = eps.dataSync();
    expectClose(
      actions,
      Array.from(mean, (m, i) => 2 * Math.tanh(m + Math.exp(logStd[i]) * e[i])),
      1e-5,
    );
    expectClose(again, logProb, 1e-3, 1e-4);
    expectClose(
      deterministic,
      Array.from(mean, (m) => 2 * Math.tanh(m)),
      1e-6,
    );
    tf.dispose([s, eps]);
    actor.dispose();
  });

  test('log σ = clamp(scale · raw + offset) with learned scalars starting at 1 and −1; gradients reach them', () => {
    const actor = new TanhGaussianActor(options({ logStdBounds: { min: -1.5, max: 2 } }));
    const s = tf.tensor2d(new Rng(4).fillNormal(new Float32Array(6)), [2, 3]);
    const [raw, logStd] = tf.tidy(() => {
      const out = actor.net.apply(s, null);
      return [tf.slice(out, [0, 2], [-1, 2]).dataSync(), actor.distribution(s, null).logStd.dataSync()];
    });
    expectClose(
      logStd,
      Array.from(raw, (r) => Math.min(2, Math.max(-1.5, r - 1))),
      1e-6,
    );
    const grads = tf.tidy(() => {
      const { grads: g } = tf.variableGrads(
        () => tf.sum<tf.Scalar>(actor.sample(s, null, tf.ones([2, 2])).logProb),
        actor.trainableVariables(),
      );
      return Object.values(g).map((t) => t.dataSync().some((v) => v !== 0));
    });
    expect(grads.every((nonZero) => nonZero)).toBe(true);
    s.dispose();
    actor.dispose();
  });

  test.each([true, false])('no tensor leaks; dispose frees every variable (learned log σ map: %s)', async (affine) => {
    const before = tf.memory().numTensors;
    const actor = new TanhGaussianActor(
      options({ logStdAffine: affine, tanhCorrection: affine ? 'exact' : 'epsilon' }),
    );
    expect(actor.trainableVariables()).toHaveLength(affine ? 6 : 4);
    const s = tf.tensor2d(new Float32Array(6), [2, 3]);
    const eps = tf.zeros<tf.Rank.R2>([2, 2]);
    await expectNoLeakedTensors(() => {
      const sample = actor.sample(s, null, eps);
      tf.dispose([sample.actions, sample.logProb]);
    });
    tf.dispose([s, eps]);
    actor.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
