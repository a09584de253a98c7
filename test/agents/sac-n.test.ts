import * as tf from '@tensorflow/tfjs-core';
import { MultiTaskDataset } from '../../src/buffers/multi-task-dataset.js';
import { Rng } from '../../src/core/rng.js';
import { initEngine } from '../../src/engine/index.js';
import { resolveSACNConfig, SACNAgent } from '../../src/agents/sac-n.js';
import { LogScalar, softActorLoss, softValue, temperatureLoss } from '../../src/agents/sac/temperature.js';
import { agentConformance, randomBuffer, twoTaskDataset } from '../support/agent-conformance.js';
import {
  expectToLearnTwoStepTask,
  firstStepError,
  TINY_SOFT_ACTOR_CRITIC,
  twoStepTask,
} from '../support/offline-tasks.js';
import { expectClose } from '../support/tensors.js';

const SMALL = {
  observationDim: 4,
  actionDim: 2,
  batchSize: 16,
  hiddenDims: [32, 32],
  criticHiddenDims: [32, 32],
  criticCount: 3,
};
const METRICS = ['loss/critic', 'loss/actor', 'loss/temperature', 'value/alpha', 'value/qPolicy', 'value/logPi'];

agentConformance('SACNAgent', {
  create: (seed) => new SACNAgent({ ...SMALL, seed }),
  load: (dir) => SACNAgent.load(dir),
  metricKeys: METRICS,
  observationDim: 4,
  actionDim: 2,
  maxAction: 1,
});

const twoTasks = twoTaskDataset(30);

agentConformance('SACNAgent with a task-id conditioner, standardised observations and maxAction 2', {
  create: (seed) =>
    new SACNAgent({
      ...SMALL,
      seed,
      maxAction: 2,
      observationScaler: { kind: 'standard' },
      conditioner: { kind: 'task-id', tasks: ['north', 'east'], embeddingDim: 4 },
    }),
  load: (dir) => SACNAgent.load(dir),
  data: () => twoTasks,
  prepare: (agent, data) => agent.bindTasks(data),
  metricKeys: METRICS,
  observationDim: 4,
  actionDim: 2,
  maxAction: 2,
  context: { task: 'east' },
});

describe('soft actor-critic losses (golden values)', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });

  test('actor: mean(α log π − minᵢ Qᵢ)', () => {
    const loss = tf.tidy(
      () =>
        softActorLoss(
          tf.tensor2d([[-1], [2]]),
          [tf.tensor2d([[1], [3]]), tf.tensor2d([[2], [0]]), tf.tensor2d([[4], [5]])],
          tf.scalar(0.5),
        ).dataSync()[0],
    );
    expect(loss).toBeCloseTo((0.5 * -1 - 1 + (0.5 * 2 - 0)) / 2, 6);
  });

  test('soft value: minᵢ Q′ᵢ − α log π′, or minᵢ Q′ᵢ without the entropy term', () => {
    const [soft, plain] = tf.tidy(() => {
      const q = [tf.tensor2d([[1], [-3]]), tf.tensor2d([[0.5], [2]])];
      const logPi = tf.tensor2d([[-2], [1]]);
      return [softValue(q, logPi, tf.scalar(0.2)).dataSync(), softValue(q, logPi, null).dataSync()];
    });
    expectClose(soft, [0.5 + 0.4, -3 - 0.2], 1e-6);
    expectClose(plain, [0.5, -3], 1e-6);
  });

  test('temperature: −mean(log α · (log π + H̄)); one Adam step moves log α by −lr·sign(∂L/∂log α)', () => {
    const loss = tf.tidy(() => temperatureLoss(tf.scalar(Math.log(2)), tf.tensor2d([[-1], [0.5]]), -2).dataSync()[0]);
    // ∂L/∂log α = −mean(log π + H̄) = −mean(−3, −1.5) = 2.25
    expect(loss).toBeCloseTo(Math.log(2) * 2.25, 5);
    const alpha = new LogScalar({ initial: 2, learned: true, learningRate: 0.01, name: 'log_alpha_test' });
    const stepped = tf.tidy(
      () => alpha.minimize(() => temperatureLoss(alpha.log, tf.tensor2d([[-1], [0.5]]), -2)).dataSync()[0],
    );
    expect(stepped).toBeCloseTo(loss, 5);
    expect(alpha.log.dataSync()[0]).toBeCloseTo(Math.log(2) - 0.01, 5);
    expect(tf.tidy(() => alpha.value().dataSync()[0])).toBeCloseTo(2 * Math.exp(-0.01), 5);
    alpha.dispose();
    const fixed = new LogScalar({ initial: 0.2, learned: false, learningRate: 1, multiplier: 3, name: 'alpha_fixed' });
    expect(tf.tidy(() => fixed.minimize(() => tf.scalar(1)).dataSync()[0])).toBe(0);
    expect(tf.tidy(() => fixed.value().dataSync()[0])).toBeCloseTo(0.6, 6);
    fixed.dispose();
  });

  test("config defaults are CORL's SAC-N; fields are validated", () => {
    const c = resolveSACNConfig({ observationDim: 17, actionDim: 6 });
    expect(c).toMatchObject({
      criticCount: 10,
      actorLearningRate: 3e-4,
      criticLearningRate: 3e-4,
      temperatureLearningRate: 3e-4,
      discount: 0.99,
      tau: 5e-3,
      batchSize: 256,
      hiddenDims: [256, 256, 256],
      criticHiddenDims: [256, 256, 256],
      observationScaler: { kind: 'none' },
      targetEntropy: -6,
      initialTemperature: 1,
      criticConditioning: 'online-detached',
    });
    expect(() => resolveSACNConfig({ observationDim: 3, actionDim: 1, criticCount: 0 })).toThrow(
      /SACNConfig.criticCount must be an integer >= 1, got 0/,
    );
    expect(() => resolveSACNConfig({ observationDim: 3, actionDim: 1, criticConditioning: 'ema' as never })).toThrow(
      /criticConditioning must be one of 'none', 'online-detached'/,
    );
    expect(() => resolveSACNConfig({ observationDim: 3, actionDim: 1, critics: 2 } as never)).toThrow(
      /has no field 'critics'. Did you mean 'criticLearningRate' or 'criticCount'/,
    );
  });
});

