// npm run bench:encoders: speed of the prompt encoders on the active tfjs backend
// (method: docs/benchmarks.md, "Encoders").
//
// 1. TrajectoryEncoder at its default size (docs/encoders.md, "Sizes": width 128, 3 layers, 1 head,
//    feed-forward 512, head 128 -> 64, prompts of 20 steps = 40 tokens) with Meta-World widths (S = 39, A = 4):
//    one training step's worth of work, forward + backward (gradients of a fixed linear loss with
//    respect to every encoder variable), for 1 prompt and for 16 prompts. Dropout is on
//    (training mode), as in an agent's actor step.
// 2. Prompts per second of the default text encoder (HashedNgramTextEncoder), if
//    dist/encoders/text/hashed-text-encoder.js exists; otherwise a line saying it was skipped.
//
// Prints one JSON line per case. Options: --backend auto|wasm|cpu|tensorflow, --threads N,
// --iterations N.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../dist/engine/index.js';
import { Rng } from '../dist/core/rng.js';
import { TrajectoryEncoder } from '../dist/encoders/trajectory/index.js';
import { emit, machineFacts, medianMs, round3 } from './lib/report.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'auto' },
    threads: { type: 'string', default: '1' },
    iterations: { type: 'string', default: '30' },
  },
});
const iterations = Number(args.iterations);
const engine = await initEngine({ backend: args.backend, threads: Number(args.threads) });
const common = { machine: machineFacts(), backend: engine.backend, threads: engine.threads, tfjs: engine.tfjsVersion };

// ---- Trajectory encoder -------------------------------------------------------------------
const S = 39;
const A = 4;
const STEPS = 20;
const rng = new Rng(0);
const encoder = new TrajectoryEncoder({ observationDim: S, actionDim: A, rng });
const variables = encoder.trainableVariables();

function randomPrompt() {
  return {
    length: STEPS,
    observationDim: S,
    actionDim: A,
    observations: rng.fillNormal(new Float32Array(STEPS * S)),
    actions: rng.fillUniform(new Float32Array(STEPS * A), -1, 1),
    rewards: new Float32Array(STEPS),
  };
}

for (const prompts of [1, 16]) {
  const batch = encoder.prepare(Array.from({ length: prompts }, randomPrompt));
  const weights = tf.tensor2d(rng.fillNormal(new Float32Array(prompts * encoder.outputDim)), [
    prompts,
    encoder.outputDim,
  ]);
  const loss = (training) => () => tf.sum(tf.mul(encoder.encode(batch, { training }), weights));
  const step = () =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(loss(true), variables);
      // one read-back forces the backend to finish every kernel
      grads[variables[0].name].dataSync();
    });
  const forward = () => tf.tidy(() => encoder.encode(batch).dataSync());
  const before = tf.memory().numTensors;
  const stepMs = medianMs(step, { warmup: 5, iterations });
  const forwardMs = medianMs(forward, { warmup: 5, iterations });
  emit({
    case: 'trajectory-encoder-forward-backward',
    prompts,
    steps: STEPS,
    tokensPerPrompt: 2 * STEPS,
    observationDim: S,
    actionDim: A,
    parameters: encoder.parameterCount(),
    ms: round3(stepMs),
    forwardOnlyMs: round3(forwardMs),
    leakedTensors: tf.memory().numTensors - before,
    ...common,
  });
  weights.dispose();
}
encoder.dispose();

// ---- Default text encoder -----------------------------------------------------------------
const textModule = new URL('../dist/encoders/text/hashed-text-encoder.js', import.meta.url);
if (!existsSync(textModule)) {
  emit({
    case: 'text-encoder-default',
    skipped: true,
    note: 'dist/encoders/text/hashed-text-encoder.js not found (text encoders not built yet)',
    ...common,
  });
} else {
  const { HashedNgramTextEncoder } = await import(textModule.href);
  const text = new HashedNgramTextEncoder();
  const prompts = Array.from(
    { length: 64 },
    (_, i) =>
      `Task: reach-${i}. Objective: move the gripper to the goal position ${i}. Constraints: keep the arm within the workspace.`,
  );
  const encodeAll = () => text.encode(prompts);
  // encode may be sync or async; time it either way
  const times = [];
  for (let i = 0; i < 3; i++) await encodeAll();
  for (let i = 0; i < Math.max(5, iterations >> 2); i++) {
    const t0 = performance.now();
    await encodeAll();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const ms = times[times.length >> 1];
  emit({
    case: 'text-encoder-default',
    encoder: 'HashedNgramTextEncoder',
    prompts: prompts.length,
    msPerBatch: round3(ms),
    promptsPerSecond: Math.round((prompts.length / ms) * 1000),
    ...common,
  });
}
