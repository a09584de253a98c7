/**
 * {@link makeSuite}: a multi-task benchmark ready to train on and evaluate: the seen tasks'
 * offline data as a {@link MultiTaskDataset} (text prompt and trajectory prompt per task), and
 * for every task, seen or unseen, its description, parameters, trajectory prompt and env factory.
 *
 * @module
 */
import { MultiTaskDataset } from '../buffers/multi-task-dataset.js';
import { ConfigError, NotFoundError } from '../core/errors.js';
import { MANIFEST_MAX_BYTES, readRegularTextSync } from '../core/safe-files.js';
import type { Trajectory } from '../core/types.js';
import type { Env } from '../envs/env.js';
import { makeEnv } from '../envs/registry.js';
import {
  DEFAULT_BEHAVIOUR_MIX,
  DEFAULT_TRANSITIONS_PER_TASK,
  checkBehaviourMix,
  generateTaskDataset,
  generateTrajectoryPrompt,
  taskEnvOptions,
  type BehaviourMix,
  type TaskDataset,
  type TrajectoryPromptRecord,
} from './generate.js';
import { POINT_MASS_ENV_ID, loadPointMassRuntime, registerSuiteEnvs, type PointMassOptions } from './point-mass-env.js';
import {
  builtinSuiteSpec,
  isSuiteSpec,
  parseSplit,
  parseSuiteSpec,
  type ReachTaskParams,
  type StructuredDescription,
  type SuiteSplit,
  type SuiteSpec,
} from './tasks.js';

/** Which split a task belongs to in a {@link Suite}. */
export type SplitRole = 'seen' | 'unseen';

/** One step of {@link makeSuite}'s work, for progress reporting. */
export interface SuiteProgressEvent {
  /** The task just finished. */
  readonly task: string;
  /** Its role in the split. */
  readonly role: SplitRole;
  /** Tasks finished so far (1-based count). */
  readonly done: number;
  /** Tasks to do in all. */
  readonly total: number;
}

/** Options of {@link makeSuite}. */
export interface MakeSuiteOptions {
  /** Seed of every dataset and prompt of the suite, a non-negative integer. */
  readonly seed: number;
  /**
   * Seen and unseen tasks: `'default'` for the suite's own split, or `{ seen, unseen }` lists of
   * its task names (checked: known names, no task in both).
   * @defaultValue `'default'`
   */
  readonly split?: 'default' | SuiteSplit;
  /**
   * Transitions generated per seen task, rounded up to whole episodes.
   * @defaultValue {@link DEFAULT_TRANSITIONS_PER_TASK} (20 000)
   */
  readonly transitionsPerTask?: number;
  /** Behaviour fractions of the data. @defaultValue {@link DEFAULT_BEHAVIOUR_MIX} */
  readonly mix?: BehaviourMix;
  /** Called after each task's data and prompt are generated. */
  readonly onProgress?: (event: SuiteProgressEvent) => void;
}

/** A task of a {@link Suite}. */
export interface SuiteTask {
  /** The task's name. */
  readonly name: string;
  /** Seen (has training data) or unseen (prompts only). */
  readonly role: SplitRole;
  /** For a seen task, its index in {@link Suite.dataset} (`batch.taskIndices`); -1 for an unseen task. */
  readonly datasetIndex: number;
  /** The task's parameters (goal, success settings). */
  readonly params: ReachTaskParams;
  /** The structured description, or `null` when the spec gave a free text. */
  readonly description: StructuredDescription | null;
  /** The text prompt (Task / Objective / Constraints). */
  readonly textPrompt: string;
  /** The registered env id ({@link POINT_MASS_ENV_ID}). */
  readonly envId: string;
  /** The options that make the env this task's (`makeEnv(envId, envOptions)`). */
  readonly envOptions: PointMassOptions;
  /** Steps per episode (the env's time limit). */
  readonly episodeSteps: number;
  /**
   * Builds the task's env from the registry (with its time limit), synchronously: the runtime
   * is loaded by {@link makeSuite}. Pass it to `evaluatePolicy` as the env source.
   */
  readonly makeEnv: () => Env<Float32Array, Float32Array>;
  /** The trajectory prompt (one expert episode, see {@link TrajectoryPromptRecord}). */
  readonly trajectoryPrompt: Trajectory;
  /** The trajectory prompt with its seed, return and success. */
  readonly prompt: TrajectoryPromptRecord;
  /** The task's training data (seen tasks), or `null` (unseen tasks). */
  readonly data: TaskDataset | null;
}

