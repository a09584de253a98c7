import * as tf from '@tensorflow/tfjs-core';
import { ReplayBuffer } from '../../src/buffers/replay-buffer.js';
import { Rng } from '../../src/core/rng.js';
import { initEngine } from '../../src/engine/index.js';
import {
  conservativeGap,
  conservativeLoss,
  CQLAgent,
  lagrangeLoss,
  resolveCQLConfig,
  type ConservativeValues,
  type ProposalDensities,
} from '../../src/agents/cql.js';
import { repeatRows } from '../../src/agents/sac/soft-actor-critic.js';
import { LogScalar } from '../../src/agents/sac/temperature.js';
import { agentConformance, randomBuffer, twoTaskDataset } from '../support/agent-conformance.js';
import { expectToLearnTwoStepTask, TINY_SOFT_ACTOR_CRITIC } from '../support/offline-tasks.js';

const SMALL = {
  observationDim: 4,
  actionDim: 2,
  batchSize: 16,
  hiddenDims: [32, 32],
  criticHiddenDims: [32, 32],
  conservativeActions: 3,
};
const METRICS = [
  'loss/critic',
  'loss/td',
  'loss/conservative',
  'loss/actor',
  'loss/temperature',
  'loss/lagrange',
  'value/alpha',
  'value/alphaPrime',
  'value/qData',
  'value/qPolicy',
  'value/logPi',
];

agentConformance('CQLAgent', {
  create: (seed) => new CQLAgent({ ...SMALL, seed }),
  load: (dir) => CQLAgent.load(dir),
  metricKeys: METRICS,
  observationDim: 4,
  actionDim: 2,
  maxAction: 1,
});

agentConformance('CQLAgent with every option switched (Lagrange, max backup, no IS, clips, BC warm start, scalers)', {
  create: (seed) =>
    new CQLAgent({
      ...SMALL,
      seed,
      lagrange: true,
      targetActionGap: 5,
      maxTargetBackup: true,
      importanceSampling: false,
      conservativeClipMin: -50,
      conservativeClipMax: 50,
      conservativeTemperature: 2,
      backupEntropy: true,
      bcSteps: 3,
      orthogonalInit: false,
      automaticTemperature: false,
      observationScaler: { kind: 'none' },
      actionScaler: { kind: 'min-max' },
      rewardScaler: { kind: 'standard' },
    }),
  load: (dir) => CQLAgent.load(dir),
  metricKeys: METRICS,
  observationDim: 4,
  actionDim: 2,
  maxAction: 1,
});

const twoTasks = twoTaskDataset(40);

agentConformance('CQLAgent given the prompts conditioner (text and trajectory prompts)', {
  create: (seed) =>
    new CQLAgent({
      ...SMALL,
      seed,
      conditioner: {
        kind: 'prompts',
        textHeadHiddenDims: [16],
        textOutputDim: 4,
        trajectoryOutputDim: 4,
        trajectoryWidth: 8,
        trajectoryLayers: 1,
        trajectoryFeedForwardDim: 16,
        trajectoryPromptLength: 4,
      },
    }),
  load: (dir) => CQLAgent.load(dir),
  data: () => twoTasks,
  prepare: (agent, data) => agent.bindTasks(data),
  metricKeys: METRICS,
  observationDim: 4,
  actionDim: 2,
  maxAction: 1,
  context: { textPrompt: 'east', trajectoryPrompt: twoTasks.task(1).trajectoryPrompt },
});

/** logsumexp of a row, in float64. */
const logSumExp = (row: number[]) => {
  const m = Math.max(...row);
  return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
};

