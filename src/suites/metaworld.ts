/**
 * Offline data for the Meta-World tasks: {@link collectMetaWorldTaskData} rolls out the scripted
 * behaviours of a task (random, medium, expert, in that order, as the point-mass suite does) with
 * `collectDataset`, records each episode's seed, behaviour, return and success, and one expert
 * episode with its own seed as the task's trajectory prompt; {@link writeMetaWorldDatasets} writes
 * the tasks to disk in the D4RL layout and as Minari datasets, with a manifest, and
 * {@link loadMetaWorldDatasets} reads the folder back into a `MultiTaskDataset`.
 *
 * Layout of the folder:
 *
 * | path | what |
 * |---|---|
 * | `<task>.hdf5` | the task's transitions, D4RL keys via `writeD4rl`; `metadata/` holds the task, env id, text prompt and seed |
 * | `prompts/<task>.hdf5` | the trajectory prompt (one expert episode), same layout |
 * | `minari/metaworld/<task>/mixed-v0/data/` | the same transitions as a Minari dataset (`loadMinari`, or Python's Minari) |
 * | `metaworld.json` | the manifest: seed, episodes, mix, goal mode, and per task its env, text, files, seeds, behaviours, returns, successes |
 *
 * **Seeds.** A task's randomness depends only on the seed and the task's name:
 * `root = new Rng(fnv1a32("<seed>/metaworld/<task>"))`; each behaviour's episodes are one
 * `collectDataset` run seeded with `root.seed()` (random, then medium, then expert), and the prompt
 * episode another, redrawn if its reset seed equals a data episode's.
 *
 * **Episodes.** Every episode runs the env's full length (500 steps unless `maxEpisodeSteps` says
 * otherwise) and ends with a time-out: Meta-World tasks never terminate, and the experts hold the
 * object in place after succeeding.
 *
 * @module
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MultiTaskDataset } from '../buffers/multi-task-dataset.js';
import { ReplayBuffer } from '../buffers/replay-buffer.js';
import { writeFileAtomicAsync } from '../core/atomic-file.js';
import { ConfigError, DatasetError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Trajectory } from '../core/types.js';
import { loadD4rl, writeD4rl } from '../datasets/d4rl.js';
import { writeMinari } from '../datasets/minari-write.js';
import type { Env, Info, ResetOptions, ResetResult, StepResult } from '../envs/env.js';
import { loadMetaWorldAssets } from '../envs/metaworld/assets.js';
import { metaWorldBehaviour, type MetaWorldBehaviourKind } from '../envs/metaworld/experts.js';
import { METAWORLD_ENV_CLASSES, metaWorldEnvId } from '../envs/metaworld/registry.js';
import {
  METAWORLD_MAX_PATH_LENGTH,
  METAWORLD_TASKS,
  type MetaWorldGoalMode,
  type MetaWorldTaskName,
  type SawyerEnv,
} from '../envs/metaworld/sawyer-env.js';
import { metaWorldPromptText } from '../envs/metaworld/texts.js';
import { collectDataset } from '../eval/collect.js';
import type { ProgressSetting } from '../eval/env-source.js';
import { readSuccess } from '../eval/statistics.js';
import { DEFAULT_BEHAVIOUR_MIX, behaviourSchedule, checkBehaviourMix, type BehaviourMix } from './generate.js';

/** Format name of `metaworld.json`. */
export const METAWORLD_DATASETS_FORMAT = 'llmdpd.metaworld-datasets';

/** Format version of `metaworld.json`. */
export const METAWORLD_DATASETS_FORMAT_VERSION = 1;

/** Episodes per task unless told otherwise (10,000 transitions at 500 steps each). */
export const DEFAULT_METAWORLD_EPISODES = 20;

/** Seen and unseen Meta-World tasks. */
export interface MetaWorldSplit {
  /** Tasks with training data. */
  readonly seen: readonly MetaWorldTaskName[];
  /** Tasks held out for zero-shot evaluation. */
  readonly unseen: readonly MetaWorldTaskName[];
}

/** The LLMDPD paper's Meta-World split (section 4.1): trained on three tasks, evaluated zero-shot on three. */
export const METAWORLD_LLMDPD_SPLIT: MetaWorldSplit = Object.freeze({
  seen: Object.freeze(['sweep-into', 'coffee-push', 'disassemble'] as MetaWorldTaskName[]),
  unseen: Object.freeze(['box-close', 'hand-insert', 'bin-picking'] as MetaWorldTaskName[]),
});

