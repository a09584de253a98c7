import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, DatasetError, NotFoundError, ShapeError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import type { Trajectory } from '../../src/core/types.js';
import {
  MULTI_TASK_DATASET_FORMAT,
  MultiTaskDataset,
  ReplayBuffer,
  type TaskSpec,
  createBatch,
} from '../../src/buffers/index.js';
import { MANIFEST_FILE } from '../../src/core/column-store.js';
import { expectColumnsBitEqual, listDir, makeTempDir, removeDir } from './helpers.js';

const OD = 2;
const AD = 1;

/**
 * A task buffer of `n` steps in episodes of 5 (terminal every 5th step). Observation
 * [100 * id + t, t] encodes the task id and the step, so a sampled row says where it came from.
 * The stored task index is deliberately wrong (7): the dataset must override it.
 */
function taskBuffer(id: number, n: number): ReplayBuffer {
  const t = Array.from({ length: n }, (_, i) => i);
  return ReplayBuffer.fromArrays({
    observations: t.flatMap((i) => [100 * id + i, i]),
    nextObservations: t.flatMap((i) => [100 * id + i + 1, i + 1]),
    actions: t.map((i) => id + i / 1000),
    rewards: t.map(() => id),
    terminals: t.map((i) => (i % 5 === 4 ? 1 : 0)),
    taskIndices: 7,
  });
}

function spec(name: string, id: number, n: number, extra: Partial<TaskSpec> = {}): TaskSpec {
  const buffer = taskBuffer(id, n);
  return { name, buffer, textPrompt: `Do ${name}.`, trajectoryPrompt: buffer.trajectory(0), ...extra };
}

function threeTasks(): MultiTaskDataset {
  return new MultiTaskDataset([
    spec('reach-v2', 0, 10, { params: { goal: [0.1, 0.2], difficulty: 'easy' } }),
    spec('push-v2', 1, 30),
    spec('pick-place-v2', 2, 60),
  ]);
}

