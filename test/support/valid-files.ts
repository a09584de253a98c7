/**
 * Small valid files of every format the library reads, written by the library's own writers
 * (or, for Minari, with h5wasm in Minari's layout). The fuzz test (test/fuzz/) and the corpus
 * of bad inputs (test/corpus/) damage copies of these; nothing here is committed as a binary.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { MultiTaskDataset, ReplayBuffer } from '../../src/buffers/index.js';
import { writeD4rl } from '../../src/datasets/index.js';
import { writePrecomputedEmbeddings } from '../../src/encoders/text/precomputed-text-encoder.js';
import type { SuiteSpecInput } from '../../src/suites/tasks.js';

/** A temporary folder and its removal. */
export function scratchDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A replay buffer of `episodes` episodes of `steps` steps each (observation dim 3, action dim 2),
 * the first ending terminal and the others by time-out, with exact, distinct values.
 */
export function smallBuffer(episodes = 2, steps = 6, taskIndex = 0): ReplayBuffer {
  const b = new ReplayBuffer({ observationDim: 3, actionDim: 2 });
  for (let e = 0; e < episodes; e++) {
    for (let t = 0; t < steps; t++) {
      const v = e * 100 + t;
      b.add({
        observation: [v, v + 0.25, -v],
        action: [t / 8, -t / 8],
        reward: v / 4,
        nextObservation: [v + 1, v + 1.25, -v - 1],
        terminal: e === 0 && t === steps - 1,
        timeout: e !== 0 && t === steps - 1,
        taskIndex,
      });
    }
  }
  return b;
}

/** A two-task dataset over {@link smallBuffer}s, with text and trajectory prompts. */
export function smallMultiTask(): MultiTaskDataset {
  const tasks = ['reach-a', 'reach-b'].map((name, i) => {
    const buffer = smallBuffer(2, 5 + i);
    return {
      name,
      buffer,
      textPrompt: `Task: Reach ${name}.\nObjective: Stop on target ${i}.`,
      trajectoryPrompt: buffer.trajectory(0),
      params: { goal: [i, -i], label: name },
    };
  });
  return new MultiTaskDataset(tasks);
}

/** Writes a D4RL file of {@link smallBuffer} with the library's writer; returns its path. */
export async function writeValidD4rl(path: string, episodes = 2, steps = 6): Promise<string> {
  return writeD4rl(path, smallBuffer(episodes, steps), { datasetId: 'hopper-medium-v2' });
}

/** The metadata.json of {@link writeValidMinari}, as Python writes it (space strings with bare Infinity). */
export function minariMetadata(): Record<string, unknown> {
  return {
    dataset_id: 'mujoco/test/box-v0',
    total_episodes: 2,
    total_steps: 7,
    data_format: 'hdf5',
    observation_space:
      '{"type": "Box", "dtype": "float64", "shape": [2], "low": [-Infinity, -1.0], "high": [Infinity, 1.0]}',
    action_space: '{"type": "Box", "dtype": "float32", "shape": [1], "low": [-1.0], "high": [1.0]}',
    env_spec: '{"id": "Hopper-v5", "max_episode_steps": 1000, "kwargs": {}}',
    minari_version: '0.5.1',
  };
}

/**
 * Writes a Minari dataset folder (`<dir>/data/main_data.hdf5` with episodes of 3 and 4 steps,
 * Box observations of 2 float64 values and Box actions of 1 float32 value, and
 * `<dir>/data/metadata.json`); returns `dir`.
 */
export async function writeValidMinari(dir: string): Promise<string> {
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  await h5wasm.ready;
  const file = new h5wasm.File(join(data, 'main_data.hdf5'), 'w');
  try {
    [3, 4].forEach((T, e) => {
      const g = file.create_group(`episode_${e}`);
      g.create_attribute('total_steps', T);
      const obs = Float64Array.from({ length: (T + 1) * 2 }, (_, i) => e * 100 + Math.floor(i / 2) + (i % 2) / 8);
      g.create_dataset({ name: 'observations', data: obs, shape: [T + 1, 2], dtype: '<d' });
      g.create_dataset({
        name: 'actions',
        data: Float32Array.from({ length: T }, (_, t) => t / 4 - 0.5),
        shape: [T, 1],
        dtype: '<f',
      });
      g.create_dataset({
        name: 'rewards',
        data: Float64Array.from({ length: T }, (_, t) => e + t / 2),
        shape: [T],
        dtype: '<d',
      });
      const term = new Uint8Array(T);
      const trunc = new Uint8Array(T);
      (e === 0 ? term : trunc)[T - 1] = 1;
      g.create_dataset({ name: 'terminations', data: term, shape: [T], dtype: '<B' });
      g.create_dataset({ name: 'truncations', data: trunc, shape: [T], dtype: '<B' });
    });
  } finally {
    file.close();
  }
  writeFileSync(join(data, 'metadata.json'), JSON.stringify(minariMetadata()));
  return dir;
}