/** Options of {@link collectMetaWorldTaskData}. */
export interface MetaWorldDataOptions {
  /** Meta-World's asset folder. @defaultValue the `METAWORLD_ASSETS` environment variable */
  readonly assetsDir?: string;
  /** The data seed, a non-negative integer. */
  readonly seed: number;
  /** Whole episodes per task. @defaultValue {@link DEFAULT_METAWORLD_EPISODES} */
  readonly episodes?: number;
  /** Fractions of random, medium and expert episodes. @defaultValue 25% / 50% / 25% */
  readonly mix?: BehaviourMix;
  /** Object and goal positions: Meta-World's MT goal set (`mt`) or fresh draws (`random`). @defaultValue 'mt' */
  readonly goals?: MetaWorldGoalMode;
  /** Steps per episode. @defaultValue 500 */
  readonly maxEpisodeSteps?: number;
  /** Progress reporting of `collectDataset`. @defaultValue 'off' */
  readonly progress?: ProgressSetting;
}

/** A task's trajectory prompt and where it came from. */
export interface MetaWorldPromptRecord {
  /** The episode's observations, actions and rewards. */
  readonly trajectory: Trajectory;
  /** The observation after the last step. */
  readonly finalObservation: Float32Array;
  /** The episode's reset seed (never one of the data's). */
  readonly seed: number;
  /** The episode's return. */
  readonly return: number;
  /** Whether `info.success` was 1 at some step. */
  readonly success: boolean;
}

/** One task's collected data. Per-episode arrays are in buffer order. */
export interface MetaWorldTaskData {
  /** The task. */
  readonly task: MetaWorldTaskName;
  /** The registry id of its env (`MetaWorld/<task>-v3`). */
  readonly envId: string;
  /** The env options the data was collected with (besides `assetsDir`). */
  readonly envOptions: Readonly<Record<string, string | number>>;
  /** The structured text prompt (`metaWorldPromptText`). */
  readonly text: string;
  /** The transitions: whole episodes, each ended by a time-out. */
  readonly buffer: ReplayBuffer;
  /** Reset seed of each episode. */
  readonly episodeSeeds: readonly number[];
  /** Behaviour of each episode. */
  readonly episodeBehaviours: readonly MetaWorldBehaviourKind[];
  /** Return of each episode. */
  readonly episodeReturns: readonly number[];
  /** Whether `info.success` was 1 at some step of each episode. */
  readonly episodeSuccesses: readonly boolean[];
  /** The trajectory prompt. */
  readonly prompt: MetaWorldPromptRecord;
  /** Seconds spent collecting. */
  readonly seconds: number;
}

/** 32-bit FNV-1a hash of a string's UTF-16 code units. */
function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function checkTask(task: unknown, where: string): MetaWorldTaskName {
  if (typeof task !== 'string' || !(METAWORLD_TASKS as readonly string[]).includes(task)) {
    throw new ConfigError(
      `${where}: task must be one of ${METAWORLD_TASKS.join(', ')}, got ${JSON.stringify(task) ?? typeof task}.`,
    );
  }
  return task as MetaWorldTaskName;
}

function positiveInteger(value: unknown, fallback: number, where: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)
    throw new ConfigError(`${where} must be a positive integer, got ${JSON.stringify(value)}.`);
  return value;
}

/** An env that notes, per episode, whether `info.success` was set at some step. */
class SuccessRecorder implements Env<Float32Array, Float32Array> {
  readonly observationSpace: SawyerEnv['observationSpace'];
  readonly actionSpace: SawyerEnv['actionSpace'];
  readonly successes: boolean[] = [];

  constructor(private readonly env: SawyerEnv) {
    this.observationSpace = env.observationSpace;
    this.actionSpace = env.actionSpace;
  }

  reset(options?: ResetOptions): ResetResult<Float32Array> {
    this.successes.push(false);
    return this.env.reset(options);
  }

  step(action: Float32Array): StepResult<Float32Array> {
    const result = this.env.step(action);
    const info: Info = result[4];
    if (readSuccess(this.env.id, info) === true) this.successes[this.successes.length - 1] = true;
    return result;
  }