describe('MultiTaskDataset construction', () => {
  test('exposes names in order, tasks by name or index, dims and total size', () => {
    const d = threeTasks();
    expect(d.tasks).toEqual(['reach-v2', 'push-v2', 'pick-place-v2']);
    expect([d.numTasks, d.observationDim, d.actionDim, d.totalSize]).toEqual([3, OD, AD, 100]);
    const push = d.task('push-v2');
    expect([push.index, push.name, push.textPrompt, push.buffer.size]).toEqual([1, 'push-v2', 'Do push-v2.', 30]);
    expect(d.task(2).name).toBe('pick-place-v2');
    expect(d.task('reach-v2').params).toEqual({ goal: [0.1, 0.2], difficulty: 'easy' });
    expect(d.taskIndex('pick-place-v2')).toBe(2);
    // totalSize follows the buffers it references.
    d.task(0).buffer.add({
      observation: [0, 0],
      action: [0],
      reward: 0,
      nextObservation: [0, 0],
      terminal: true,
      taskIndex: 7,
    });
    expect(d.totalSize).toBe(101);
  });

  test('unknown names are NotFoundError with close names suggested; bad indices too', () => {
    const d = threeTasks();
    expect(() => d.task('pick-plac-v2')).toThrow(NotFoundError);
    expect(() => d.task('pick-plac-v2')).toThrow(/unknown task "pick-plac-v2". Did you mean "pick-place-v2"\?/);
    expect(() => d.task('Push')).toThrow(/Did you mean "push-v2"\?/);
    expect(() => d.task('drawer-open-v2')).toThrow(
      /unknown task "drawer-open-v2". Tasks: reach-v2, push-v2, pick-place-v2\./,
    );
    expect(() => d.task(3)).toThrow(/task index 3 is out of range; the dataset has 3 tasks \(0..2\)/);
    expect(() => d.task(-1)).toThrow(NotFoundError);
  });

  test('tasks must share dims, have data, unique names, valid prompts and JSON params', () => {
    const other = new ReplayBuffer({ observationDim: 3, actionDim: AD });
    other.add({ observation: [0, 0, 0], action: [0], reward: 0, nextObservation: [0, 0, 0], terminal: true });
    expect(() => new MultiTaskDataset([spec('a', 0, 5), { ...spec('b', 1, 5), buffer: other }])).toThrow(ShapeError);
    expect(() => new MultiTaskDataset([spec('a', 0, 5), { ...spec('b', 1, 5), buffer: other }])).toThrow(
      /task "b" \(tasks\[1\]\): its buffer has observationDim 3 and actionDim 1, but task "a" has 2 and 1/,
    );
    expect(() => new MultiTaskDataset([])).toThrow(ConfigError);
    expect(() => new MultiTaskDataset([spec('a', 0, 5), spec('a', 1, 5)])).toThrow(
      /tasks\[1\].name "a" repeats tasks\[0\].name/,
    );
    expect(() => new MultiTaskDataset([spec('', 0, 5)])).toThrow(/tasks\[0\].name is ""/);
    const empty = new ReplayBuffer({ observationDim: OD, actionDim: AD });
    expect(() => new MultiTaskDataset([{ ...spec('a', 0, 5), buffer: empty }])).toThrow(DatasetError);
    const badPrompt: Trajectory = { ...spec('a', 0, 5).trajectoryPrompt, observationDim: 3 };
    expect(() => new MultiTaskDataset([spec('a', 0, 5, { trajectoryPrompt: badPrompt })])).toThrow(
      /trajectoryPrompt has observationDim 3/,
    );
    const shortPrompt: Trajectory = { ...spec('a', 0, 5).trajectoryPrompt, rewards: new Float32Array(2) };
    expect(() => new MultiTaskDataset([spec('a', 0, 5, { trajectoryPrompt: shortPrompt })])).toThrow(
      /trajectoryPrompt.rewards has 2 values; expected a Float32Array of 5/,
    );
    const nanPrompt = spec('a', 0, 5).trajectoryPrompt;
    nanPrompt.actions[1] = Number.NaN;
    expect(() => new MultiTaskDataset([spec('a', 0, 5, { trajectoryPrompt: nanPrompt })])).toThrow(
      /trajectoryPrompt.actions row 1 is NaN/,
    );
    expect(() => new MultiTaskDataset([spec('a', 0, 5, { params: { x: Number.NaN } })])).toThrow(
      /params.x is NaN; JSON cannot store it/,
    );
    expect(() => new MultiTaskDataset([spec('a', 0, 5, { params: { when: new Date() as never } })])).toThrow(
      /params.when is a Date/,
    );
  });

  test('keeps its own copy of the trajectory prompt and params', () => {
    const s = spec('a', 0, 5, { params: { k: [1] } });
    const d = new MultiTaskDataset([s]);
    s.trajectoryPrompt.observations[0] = 999;
    (s.params as { k: number[] }).k[0] = 2;
    expect(d.task('a').trajectoryPrompt.observations[0]).toBe(0);
    expect(d.task('a').params).toEqual({ k: [1] });
  });
});