/** What {@link makeSuite} returns. */
export interface Suite {
  /** The suite's name. */
  readonly name: string;
  /** The suite's spec (every task, default split). */
  readonly spec: SuiteSpec;
  /** The seed everything was generated with. */
  readonly seed: number;
  /** The split in use. */
  readonly split: SuiteSplit;
  /** Steps per episode. */
  readonly episodeSteps: number;
  /** Transitions per seen task (after rounding up to whole episodes). */
  readonly transitionsPerTask: number;
  /** The behaviour mix of the data. */
  readonly mix: BehaviourMix;
  /** Every task of the split: the seen tasks, then the unseen ones. */
  readonly tasks: readonly SuiteTask[];
  /** The seen tasks, in split order. */
  readonly seen: readonly SuiteTask[];
  /** The unseen tasks, in split order. */
  readonly unseen: readonly SuiteTask[];
  /** The seen tasks' data with text and trajectory prompts, task index = position in `seen`. */
  readonly dataset: MultiTaskDataset;
  /** Wall-clock seconds spent generating data and prompts. */
  readonly generationSeconds: number;
  /**
   * A task of the split by name.
   * @throws {@link NotFoundError} for a name outside the split.
   */
  task(name: string): SuiteTask;
}

/**
 * Reads and validates a suite spec from a JSON file (see `SuiteSpecInput` for the format). The
 * file must be a regular file of at most 64 MB.
 *
 * @param path - the `.json` file.
 * @throws {@link NotFoundError} when there is no file; {@link DatasetError} when it is a FIFO, a
 *   device or too large; {@link ConfigError} naming the file and the field when the spec is invalid.
 */
export function readSuiteSpecFile(path: string): SuiteSpec {
  const text = readRegularTextSync(path, {
    what: 'the suite spec',
    context: 'readSuiteSpecFile',
    maxBytes: MANIFEST_MAX_BYTES,
  });
  try {
    return parseSuiteSpec(text);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`${path}: ${error.message}`, { cause: error });
    throw error;
  }
}

/**
 * Resolves a suite given by built-in name, path of a `.json` spec file, validated spec or JSON
 * spec (object or string).
 * @param suite - a built-in suite name, a path ending in `.json`, a {@link SuiteSpec}, or a JSON
 *   spec (object or string) as described by `SuiteSpecInput`; typed `unknown` because anything
 *   else is checked here and rejected with a {@link ConfigError}.
 * @throws {@link NotFoundError} for an unknown built-in name or a missing file; {@link ConfigError}
 *   for an invalid spec; {@link DatasetError} for a spec file that is not a regular file.
 */
export function resolveSuiteSpec(suite: unknown): SuiteSpec {
  if (typeof suite === 'string') {
    if (suite.trim().startsWith('{')) return parseSuiteSpec(suite);
    if (/\.json$/i.test(suite.trim())) return readSuiteSpecFile(suite.trim());
    return builtinSuiteSpec(suite);
  }
  if (isSuiteSpec(suite)) return suite;
  return parseSuiteSpec(suite);
}

function checkOptions(options: MakeSuiteOptions): void {
  if (options === null || typeof options !== 'object')
    throw new ConfigError('makeSuite needs options { seed }, e.g. makeSuite("pointmass-reach", { seed: 0 }).');
  const known = ['seed', 'split', 'transitionsPerTask', 'mix', 'onProgress'];
  const extra = Object.keys(options).filter((k) => !known.includes(k));
  if (extra.length > 0)
    throw new ConfigError(
      `makeSuite has no option ${extra.map((k) => JSON.stringify(k)).join(', ')}; its options are ${known.join(', ')}.`,
    );
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) {
    throw new ConfigError(
      `makeSuite options.seed must be a non-negative integer, got ${String(options.seed)}. Pass e.g. { seed: 0 }; the same seed gives the same datasets and prompts.`,
    );
  }
  const t = options.transitionsPerTask;
  if (t !== undefined && (!Number.isSafeInteger(t) || t < 1)) {
    throw new ConfigError(
      `makeSuite options.transitionsPerTask must be a positive integer, got ${String(t)}. Leave it out for ${DEFAULT_TRANSITIONS_PER_TASK}.`,
    );
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function')
    throw new ConfigError('makeSuite options.onProgress must be a function (event) => void.');
}

