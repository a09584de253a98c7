/**
 * `npm run demo`: an end-to-end run of what the library does today, with nothing downloaded.
 *
 * Until the LLMDPD and Diffusion-QL agents land, the demo exercises the foundation on a real
 * control problem, start to finish, the way an offline-RL user would:
 *   1. choose the tfjs backend (engine);
 *   2. build `Pendulum-v1` from the env registry and validate it with `checkEnv`;
 *   3. collect an offline dataset with a noisy swing-up controller into a `ReplayBuffer`,
 *      save it in the versioned on-disk format and load it back bit-exactly;
 *   4. train a behaviour-cloning policy (a Mish MLP, Adam) from the dataset alone;
 *   5. evaluate random, behaviour, expert and cloned policies in the env and report returns.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RlError } from '../core/errors.js';
import { Progress, type ProgressOptions } from '../core/progress.js';
import { Rng } from '../core/rng.js';
import { createBatch } from '../buffers/batch.js';
import { ReplayBuffer } from '../buffers/replay-buffer.js';
import { initEngine } from '../engine/index.js';
import { checkEnv } from '../envs/check-env.js';
import type { Env } from '../envs/env.js';
import { makeEnv } from '../envs/registry.js';
import { Adam, gradientsOf } from '../nets/adam.js';
import { Mlp } from '../nets/mlp.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Folder for the dataset and the report. */
  readonly outDir: string;
  /** Seed of every random choice in the run. */
  readonly seed: number;
  /** Behaviour-cloning gradient steps. @defaultValue 3000 */
  readonly trainSteps?: number;
  /** Episodes collected for the dataset. @defaultValue 40 */
  readonly datasetEpisodes?: number;
  /** Evaluation episodes per policy. @defaultValue 10 */
  readonly evalEpisodes?: number;
  /** Where to print. @defaultValue `process.stdout` */
  readonly out?: { write(text: string): unknown };
  /** Progress display of the training loop (see {@link ProgressOptions.mode}). @defaultValue `'auto'` */
  readonly progress?: ProgressOptions['mode'];
}

/** One evaluated policy. */
export interface PolicyResult {
  /** Policy name. */
  readonly policy: string;
  /** Mean episode return. */
  readonly meanReturn: number;
  /** Standard deviation of the episode return. */
  readonly stdReturn: number;
  /** Every episode's return. */
  readonly returns: number[];
}

/** What {@link runDemo} measured. */
export interface DemoReport {
  /** Backend facts from the engine. */
  readonly engine: Awaited<ReturnType<typeof initEngine>>;
  /** Transitions and episodes in the collected dataset. */
  readonly dataset: { readonly transitions: number; readonly episodes: number; readonly path: string };
  /** Behaviour-cloning loss at the start and end of training, and the wall time. */
  readonly training: { readonly steps: number; readonly firstLoss: number; readonly lastLoss: number; readonly seconds: number };
  /** Evaluation results, one row per policy. */
  readonly results: PolicyResult[];
}

type Policy = (observation: Float32Array) => number;

const MAX_TORQUE = 2;

/**
 * A swing-up controller for Gymnasium's pendulum (θ = 0 upright, θ'' = 15 sin θ + 3u): pump
 * energy E = θ'²/2 + 15 cos θ towards its upright value 15, then balance with a PD law.
 */
function swingUpController(observation: Float32Array): number {
  const [c, s, w] = observation as unknown as [number, number, number];
  const theta = Math.atan2(s, c);
  const energy = (w * w) / 2 + 15 * c;
  const u = c > 0.9 ? -(12 * theta + 3 * w) : 2 * (15 - energy) * (w >= 0 ? 1 : -1) + (Math.abs(w) < 0.05 ? 1 : 0);
  return Math.max(-MAX_TORQUE, Math.min(MAX_TORQUE, u));
}

async function runEpisode(env: Env<Float32Array, Float32Array>, policy: Policy, seed: number, onStep?: (t: StepRecord) => void): Promise<number> {
  let [observation] = await env.reset({ seed });
  let total = 0;
  for (;;) {
    const action = Float32Array.of(policy(observation));
    const [next, reward, terminated, truncated] = await env.step(action);
    onStep?.({ observation, action, reward, next, terminated, truncated });
    total += reward;
    observation = next;
    if (terminated || truncated) return total;
  }
}

interface StepRecord {
  readonly observation: Float32Array;
  readonly action: Float32Array;
  readonly reward: number;
  readonly next: Float32Array;
  readonly terminated: boolean;
  readonly truncated: boolean;
}

function meanStd(xs: readonly number[]): [number, number] {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return [mean, Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length)];
}