  close(): void {
    // The collector owns the env.
  }
}

/**
 * Collects a task's offline data and trajectory prompt (see the module notes).
 *
 * @example
 * ```ts
 * const data = await collectMetaWorldTaskData('box-close', { seed: 0, episodes: 20, assetsDir });
 * data.buffer.size;            // 10000
 * data.episodeSuccesses;       // random episodes fail, expert ones succeed
 * ```
 * @throws {@link ConfigError} on a bad task or option; `MetaWorldAssetsError` when the asset
 *   folder is missing.
 */
export async function collectMetaWorldTaskData(
  task: MetaWorldTaskName,
  options: MetaWorldDataOptions,
): Promise<MetaWorldTaskData> {
  const where = 'collectMetaWorldTaskData';
  checkTask(task, where);
  if (typeof options !== 'object' || options === null)
    throw new ConfigError(`${where}: options must be an object like { seed: 0 }.`);
  const seed = options.seed;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0)
    throw new ConfigError(`${where}: seed must be a non-negative integer, got ${JSON.stringify(seed)}.`);
  const episodes = positiveInteger(options.episodes, DEFAULT_METAWORLD_EPISODES, `${where}: episodes`);
  const maxEpisodeSteps = positiveInteger(
    options.maxEpisodeSteps,
    METAWORLD_MAX_PATH_LENGTH,
    `${where}: maxEpisodeSteps`,
  );
  const mix = checkBehaviourMix(options.mix ?? DEFAULT_BEHAVIOUR_MIX, `${where} options.mix`);
  const goals = options.goals ?? 'mt';
  if (goals !== 'mt' && goals !== 'random')
    throw new ConfigError(`${where}: goals must be 'mt' or 'random', got ${JSON.stringify(goals)}.`);
  await loadMetaWorldAssets(options.assetsDir === undefined ? {} : { assetsDir: options.assetsDir });
  const envOptions = { goals, maxPathLength: maxEpisodeSteps };
  const started = performance.now();
  const env = new METAWORLD_ENV_CLASSES[task]({
    ...(options.assetsDir === undefined ? {} : { assetsDir: options.assetsDir }),
    ...envOptions,
  });
  try {
    const recorder = new SuccessRecorder(env);
    const root = new Rng(fnv1a32(`${seed}/metaworld/${task}`));
    const schedule = behaviourSchedule(episodes, mix);
    const buffer = new ReplayBuffer({ observationDim: 39, actionDim: 4 });
    const episodeSeeds: number[] = [];
    const episodeReturns: number[] = [];
    const episodeBehaviours: MetaWorldBehaviourKind[] = [];
    for (const kind of ['random', 'medium', 'expert'] as const) {
      const count = schedule.filter((k) => k === kind).length;
      const runSeed = root.seed();
      if (count === 0) continue;
      const { summary } = await collectDataset(recorder, metaWorldBehaviour(task, kind), {
        episodes: count,
        seed: runSeed,
        buffer,
        progress: options.progress ?? 'off',
      });
      episodeSeeds.push(...summary.resetSeeds);
      episodeReturns.push(...summary.returns);
      for (let i = 0; i < count; i++) episodeBehaviours.push(kind);
    }
    const episodeSuccesses = recorder.successes.splice(0);
    const dataSeeds = new Set(episodeSeeds);
    let prompt: MetaWorldPromptRecord | undefined;
    for (let attempt = 0; prompt === undefined; attempt++) {
      const promptBuffer = new ReplayBuffer({ observationDim: 39, actionDim: 4 });
      const { summary } = await collectDataset(recorder, metaWorldBehaviour(task, 'expert'), {
        episodes: 1,
        seed: root.seed(),
        buffer: promptBuffer,
        progress: 'off',
      });
      const success = recorder.successes.splice(0)[0] ?? false;
      if (dataSeeds.has(summary.resetSeeds[0]) && attempt < 100) continue;
      const c = promptBuffer.columns();
      prompt = {
        trajectory: promptBuffer.trajectory(0),
        finalObservation: c.nextObservations.slice((c.size - 1) * 39),
        seed: summary.resetSeeds[0],
        return: summary.returns[0],
        success,
      };
    }
    return Object.freeze({
      task,
      envId: metaWorldEnvId(task),
      envOptions: Object.freeze({ ...envOptions }),
      text: metaWorldPromptText(task),
      buffer,
      episodeSeeds,
      episodeBehaviours,
      episodeReturns,
      episodeSuccesses,
      prompt,
      seconds: (performance.now() - started) / 1000,
    });
  } finally {
    env.close();
  }
}