describe('CQL losses (golden values)', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });

  const data = [[1], [0]];
  const random = [
    [0.5, 1],
    [2, -1],
  ];
  const nextPolicy = [
    [0, 0.2],
    [1, 1],
  ];
  const policy = [
    [0.3, -0.4],
    [0, 3],
  ];
  const nextLogPi = [
    [-1, -2],
    [0.5, 0],
  ];
  const logPi = [
    [-0.5, -1.5],
    [1, 2],
  ];
  const logRandom = 2 * Math.log(0.5);
  const gapOf = (
    densities: boolean,
    settings: { temperature: number; clipMin: number | null; clipMax: number | null },
  ) =>
    tf.tidy(() => {
      const values: ConservativeValues = {
        data: tf.tensor2d(data),
        random: tf.tensor2d(random),
        nextPolicy: tf.tensor2d(nextPolicy),
        policy: tf.tensor2d(policy),
      };
      const d: ProposalDensities = {
        random: logRandom,
        nextPolicy: tf.tensor2d(nextLogPi),
        policy: tf.tensor2d(logPi),
      };
      return conservativeGap(values, densities ? d : null, settings).dataSync()[0];
    });

  test('importance-sampled gap: mean_B(T·logsumexp([Q_rand − log p, Q_π′ − log π′, Q_π − log π] / T) − Q(s, a))', () => {
    const rows = [0, 1].map((b) => [
      ...random[b].map((q) => q - logRandom),
      ...nextPolicy[b].map((q, j) => q - nextLogPi[b][j]),
      ...policy[b].map((q, j) => q - logPi[b][j]),
    ]);
    const perState = (T: number) => rows.map((row, b) => T * logSumExp(row.map((v) => v / T)) - data[b][0]);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(gapOf(true, { temperature: 1, clipMin: null, clipMax: null })).toBeCloseTo(mean(perState(1)), 5);
    expect(gapOf(true, { temperature: 2, clipMin: null, clipMax: null })).toBeCloseTo(mean(perState(2)), 5);
    const clipped = perState(1).map((g) => Math.min(4, Math.max(3.5, g)));
    expect(gapOf(true, { temperature: 1, clipMin: 3.5, clipMax: 4 })).toBeCloseTo(mean(clipped), 5);
  });

  test('without importance sampling: logsumexp over [Q_rand, Q(s, a), Q_π′, Q_π], no densities', () => {
    const perState = [0, 1].map(
      (b) => logSumExp([...random[b], data[b][0], ...nextPolicy[b], ...policy[b]]) - data[b][0],
    );
    expect(gapOf(false, { temperature: 1, clipMin: null, clipMax: null })).toBeCloseTo(
      (perState[0] + perState[1]) / 2,
      5,
    );
  });

  test('conservative term w·ΣΔᵢ, or α′·w·Σ(Δᵢ − τ); the Lagrange loss is −½ of the latter and moves α′ toward the gap', () => {
    const [plain, lagrangian, dual] = tf.tidy(() => {
      const gaps = [tf.scalar(3), tf.scalar(1.5)];
      return [
        conservativeLoss(gaps, 10, null, 5).dataSync()[0],
        conservativeLoss(gaps, 10, tf.scalar(2), 1).dataSync()[0],
        lagrangeLoss(tf.scalar(2), gaps, 10, 1).dataSync()[0],
      ];
    });
    expect(plain).toBeCloseTo(45, 5);
    expect(lagrangian).toBeCloseTo(2 * 10 * (2 + 0.5), 5);
    expect(dual).toBeCloseTo(-25, 5);
    // Gaps above the target: α′ grows (log α′ up by the learning rate on Adam's first step).
    const multiplier = new LogScalar({ initial: Math.E, learned: true, learningRate: 0.01, maxValue: 1e6, name: 'ap' });
    tf.tidy(() => multiplier.minimize(() => lagrangeLoss(multiplier.value(), [tf.scalar(3)], 10, 1)));
    expect(multiplier.log.dataSync()[0]).toBeCloseTo(1.01, 5);
    tf.tidy(() => multiplier.minimize(() => lagrangeLoss(multiplier.value(), [tf.scalar(-3)], 10, 1)));
    expect(multiplier.log.dataSync()[0]).toBeLessThan(1.01);
    multiplier.dispose();
  });

  test('repeatRows repeats each row n times in place; a shared row stays one row', () => {
    const [repeated, shared] = tf.tidy(() => [
      repeatRows(
        tf.tensor2d([
          [1, 2],
          [3, 4],
        ]),
        3,
      ).arraySync(),
      repeatRows(tf.tensor2d([[5, 6]]), 3).shape,
    ]);
    expect(repeated).toEqual([
      [1, 2],
      [1, 2],
      [1, 2],
      [3, 4],
      [3, 4],
      [3, 4],
    ]);
    expect(shared).toEqual([1, 2]);
  });

  test("config defaults are CORL's locomotion CQL; fields are validated", () => {
    const c = resolveCQLConfig({ observationDim: 11, actionDim: 3 });
    expect(c).toMatchObject({
      actorLearningRate: 3e-5,
      criticLearningRate: 3e-4,
      temperatureLearningRate: 3e-5,
      criticCount: 2,
      batchSize: 256,
      discount: 0.99,
      tau: 5e-3,
      targetEntropy: -3,
      conservativeWeight: 10,
      conservativeActions: 10,
      conservativeTemperature: 1,
      importanceSampling: true,
      lagrange: false,
      targetActionGap: -1,
      backupEntropy: false,
      maxTargetBackup: false,
      conservativeClipMin: null,
      conservativeClipMax: null,
      orthogonalInit: true,
      observationScaler: { kind: 'standard', epsilon: 1e-3 },
      actionScaler: { kind: 'none' },
      rewardScaler: { kind: 'none' },
      hiddenDims: [256, 256, 256],
    });
    expect(JSON.parse(JSON.stringify(c))).toEqual(c);
    expect(() => resolveCQLConfig({ observationDim: 3, actionDim: 1, conservativeClipMax: Infinity })).toThrow(
      /CQLConfig.conservativeClipMax must be a finite number, or null for no clip, got null/,
    );
    expect(() => resolveCQLConfig({ observationDim: 3, actionDim: 1, conservativeWeight: -1 })).toThrow(
      /conservativeWeight must be a finite number >= 0/,
    );
  });
});