function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/**
 * Runs the demo and returns what it measured (also written to `outDir/report.json` and
 * `outDir/report.md`).
 * @throws {@link RlError} if the reloaded dataset differs from the saved one.
 */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const out = options.out ?? process.stdout;
  const say = (line = '') => out.write(`${line}\n`);
  const rng = new Rng(options.seed);
  const trainSteps = options.trainSteps ?? 3000;
  const datasetEpisodes = options.datasetEpisodes ?? 40;
  const evalEpisodes = options.evalEpisodes ?? 10;
  mkdirSync(options.outDir, { recursive: true });

  say('llmdpd demo: offline RL end to end on the foundation (engine, envs, buffers, nets)');
  const engine = await initEngine();
  say(`1. engine      backend=${engine.backend} tfjs=${engine.tfjsVersion} threads=${engine.threads}`);

  const env = makeEnv('Pendulum-v1') as Env<Float32Array, Float32Array>;
  const check = await checkEnv(env, { seed: options.seed });
  say(`2. env         Pendulum-v1 passes checkEnv (${check.warnings.length} warning(s))`);

  // 3. Offline dataset from a noisy controller ("medium" quality data).
  const buffer = new ReplayBuffer({ observationDim: 3, actionDim: 1 });
  const behaviourNoise = rng.split();
  const behaviour: Policy = (o) => Math.max(-MAX_TORQUE, Math.min(MAX_TORQUE, swingUpController(o) + 0.6 * behaviourNoise.normal()));
  for (let e = 0; e < datasetEpisodes; e++) {
    await runEpisode(env, behaviour, rng.seed(), (t) =>
      buffer.add({ observation: t.observation, action: t.action, reward: t.reward, nextObservation: t.next, terminal: t.terminated, timeout: t.truncated }),
    );
  }
  const datasetPath = join(options.outDir, 'pendulum-noisy-controller');
  buffer.save(datasetPath);
  const reloaded = ReplayBuffer.load(datasetPath);
  const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => Object.is(v, b[i]));
  const [c1, c2] = [buffer.columns(), reloaded.columns()];
  if (!same(c1.observations, c2.observations) || !same(c1.actions, c2.actions) || !same(c1.rewards, c2.rewards)) {
    throw new RlError(`The dataset reloaded from ${datasetPath} differs from the one saved.`);
  }
  say(`3. dataset     ${reloaded.size} transitions, ${reloaded.numEpisodes} episodes, saved to ${datasetPath} and reloaded bit-exactly`);

  // 4. Behaviour cloning from the dataset alone.
  const policyNet = new Mlp({ inputDim: 3, hiddenDims: [256, 256], outputDim: 1, rng: rng.split(), inputGradient: false });
  const optimizer = new Adam(policyNet.trainableVariables(), { learningRate: 1e-3 });
  const batch = createBatch(256, 3, 1);
  const progress = new Progress({ total: trainSteps, label: '4. training  ', mode: options.progress ?? 'auto' });
  const sampler = rng.split();
  const started = performance.now();
  let firstLoss = NaN;
  let lastLoss = NaN;
  const logEvery = Math.max(1, Math.floor(trainSteps / 6));
  for (let step = 1; step <= trainSteps; step++) {
    reloaded.sampleInto(batch, sampler);
    const readLoss = step === 1 || step % logEvery === 0 || step === trainSteps;
    const loss = tf.tidy(() => {
      const x = tf.tensor2d(batch.observations, [256, 3]);
      const y = tf.tensor2d(batch.actions, [256, 1]);
      const { value, grads } = gradientsOf(() => tf.mean(tf.square(tf.sub(policyNet.apply(x), y))), optimizer.variables);
      optimizer.applyGradients(grads);
      return readLoss ? value.dataSync()[0]! : NaN;
    });
    if (step === 1) firstLoss = loss;
    if (readLoss) {
      lastLoss = loss;
      progress.update(step, { loss });
    }
  }
  progress.done({ loss: lastLoss });
  const seconds = (performance.now() - started) / 1000;
  say(`              behaviour cloning: ${trainSteps} steps in ${seconds.toFixed(1)} s (${((seconds * 1000) / trainSteps).toFixed(2)} ms/step), loss ${firstLoss.toFixed(3)} -> ${lastLoss.toFixed(3)}`);

  // 5. Evaluation in the env.
  const randomRng = rng.split();
  const cloned: Policy = (o) =>
    tf.tidy(() => {
      const a = policyNet.apply(tf.tensor2d(o, [1, 3])).dataSync()[0]!;
      return Math.max(-MAX_TORQUE, Math.min(MAX_TORQUE, a));
    });
  const policies: [string, Policy][] = [
    ['random', () => randomRng.uniform(-MAX_TORQUE, MAX_TORQUE)],
    ['behaviour (noisy controller, the data)', behaviour],
    ['expert (controller without noise)', swingUpController],
    ['behaviour cloning (trained offline)', cloned],
  ];
  const results: PolicyResult[] = [];
  for (const [name, policy] of policies) {
    const returns: number[] = [];
    for (let e = 0; e < evalEpisodes; e++) returns.push(await runEpisode(env, policy, 10_000 + e));
    const [meanReturn, stdReturn] = meanStd(returns);
    results.push({ policy: name, meanReturn, stdReturn, returns });
  }
  await env.close();
  optimizer.dispose();
  policyNet.dispose();

  const width = Math.max(...results.map((r) => r.policy.length));
  const table = [
    `| ${'policy'.padEnd(width)} | return (mean ± std over ${evalEpisodes} episodes) |`,
    `| ${'-'.repeat(width)} | ${'-'.repeat(41)} |`,
    ...results.map((r) => `| ${r.policy.padEnd(width)} | ${`${r.meanReturn.toFixed(1)} ± ${r.stdReturn.toFixed(1)}`.padEnd(41)} |`),
  ];
  say('5. evaluation  Pendulum-v1, seeds 10000..' + (10_000 + evalEpisodes - 1));
  for (const line of table) say(`   ${line}`);

  const report: DemoReport = {
    engine,
    dataset: { transitions: reloaded.size, episodes: reloaded.numEpisodes, path: datasetPath },
    training: { steps: trainSteps, firstLoss, lastLoss, seconds },
    results,
  };
  writeAtomically(join(options.outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeAtomically(
    join(options.outDir, 'report.md'),
    ['# llmdpd demo report', '', `Backend: ${engine.backend} (tfjs ${engine.tfjsVersion}), seed ${options.seed}.`, '', ...table, ''].join('\n'),
  );
  say(`Report written to ${join(options.outDir, 'report.md')} and report.json.`);
  return report;
}