/** Options of {@link writeMetaWorldDatasets}. */
export interface WriteMetaWorldOptions extends MetaWorldDataOptions {
  /** The tasks to collect. @defaultValue all six */
  readonly tasks?: readonly MetaWorldTaskName[];
  /** Compress the D4RL columns. @defaultValue 'none' */
  readonly compression?: 'none' | 'gzip';
  /** Also write each task as a Minari dataset under `minari/`. @defaultValue true */
  readonly minari?: boolean;
}

/** The env of a task in `metaworld.json`: `makeEnv(id, { ...options, assetsDir })`. */
export interface MetaWorldManifestEnv {
  /** The registry id, e.g. `MetaWorld/box-close-v3`. */
  readonly id: string;
  /** The env options the data was collected with (goal mode, episode length). */
  readonly options: Readonly<Record<string, string | number>>;
}

/** One task's entry in `metaworld.json`. */
export interface MetaWorldManifestTask {
  /** The task. */
  readonly task: MetaWorldTaskName;
  /** The env that evaluates it. */
  readonly env: MetaWorldManifestEnv;
  /** The text prompt. */
  readonly text: string;
  /** The D4RL file, relative to the folder. */
  readonly dataFile: string;
  /** The Minari dataset folder, relative to the folder, or `null`. */
  readonly minariDir: string | null;
  /** The Minari dataset id, or `null`. */
  readonly minariId: string | null;
  /** Transitions in the data file. */
  readonly transitions: number;
  /** Reset seed of each episode, in file order. */
  readonly episodeSeeds: readonly number[];
  /** Behaviour of each episode. */
  readonly episodeBehaviours: readonly string[];
  /** Return of each episode. */
  readonly episodeReturns: readonly number[];
  /** Success of each episode. */
  readonly episodeSuccesses: readonly boolean[];
  /** The prompt file, relative to the folder. */
  readonly promptFile: string;
  /** Reset seed of the prompt episode. */
  readonly promptSeed: number;
  /** Whether the prompt episode succeeded. */
  readonly promptSuccess: boolean;
  /** Seconds spent collecting the task. */
  readonly seconds: number;
}

/** The content of `metaworld.json`. */
export interface MetaWorldManifest {
  /** {@link METAWORLD_DATASETS_FORMAT}. */
  readonly format: string;
  /** {@link METAWORLD_DATASETS_FORMAT_VERSION}. */
  readonly version: number;
  /** The data seed. */
  readonly seed: number;
  /** Episodes per task. */
  readonly episodes: number;
  /** Behaviour mix. */
  readonly mix: BehaviourMix;
  /** Goal mode. */
  readonly goals: MetaWorldGoalMode;
  /** Steps per episode. */
  readonly episodeSteps: number;
  /** One entry per task. */
  readonly tasks: readonly MetaWorldManifestTask[];
}

/** What {@link writeMetaWorldDatasets} returns. */
export interface WriteMetaWorldResult {
  /** The folder written. */
  readonly dir: string;
  /** Path of `metaworld.json`. */
  readonly manifestPath: string;
  /** Every file written. */
  readonly files: readonly string[];
  /** The manifest written. */
  readonly manifest: MetaWorldManifest;
  /** The collected data, per task. */
  readonly data: readonly MetaWorldTaskData[];
}

function promptBuffer(prompt: MetaWorldPromptRecord): ReplayBuffer {
  const t = prompt.trajectory;
  const n = t.length;
  const od = t.observationDim;
  const next = new Float32Array(n * od);
  next.set(t.observations.subarray(od), 0);
  next.set(prompt.finalObservation, (n - 1) * od);
  const timeouts = new Uint8Array(n);
  timeouts[n - 1] = 1;
  return ReplayBuffer.fromColumns({
    observationDim: od,
    actionDim: t.actionDim,
    size: n,
    observations: t.observations.slice(),
    actions: t.actions.slice(),
    rewards: t.rewards.slice(),
    nextObservations: next,
    terminals: new Uint8Array(n),
    timeouts,
    episodeEnds: timeouts.slice(),
    taskIndices: new Int32Array(n),
  });
}