describe('CQLAgent update', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });

  test('losses from the parameters at the start of the step; α and α′ step after; critic loss = TD + conservative', async () => {
    const agent = new CQLAgent({ ...SMALL, lagrange: true, targetActionGap: 1e3, temperatureLearningRate: 0.05 });
    const data = randomBuffer(4, 2);
    await agent.bindTasks(data);
    const m = agent.update(data.sample(16, new Rng(1)), true)!;
    expect(m['value/alpha']).toBe(1);
    expect(m['value/alphaPrime']).toBeCloseTo(Math.E, 5);
    expect(m['loss/critic']).toBeCloseTo(m['loss/td'] + m['loss/conservative'], 3);
    // The gaps are far below the target gap, so α′ shrinks by the learning rate (3e-4) on the first step.
    expect(agent.lagrangeMultiplier.log.dataSync()[0]).toBeCloseTo(1 - 3e-4, 6);
    const logAlpha = agent.temperature.log.dataSync()[0];
    expect(Math.abs(logAlpha)).toBeCloseTo(0.05, 5);
    // The next step's losses use the α the first step left.
    const next = agent.update(data.sample(16, new Rng(2)), true)!;
    expect(next['value/alpha']).toBeCloseTo(Math.exp(logAlpha), 5);
    agent.dispose();
  });
});

describe('CQLAgent learns', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });

  const small = TINY_SOFT_ACTOR_CRITIC;

  test('finds the best first action of a two-step task through its bootstrapped target', async () => {
    // 4 proposals of each kind per state instead of CORL's 10: the same loss at less than half the time.
    await expectToLearnTwoStepTask(new CQLAgent({ ...small, conservativeActions: 4 }));
  }, 180_000);

  test('is pessimistic off the data: Q(s, a) drops away from the data’s actions as the conservative weight grows', async () => {
    // One-step data whose actions all lie near 0.3: the rewards say nothing about other actions.
    const n = 512;
    const rng = new Rng(9);
    const data = ReplayBuffer.fromArrays({
      observations: rng.fillUniform(new Float32Array(n * 2), -1, 1),
      actions: new Float32Array(n).map(() => 0.3 + 0.05 * rng.normal()),
      rewards: new Float32Array(n).fill(1),
      nextObservations: new Float32Array(n * 2),
      terminals: new Uint8Array(n).fill(1),
      observationDim: 2,
      actionDim: 1,
    });
    const offDataGap = async (conservativeWeight: number) => {
      const agent = new CQLAgent({ ...small, conservativeWeight });
      await agent.fit(data, { steps: 200, progress: 'off' });
      const gap = tf.tidy(() => {
        const s = tf.tensor2d(new Rng(3).fillUniform(new Float32Array(64), -1, 1), [32, 2]);
        const at = (a: number) => tf.mean(agent.critic.values(s, tf.fill([32, 1], a), null)[0]).dataSync()[0];
        return at(0.3) - (at(-0.9) + at(0.9)) / 2;
      });
      agent.dispose();
      return gap;
    };
    const withoutPenalty = await offDataGap(0);
    const withPenalty = await offDataGap(10);
    expect(withPenalty).toBeGreaterThan(withoutPenalty + 0.5);
  }, 180_000);
});
