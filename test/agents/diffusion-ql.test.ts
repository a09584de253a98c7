import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIBRARY_VERSION } from '../../src/agents/common/checkpoint.js';
import { ConfigError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { ReplayBuffer } from '../../src/buffers/replay-buffer.js';
import { DIFFUSION_QL_DEFAULTS, DiffusionQLAgent, resolveDiffusionQLConfig } from '../../src/agents/diffusion-ql.js';
import { criticLoss, tdTargets } from '../../src/agents/common/losses.js';
import { qLoss } from '../../src/agents/diffusion/actor-loss.js';
import { DiffusionSchedule, sampleActions } from '../../src/agents/diffusion/chain.js';
import { initEngine } from '../../src/engine/index.js';
import { agentConformance, twoTaskDataset } from '../support/agent-conformance.js';
import { expectClose } from '../support/tensors.js';

const SMALL = {
  observationDim: 4,
  actionDim: 2,
  batchSize: 16,
  hiddenDims: [32, 32],
  criticHiddenDims: [32, 32],
  actionCandidates: 8,
  emaStartStep: 2,
  emaEvery: 1,
};

agentConformance('DiffusionQLAgent', {
  create: (seed) => new DiffusionQLAgent({ ...SMALL, seed }),
  load: (dir) => DiffusionQLAgent.load(dir),
  metricKeys: ['loss/critic', 'loss/actor', 'loss/bc', 'value/qMean'],
  observationDim: 4,
  actionDim: 2,
  maxAction: 1,
});

const twoTasks = twoTaskDataset(20);

agentConformance('DiffusionQLAgent with a task-id conditioner', {
  create: (seed) =>
    new DiffusionQLAgent({
      ...SMALL,
      seed,
      conditioner: { kind: 'task-id', tasks: ['north', 'east'], embeddingDim: 4 },
    }),
  load: (dir) => DiffusionQLAgent.load(dir),
  data: () => twoTasks,
  prepare: (agent, data) => agent.bindTasks(data),
  metricKeys: ['loss/critic', 'loss/actor', 'loss/bc', 'value/qMean'],
  observationDim: 4,
  actionDim: 2,
  maxAction: 1,
  context: { task: 'east' },
});

describe('Diffusion-QL losses (golden values)', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });

  test('TD targets: y = r + gamma (1 - terminal) min(Q1, Q2)', () => {
    const y = tf.tidy(() =>
      tdTargets(
        tf.tensor2d([[1], [0.5], [-2]]),
        tf.tensor2d([[0], [1], [0]]),
        [tf.tensor2d([[10], [3], [-1]]), tf.tensor2d([[8], [4], [-3]])],
        0.99,
      ).dataSync(),
    );
    expectClose(y, [1 + 0.99 * 8, 0.5, -2 + 0.99 * -3], 1e-6);
  });

  test('critic loss: MSE(Q1, y) + MSE(Q2, y)', () => {
    const l = tf.tidy(
      () => criticLoss([tf.tensor2d([[1], [2]]), tf.tensor2d([[0], [4]])], tf.tensor2d([[1], [3]])).dataSync()[0],
    );
    // (0 + 1)/2 + (1 + 1)/2 = 1.5
    expect(l).toBeCloseTo(1.5, 6);
  });

  test('Q loss: -mean(Qi) / sg(mean |Qj|), gradient through Qi only', () => {
    const [value, gi, gj] = tf.tidy(() => {
      const qi = tf.tensor2d([[2], [4]]);
      const qj = tf.tensor2d([[-1], [3]]);
      const [a, b] = tf.grads((x: tf.Tensor, z: tf.Tensor) => qLoss(x as tf.Tensor2D, z as tf.Tensor2D))([qi, qj]);
      return [qLoss(qi, qj).dataSync()[0], a.dataSync(), b.dataSync()];
    });
    expect(value).toBeCloseTo(-3 / 2, 6); // mean Qi = 3, mean |Qj| = 2
    expectClose(gi, [-0.25, -0.25], 1e-7); // d/dQi = -1/(B * 2)
    expectClose(gj, [0, 0], 0);
  });
});

describe('DiffusionQLAgent config', () => {
  test('defaults are the official hopper-medium-replay settings and every field is validated', () => {
    const c = resolveDiffusionQLConfig({ observationDim: 11, actionDim: 3 });
    expect(c).toMatchObject({
      diffusionSteps: 5,
      betaSchedule: 'vp',
      discount: 0.99,
      tau: 0.005,
      eta: 1,
      emaDecay: 0.995,
      emaStartStep: 1000,
      emaEvery: 5,
      actionCandidates: 50,
      batchSize: 256,
    });
    expect(JSON.parse(JSON.stringify(c))).toEqual(c);
    expect(DIFFUSION_QL_DEFAULTS.hiddenDims).toEqual([256, 256, 256]);
    expect(() => resolveDiffusionQLConfig({ observationDim: 11, actionDim: 3, discount: 1.5 })).toThrow(
      'DiffusionQLConfig.discount must be a number in [0, 1], got 1.5',
    );
    expect(() => resolveDiffusionQLConfig({ observationDim: 0, actionDim: 3 })).toThrow(ConfigError);
    expect(() =>
      resolveDiffusionQLConfig({ observationDim: 11, actionDim: 3, betaSchedule: 'quadratic' as never }),
    ).toThrow(/one of 'vp', 'linear', 'cosine'/);
    expect(() =>
      resolveDiffusionQLConfig({ observationDim: 11, actionDim: 3, ...({ learningRate: 1e-3 } as object) }),
    ).toThrow(/no field 'learningRate'/);
  });
});