/**
 * Collects the tasks' data and writes them into `dir` (see the module notes for the layout).
 * Files are written atomically one by one; `metaworld.json` is written last, so a folder with a
 * manifest is complete.
 *
 * @example
 * ```ts
 * await writeMetaWorldDatasets('data/metaworld', { seed: 0, episodes: 20, assetsDir });
 * const { dataset } = await loadMetaWorldDatasets('data/metaworld', { tasks: METAWORLD_LLMDPD_SPLIT.seen });
 * ```
 * @throws {@link ConfigError} (as a rejection) on bad options.
 */
export async function writeMetaWorldDatasets(
  dir: string,
  options: WriteMetaWorldOptions,
): Promise<WriteMetaWorldResult> {
  if (typeof dir !== 'string' || dir === '')
    throw new ConfigError(`writeMetaWorldDatasets: dir must be a folder path, got ${JSON.stringify(dir)}.`);
  const tasks = (options?.tasks ?? METAWORLD_TASKS).map((t) => checkTask(t, 'writeMetaWorldDatasets'));
  if (tasks.length === 0) throw new ConfigError('writeMetaWorldDatasets: tasks is empty; name at least one task.');
  const compression = options.compression ?? 'none';
  if (compression !== 'none' && compression !== 'gzip')
    throw new ConfigError(
      `writeMetaWorldDatasets: compression must be 'none' or 'gzip', got ${JSON.stringify(compression)}.`,
    );
  const withMinari = options.minari ?? true;
  await mkdir(join(dir, 'prompts'), { recursive: true });
  const files: string[] = [];
  const entries: MetaWorldManifestTask[] = [];
  const data: MetaWorldTaskData[] = [];
  for (const task of tasks) {
    const d = await collectMetaWorldTaskData(task, options);
    data.push(d);
    const metadata = {
      suite: 'metaworld',
      task,
      env_id: d.envId,
      text_prompt: d.text,
      seed: options.seed,
      goals: String(d.envOptions['goals']),
    };
    const dataFile = `${task}.hdf5`;
    await writeD4rl(join(dir, dataFile), d.buffer, {
      datasetId: `metaworld/${task}/mixed-v0`,
      metadata: { ...metadata, kind: 'data' },
      compression,
    });
    files.push(join(dir, dataFile));
    const promptFile = `prompts/${task}.hdf5`;
    await writeD4rl(join(dir, promptFile), promptBuffer(d.prompt), {
      datasetId: `metaworld/${task}/prompt-v0`,
      metadata: { ...metadata, kind: 'trajectory-prompt', prompt_seed: d.prompt.seed },
      compression,
    });
    files.push(join(dir, promptFile));
    let minariDir: string | null = null;
    let minariId: string | null = null;
    if (withMinari) {
      const env = new METAWORLD_ENV_CLASSES[task]({
        ...(options.assetsDir === undefined ? {} : { assetsDir: options.assetsDir }),
        ...d.envOptions,
      });
      try {
        minariId = `metaworld/${task}/mixed-v0`;
        minariDir = `minari/${minariId}`;
        const written = await writeMinari(join(dir, minariDir), d.buffer, {
          datasetId: minariId,
          observationSpace: env.observationSpace,
          actionSpace: env.actionSpace,
          envSpec: { id: d.envId, maxEpisodeSteps: Number(d.envOptions['maxPathLength']), kwargs: d.envOptions },
          episodeSeeds: d.episodeSeeds,
          metadata: {
            algorithm_name: 'llmdpd scripted Meta-World behaviours (random, medium, expert)',
            description: d.text,
            author: ['llmdpd'],
          },
        });
        files.push(written.dataFile, written.metadataFile);
      } finally {
        env.close();
      }
    }
    entries.push({
      task,
      env: { id: d.envId, options: d.envOptions },
      text: d.text,
      dataFile,
      minariDir,
      minariId,
      transitions: d.buffer.size,
      episodeSeeds: d.episodeSeeds,
      episodeBehaviours: d.episodeBehaviours,
      episodeReturns: d.episodeReturns,
      episodeSuccesses: d.episodeSuccesses,
      promptFile,
      promptSeed: d.prompt.seed,
      promptSuccess: d.prompt.success,
      seconds: d.seconds,
    });
  }
  const manifest: MetaWorldManifest = {
    format: METAWORLD_DATASETS_FORMAT,
    version: METAWORLD_DATASETS_FORMAT_VERSION,
    seed: options.seed,
    episodes: options.episodes ?? DEFAULT_METAWORLD_EPISODES,
    mix: checkBehaviourMix(options.mix ?? DEFAULT_BEHAVIOUR_MIX),
    goals: options.goals ?? 'mt',
    episodeSteps: options.maxEpisodeSteps ?? METAWORLD_MAX_PATH_LENGTH,
    tasks: entries,
  };
  const manifestPath = join(dir, 'metaworld.json');
  await writeFileAtomicAsync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  files.push(manifestPath);
  return Object.freeze({ dir, manifestPath, files: Object.freeze(files), manifest, data: Object.freeze(data) });
}

