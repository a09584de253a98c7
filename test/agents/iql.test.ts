import * as tf from '@tensorflow/tfjs-core';
import { IQL_DEFAULTS, IQLAgent, resolveIQLConfig } from '../../src/agents/iql.js';
import { advantageWeights, expectileLoss, meanCriticLoss, squaredErrorPerRow } from '../../src/agents/iql.js';
import { weightedPolicyLoss } from '../../src/agents/iql.js';
import { cosineAnnealedRate, scheduledRate } from '../../src/agents/common/learning-rate.js';
import { presetDatasets, presetDifferences, presetFor } from '../../src/agents/presets/presets.js';
import { NotFoundError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { initEngine } from '../../src/engine/index.js';
import { agentConformance, randomBuffer } from '../support/agent-conformance.js';
import { banditData, banditError } from '../support/offline-bandit.js';
import { randomTasks } from '../support/random-tasks.js';
import { expectClose } from '../support/tensors.js';

const TINY = { observationDim: 4, actionDim: 2, batchSize: 16, hiddenDims: [32, 32] };
const IQL_METRICS = ['loss/value', 'loss/critic', 'loss/actor', 'value/qMean', 'value/advantageMean'];

agentConformance('IQLAgent (Gaussian)', {
  create: (seed) => new IQLAgent({ ...TINY, seed }),
  load: (dir) => IQLAgent.load(dir),
  metricKeys: IQL_METRICS,
  observationDim: 4,
  actionDim: 2,
  maxAction: 1,
});

const northEast = randomTasks(['north', 'east'], 4, 2);

agentConformance('IQLAgent (deterministic, task-id conditioner)', {
  create: (seed) =>
    new IQLAgent({
      ...TINY,
      seed,
      policy: 'deterministic',
      conditioner: { kind: 'task-id', tasks: ['north', 'east'], embeddingDim: 4 },
    }),
  load: (dir) => IQLAgent.load(dir),
  data: () => northEast,
  prepare: (agent, data) => agent.bindTasks(data),
  metricKeys: IQL_METRICS,
  observationDim: 4,
  actionDim: 2,
  maxAction: 1,
  context: { task: 'north' },
});

describe('IQL losses (golden values from the formulas)', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });
  const read = (f: () => tf.Tensor) => Array.from(tf.tidy(() => f().dataSync()));

  test('expectile loss: mean of |τ − 1[u < 0]| · u²', () => {
    // τ = 0.7: weights 0.7, 0.3, 0.7, 0.3 on u² = 1, 4, 0.25, 0.25.
    const u = [[1], [-2], [0.5], [-0.5]];
    expectClose(
      read(() => expectileLoss(tf.tensor2d(u), 0.7)),
      [(0.7 + 1.2 + 0.175 + 0.075) / 4],
    );
    // τ = 0.5 is half the mean squared error.
    expectClose(
      read(() => expectileLoss(tf.tensor2d(u), 0.5)),
      [(0.5 * (1 + 4 + 0.25 + 0.25)) / 4],
    );
  });

  test('critic loss: the mean over the critics of MSE(Qᵢ, y)', () => {
    const y = tf.tensor2d([[1], [1]]);
    const q = [tf.tensor2d([[1], [2]]), tf.tensor2d([[0], [2]])];
    expectClose(
      read(() => meanCriticLoss(q, y)),
      [(0.5 + 1) / 2],
    );
  });

  test('advantage weights exp(β·u) clipped at the maximum; the weighted policy loss', () => {
    expectClose(
      read(() => advantageWeights(tf.tensor2d([[0], [1], [2], [-1]]), 3, 100)),
      [1, Math.exp(3), 100, Math.exp(-3)],
    );
    expectClose(
      read(() => weightedPolicyLoss(tf.tensor2d([[1], [2]]), tf.tensor2d([[3], [4]]))),
      [(3 + 8) / 2],
    );
    const predicted = tf.tensor2d([0.2, 0.9, -0.3, -0.6, 0, 1], [2, 3]);
    const taken = tf.tensor2d([0.5, 0.9, 0.1, 0.4, 0, -1], [2, 3]);
    const rows = read(() => squaredErrorPerRow(predicted, taken));
    expectClose(rows, [0.09 + 0 + 0.16, 1 + 0 + 4]); // Σ over the action dimensions, per row
  });

  test('the actor rate follows PyTorch’s CosineAnnealingLR to 0 and back up', () => {
    expect(cosineAnnealedRate(3e-4, 0, 100)).toBeCloseTo(3e-4, 12);
    expect(cosineAnnealedRate(3e-4, 25, 100)).toBeCloseTo((3e-4 * (1 + Math.SQRT1_2)) / 2, 12);
    expect(cosineAnnealedRate(3e-4, 50, 100)).toBeCloseTo(1.5e-4, 12);
    expect(cosineAnnealedRate(3e-4, 100, 100)).toBeCloseTo(0, 12);
    expect(cosineAnnealedRate(3e-4, 150, 100)).toBeCloseTo(1.5e-4, 12);
    expect(scheduledRate('constant', 3e-4, 50, 100)).toBe(3e-4);
  });

  test('defaults are CORL’s IQL, fields are validated, and there is no EMA critic conditioning', () => {
    const c = resolveIQLConfig({ observationDim: 11, actionDim: 3 });
    expect(c).toMatchObject({
      hiddenDims: [256, 256],
      activation: 'relu',
      batchSize: 256,
      discount: 0.99,
      tau: 0.005,
      expectile: 0.7,
      beta: 3,
      maxAdvantageWeight: 100,
      actorLearningRate: 3e-4,
      criticLearningRate: 3e-4,
      valueLearningRate: 3e-4,
      actorSchedule: 'cosine',
      actorScheduleSteps: 1_000_000,
      policy: 'gaussian',
      observationScaler: { kind: 'standard', epsilon: 1e-3 },
    });
    expect(Object.isFrozen(c.hiddenDims)).toBe(true);
    expect(IQL_DEFAULTS.criticConditioning).toBe('online-detached');
    expect(() => resolveIQLConfig({ observationDim: 1, actionDim: 1, expectile: 1 })).toThrow(
      /IQLConfig.expectile must be a number in \(0, 1\), got 1/,
    );
    expect(() => resolveIQLConfig({ observationDim: 1, actionDim: 1, criticConditioning: 'ema' as never })).toThrow(
      /IQLConfig.criticConditioning must be one of 'none', 'online-detached'/,
    );
    expect(() => resolveIQLConfig({ observationDim: 1, actionDim: 1, iqlTau: 0.7 } as never)).toThrow(
      /IQLConfig has no field 'iqlTau'/,
    );
  });
});

