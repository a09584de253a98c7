// Parity with PyTorch: one full Diffusion-QL update step at hopper sizes (observation 11, action 3,
// 3×256 Mish networks, batch 256, K = 5) from the same weights, data and noise as
// bench/torch/diffusion_ql_parity.py, whose output is the fixture. Losses to 1e-4 relative;
// sampled elements of the updated weights and of the target critics to 1e-4 relative to each
// variable's largest magnitude; Adam's first moments (0.1 × the clipped gradients, which pin the
// gradients themselves) to 1e-4 relative to the largest moment of the network, the scale the
// global-norm clip sees (some layers' gradients are 1e6 times smaller than others').
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { DiffusionQLAgent } from '../../src/agents/diffusion-ql.js';
import { createBatch } from '../../src/core/batch.js';
import type { Rng } from '../../src/core/rng.js';
import { initEngine } from '../../src/engine/index.js';
import type { Adam } from '../../src/nets/adam.js';

interface Sampled {
  readonly shape: number[];
  readonly indices: number[];
  readonly values: number[];
  readonly firstMoments?: number[];
}
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/agents/diffusion-ql-parity.json', import.meta.url), 'utf8'),
) as {
  noiseWords: [number, number, number, number];
  firstCritic: boolean;
  losses: Record<string, number>;
  tensors: Record<string, Sampled>;
};

const S = 11;
const A = 3;
const H = 256;
const B = 256;
const T_DIM = 16;

/** One PyTorch parameter: its shape [out, in] (or [out] for a bias) and its fan-in. */
type TorchParam = { shape: number[]; fanIn: number };
const linear = (fanIn: number, out: number): TorchParam[] => [
  { shape: [out, fanIn], fanIn },
  { shape: [out], fanIn },
];
/** The script's PARAMETERS order: the noise network's, then Q1's and Q2's. */
const TORCH_PARAMS: TorchParam[] = [
  ...linear(T_DIM, 2 * T_DIM),
  ...linear(2 * T_DIM, T_DIM),
  ...linear(A + T_DIM + S, H),
  ...linear(H, H),
  ...linear(H, H),
  ...linear(H, A),
  ...[0, 1].flatMap(() => [...linear(S + A, H), ...linear(H, H), ...linear(H, H), ...linear(H, 1)]),
];

/** Parameter t's values in PyTorch's layout: bound · sin(1.618 f + 0.5 t + 0.1). */
function torchValues(t: number): Float32Array {
  const { shape, fanIn } = TORCH_PARAMS[t];
  const n = shape.reduce((x, y) => x * y, 1);
  return Float32Array.from({ length: n }, (_, f) => Math.sin(1.618 * f + 0.5 * t + 0.1) / Math.sqrt(fanIn));
}

/** W `[out, in]` in PyTorch's layout to a kernel `[in, out]`, keeping input columns `columns`. */
function kernel(t: number, columns?: number[]): Float32Array {
  const [out, inp] = TORCH_PARAMS[t].shape as [number, number];
  const w = torchValues(t);
  const cols = columns ?? Array.from({ length: inp }, (_, i) => i);
  const k = new Float32Array(cols.length * out);
  cols.forEach((c, r) => {
    for (let o = 0; o < out; o++) k[r * out + o] = w[o * inp + c];
  });
  return k;
}

/** The noise network's variables in llmdpd's order (time MLP, time block, trunk). */
function actorValues(): Float32Array[] {
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
  return [
    kernel(0),
    torchValues(1),
    kernel(2),
    torchValues(3),
    kernel(4, range(A, A + T_DIM)),
    kernel(4, [...range(0, A), ...range(A + T_DIM, A + T_DIM + S)]),
    torchValues(5),
    kernel(6),
    torchValues(7),
    kernel(8),
    torchValues(9),
    kernel(10),
    torchValues(11),
  ];
}

/** Q1's and Q2's variables in llmdpd's order. */
function criticValues(): Float32Array[] {
  return Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? kernel(12 + i) : torchValues(12 + i)));
}

function assign(vars: tf.Variable[], values: Float32Array[]): void {
  expect(vars).toHaveLength(values.length);
  tf.tidy(() => vars.forEach((v, i) => v.assign(tf.tensor(values[i], v.shape))));
}

function parityBatch() {
  const batch = createBatch(B, S, A);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < S; j++) {
      batch.observations[b * S + j] = Math.sin(0.31 * b + 0.77 * j);
      batch.nextObservations[b * S + j] = Math.cos(0.29 * b + 0.61 * j);
    }
    for (let j = 0; j < A; j++) batch.actions[b * A + j] = 0.9 * Math.sin(0.53 * b + 1.1 * j + 0.2);
    batch.rewards[b] = Math.sin(0.11 * b);
    batch.terminals[b] = b % 37 === 0 ? 1 : 0;
  }
  return batch;
}

/** |got − want| ≤ 1e-4 · max(|want|, scale) for every sampled element. */
function expectSampled(name: string, got: Float32Array, indices: number[], want: number[], scale: number): void {
  indices.forEach((index, j) => {
    const tolerance = 1e-4 * Math.max(Math.abs(want[j]), scale);
    if (!(Math.abs(got[index] - want[j]) <= tolerance))
      throw new Error(
        `${name}[${index}]: got ${got[index]}, PyTorch ${want[j]} (tolerance ${tolerance.toExponential(2)})`,
      );
  });
}

beforeAll(async () => {
  await initEngine({ backend: 'wasm', kernels: process.env['PARITY_KERNELS'] === 'tfjs' ? 'tfjs' : 'auto' });
});

test('one update step matches the PyTorch reference: losses, weights, Adam moments, targets', () => {
  const agent = new DiffusionQLAgent({ observationDim: S, actionDim: A });
  assign(agent.actor.trainableVariables(), actorValues());
  assign(agent.actorEma.trainableVariables(), actorValues());
  assign(agent.critic.trainableVariables(), criticValues());
  assign(agent.criticTarget.trainableVariables(), criticValues());
  const internals = agent as unknown as {
    streams: { noise: Rng };
    actorOptimizer: Adam;
    criticOptimizer: Adam;
  };
  internals.streams.noise.setState({ words: fixture.noiseWords, spareNormal: null });
  const metrics = agent.update(parityBatch(), true)!;
  for (const [name, want] of Object.entries(fixture.losses)) {
    expect(Math.abs(metrics[name] - want)).toBeLessThanOrEqual(1e-4 * Math.abs(want));
  }
  const groups: Record<string, { vars: tf.Variable[]; moments: Float32Array[] | null }> = {
    actor: { vars: agent.actor.trainableVariables(), moments: internals.actorOptimizer.getState().firstMoments },
    critic: { vars: agent.critic.trainableVariables(), moments: internals.criticOptimizer.getState().firstMoments },
    criticTarget: { vars: agent.criticTarget.trainableVariables(), moments: null },
  };
  let checked = 0;
  for (const [key, want] of Object.entries(fixture.tensors)) {
    const [group, i] = key.split('/') as [string, string];
    const { vars, moments } = groups[group];
    const v = vars[Number(i)];
    expect(v.shape).toEqual(want.shape);
    const values = v.dataSync() as Float32Array;
    expectSampled(key, values, want.indices, want.values, Math.max(...values.map(Math.abs)));
    if (moments !== null && want.firstMoments !== undefined) {
      const scale = Math.max(...moments.map((m) => Math.max(...m.map(Math.abs))));
      expectSampled(`${key} (Adam m)`, moments[Number(i)], want.indices, want.firstMoments, scale);
    }
    checked++;
  }
  expect(checked).toBe(13 + 16 + 16);
  agent.dispose();
});