describe('MultiTaskDataset sampling', () => {
  test("'per-task' (Algorithm 1): every row of a batch comes from one task, and tasks are drawn uniformly", () => {
    const d = threeTasks();
    const batch = createBatch(64, OD, AD);
    const rng = new Rng(1);
    const taskCounts = [0, 0, 0];
    const bad: string[] = [];
    for (let i = 0; i < 600; i++) {
      d.sampleInto(batch, rng);
      const k = batch.taskIndices[0];
      taskCounts[k] += 1;
      for (let r = 0; r < batch.size; r++) {
        // Same task on every row, and the row is transition indices[r] of task k's buffer.
        const ok =
          batch.taskIndices[r] === k &&
          batch.observations[r * OD] === 100 * k + batch.indices[r] &&
          batch.rewards[r] === k;
        if (!ok) bad.push(`batch ${i} row ${r}`);
      }
    }
    expect(bad).toEqual([]);
    // 600 draws, 200 expected each regardless of task sizes; sd ~11.5.
    for (const c of taskCounts) expect(Math.abs(c - 200)).toBeLessThan(60);
  });

  test("'uniform': rows are spread over tasks in proportion to their sizes (10/30/60)", () => {
    const d = threeTasks();
    const batch = createBatch(256, OD, AD);
    const rng = new Rng(2);
    const counts = [0, 0, 0];
    const seen = [new Set<number>(), new Set<number>(), new Set<number>()];
    const bad: string[] = [];
    for (let i = 0; i < 200; i++) {
      d.sampleInto(batch, rng, { mode: 'uniform' });
      for (let r = 0; r < batch.size; r++) {
        const k = batch.taskIndices[r];
        counts[k] += 1;
        seen[k].add(batch.indices[r]);
        if (batch.observations[r * OD] !== 100 * k + batch.indices[r]) bad.push(`batch ${i} row ${r}`);
      }
    }
    expect(bad).toEqual([]);
    const total = 200 * 256;
    // Proportions 0.1, 0.3, 0.6; sd of a proportion <= 0.0022: 0.012 is > 5 sd.
    expect(Math.abs(counts[0] / total - 0.1)).toBeLessThan(0.012);
    expect(Math.abs(counts[1] / total - 0.3)).toBeLessThan(0.012);
    expect(Math.abs(counts[2] / total - 0.6)).toBeLessThan(0.012);
    // Every transition of every task is reachable.
    expect(seen.map((s) => s.size)).toEqual([10, 30, 60]);
    expect(batch.taskIndices.some((k) => k === 7)).toBe(false);
  });

  test('the same seed gives the same batch in both modes', () => {
    const d = threeTasks();
    expect(d.sample(32, new Rng(5))).toEqual(d.sample(32, new Rng(5)));
    expect(d.sample(32, new Rng(5), { mode: 'uniform' })).toEqual(d.sample(32, new Rng(5), { mode: 'uniform' }));
    expect(Array.from(d.sample(32, new Rng(5), { mode: 'uniform' }).indices)).not.toEqual(
      Array.from(d.sample(32, new Rng(6), { mode: 'uniform' }).indices),
    );
  });

  test('sampleTaskBatches gives one single-task batch per task, in order, and refills `out`', () => {
    const d = threeTasks();
    const batches = d.sampleTaskBatches(16, new Rng(3));
    expect(batches).toHaveLength(3);
    batches.forEach((b, k) => {
      expect(b.size).toBe(16);
      expect(Array.from(b.taskIndices)).toEqual(new Array(16).fill(k));
      for (let r = 0; r < 16; r++) expect(b.rewards[r]).toBe(k);
    });
    const again = d.sampleTaskBatches(16, new Rng(3), batches);
    expect(again[1]).toBe(batches[1]);
    expect(again).toEqual(d.sampleTaskBatches(16, new Rng(3)));
    expect(() => d.sampleTaskBatches(16, new Rng(3), batches.slice(1))).toThrow(
      /out has 2 batches; pass one per task \(3\)/,
    );
    expect(() => d.sampleTaskBatches(8, new Rng(3), batches)).toThrow(
      /out\[0\] has 16 rows; expected batchSizePerTask = 8/,
    );
  });

  test('rejects unknown modes and mismatched batches', () => {
    const d = threeTasks();
    expect(() => d.sample(4, new Rng(0), { mode: 'round-robin' as never })).toThrow(/unknown mode "round-robin"/);
    expect(() => d.sampleInto(createBatch(4, 3, 1), new Rng(0))).toThrow(ShapeError);
    expect(() => d.sample(0, new Rng(0))).toThrow(ConfigError);
  });
});

describe('MultiTaskDataset statistics', () => {
  test('equal the statistics of all tasks concatenated, computed by hand', () => {
    const d = threeTasks();
    // Observation column 1 is the step t within each task: 0..9, 0..29, 0..59.
    const values = [10, 30, 60].flatMap((n) => Array.from({ length: n }, (_, i) => i));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    const s = d.observationStatistics();
    expect(s.mean[1]).toBeCloseTo(mean, 5);
    expect(s.std[1]).toBeCloseTo(std, 5);
    expect([s.min[1], s.max[1]]).toEqual([0, 59]);
    expect([s.min[0], s.max[0]]).toEqual([0, 259]);
    const concatenated = new ReplayBuffer({ observationDim: OD, actionDim: AD });
    for (const name of d.tasks) concatenated.addBatch(d.task(name).buffer.toArrays());
    const c = concatenated.actionStatistics();
    const a = d.actionStatistics();
    expect(a.mean[0]).toBeCloseTo(c.mean[0], 6);
    expect(a.std[0]).toBeCloseTo(c.std[0], 6);
  });
});