describe('IQLAgent update', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });

  test('the actor steps at the cosine rate: at step = actorScheduleSteps the rate is 0 and π stands still', async () => {
    const data = randomBuffer(4, 2, 256, 3);
    const moved = async (actorSchedule: 'cosine' | 'constant') => {
      const agent = new IQLAgent({ ...TINY, actorSchedule, actorScheduleSteps: 1 });
      await agent.bindTasks(data);
      const batch = data.sample(16, new Rng(1));
      agent.update(batch); // step 0: rate 3e-4
      const before = agent.actor.trainableVariables().map((v) => Array.from(v.dataSync()));
      agent.update(batch); // step 1: rate 3e-4 · (1 + cos π) / 2 = 0 under the cosine
      const after = agent.actor.trainableVariables().map((v) => Array.from(v.dataSync()));
      agent.dispose();
      return { actor: JSON.stringify(after) !== JSON.stringify(before) };
    };
    expect((await moved('cosine')).actor).toBe(false);
    expect((await moved('constant')).actor).toBe(true);
  });

  test('the value step reads the target critics: its loss is the expectile loss of min(Q1′, Q2′) − V', async () => {
    const data = randomBuffer(4, 2, 256, 4);
    const agent = new IQLAgent({ ...TINY, observationScaler: { kind: 'none' } });
    await agent.bindTasks(data);
    const batch = data.sample(16, new Rng(2));
    for (let i = 0; i < 3; i++) agent.update(batch); // the online critics move away from their targets
    const expected = tf.tidy(() => {
      const s = tf.tensor2d(batch.observations, [16, 4]);
      const a = tf.tensor2d(batch.actions, [16, 2]);
      const [q1, q2] = agent.criticTarget.values(s, a, null);
      const u = tf.sub<tf.Tensor2D>(tf.minimum(q1, q2), agent.value.apply(s, null));
      return [expectileLoss(u, 0.7).dataSync()[0], tf.mean(u).dataSync()[0]];
    });
    const metrics = agent.update(batch, true)!;
    expectClose([metrics['loss/value'], metrics['value/advantageMean']], expected, 1e-6, 1e-5);
    agent.dispose();
  });
});

