// The names the TSDoc @example blocks of src/ may use without declaring them: values a reader
// has at hand at that point ("a ReplayBuffer", "an observation"), typed with the library's own
// types so the examples are still type-checked. README examples get none of these: they must
// compile as written. Used by test/package/strict-consumer.test.ts.
import type * as tf from '@tensorflow/tfjs-core';
import type {
  Adam,
  Env,
  Mlp,
  Policy,
  MultiTaskDataset,
  ReplayBuffer,
  Rng,
  Suite,
  SuiteTask,
  Trajectory,
  TwinCritic,
} from 'llmdpd';

declare global {
  const buffer: ReplayBuffer;
  const reach: ReplayBuffer;
  const push: ReplayBuffer;
  const dataset: MultiTaskDataset;
  const suite: Suite;
  const unseen: SuiteTask;
  const rng: Rng;
  const observation: Float32Array;
  const action: Float32Array;
  const reward: number;
  const nextObservation: Float32Array;
  const terminal: boolean;
  const truncated: boolean;
  const observations: Float32Array;
  const actions: Float32Array;
  const rewards: Float32Array;
  const terminals: Uint8Array;
  const timeouts: Uint8Array;
  const trajectory: Trajectory;
  const episode: number;
  const steps: number;
  const x: tf.Tensor2D;
  const keyBias: tf.Tensor3D;
  const actor: Mlp;
  const critic: TwinCritic;
  const targetCritic: TwinCritic;
  const optimizer: Adam;
  const loss: () => tf.Scalar;
  const actorLoss: () => tf.Scalar;
  const env: Env<Float32Array, Float32Array>;
  const policy: Policy<Float32Array, Float32Array>;
  const assetsDir: string;
  const readMetrics: boolean;
  const Corridor: new (options: { readonly length?: number }) => Env<Float32Array, number>;
}