/** Vectors of {@link writeValidEmbeddings}: three prompts, dimension 4. */
export const EMBEDDING_ENTRIES = [
  { prompt: 'Task: Reach north.', embedding: [0.5, -1, 2, 0.25] },
  { prompt: 'Task: Reach south.', embedding: [1, 0, -0.5, 3] },
  { prompt: 'Task: Push the puck.', instruction: 'other', embedding: [0, 0, 1, -1] },
];

/** Writes a precomputed-embeddings file (JSON form, or binary form with its `.f32`); returns the index path. */
export async function writeValidEmbeddings(path: string, storage: 'json' | 'binary'): Promise<string> {
  await writePrecomputedEmbeddings(
    path,
    { model: 'test-model mean-pooled', instruction: 'embed', entries: EMBEDDING_ENTRIES },
    { storage },
  );
  return path;
}

/** A valid suite spec (three tasks, a split, an episode length). */
export function validSuiteSpec(): SuiteSpecInput {
  return {
    name: 'my-reach',
    episodeSteps: 50,
    tasks: [
      { name: 'north', params: { direction: 'north', distance: 'far' } },
      {
        name: 'east',
        params: { direction: 'east', distance: 0.7, tolerance: 0.1, maxSpeed: 0.2, holdSteps: 5 },
        description: { task: 'Reach east', objective: 'Stop 0.7 units east of the centre', constraints: ['be quick'] },
      },
      { name: 'thirty', params: { angleDegrees: 30, distance: 0.5 }, description: 'Reach the point at 30 degrees.' },
    ],
    split: { seen: ['north', 'east'], unseen: ['thirty'] },
  };
}

/**
 * Writes a folder in the layout of `writeSuiteDatasets` without generating data: the tasks of
 * {@link validSuiteSpec}, each seen task's data and every task's prompt as small D4RL files, and
 * `suite.json`; returns `dir`. `loadSuiteDatasets(dir)` reads it back.
 */
export async function writeValidSuiteFolder(dir: string): Promise<string> {
  const spec = validSuiteSpec();
  mkdirSync(join(dir, 'prompts'), { recursive: true });
  const tasks = [];
  for (const t of spec.tasks) {
    const name = t.name!;
    const seen = spec.split!.seen.includes(name);
    const promptFile = `prompts/${name}.hdf5`;
    await writeD4rl(join(dir, promptFile), smallBuffer(1, 5));
    const dataFile = seen ? `${name}.hdf5` : null;
    if (dataFile !== null) await writeD4rl(join(dir, dataFile), smallBuffer(2, 6));
    tasks.push({
      name,
      role: seen ? 'seen' : 'unseen',
      text: `Task: ${name}.`,
      params: t.params,
      env: { id: 'llmdpd/PointMassReach-v0', options: {}, maxEpisodeSteps: 50 },
      dataFile,
      transitions: seen ? 12 : 0,
      episodeSeeds: seen ? [1, 2] : [],
      episodeBehaviours: seen ? ['expert', 'random'] : [],
      promptFile,
      promptSeed: 7,
    });
  }
  const manifest = {
    format: 'llmdpd.suite-datasets',
    version: 1,
    spec,
    split: spec.split,
    seed: 0,
    transitionsPerTask: 12,
    mix: { random: 0.25, medium: 0.5, expert: 0.25 },
    episodeSteps: 50,
    generationSeconds: 0,
    tasks,
  };
  writeFileSync(join(dir, 'suite.json'), JSON.stringify(manifest, null, 2));
  return dir;
}