describe('IQLAgent.preset', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });

  test('CORL’s nine locomotion configs: the defaults are halfcheetah’s and walker2d’s, hopper differs', () => {
    expect(presetDatasets('iql')).toHaveLength(9);
    for (const env of ['halfcheetah', 'walker2d'])
      for (const kind of ['medium', 'medium-replay', 'medium-expert'])
        expect(presetDifferences(presetFor('iql', `${env}-${kind}-v2`), IQL_DEFAULTS)).toEqual([]);
    const fields = (dataset: string) => presetDifferences(presetFor('iql', dataset), IQL_DEFAULTS).map((d) => d.field);
    expect(fields('hopper-medium-v2')).toEqual(['tau', 'policy', 'rewardScaler']);
    expect(fields('hopper-medium-expert-v2')).toEqual(['beta', 'expectile']);
  });

  test('builds an agent with the preset, then the overrides; an unknown dataset names the close ones', async () => {
    const agent = IQLAgent.preset('hopper-medium-replay-v2', { ...TINY, seed: 3 });
    expect(agent.config).toMatchObject({
      ...TINY,
      seed: 3,
      policy: 'deterministic',
      tau: 0.001,
      beta: 3,
      expectile: 0.7,
      rewardScaler: { kind: 'return', multiplier: 1000 },
    });
    // The resolved config still follows the preset (scaler objects compare by their fields).
    expect(presetDifferences(presetFor('iql', 'hopper-medium-replay-v2'), { ...agent.config })).toEqual([]);
    const data = randomBuffer(4, 2, 64, 5);
    await agent.bindTasks(data); // fits the return-based reward scaler to the data's episodes
    expect(Number.isFinite(agent.update(data.sample(16, new Rng(1)), true)!['loss/critic'])).toBe(true);
    agent.dispose();
    expect(() => IQLAgent.preset('hopper-medium', TINY)).toThrow(NotFoundError);
    expect(() => IQLAgent.preset('hopper-medium', TINY)).toThrow(/Did you mean "hopper-medium-v2"/);
  });
});

describe('IQLAgent learns', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });

  test('on the offline bandit it improves on the behaviour (BC stays off by ~0.35)', async () => {
    const small = { observationDim: 2, actionDim: 1, batchSize: 64, hiddenDims: [64, 64], seed: 2 };
    const rates = { actorLearningRate: 3e-3, criticLearningRate: 3e-3, valueLearningRate: 3e-3 };
    const errors: Record<string, number> = {};
    for (const policy of ['gaussian', 'deterministic'] as const) {
      const agent = new IQLAgent({ ...small, ...rates, policy, actorScheduleSteps: 300 });
      await agent.fit(banditData(0.7, 1), { steps: 300, progress: 'off' });
      errors[policy] = banditError((o) => agent.act(o), 0.7);
      agent.dispose();
    }
    expect(errors['gaussian']).toBeLessThan(0.15);
    expect(errors['deterministic']).toBeLessThan(0.15);
  }, 120_000);
});
