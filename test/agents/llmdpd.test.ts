import { LLMDPDAgent, conditionDim, resolveLLMDPDConfig } from '../../src/agents/llmdpd.js';
import { MultiTaskDataset } from '../../src/buffers/multi-task-dataset.js';
import { ConfigError } from '../../src/core/errors.js';
import { HashedNgramTextEncoder } from '../../src/encoders/text/hashed-text-encoder.js';
import { initEngine } from '../../src/engine/index.js';
import { agentConformance, randomBuffer } from '../support/agent-conformance.js';

const SMALL = {
  observationDim: 4,
  actionDim: 2,
  batchSize: 16,
  hiddenDims: [32, 32],
  criticHiddenDims: [32, 32],
  actionCandidates: 8,
  emaStartStep: 2,
  emaEvery: 1,
  textHeadHiddenDims: [16],
  textOutputDim: 8,
  trajectoryOutputDim: 8,
  trajectoryWidth: 16,
  trajectoryLayers: 1,
  trajectoryFeedForwardDim: 32,
  trajectoryPromptLength: 5,
};
const encoder = new HashedNgramTextEncoder({ dimension: 64 });

function twoTaskDataset(): MultiTaskDataset {
  const tasks = ['reach the north target', 'reach the east target'].map((text, i) => {
    const buffer = randomBuffer(4, 2, 256, 10 + i);
    return {
      name: `task-${i}`,
      buffer,
      textPrompt: text,
      trajectoryPrompt: buffer.trajectory({ start: 0, length: 6 }),
    };
  });
  return new MultiTaskDataset(tasks);
}
const dataset = twoTaskDataset();
const context = { textPrompt: dataset.task(0).textPrompt, trajectoryPrompt: dataset.task(0).trajectoryPrompt };

agentConformance('LLMDPDAgent', {
  create: (seed) => new LLMDPDAgent({ ...SMALL, seed }, { textEncoder: encoder }),
  load: (dir) => LLMDPDAgent.load(dir, { textEncoder: encoder }),
  data: () => dataset,
  prepare: (agent, data) => agent.prepareTasks(data as MultiTaskDataset),
  metricKeys: ['loss/critic', 'loss/actor', 'loss/bc', 'value/qMean'],
  observationDim: 4,
  actionDim: 2,
  maxAction: 1,
  context,
});

describe('LLMDPDAgent', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });

  test('builds with the default text encoder and the README options (no dependencies given)', () => {
    const agent = new LLMDPDAgent({ ...SMALL });
    expect(agent.textEncoderInfo?.dimension).toBe(agent.config.conditioner.textEmbeddingDim);
    expect(agent.config.conditioner.trajectoryDropout).toBe(0.1);
    agent.dispose();
  });

  test('the condition width follows the ablation switches', () => {
    const base = { ...SMALL, textEmbeddingDim: 64 };
    expect(conditionDim(resolveLLMDPDConfig(base))).toBe(16);
    expect(conditionDim(resolveLLMDPDConfig({ ...base, useTextPrompt: false }))).toBe(8);
    expect(conditionDim(resolveLLMDPDConfig({ ...base, useTextPrompt: false, useTrajectoryPrompt: false }))).toBe(0);
    expect(() => resolveLLMDPDConfig({ ...base, trajectoryHeads: 3 })).toThrow(/must divide trajectoryWidth/);
  });

  test('different prompts give different actions for the same observation and noise', async () => {
    const agent = new LLMDPDAgent({ ...SMALL, seed: 3 }, { textEncoder: encoder });
    await agent.fit(dataset, { steps: 4, progress: 'off' });
    const obs = new Float32Array([0.1, -0.2, 0.3, 0.4]);
    const p0 = await agent.policy(context);
    // Same acting-stream position for both prompts: act from a saved-and-loaded twin.
    const dir = (await import('node:fs')).mkdtempSync(
      (await import('node:path')).join((await import('node:os')).tmpdir(), 'llmdpd-'),
    );
    agent.save(dir);
    const twin = LLMDPDAgent.load(dir, { textEncoder: encoder });
    const a0 = p0.act(obs);
    const a1 = (
      await twin.policy({ textPrompt: dataset.task(1).textPrompt, trajectoryPrompt: dataset.task(1).trajectoryPrompt })
    ).act(obs);
    expect(Array.from(a1)).not.toEqual(Array.from(a0));
    agent.dispose();
    twin.dispose();
  });

  test('act on an unseen text before embedding it says what to call; load rejects another encoder', async () => {
    const agent = new LLMDPDAgent({ ...SMALL }, { textEncoder: encoder });
    await agent.prepareTasks(dataset);
    expect(() =>
      agent.act(new Float32Array(4), { textPrompt: 'never seen', trajectoryPrompt: context.trajectoryPrompt }),
    ).toThrow(/await agent.policy\(context\)/);
    expect(() => agent.act(new Float32Array(4), { textPrompt: context.textPrompt })).toThrow(ConfigError);
    const dir = (await import('node:fs')).mkdtempSync(
      (await import('node:path')).join((await import('node:os')).tmpdir(), 'llmdpd-'),
    );
    agent.save(dir);
    expect(() => LLMDPDAgent.load(dir, { textEncoder: new HashedNgramTextEncoder({ dimension: 32 }) })).toThrow(
      /trained with text encoder/,
    );
    agent.dispose();
  });

  test('update on a batch of tasks the agent is not bound to says to call bindTasks', async () => {
    const agent = new LLMDPDAgent({ ...SMALL }, { textEncoder: encoder });
    const batch = dataset.sample(16, new (await import('../../src/core/rng.js')).Rng(0));
    expect(() => agent.update(batch)).toThrow(/call `await agent.bindTasks\(data\)`/);
    await agent.bindTasks(dataset);
    expect(agent.update(batch, true)).not.toBeNull();
    agent.dispose();
  });

  test('the no-prompt ablation trains on multi-task data without any prompt', async () => {
    const agent = new LLMDPDAgent(
      { ...SMALL, useTextPrompt: false, useTrajectoryPrompt: false },
      { textEncoder: encoder },
    );
    const report = await agent.fit(dataset, { steps: 3, progress: 'off', logEvery: 1 });
    expect(Number.isFinite(report.history[0].metrics['loss/critic'])).toBe(true);
    expect(agent.act(new Float32Array(4))).toHaveLength(2);
    agent.dispose();
  });
});

