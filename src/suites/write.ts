/**
 * {@link writeSuiteDatasets}: a suite's offline data on disk in the D4RL layout, with its prompts
 * and a manifest, for other tools (or `llmdpd suite write <dir>`).
 *
 * Layout of `dir`:
 *
 * | path | what |
 * |---|---|
 * | `<task>.hdf5` | a seen task's transitions, D4RL keys (`observations`, `actions`, `rewards`, `next_observations`,
 * `terminals`, `timeouts`) via `writeD4rl`; `metadata/` holds the suite, task, split role, seed, text prompt and params
 * (JSON) |
 * | `prompts/<task>.hdf5` | every task's trajectory prompt (one expert episode, one row per step), same layout |
 * | `suite.json` | the manifest: suite spec (re-readable by `parseSuiteSpec`), split, seed, mix, and per task its text,
 * params, files, prompt seed and data episode seeds |
 *
 * `loadD4rl(path, { timeouts: 'keep' })` reads each file back exactly; {@link loadSuiteDatasets} reads
 * the whole folder back into a `MultiTaskDataset`.
 *
 * @module
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MultiTaskDataset } from '../buffers/multi-task-dataset.js';
import { ReplayBuffer } from '../buffers/replay-buffer.js';
import { writeFileAtomicAsync } from '../core/atomic-file.js';
import { ConfigError, DatasetError } from '../core/errors.js';
import { MANIFEST_MAX_BYTES, readRegularText, resolveInsideFolder } from '../core/safe-files.js';
import { checkSaveFolder } from '../core/save-folder.js';
import type { Trajectory } from '../core/types.js';
import { loadD4rl, writeD4rl } from '../datasets/d4rl.js';
import type { BehaviourMix } from './generate.js';
import { makeSuite, type MakeSuiteOptions, type Suite, type SuiteTask } from './suite.js';
import {
  parseSuiteSpec,
  reachParams,
  suiteSpecToJson,
  type ReachTaskParams,
  type SuiteSpec,
  type SuiteSpecInput,
  type SuiteSplit,
} from './tasks.js';

/** Format name of `suite.json`. */
export const SUITE_MANIFEST_FORMAT = 'llmdpd.suite-datasets';

/** Format version of `suite.json`. */
export const SUITE_MANIFEST_FORMAT_VERSION = 1;

/** Options of {@link writeSuiteDatasets}: those of `makeSuite` plus how to write. */
export interface WriteSuiteOptions extends MakeSuiteOptions {
  /** Compress the HDF5 columns (`'gzip'`) or not. @defaultValue `'none'` */
  readonly compression?: 'none' | 'gzip';
}

/** The env of a task in `suite.json`: `makeEnv(id, { ...options, maxEpisodeSteps })`. */
export interface SuiteManifestEnv {
  /** The registered env id. */
  readonly id: string;
  /** The env options (goal and success settings). */
  readonly options: Readonly<Record<string, number>>;
  /** The time limit. */
  readonly maxEpisodeSteps: number;
}

/** One task's entry in `suite.json`. */
export interface SuiteManifestTask {
  /** Task name. */
  readonly name: string;
  /** `seen` or `unseen`. */
  readonly role: 'seen' | 'unseen';
  /** The text prompt. */
  readonly text: string;
  /** The task parameters. */
  readonly params: ReachTaskParams;
  /** The env that evaluates the task: id and options for `makeEnv`. */
  readonly env: SuiteManifestEnv;
  /** The data file, relative to the folder (`null` for unseen tasks). */
  readonly dataFile: string | null;
  /** Transitions in the data file (0 for unseen tasks). */
  readonly transitions: number;
  /** Reset seed of every data episode, in file order (empty for unseen tasks). */
  readonly episodeSeeds: readonly number[];
  /** Behaviour of every data episode, in file order. */
  readonly episodeBehaviours: readonly string[];
  /** The prompt file, relative to the folder. */
  readonly promptFile: string;
  /** Reset seed of the prompt episode (never one of `episodeSeeds`). */
  readonly promptSeed: number;
}