/**
 * Builds a suite: loads the MuJoCo runtime and the point-mass model, registers
 * {@link POINT_MASS_ENV_ID}, generates every seen task's offline data and every task's
 * trajectory prompt, and gathers the seen tasks into a {@link MultiTaskDataset}.
 *
 * The result is a pure function of the spec, the split's task names, `seed`,
 * `transitionsPerTask` and `mix`; a task's data and prompt do not depend on the other tasks or
 * on the order of the split.
 *
 * @example
 * ```ts
 * const suite = await makeSuite('pointmass-reach', { seed: 0 });
 * const agent = new LLMDPDAgent({ observationDim: 4, actionDim: 2 });
 * await agent.fit(suite.dataset, { steps: 12_000 });          // seen tasks only
 * for (const task of suite.unseen) {
 *   const policy = await agent.policy({ textPrompt: task.textPrompt, trajectoryPrompt: task.trajectoryPrompt });
 *   const result = await evaluatePolicy({ batched: (o) => policy.actBatch(o) }, () => task.makeEnv(), { episodes: 10, seed: 1, vectorized: true });
 *   console.log(task.name, result.successRate);
 * }
 * ```
 * @param suite - a built-in suite name (`'pointmass-reach'`), a spec from
 *   {@link parseSuiteSpec}, or a JSON spec (object or string) as described by `SuiteSpecInput`.
 * @throws {@link ConfigError} (as a rejection) on a bad spec, split or option, naming the field;
 *   {@link NotFoundError} for an unknown built-in name; {@link EnvError} when MuJoCo cannot load.
 */
export async function makeSuite(suite: unknown, options: MakeSuiteOptions): Promise<Suite> {
  const spec = resolveSuiteSpec(suite);
  checkOptions(options);
  const split =
    options.split === undefined || options.split === 'default'
      ? spec.split
      : parseSplit(
          options.split,
          spec.tasks.map((t) => t.name),
          'makeSuite options.split',
        );
  const mix = checkBehaviourMix(options.mix ?? DEFAULT_BEHAVIOUR_MIX, 'makeSuite options.mix');
  const requested = options.transitionsPerTask ?? DEFAULT_TRANSITIONS_PER_TASK;
  const episodeSteps = spec.episodeSteps;
  const transitionsPerTask = Math.ceil(requested / episodeSteps) * episodeSteps;
  await loadPointMassRuntime();
  registerSuiteEnvs();
  const started = performance.now();
  const byName = new Map(spec.tasks.map((t) => [t.name, t]));
  const total = split.seen.length + split.unseen.length;
  const tasks: SuiteTask[] = [];
  const roles: [SplitRole, readonly string[]][] = [
    ['seen', split.seen],
    ['unseen', split.unseen],
  ];
  for (const [role, names] of roles) {
    names.forEach((name, i) => {
      const t = byName.get(name)!;
      const common = { seed: options.seed, taskName: name, episodeSteps };
      const data =
        role === 'seen' ? generateTaskDataset(t.params, { ...common, transitions: transitionsPerTask, mix }) : null;
      const prompt = generateTrajectoryPrompt(t.params, {
        ...common,
        ...(data === null ? {} : { avoidSeeds: new Set(data.episodeSeeds) }),
      });
      const envOptions = taskEnvOptions(t.params);
      tasks.push(
        Object.freeze({
          name,
          role,
          datasetIndex: role === 'seen' ? i : -1,
          params: t.params,
          description: t.description,
          textPrompt: t.textPrompt,
          envId: POINT_MASS_ENV_ID,
          envOptions,
          episodeSteps,
          makeEnv: () =>
            makeEnv<Float32Array, Float32Array>(POINT_MASS_ENV_ID, { ...envOptions, maxEpisodeSteps: episodeSteps }),
          trajectoryPrompt: prompt.trajectory,
          prompt,
          data,
        }),
      );
      options.onProgress?.({ task: name, role, done: tasks.length, total });
    });
  }
  const seen = tasks.filter((t) => t.role === 'seen');
  const dataset = new MultiTaskDataset(
    seen.map((t) => ({
      name: t.name,
      buffer: t.data!.buffer,
      textPrompt: t.textPrompt,
      trajectoryPrompt: t.trajectoryPrompt,
      params: { ...t.params },
    })),
  );
  const generationSeconds = (performance.now() - started) / 1000;
  const index = new Map(tasks.map((t) => [t.name, t]));
  return Object.freeze({
    name: spec.name,
    spec,
    seed: options.seed,
    split,
    episodeSteps,
    transitionsPerTask,
    mix,
    tasks: Object.freeze(tasks),
    seen: Object.freeze(seen),
    unseen: Object.freeze(tasks.filter((t) => t.role === 'unseen')),
    dataset,
    generationSeconds,
    task(name: string): SuiteTask {
      const t = index.get(name);
      if (t !== undefined) return t;
      const inSpec = byName.has(name);
      throw new NotFoundError(
        inSpec
          ? `Task ${JSON.stringify(name)} belongs to suite ${spec.name} but not to this split; add it to split.seen or split.unseen.`
          : `Suite ${spec.name} has no task ${JSON.stringify(name)}. Tasks of this split: ${tasks.map((x) => x.name).join(', ')}.`,
      );
    },
  });
}