describe('DiffusionQLAgent learns', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });

  test('a contextual bandit from uniformly random offline actions (Q term beats plain cloning)', async () => {
    // reward = 1 - (a - 0.6 * s0)^2, one step episodes. The data's actions are uniform, so
    // behaviour cloning alone would stay uniform; the critic must pull the policy to a* = 0.6 s0.
    const rng = new Rng(11);
    const n = 2048;
    const s = rng.fillUniform(new Float32Array(n * 2), -1, 1);
    const a = rng.fillUniform(new Float32Array(n), -1, 1);
    const r = new Float32Array(n).map((_, i) => 1 - (a[i] - 0.6 * s[2 * i]) ** 2);
    const data = ReplayBuffer.fromArrays({
      observations: s,
      actions: a,
      rewards: r,
      nextObservations: s,
      terminals: new Uint8Array(n).fill(1),
      observationDim: 2,
      actionDim: 1,
    });
    const agent = new DiffusionQLAgent({
      observationDim: 2,
      actionDim: 1,
      batchSize: 64,
      hiddenDims: [64, 64],
      criticHiddenDims: [64, 64],
      eta: 2,
      actorLearningRate: 1e-3,
      criticLearningRate: 1e-3,
      emaStartStep: 0,
      actionCandidates: 16,
      seed: 1,
    });
    await agent.fit(data, { steps: 600, progress: 'off' });
    const test = new Rng(5);
    let err = 0;
    for (let i = 0; i < 40; i++) {
      const obs = test.fillUniform(new Float32Array(2), -1, 1);
      err += Math.abs(agent.act(obs)[0] - 0.6 * obs[0]);
    }
    // A uniform policy on [-1, 1] has a mean error of about 0.55 here.
    expect(err / 40).toBeLessThan(0.2);
    agent.dispose();
  }, 120_000);
});

describe('DiffusionQLAgent checkpoints', () => {
  test('record the library and tfjs versions and the config', async () => {
    await initEngine({ backend: 'wasm' });
    const dir = mkdtempSync(join(tmpdir(), 'llmdpd-ckpt-'));
    const agent = new DiffusionQLAgent({ observationDim: 3, actionDim: 1, hiddenDims: [8], criticHiddenDims: [8] });
    agent.save(dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(LIBRARY_VERSION).toBe(pkg.version);
    expect(manifest).toMatchObject({
      format: 'llmdpd.agent',
      formatVersion: 2,
      libraryVersion: pkg.version,
      tfjsVersion: tf.version_core,
      agent: 'DiffusionQLAgent',
      step: 0,
    });
    expect(manifest['config']).toEqual(agent.config);
    agent.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('DiffusionQLAgent max-Q backup (AntMaze)', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });

  type Backup = { backupValues(s2: tf.Tensor2D, c: null, q: null): tf.Tensor2D[] };
  const noiseOf = (agent: DiffusionQLAgent) => (agent as unknown as { streams: { noise: Rng } }).streams.noise;

  test('each critic takes the max over n EMA-actor actions per next state; n = 1 is the plain backup', () => {
    const options = { ...SMALL, maxQBackup: true, maxQBackupSamples: 3, seed: 4 };
    const agent = new DiffusionQLAgent(options);
    const s2 = new Rng(8).fillNormal(new Float32Array(5 * 4));
    const state = noiseOf(agent).getState();
    const got = tf.tidy(() =>
      (agent as unknown as Backup)
        .backupValues(tf.tensor2d(s2, [5, 4]), null, null)
        .map((q) => Array.from(q.dataSync())),
    );
    // Recompute: repeat each state 3 times, sample with the same noise, evaluate, max over each state's 3 rows.
    noiseOf(agent).setState(state);
    const repeated = new Float32Array(15 * 4);
    for (let i = 0; i < 15; i++) repeated.set(s2.subarray(Math.floor(i / 3) * 4, Math.floor(i / 3) * 4 + 4), i * 4);
    const want = tf.tidy(() => {
      const s = tf.tensor2d(repeated, [15, 4]);
      const a = sampleActions({
        network: agent.actorEma,
        schedule: new DiffusionSchedule('vp', 5),
        observations: s,
        condition: null,
        maxAction: 1,
        rng: noiseOf(agent),
        frozen: true,
      });
      return agent.criticTarget.values(s, a, null, true).map((q) => {
        const v = q.dataSync();
        return [0, 1, 2, 3, 4].map((r) => Math.max(v[3 * r], v[3 * r + 1], v[3 * r + 2]));
      });
    });
    got.forEach((q, i) => expectClose(q, want[i], 1e-6));
    agent.dispose();
    const one = new DiffusionQLAgent({ ...options, maxQBackupSamples: 1 });
    const plain = new DiffusionQLAgent({ ...options, maxQBackup: false });
    const values = (a: DiffusionQLAgent) =>
      tf.tidy(() =>
        (a as unknown as Backup).backupValues(tf.tensor2d(s2, [5, 4]), null, null).map((q) => Array.from(q.dataSync())),
      );
    expect(values(one)).toEqual(values(plain));
    one.dispose();
    plain.dispose();
  });
});
