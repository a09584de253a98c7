import * as tf from '@tensorflow/tfjs-core';
import { MultiTaskDataset } from '../../../src/buffers/multi-task-dataset.js';
import { createBatch } from '../../../src/core/batch.js';
import { ConfigError } from '../../../src/core/errors.js';
import { Rng } from '../../../src/core/rng.js';
import { HashedNgramTextEncoder } from '../../../src/encoders/text/hashed-text-encoder.js';
import { initEngine } from '../../../src/engine/index.js';
import { TargetNetworks } from '../../../src/agents/common/target-networks.js';
import {
  type ConditionerOptions,
  type CriticConditioning,
  resolveConditionerConfig,
  UnseenTaskError,
} from '../../../src/agents/conditioning/config.js';
import { TaskConditioning } from '../../../src/agents/conditioning/task-conditioning.js';
import { randomBuffer } from '../../support/agent-conformance.js';
import { expectClose, expectNoLeakedTensors } from '../../support/tensors.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

function dataset(): MultiTaskDataset {
  return new MultiTaskDataset(
    ['north', 'east'].map((name, i) => {
      const buffer = randomBuffer(3, 2, 40, 30 + i);
      return {
        name,
        buffer,
        textPrompt: `Reach the ${name} target.`,
        trajectoryPrompt: buffer.trajectory({ start: 0, length: 4 }),
        extraTrajectoryPrompts: [
          buffer.trajectory({ start: 10, length: 6 }),
          buffer.trajectory({ start: 20, length: 3 }),
        ],
        params: { goalX: i, goalY: i === 0 ? 0.5 : -1 },
      };
    }),
  );
}

const PROMPTS: ConditionerOptions = {
  kind: 'prompts',
  textHeadHiddenDims: [8],
  textOutputDim: 4,
  trajectoryOutputDim: 4,
  trajectoryWidth: 8,
  trajectoryLayers: 1,
  trajectoryFeedForwardDim: 8,
  trajectoryPromptLength: 6,
};
const encoder = new HashedNgramTextEncoder({ dimension: 16 });

function build(options: ConditionerOptions, critic: CriticConditioning = 'ema', seed = 1) {
  const targets = new TargetNetworks();
  const conditioning = new TaskConditioning(resolveConditionerConfig(options, encoder.dimension), {
    observationDim: 3,
    actionDim: 2,
    rng: new Rng(seed),
    ema: { schedule: { decay: 0.5, startStep: 0, every: 1 }, targets },
    criticConditioning: critic,
    textEncoder: encoder,
  });
  return { conditioning, targets };
}

function batchOf(taskIndices: number[]) {
  const batch = createBatch(taskIndices.length, 3, 2);
  batch.taskIndices.set(taskIndices);
  return batch;
}

describe('conditioner configs', () => {
  test('fill defaults and name the bad field', () => {
    expect(resolveConditionerConfig(undefined)).toEqual({ kind: 'none' });
    expect(resolveConditionerConfig({ kind: 'task-id', tasks: ['a', 'b'] })).toEqual({
      kind: 'task-id',
      tasks: ['a', 'b'],
      embeddingDim: 16,
    });
    expect(resolveConditionerConfig({ kind: 'features', table: { a: [1, 2] } })).toMatchObject({ dim: 2 });
    expect(resolveConditionerConfig(PROMPTS, 16)).toMatchObject({ trajectoryDropout: 0.1, textEmbeddingDim: 16 });
    expect(() => resolveConditionerConfig({ kind: 'task-id', tasks: [] })).toThrow(
      /tasks must list each seen task once/,
    );
    expect(() => resolveConditionerConfig({ kind: 'features', dim: 3, table: { a: [1, 2] } })).toThrow(
      'conditioner.table["a"] must be 3 finite numbers',
    );
    expect(() => resolveConditionerConfig({ ...PROMPTS, textEmbeddingDim: 8 }, 16)).toThrow(
      /textEmbeddingDim is 8 but the text encoder gives 16/,
    );
    expect(() => resolveConditionerConfig({ kind: 'goal' } as never)).toThrow(/kind must be one of/);
    expect(() => resolveConditionerConfig({ kind: 'task-id', tasks: ['a'], embedingDim: 3 } as never)).toThrow(
      /has no field 'embedingDim'/,
    );
  });
});

