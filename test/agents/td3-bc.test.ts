import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  resolveTD3BCConfig,
  smoothedTargetActions,
  TD3_BC_DEFAULTS,
  TD3BCAgent,
  td3bcActorLoss,
} from '../../src/agents/td3-bc.js';
import type { LogRow } from '../../src/core/run/index.js';
import { ReplayBuffer } from '../../src/buffers/replay-buffer.js';
import { Rng } from '../../src/core/rng.js';
import { initEngine } from '../../src/engine/index.js';
import { agentConformance, randomBuffer } from '../support/agent-conformance.js';
import { banditData, banditError, twoBanditTasks } from '../support/offline-bandit.js';
import { randomTasks } from '../support/random-tasks.js';
import { expectClose } from '../support/tensors.js';

const SIZES = { observationDim: 3, actionDim: 2, batchSize: 16, hiddenDims: [32, 32] };

agentConformance('TD3BCAgent', {
  create: (seed) => new TD3BCAgent({ ...SIZES, seed }),
  load: (dir) => TD3BCAgent.load(dir),
  data: () => randomBuffer(3, 2),
  metricKeys: ['loss/critic', 'loss/actor', 'value/qMean'],
  observationDim: 3,
  actionDim: 2,
  maxAction: 1,
});

agentConformance('TD3BCAgent (task-id conditioner, critics on the Polyak conditioner)', {
  create: (seed) =>
    new TD3BCAgent({ ...SIZES, seed, conditioner: { kind: 'task-id', tasks: ['a', 'b'], embeddingDim: 3 } }),
  load: (dir) => TD3BCAgent.load(dir),
  data: () => randomTasks(['a', 'b'], 3, 2, 96, 40),
  prepare: (agent, data) => agent.bindTasks(data),
  metricKeys: ['loss/critic', 'loss/actor', 'value/qMean'],
  observationDim: 3,
  actionDim: 2,
  maxAction: 1,
  context: { task: 'b' },
});

describe('TD3+BC losses (golden values from the formulas)', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });

  test('target policy smoothing: the noise is clipped to ±c, the action to ±maxAction', () => {
    const smoothed = tf.tidy(() =>
      smoothedTargetActions(tf.tensor2d([[0.9, -0.2, 0]]), tf.tensor2d([[1, -3, 0.5]]), {
        noise: 0.2,
        clip: 0.5,
        maxAction: 1,
      }).dataSync(),
    );
    // noise 0.2, −0.6 → −0.5, 0.1; then 1.1 → 1, −0.7, 0.1
    expectClose(smoothed, [1, -0.7, 0.1]);
  });

  test('actor loss −λ·mean Q + MSE(π, a), λ = α / mean|Q| held constant in the gradient', () => {
    const q = tf.tensor2d([[2], [-4]]);
    const policy = tf.tensor2d([[0.5], [0]]);
    const data = tf.tensor2d([[0], [1]]);
    const lambda = 2.5 / 3; // mean |Q| = 3
    const loss = tf.tidy(() => td3bcActorLoss(q, policy, data, 2.5).dataSync()[0]);
    expect(loss).toBeCloseTo((0.25 + 1) / 2 - lambda * -1, 6);
    // dL/dQ_b = −λ / B (no gradient through λ); dL/dπ_b = 2 (π_b − a_b) / B.
    const [dq, dpi] = tf.tidy(() =>
      tf.grads((qq: tf.Tensor, pp: tf.Tensor) => td3bcActorLoss(qq as tf.Tensor2D, pp as tf.Tensor2D, data, 2.5))([
        q,
        policy,
      ]),
    );
    expectClose(dq.dataSync(), [-lambda / 2, -lambda / 2]);
    expectClose(dpi.dataSync(), [0.5, -1]);
    tf.dispose([q, policy, data, dq, dpi]);
  });

  test('defaults are CORL’s TD3+BC and fields are validated', () => {
    expect(resolveTD3BCConfig({ observationDim: 11, actionDim: 3 })).toMatchObject({
      alpha: 2.5,
      policyNoise: 0.2,
      noiseClip: 0.5,
      policyFrequency: 2,
      tau: 0.005,
      discount: 0.99,
      batchSize: 256,
      hiddenDims: [256, 256],
      actorLearningRate: 3e-4,
      criticLearningRate: 3e-4,
      observationScaler: { kind: 'standard', epsilon: 1e-3 },
      actionScaler: { kind: 'none' },
      rewardScaler: { kind: 'none' },
    });
    expect(TD3_BC_DEFAULTS.criticConditioning).toBe('ema');
    expect(() => resolveTD3BCConfig({ observationDim: 1, actionDim: 1, policyFrequency: 0 })).toThrow(
      /TD3BCConfig.policyFrequency must be an integer >= 1, got 0/,
    );
  });
});