/** The content of `suite.json`. */
export interface SuiteManifest {
  /** {@link SUITE_MANIFEST_FORMAT}. */
  readonly format: string;
  /** {@link SUITE_MANIFEST_FORMAT_VERSION}. */
  readonly version: number;
  /** The suite spec, in the JSON form `parseSuiteSpec` reads. */
  readonly spec: SuiteSpecInput;
  /** The split the files were written for. */
  readonly split: SuiteSplit;
  /** The generation seed. */
  readonly seed: number;
  /** Transitions per seen task. */
  readonly transitionsPerTask: number;
  /** Behaviour mix of the data. */
  readonly mix: BehaviourMix;
  /** Steps per episode. */
  readonly episodeSteps: number;
  /** Seconds spent generating (not writing). */
  readonly generationSeconds: number;
  /** One entry per task of the split, seen tasks first. */
  readonly tasks: readonly SuiteManifestTask[];
}

/** What {@link writeSuiteDatasets} returns. */
export interface WriteSuiteResult {
  /** The folder written. */
  readonly dir: string;
  /** Path of `suite.json`. */
  readonly manifestPath: string;
  /** Every file written, absolute or relative as `dir` was given. */
  readonly files: readonly string[];
  /** The manifest written. */
  readonly manifest: SuiteManifest;
  /** The suite the files came from. */
  readonly suite: Suite;
}

function isSuite(x: unknown): x is Suite {
  return (
    x !== null && typeof x === 'object' && 'dataset' in x && 'tasks' in x && typeof (x as Suite).task === 'function'
  );
}