describe('TaskConditioning', () => {
  test('task-id: one learned row per seen task; an unseen task is an UnseenTaskError', async () => {
    const { conditioning, targets } = build({ kind: 'task-id', tasks: ['east', 'north'], embeddingDim: 3 });
    const data = dataset();
    await conditioning.bind(data);
    const table = (conditioning.network!.trainableVariables()[0].dataSync() as Float32Array).slice();
    const rows = tf.tidy(() => conditioning.actorRows(conditioning.select(batchOf([0, 1, 0])))!.arraySync());
    // dataset task 0 is 'north', row 1 of the table (the config's order)
    expect(rows[0]).toEqual(Array.from(table.subarray(3, 6)));
    expect(rows[1]).toEqual(Array.from(table.subarray(0, 3)));
    expect(rows[2]).toEqual(rows[0]);
    expect(Array.from(conditioning.contextRows({ task: 'east' }, 'act').actor!)).toEqual(
      Array.from(table.subarray(0, 3)),
    );
    expect(() => conditioning.contextRows({ task: 'south' }, 'act')).toThrow(UnseenTaskError);
    expect(() => conditioning.contextRows({ task: 'south' }, 'act')).toThrow(
      /was not seen in training \(seen: east, north\)/,
    );
    const other = build({ kind: 'task-id', tasks: ['north'] });
    await expect(other.conditioning.bind(data)).rejects.toThrow(/task "east" was not seen in training/);
    for (const x of [conditioning, other.conditioning]) x.dispose();
    targets.dispose();
  });

  test('features: from the table, from task params, or from the context', async () => {
    const fromParams = build({ kind: 'features', paramKeys: ['goalX', 'goalY'] });
    await fromParams.conditioning.bind(dataset());
    const rows = tf.tidy(() =>
      fromParams.conditioning.actorRows(fromParams.conditioning.select(batchOf([1, 0])))!.arraySync(),
    );
    expect(rows).toEqual([
      [1, -1],
      [0, 0.5],
    ]);
    expect(Array.from(fromParams.conditioning.contextRows({ features: [0.5, 2] }, 'act').actor!)).toEqual([0.5, 2]);
    expect(() => fromParams.conditioning.contextRows({ task: 'x' }, 'act')).toThrow(
      /pass context.features \(2 numbers\)/,
    );
    const tableOnly = build({ kind: 'features', table: { north: [1, 1] } });
    await expect(tableOnly.conditioning.bind(dataset())).rejects.toThrow(/task "east": no vector for this task/);
    fromParams.conditioning.dispose();
    tableOnly.conditioning.dispose();
  });

  test('prompts: one of a task’s trajectory prompts is drawn per step, reproducibly from its own stream', async () => {
    const { conditioning } = build(PROMPTS);
    await conditioning.bind(dataset());
    const draws = Array.from({ length: 30 }, () => conditioning.select(batchOf([0, 0, 1])).variants.join(','));
    expect(new Set(draws).size).toBeGreaterThan(4);
    const state = JSON.parse(JSON.stringify(conditioning.getState())) as ReturnType<TaskConditioning['getState']>;
    const next = conditioning.select(batchOf([1])).variants;
    const twin = build(PROMPTS, 'ema', 99);
    twin.conditioning.setState(state, 'test');
    await twin.conditioning.bind(dataset());
    expect(twin.conditioning.select(batchOf([1])).variants).toEqual(next);
    conditioning.dispose();
    twin.conditioning.dispose();
  });

  test('critic rows: none, the EMA copy’s (cached until it moves), or the online rows detached', async () => {
    const data = dataset();
    const ema = build(PROMPTS, 'ema');
    const detached = build(PROMPTS, 'online-detached');
    const none = build(PROMPTS, 'none');
    for (const b of [ema, detached, none]) await b.conditioning.bind(data);
    const batch = batchOf([1, 1]);
    const read = (rows: () => tf.Tensor2D | null): number[] | null => {
      let out: number[] | null = null;
      tf.tidy(() => {
        const t = rows();
        out = t === null ? null : Array.from(t.dataSync());
      });
      return out;
    };
    const sel = ema.conditioning.select(batch);
    const before = read(() => ema.conditioning.criticRows(sel));
    // Train-mode online rows differ from the EMA copy's once the online network moves.
    tf.tidy(() => {
      for (const v of ema.conditioning.trainableVariables()) v.assign(tf.add(v, 0.1));
    });
    expect(read(() => ema.conditioning.criticRows(sel))).toEqual(before);
    ema.targets.update(0);
    const after = read(() => ema.conditioning.criticRows(sel));
    expect(after).not.toEqual(before);
    expect(read(() => none.conditioning.criticRows(none.conditioning.select(batch)))).toBeNull();
    expect(none.conditioning.criticWidth).toBe(0);
    const d = detached.conditioning;
    const dsel = d.select(batch);
    const rows = read(() => d.criticRows(dsel))!;
    expect(rows).toHaveLength(8);
    // online, evaluation mode, no gradient: equal to what acting sees for the same prompt
    const task = data.task(1);
    await d.ready({ textPrompt: task.textPrompt });
    const variant = task.trajectoryPrompts[dsel.variants[0]];
    const acting = d.contextRows({ textPrompt: task.textPrompt, trajectoryPrompt: variant }, 'act');
    expectClose(rows, Array.from(acting.critic!), 1e-6);
    expect(acting.critic).toBe(acting.actor);
    // Repeated calls for the same prompt reuse the cached row.
    await expectNoLeakedTensors(() =>
      tf.tidy(() => {
        ema.conditioning.criticRows(sel);
      }),
    );
    for (const b of [ema, detached, none]) {
      b.conditioning.dispose();
      b.targets.dispose();
    }
  });

  test('update-time rows need bound tasks, and say how to bind them', async () => {
    const { conditioning } = build({ kind: 'task-id', tasks: ['north', 'east'] });
    expect(() => conditioning.select(batchOf([0]))).toThrow(ConfigError);
    expect(() => conditioning.select(batchOf([0]))).toThrow(/call `await agent.bindTasks\(data\)`/);
    await conditioning.bind(dataset());
    expect(() => conditioning.select(batchOf([2]))).toThrow(/task index 2, but the agent is bound to 2 task/);
    await expect(conditioning.bind(randomBuffer(3, 2))).rejects.toThrow(/multi-task data whose tasks have names/);
    conditioning.dispose();
  });
});