describe('LLMDPDAgent learns', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });

  test('two bandit tasks with opposite optima, told apart only by their prompts', async () => {
    // Observations carry no task information; the reward is 1 - (a - g)^2 with g = +0.7 for one
    // task and -0.7 for the other; the offline actions are uniform. Only the prompts (text and a
    // short demonstration) say which way to go, so a prompt-free policy cannot serve both.
    const { ReplayBuffer } = await import('../../src/buffers/replay-buffer.js');
    const { Rng } = await import('../../src/core/rng.js');
    const rng = new Rng(21);
    const n = 1024;
    const make = (goal: number, text: string, name: string) => {
      const s = rng.fillUniform(new Float32Array(n * 2), -1, 1);
      const a = rng.fillUniform(new Float32Array(n), -1, 1);
      const r = new Float32Array(n).map((_, i) => 1 - (a[i] - goal) ** 2);
      const buffer = ReplayBuffer.fromArrays({
        observations: s,
        actions: a,
        rewards: r,
        nextObservations: s,
        terminals: new Uint8Array(n).fill(1),
        observationDim: 2,
        actionDim: 1,
      });
      const demo = {
        length: 4,
        observationDim: 2,
        actionDim: 1,
        observations: rng.fillUniform(new Float32Array(8), -1, 1),
        actions: new Float32Array(4).fill(goal),
        rewards: new Float32Array(4).fill(1),
      };
      return { name, buffer, textPrompt: text, trajectoryPrompt: demo };
    };
    const data = new MultiTaskDataset([
      make(0.7, 'Task: push right. Objective: move to the right.', 'right'),
      make(-0.7, 'Task: push left. Objective: move to the left.', 'left'),
    ]);
    const agent = new LLMDPDAgent(
      {
        ...SMALL,
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
        seed: 2,
        trajectoryPromptLength: 4,
      },
      { textEncoder: encoder },
    );
    await agent.fit(data, { steps: 600, progress: 'off' });
    const test = new Rng(9);
    for (const [task, goal] of [
      [0, 0.7],
      [1, -0.7],
    ] as const) {
      const policy = await agent.policy({
        textPrompt: data.task(task).textPrompt,
        trajectoryPrompt: data.task(task).trajectoryPrompt,
      });
      let err = 0;
      for (let i = 0; i < 20; i++) err += Math.abs(policy.act(test.fillUniform(new Float32Array(2), -1, 1))[0] - goal);
      expect(err / 20).toBeLessThan(0.25);
    }
    agent.dispose();
  }, 180_000);
});