function trajectoryBuffer(task: SuiteTask): ReplayBuffer {
  const t = task.trajectoryPrompt;
  const n = t.length;
  const next = new Float32Array(n * 4);
  next.set(t.observations.subarray(4), 0);
  next.set(task.prompt.finalObservation, (n - 1) * 4);
  const timeouts = new Uint8Array(n);
  timeouts[n - 1] = 1;
  return ReplayBuffer.fromColumns({
    observationDim: 4,
    actionDim: 2,
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
 * Generates a suite (or takes one already made) and writes each seen task's data, every task's
 * trajectory prompt and a manifest into `dir` (see the module notes for the layout). Files are
 * written atomically one by one; `suite.json` is written last, so a folder with a manifest is
 * complete.
 *
 * @example
 * ```ts
 * const { files } = await writeSuiteDatasets('pointmass-reach', 'data/pointmass', { seed: 0 });
 * ```
 * @param suite - a built-in name, a spec (validated or JSON), or a {@link Suite} from `makeSuite`
 *   (then `options.seed` and the generation options are ignored).
 * @throws {@link ConfigError} (as a rejection) on bad options or specs, naming the field.
 * @throws {@link core!SaveConflictError} (as a rejection) when `dir` holds another kind of save (a
 *   replay buffer, a checkpoint, a run folder) or a `suite.json` that is not a suite manifest;
 *   nothing is written.
 */
export async function writeSuiteDatasets(
  suite: unknown,
  dir: string,
  options: WriteSuiteOptions,
): Promise<WriteSuiteResult> {
  if (typeof dir !== 'string' || dir === '')
    throw new ConfigError(`writeSuiteDatasets: dir must be a folder path, got ${JSON.stringify(dir)}.`);
  const compression = options?.compression ?? 'none';
  if (compression !== 'none' && compression !== 'gzip')
    throw new ConfigError(
      `writeSuiteDatasets options.compression must be 'none' or 'gzip', got ${JSON.stringify(compression)}.`,
    );
  checkSaveFolder(dir, {
    format: SUITE_MANIFEST_FORMAT,
    marker: 'suite.json',
    what: "a suite's datasets",
    context: 'writeSuiteDatasets',
  });
  let made: Suite;
  if (isSuite(suite)) made = suite;
  else {
    const { compression: _c, ...suiteOptions } = options;
    made = await makeSuite(suite, suiteOptions);
  }
  await mkdir(join(dir, 'prompts'), { recursive: true });
  const files: string[] = [];
  const entries: SuiteManifestTask[] = [];
  for (const task of made.tasks) {
    const metadata = {
      suite: made.name,
      task: task.name,
      role: task.role,
      seed: made.seed,
      text_prompt: task.textPrompt,
      params_json: JSON.stringify(task.params),
    };
    let dataFile: string | null = null;
    if (task.data !== null) {
      dataFile = `${task.name}.hdf5`;
      const path = join(dir, dataFile);
      await writeD4rl(path, task.data.buffer, {
        datasetId: `${made.name}/${task.name}`,
        metadata: { ...metadata, kind: 'data' },
        compression,
      });
      files.push(path);
    }
    const promptFile = `prompts/${task.name}.hdf5`;
    const promptPath = join(dir, promptFile);
    await writeD4rl(promptPath, trajectoryBuffer(task), {
      datasetId: `${made.name}/${task.name}/prompt`,
      metadata: { ...metadata, kind: 'trajectory-prompt', prompt_seed: task.prompt.seed },
      compression,
    });
    files.push(promptPath);
    entries.push({
      name: task.name,
      role: task.role,
      text: task.textPrompt,
      params: task.params,
      env: {
        id: task.envId,
        options: { ...task.envOptions },
        maxEpisodeSteps: task.episodeSteps,
      },
      dataFile,
      transitions: task.data?.buffer.size ?? 0,
      episodeSeeds: task.data?.episodeSeeds ?? [],
      episodeBehaviours: task.data?.episodeBehaviours ?? [],
      promptFile,
      promptSeed: task.prompt.seed,
    });
  }
  const manifest: SuiteManifest = {
    format: SUITE_MANIFEST_FORMAT,
    version: SUITE_MANIFEST_FORMAT_VERSION,
    spec: suiteSpecToJson(made.spec),
    split: { seen: [...made.split.seen], unseen: [...made.split.unseen] },
    seed: made.seed,
    transitionsPerTask: made.transitionsPerTask,
    mix: made.mix,
    episodeSteps: made.episodeSteps,
    generationSeconds: made.generationSeconds,
    tasks: entries,
  };
  const manifestPath = join(dir, 'suite.json');
  await writeFileAtomicAsync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  files.push(manifestPath);
  return Object.freeze({ dir, manifestPath, files: Object.freeze(files), manifest, suite: made });
}

/** Throws unless `t` has the fields of a {@link SuiteManifestTask} that the reader uses. */
function checkManifestTask(t: unknown, i: number, manifestPath: string): void {
  const at = `loadSuiteDatasets: ${manifestPath} tasks[${i}]`;
  const o = t as Partial<Record<keyof SuiteManifestTask, unknown>> | null;
  if (o === null || typeof o !== 'object' || Array.isArray(o))
    throw new DatasetError(`${at} is ${JSON.stringify(t)}; expected a task object. The file is damaged.`);
  const bad = (field: string, want: string): never => {
    throw new DatasetError(
      `${at}.${field} is ${JSON.stringify(o[field as keyof SuiteManifestTask])}; expected ${want}. The file is damaged.`,
    );
  };
  if (typeof o.name !== 'string' || o.name === '') bad('name', 'a task name');
  if (o.role !== 'seen' && o.role !== 'unseen') bad('role', '"seen" or "unseen"');
  if (typeof o.text !== 'string' || o.text.trim() === '') bad('text', 'the text prompt');
  if (typeof o.promptFile !== 'string') bad('promptFile', 'the prompt file, relative to the folder');
  if (o.dataFile !== null && typeof o.dataFile !== 'string') bad('dataFile', 'a file relative to the folder, or null');
}

/** What {@link loadSuiteDatasets} returns. */
export interface LoadedSuiteDatasets {
  /** The manifest read from `suite.json`. */
  readonly manifest: SuiteManifest;
  /** The suite spec, validated again. */
  readonly spec: SuiteSpec;
  /** The seen tasks' data with text and trajectory prompts, in manifest order. */
  readonly dataset: MultiTaskDataset;
  /** Every task's trajectory prompt (seen and unseen), by task name. */
  readonly prompts: ReadonlyMap<string, Trajectory>;
}

/**
 * Reads a folder written by {@link writeSuiteDatasets} back: the manifest, every task's
 * trajectory prompt, and the seen tasks' data as a {@link MultiTaskDataset} equal to the one
 * `makeSuite` built (same transitions, texts, prompts and params).
 *
 * @throws {@link DatasetError} (as a rejection) when `suite.json` is missing, not a regular
 *   file, larger than 64 MB, not a suite manifest, of another version, or names a file outside
 *   the folder; whatever `loadD4rl` throws for a damaged file.
 */
export async function loadSuiteDatasets(dir: string): Promise<LoadedSuiteDatasets> {
  const context = 'loadSuiteDatasets';
  const manifestPath = join(dir, 'suite.json');
  const text = await readRegularText(manifestPath, {
    what: 'the suite manifest',
    context,
    maxBytes: MANIFEST_MAX_BYTES,
    missing: (p) =>
      new DatasetError(
        `${context}: cannot read ${p}: there is no such file. Give a folder written by writeSuiteDatasets (or \`llmdpd suite write\`).`,
      ),
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new DatasetError(
      `${context}: ${manifestPath} is not valid JSON (${String(cause)}); the file is damaged. Rewrite the folder with writeSuiteDatasets.`,
      { cause },
    );
  }
  const manifest = parsed as SuiteManifest;
  if (
    parsed === null ||
    typeof parsed !== 'object' ||
    manifest.format !== SUITE_MANIFEST_FORMAT ||
    manifest.version !== SUITE_MANIFEST_FORMAT_VERSION
  ) {
    throw new DatasetError(
      `${context}: ${manifestPath} has format ${JSON.stringify(manifest?.format)} version ${JSON.stringify(manifest?.version)}; ` +
        `expected ${SUITE_MANIFEST_FORMAT} version ${SUITE_MANIFEST_FORMAT_VERSION}. Rewrite the folder with this version of llmdpd.`,
    );
  }
  const taskList: unknown = manifest.tasks;
  if (!Array.isArray(taskList) || taskList.length === 0)
    throw new DatasetError(`${context}: ${manifestPath} field "tasks" is missing or empty; the file is damaged.`);
  taskList.forEach((t: unknown, i) => checkManifestTask(t, i, manifestPath));
  const spec = parseSuiteSpec(manifest.spec);
  const prompts = new Map<string, Trajectory>();
  const seen: { name: string; buffer: ReplayBuffer; text: string; params: ReachTaskParams }[] = [];
  for (const [i, task] of manifest.tasks.entries()) {
    const params = reachParams(task.params, `${manifestPath} tasks[${i}].params`);
    const inside = (name: string, field: string): string =>
      resolveInsideFolder(dir, name, { context, field: `${manifestPath} tasks[${i}].${field}` });
    const prompt = await loadD4rl(inside(task.promptFile, 'promptFile'), { timeouts: 'keep' });
    const c = prompt.buffer.columns();
    prompts.set(task.name, {
      length: c.size,
      observationDim: c.observationDim,
      actionDim: c.actionDim,
      observations: c.observations,
      actions: c.actions,
      rewards: c.rewards,
    });
    if (task.dataFile !== null) {
      const data = await loadD4rl(inside(task.dataFile, 'dataFile'), { timeouts: 'keep' });
      seen.push({ name: task.name, buffer: data.buffer, text: task.text, params });
    }
  }
  if (seen.length === 0)
    throw new DatasetError(`loadSuiteDatasets: ${manifestPath} lists no seen task with a data file.`);
  const dataset = new MultiTaskDataset(
    seen.map((t) => ({
      name: t.name,
      buffer: t.buffer,
      textPrompt: t.text,
      trajectoryPrompt: prompts.get(t.name)!,
      params: { ...t.params },
    })),
  );
  return Object.freeze({ manifest, spec, dataset, prompts });
}