describe('MultiTaskDataset save/load', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeDir(dir));

  test('round trip keeps names, prompts, params and every buffer bit-exact', () => {
    const d = threeTasks();
    d.save(dir);
    const back = MultiTaskDataset.load(dir);
    expect(back.tasks).toEqual(d.tasks);
    for (const name of d.tasks) {
      const a = back.task(name);
      const b = d.task(name);
      expect([a.textPrompt, a.params, a.index]).toEqual([b.textPrompt, b.params, b.index]);
      expect(a.trajectoryPrompt).toEqual(b.trajectoryPrompt);
      expectColumnsBitEqual(a.buffer.toArrays(), b.buffer.toArrays());
    }
    expect(back.sample(32, new Rng(4), { mode: 'uniform' })).toEqual(d.sample(32, new Rng(4), { mode: 'uniform' }));
    const m = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
    expect(m).toMatchObject({
      format: MULTI_TASK_DATASET_FORMAT,
      formatVersion: 1,
      library: 'llmdpd',
      numTasks: 3,
      totalSize: 100,
    });
    expect((m['tasks'] as { name: string }[]).map((t) => t.name)).toEqual(d.tasks);
    expect(listDir(dir)).toHaveLength(2);
  });

  test('a failed save leaves the previous one loadable', () => {
    const d = threeTasks();
    d.save(dir);
    const smaller = new MultiTaskDataset([spec('only', 5, 5)]);
    expect(() =>
      smaller.save(dir, {
        onProgress: (s) => {
          if (s === 'manifest-written') throw new Error('disk gone');
        },
      }),
    ).toThrow('disk gone');
    expect(MultiTaskDataset.load(dir).tasks).toEqual(d.tasks);
  });

  test('version mismatch, wrong format and truncation are DatasetErrors with their cause', () => {
    threeTasks().save(dir);
    const manifestPath = path.join(dir, MANIFEST_FILE);
    const m = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(manifestPath, JSON.stringify({ ...m, formatVersion: 7 }));
    expect(() => MultiTaskDataset.load(dir)).toThrow(
      /format version 7, and this version of llmdpd reads version 1 only/,
    );
    fs.writeFileSync(manifestPath, JSON.stringify(m));
    expect(() => ReplayBuffer.load(dir)).toThrow(/format "llmdpd.multi-task-dataset", expected "llmdpd.replay-buffer"/);
    fs.writeFileSync(manifestPath, JSON.stringify({ ...m, tasks: [] }));
    expect(() => MultiTaskDataset.load(dir)).toThrow(/manifest field 'tasks' is missing or empty/);
    fs.writeFileSync(manifestPath, JSON.stringify(m));
    const dataFile = path.join(dir, m['dataFile'] as string);
    fs.truncateSync(dataFile, 100);
    expect(() => MultiTaskDataset.load(dir)).toThrow(DatasetError);
    expect(() => MultiTaskDataset.load(dir)).toThrow(/is 100 bytes but the manifest says \d+: it is truncated/);
  });
});

describe('MultiTaskDataset with several trajectory prompts per task', () => {
  test('lists every prompt (the first is trajectoryPrompt), checks each, and saves and loads them', () => {
    const buffer = taskBuffer(0, 20);
    const prompts = [buffer.trajectory(0), buffer.trajectory(1), buffer.trajectory({ start: 12, length: 3 })];
    const d = new MultiTaskDataset([
      { name: 'a', buffer, textPrompt: 'A.', trajectoryPrompt: prompts[0], extraTrajectoryPrompts: prompts.slice(1) },
      spec('b', 1, 10),
    ]);
    expect(d.task('a').trajectoryPrompts.map((p) => p.length)).toEqual([5, 5, 3]);
    expect(d.task('a').trajectoryPrompt).toBe(d.task('a').trajectoryPrompts[0]);
    expect(d.task('b').trajectoryPrompts).toHaveLength(1);
    const bad = { ...prompts[1], actionDim: 4 };
    expect(
      () =>
        new MultiTaskDataset([
          { name: 'a', buffer, textPrompt: 'A.', trajectoryPrompt: prompts[0], extraTrajectoryPrompts: [bad] },
        ]),
    ).toThrow(/extraTrajectoryPrompts\[0\]: trajectoryPrompt has observationDim 2 and actionDim 4/);
    const dir = makeTempDir();
    try {
      d.save(dir);
      const loaded = MultiTaskDataset.load(dir);
      const lengths = (name: string) => loaded.task(name).trajectoryPrompts.map((p) => p.length);
      expect(lengths('a')).toEqual([5, 5, 3]);
      expect(lengths('b')).toEqual([5]);
      expect(Array.from(loaded.task('a').trajectoryPrompts[2].observations)).toEqual(
        Array.from(prompts[2].observations),
      );
    } finally {
      removeDir(dir);
    }
  });
});
