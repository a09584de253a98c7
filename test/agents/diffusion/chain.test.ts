// Golden tests of the diffusion chain: bcLoss and sampleActions on fixed inputs with a
// closed-form noise predictor, against the DDPM formulas recomputed here in float64 from the
// schedule table of Diffusion-QL (VP, K = 5) and the same random draws.
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../src/core/rng.js';
import { initEngine } from '../../../src/engine/index.js';
import { bcLoss, DiffusionSchedule, type NoisePredictor, sampleActions } from '../../../src/agents/diffusion/chain.js';
import { expectClose, expectNoLeakedTensors } from '../../support/tensors.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

const K = 5;
const A = 2;
const S = 3;
const B = 4;
/** ᾱ_k of the VP schedule, K = 5 (Diffusion-QL's table; `docs/algorithms/diffusion-ql.md`). */
const ALPHA_BAR = [0.804125, 0.435178, 0.1585, 0.038852, 0.006409];

/** ε̂(x, k, s) = 0.5·x + 0.1·(k + 1) + 0.2·Σ_j s_j: simple, row-dependent, step-dependent. */
const predictor: NoisePredictor = {
  sizes: { actionDim: A },
  predict(x, steps, s) {
    return tf.tidy(() => {
      const k =
        typeof steps === 'number'
          ? tf.scalar(0.1 * (steps + 1))
          : tf.tensor2d(
              Float32Array.from(steps, (v) => 0.1 * (v + 1)),
              [steps.length, 1],
            );
      return tf.add(tf.add(tf.mul(x, 0.5), k), tf.mul(tf.sum(s, 1, true), 0.2));
    });
  },
};
const predictHost = (x: number, k: number, sRow: ArrayLike<number>) =>
  0.5 * x + 0.1 * (k + 1) + 0.2 * Array.from(sRow).reduce((a, b) => a + b, 0);

const observations = new Float32Array([0.3, -0.2, 0.5, 1.0, 0.0, -1.0, -0.4, 0.8, 0.1, 0.25, 0.25, 0.25]);
const actions = new Float32Array([0.9, -0.9, 0.1, 0.2, -0.5, 0.7, 0.0, 1.0]);

test('the VP schedule matches the reference table', () => {
  const schedule = new DiffusionSchedule('vp', K);
  expectClose(
    schedule.coefficients.sqrtAlphasCumprod,
    ALPHA_BAR.map((a) => Math.sqrt(a)),
    2e-6,
  );
});

test('bcLoss = mean over B×A of (ε̂(√ᾱ_k a + √(1−ᾱ_k) ε, k, s) − ε)², k then ε drawn from the stream', () => {
  const schedule = new DiffusionSchedule('vp', K);
  const loss = tf.tidy(
    () =>
      bcLoss({
        network: predictor,
        schedule,
        actions: tf.tensor2d(actions, [B, A]),
        observations: tf.tensor2d(observations, [B, S]),
        condition: null,
        rng: new Rng(42),
      }).dataSync()[0],
  );
  const rng = new Rng(42);
  const k = Array.from({ length: B }, () => rng.int(K));
  const eps = rng.fillNormal(new Float64Array(B * A));
  let sum = 0;
  for (let r = 0; r < B; r++) {
    const a = ALPHA_BAR[k[r]];
    for (let j = 0; j < A; j++) {
      const x = Math.sqrt(a) * actions[r * A + j] + Math.sqrt(1 - a) * eps[r * A + j];
      sum += (predictHost(x, k[r], observations.subarray(r * S, (r + 1) * S)) - eps[r * A + j]) ** 2;
    }
  }
  expectClose([loss], [sum / (B * A)], 1e-5, 1e-5);
});

test('sampleActions runs the clipped reverse chain x̂0 → posterior mean (+ σ_k z for k > 0), then clips', () => {
  const schedule = new DiffusionSchedule('vp', K);
  const maxAction = 1;
  const out = tf.tidy(() =>
    sampleActions({
      network: predictor,
      schedule,
      observations: tf.tensor2d(observations, [B, S]),
      condition: null,
      maxAction,
      rng: new Rng(7),
      frozen: true,
    }).dataSync(),
  );
  // float64 recomputation with the DDPM formulas from ᾱ alone
  const betas = ALPHA_BAR.map((a, i) => 1 - a / (i === 0 ? 1 : ALPHA_BAR[i - 1]));
  const noise = new Rng(7).fillNormal(new Float64Array(B * A * K));
  const clip = (v: number) => Math.min(maxAction, Math.max(-maxAction, v));
  const x = Array.from(noise.subarray(0, B * A));
  for (let k = K - 1; k >= 0; k--) {
    const aBar = ALPHA_BAR[k];
    const aBarPrev = k === 0 ? 1 : ALPHA_BAR[k - 1];
    const c1 = (betas[k] * Math.sqrt(aBarPrev)) / (1 - aBar);
    const c2 = ((1 - aBarPrev) * Math.sqrt(1 - betas[k])) / (1 - aBar);
    const sigma = Math.sqrt((betas[k] * (1 - aBarPrev)) / (1 - aBar));
    for (let r = 0; r < B; r++) {
      for (let j = 0; j < A; j++) {
        const i = r * A + j;
        const eps = predictHost(x[i], k, observations.subarray(r * S, (r + 1) * S));
        const x0 = clip(Math.sqrt(1 / aBar) * x[i] - Math.sqrt(1 / aBar - 1) * eps);
        x[i] = c1 * x0 + c2 * x[i] + (k > 0 ? sigma * noise[k * B * A + i] : 0);
      }
    }
  }
  // The table's ᾱ are rounded to 6 digits, so allow 1e-4.
  expectClose(out, x.map(clip), 1e-4, 1e-4);
  expect(out.every((v) => Math.abs(v) <= maxAction)).toBe(true);
});

test('neither function leaks tensors', async () => {
  const schedule = new DiffusionSchedule('vp', K);
  const s = tf.tensor2d(observations, [B, S]);
  const a = tf.tensor2d(actions, [B, A]);
  const rng = new Rng(1);
  await expectNoLeakedTensors(() =>
    tf.tidy(() => {
      bcLoss({ network: predictor, schedule, actions: a, observations: s, condition: null, rng });
    }),
  );
  await expectNoLeakedTensors(() =>
    sampleActions({
      network: predictor,
      schedule,
      observations: s,
      condition: null,
      maxAction: 1,
      rng,
      frozen: true,
    }).dispose(),
  );
  tf.dispose([s, a]);
});