/** What {@link loadMetaWorldDatasets} returns. */
export interface LoadedMetaWorldDatasets {
  /** The manifest. */
  readonly manifest: MetaWorldManifest;
  /** The chosen tasks' data with their text and trajectory prompts, in the order asked for. */
  readonly dataset: MultiTaskDataset;
  /** Every task's trajectory prompt in the folder, by task name. */
  readonly prompts: ReadonlyMap<string, Trajectory>;
  /** Every task's text prompt in the folder, by task name. */
  readonly texts: ReadonlyMap<string, string>;
}

/**
 * Reads a folder written by {@link writeMetaWorldDatasets}: the manifest, every task's prompts,
 * and the data of `options.tasks` (default: every task in the folder) as a `MultiTaskDataset`.
 *
 * @throws {@link DatasetError} (as a rejection) when `metaworld.json` is missing or of another
 *   format or version, or a requested task is not in the folder.
 */
export async function loadMetaWorldDatasets(
  dir: string,
  options: { readonly tasks?: readonly MetaWorldTaskName[] } = {},
): Promise<LoadedMetaWorldDatasets> {
  const manifestPath = join(dir, 'metaworld.json');
  let manifest: MetaWorldManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as MetaWorldManifest;
  } catch (cause) {
    throw new DatasetError(
      `loadMetaWorldDatasets: cannot read ${manifestPath} (${String(cause)}). Give a folder written by writeMetaWorldDatasets.`,
      { cause },
    );
  }
  if (manifest?.format !== METAWORLD_DATASETS_FORMAT || manifest.version !== METAWORLD_DATASETS_FORMAT_VERSION) {
    throw new DatasetError(
      `loadMetaWorldDatasets: ${manifestPath} has format ${JSON.stringify(manifest?.format)} version ${JSON.stringify(manifest?.version)}; ` +
        `expected ${METAWORLD_DATASETS_FORMAT} version ${METAWORLD_DATASETS_FORMAT_VERSION}. Rewrite the folder with this version of llmdpd.`,
    );
  }
  const prompts = new Map<string, Trajectory>();
  const texts = new Map<string, string>();
  for (const entry of manifest.tasks) {
    const prompt = await loadD4rl(join(dir, entry.promptFile), { timeouts: 'keep' });
    prompts.set(entry.task, prompt.buffer.trajectory(0));
    texts.set(entry.task, entry.text);
  }
  const wanted = options.tasks ?? manifest.tasks.map((t) => t.task);
  const specs = [];
  for (const task of wanted) {
    const entry = manifest.tasks.find((t) => t.task === task);
    if (entry === undefined) {
      throw new DatasetError(
        `loadMetaWorldDatasets: ${manifestPath} has no task ${JSON.stringify(task)}; it holds ${manifest.tasks.map((t) => t.task).join(', ')}.`,
      );
    }
    const data = await loadD4rl(join(dir, entry.dataFile), { timeouts: 'keep' });
    specs.push({
      name: task,
      buffer: data.buffer,
      textPrompt: entry.text,
      trajectoryPrompt: prompts.get(task)!,
      params: { envId: entry.env.id, ...entry.env.options },
    });
  }
  if (specs.length === 0) throw new DatasetError(`loadMetaWorldDatasets: no task to load from ${manifestPath}.`);
  return Object.freeze({ manifest, dataset: new MultiTaskDataset(specs), prompts, texts });
}