describe('TD3BCAgent update', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });
  const weights = (vs: readonly tf.Variable[]) => JSON.stringify(vs.map((v) => Array.from(v.dataSync())));

  test('the actor and every target move only on every second step, after the critic', async () => {
    const data = randomBuffer(3, 2, 128, 9);
    const agent = new TD3BCAgent(SIZES);
    await agent.bindTasks(data);
    const batch = data.sample(16, new Rng(3));
    const snapshot = () => ({
      actor: weights(agent.actor.trainableVariables()),
      actorTarget: weights(agent.actorTarget.trainableVariables()),
      critic: weights(agent.critic.trainableVariables()),
      criticTarget: weights(agent.criticTarget.trainableVariables()),
    });
    const start = snapshot();
    const first = agent.update(batch, true)!;
    const afterCriticOnly = snapshot();
    expect(Object.keys(first).sort()).toEqual(['loss/critic', 'value/qMean']);
    expect(afterCriticOnly.critic).not.toBe(start.critic);
    expect([afterCriticOnly.actor, afterCriticOnly.actorTarget, afterCriticOnly.criticTarget]).toEqual([
      start.actor,
      start.actorTarget,
      start.criticTarget,
    ]);
    const second = agent.update(batch, true)!;
    const afterActor = snapshot();
    expect(Object.keys(second).sort()).toEqual(['loss/actor', 'loss/critic', 'value/qMean']);
    expect(afterActor.actor).not.toBe(afterCriticOnly.actor);
    expect(afterActor.actorTarget).not.toBe(start.actorTarget);
    expect(afterActor.criticTarget).not.toBe(start.criticTarget);
    agent.dispose();
  });

  test('an epoch averages loss/actor over the steps that logged it, not over every read', async () => {
    const rows: LogRow[] = [];
    const logger = { metrics: (row: LogRow) => rows.push(row), evaluation: () => undefined };
    const agent = new TD3BCAgent(SIZES);
    const report = await agent.fit(randomBuffer(3, 2, 128, 8), {
      steps: 4,
      stepsPerEpoch: 4,
      logEvery: 1,
      progress: 'off',
      loggers: [logger],
    });
    const actorLosses = rows.map((r) => r.values['loss/actor']).filter((v) => v !== undefined);
    expect(actorLosses).toHaveLength(2);
    expect(report.history[0].metrics['loss/actor']).toBeCloseTo((actorLosses[0] + actorLosses[1]) / 2, 6);
    agent.dispose();
  });

  test('the observation statistics come from the data and are saved with the agent', async () => {
    const rng = new Rng(4);
    const n = 256;
    const offset = (v: number, i: number) => 50 + 10 * v + (i % 3);
    const observations = rng.fillNormal(new Float32Array(n * 3)).map(offset);
    const data = ReplayBuffer.fromArrays({
      observations,
      actions: rng.fillUniform(new Float32Array(n * 2), -1, 1),
      rewards: rng.fillUniform(new Float32Array(n), 0, 1),
      nextObservations: observations,
      terminals: new Uint8Array(n),
      observationDim: 3,
      actionDim: 2,
    });
    const agent = new TD3BCAgent(SIZES);
    await agent.fit(data, { steps: 4, progress: 'off' });
    const dir = mkdtempSync(join(tmpdir(), 'llmdpd-td3bc-'));
    try {
      agent.save(dir);
      const loaded = TD3BCAgent.load(dir);
      const o = observations.slice(0, 3);
      expect(Array.from(loaded.act(o))).toEqual(Array.from(agent.act(o)));
      // The loaded agent never saw the data: it acts as the trained one only with the saved statistics.
      const fresh = new TD3BCAgent(SIZES);
      const before = Array.from(fresh.act(o));
      await fresh.bindTasks(data);
      expect(Array.from(fresh.act(o))).not.toEqual(before);
      fresh.dispose();
      loaded.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      agent.dispose();
    }
  });
});

describe('TD3BCAgent learns', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });
  const small = {
    observationDim: 2,
    actionDim: 1,
    batchSize: 64,
    hiddenDims: [64, 64],
    actorLearningRate: 3e-3,
    criticLearningRate: 3e-3,
    seed: 4,
  };

  test('on the offline bandit the Q term pulls π from the data’s mean to the best action', async () => {
    const agent = new TD3BCAgent(small);
    await agent.fit(banditData(0.7, 1), { steps: 400, progress: 'off' });
    expect(banditError((o) => agent.act(o), 0.7)).toBeLessThan(0.15);
    agent.dispose();
  }, 120_000);

  test('two bandits with opposite best actions: a task-id conditioner tells them apart', async () => {
    const conditioner = { kind: 'task-id' as const, tasks: ['left', 'right'], embeddingDim: 4 };
    const agent = new TD3BCAgent({ ...small, conditioner });
    await agent.fit(twoBanditTasks(), { steps: 600, progress: 'off' });
    const left = await agent.policy({ task: 'left' });
    const right = await agent.policy({ task: 'right' });
    expect(banditError((o) => left.act(o), -0.7)).toBeLessThan(0.2);
    expect(banditError((o) => right.act(o), 0.7)).toBeLessThan(0.2);
    agent.dispose();
  }, 120_000);
});