describe('SACNAgent update', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });

  test('α steps first (its reported value is the stepped one) and only the critics move the targets by τ', async () => {
    const agent = new SACNAgent({ ...SMALL, temperatureLearningRate: 0.05 });
    const data = randomBuffer(4, 2);
    await agent.bindTasks(data);
    const target = () => agent.criticTarget.trainableVariables().map((v) => Float32Array.from(v.dataSync()));
    const critic = () => agent.critic.trainableVariables().map((v) => Float32Array.from(v.dataSync()));
    const before = { target: target(), critic: critic() };
    const m = agent.update(data.sample(16, new Rng(1)), true)!;
    // First Adam step: log α moves by exactly −lr·sign(−mean(log π + H̄)).
    expect(Math.abs(Math.log(m['value/alpha']))).toBeCloseTo(0.05, 4);
    expect(Math.sign(Math.log(m['value/alpha']))).toBe(Math.sign(m['value/logPi'] - 2));
    const after = { target: target(), critic: critic() };
    after.target.forEach((t, i) => {
      const expected = before.target[i].map((old, j) => 0.005 * after.critic[i][j] + 0.995 * old);
      expectClose(t, expected, 1e-6, 1e-5);
    });
    agent.dispose();
  });
});

describe('SACNAgent learns', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });

  const small = TINY_SOFT_ACTOR_CRITIC;

  test('plain SAC (N = 2) finds the best first action of a two-step task through its bootstrapped target', async () => {
    await expectToLearnTwoStepTask(new SACNAgent({ ...small, criticCount: 2 }));
  }, 180_000);

  test('two tasks told apart only by the conditioner: with task ids it finds each goal, without it cannot', async () => {
    const data = new MultiTaskDataset(
      [
        ['left', -0.4],
        ['right', 0.4],
      ].map(([name, goal], i) => {
        const buffer = twoStepTask(goal as number, 10 + i);
        return {
          name: name as string,
          buffer,
          textPrompt: name as string,
          trajectoryPrompt: buffer.trajectory({ start: 0, length: 2 }),
        };
      }),
    );
    const errors: Record<string, number> = {};
    for (const kind of ['none', 'task-id'] as const) {
      const conditioner = kind === 'none' ? { kind } : { kind, tasks: ['left', 'right'], embeddingDim: 4 };
      const agent = new SACNAgent({ ...small, criticCount: 2, conditioner });
      await agent.fit(data, { steps: 800, progress: 'off' });
      const left = await agent.policy({ task: 'left' });
      const right = await agent.policy({ task: 'right' });
      errors[kind] = (firstStepError((o) => left.act(o), -0.4) + firstStepError((o) => right.act(o), 0.4)) / 2;
      agent.dispose();
    }
    expect(errors['task-id']).toBeLessThan(0.15);
    expect(errors['none']).toBeGreaterThan(0.3); // the best single first action is off by 0.4 on both tasks
  }, 300_000);
});
