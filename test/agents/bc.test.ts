import * as tf from '@tensorflow/tfjs-core';
import { BCAgent, likelihoodBcLoss, mseBcLoss, resolveBCConfig } from '../../src/agents/bc.js';
import { gaussianLogProb } from '../../src/agents/common/networks/actors.js';
import { MultiTaskDataset } from '../../src/buffers/multi-task-dataset.js';
import { ReplayBuffer } from '../../src/buffers/replay-buffer.js';
import { Rng } from '../../src/core/rng.js';
import { initEngine } from '../../src/engine/index.js';
import { agentConformance } from '../support/agent-conformance.js';
import { expectClose } from '../support/tensors.js';

const SMALL = { observationDim: 4, actionDim: 2, batchSize: 16, hiddenDims: [32, 32] };

agentConformance('BCAgent (deterministic)', {
  create: (seed) => new BCAgent({ ...SMALL, seed }),
  load: (dir) => BCAgent.load(dir),
  metricKeys: ['loss/actor'],
  observationDim: 4,
  actionDim: 2,
  maxAction: 1,
});

agentConformance('BCAgent (Gaussian)', {
  create: (seed) => new BCAgent({ ...SMALL, seed, policy: 'gaussian' }),
  load: (dir) => BCAgent.load(dir),
  metricKeys: ['loss/actor'],
  observationDim: 4,
  actionDim: 2,
  maxAction: 1,
});

describe('BC losses (golden values)', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });

  test('MSE over B×A, and −mean log-likelihood of a diagonal Gaussian summed over A', () => {
    const mse = tf.tidy(
      () =>
        mseBcLoss(
          tf.tensor2d([
            [0.5, -1],
            [0, 0.25],
          ]),
          tf.tensor2d([
            [0, -1],
            [1, 0.75],
          ]),
        ).dataSync()[0],
    );
    expect(mse).toBeCloseTo((0.25 + 0 + 1 + 0.25) / 4, 6);
    const logStd = [Math.log(0.5), 0];
    const [lp, loss] = tf.tidy(() => {
      const l = gaussianLogProb(tf.tensor2d([[0, 1]]), tf.tensor1d(logStd), tf.tensor2d([[0.5, -1]]));
      return [l.dataSync()[0], likelihoodBcLoss(l).dataSync()[0]];
    });
    const half = 0.5 * Math.log(2 * Math.PI);
    const want = -0.5 * (0.5 / 0.5) ** 2 - Math.log(0.5) - half + (-0.5 * 2 ** 2 - 0 - half);
    expectClose([lp, loss], [want, -want], 1e-5);
  });

  test('config defaults are CORL’s BC and fields are validated', () => {
    const c = resolveBCConfig({ observationDim: 3, actionDim: 1 });
    expect(c).toMatchObject({ hiddenDims: [256, 256], learningRate: 3e-4, batchSize: 256, policy: 'deterministic' });
    expect(() => resolveBCConfig({ observationDim: 3, actionDim: 1, policy: 'beta' as never })).toThrow(
      /BCConfig.policy must be one of 'deterministic', 'gaussian'/,
    );
  });
});

describe('BCAgent learns', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });

  /** One-step data whose expert action is 0.6·s0 + goal, plus noise; the observation says nothing of the goal. */
  function expertData(goal: number, seed: number, n = 1024): ReplayBuffer {
    const rng = new Rng(seed);
    const s = rng.fillUniform(new Float32Array(n * 2), -1, 1);
    const a = new Float32Array(n).map((_, i) => Math.max(-1, Math.min(1, 0.6 * s[2 * i] + goal + 0.05 * rng.normal())));
    return ReplayBuffer.fromArrays({
      observations: s,
      actions: a,
      rewards: new Float32Array(n),
      nextObservations: s,
      terminals: new Uint8Array(n).fill(1),
      observationDim: 2,
      actionDim: 1,
    });
  }
  const demo = (buffer: ReplayBuffer) => buffer.trajectory({ start: 0, length: 3 });
  const twoTasks = () =>
    new MultiTaskDataset([
      {
        name: 'up',
        buffer: expertData(0.3, 1),
        textPrompt: 'up',
        trajectoryPrompt: demo(expertData(0.3, 1)),
        params: { g: 0.3 },
      },
      {
        name: 'down',
        buffer: expertData(-0.3, 2),
        textPrompt: 'down',
        trajectoryPrompt: demo(expertData(-0.3, 2)),
        params: { g: -0.3 },
      },
    ]);
  const meanError = (act: (o: Float32Array) => Float32Array, goal: number) => {
    const rng = new Rng(5);
    let err = 0;
    for (let i = 0; i < 40; i++) {
      const o = rng.fillUniform(new Float32Array(2), -1, 1);
      err += Math.abs(act(o)[0] - (0.6 * o[0] + goal));
    }
    return err / 40;
  };
  const small = { observationDim: 2, actionDim: 1, batchSize: 64, hiddenDims: [64, 64], learningRate: 3e-3, seed: 3 };

  test('both policies clone a single expert', async () => {
    for (const policy of ['deterministic', 'gaussian'] as const) {
      const agent = new BCAgent({ ...small, policy });
      await agent.fit(expertData(0, 4), { steps: 400, progress: 'off' });
      expect(meanError((o) => agent.act(o), 0)).toBeLessThan(0.08);
      agent.dispose();
    }
  }, 60_000);

  test('two tasks told apart only by the conditioner: task-id and features succeed, none cannot', async () => {
    const data = twoTasks();
    const errors: Record<string, number> = {};
    for (const kind of ['none', 'task-id', 'features'] as const) {
      const conditioner =
        kind === 'task-id'
          ? { kind, tasks: ['up', 'down'], embeddingDim: 4 }
          : kind === 'features'
            ? { kind, paramKeys: ['g'] }
            : { kind };
      const agent = new BCAgent({ ...small, conditioner });
      await agent.fit(data, { steps: 500, progress: 'off' });
      const up = await agent.policy({ task: 'up', features: [0.3] });
      const down = await agent.policy({ task: 'down', features: [-0.3] });
      errors[kind] = (meanError((o) => up.act(o), 0.3) + meanError((o) => down.act(o), -0.3)) / 2;
      agent.dispose();
    }
    expect(errors['task-id']).toBeLessThan(0.1);
    expect(errors['features']).toBeLessThan(0.1);
    expect(errors['none']).toBeGreaterThan(0.25); // the best single policy is off by 0.3 on both tasks
  }, 90_000);
});
