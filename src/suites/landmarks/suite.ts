/**
 * {@link makeLandmarkSuite}: the `pointmass-landmarks` benchmark (or a user's landmark spec)
 * with every seen task's offline data, every task's trajectory prompts, and the seen tasks
 * gathered into a {@link MultiTaskDataset} (with all of each task's prompts).
 *
 * @module
 */
import { MultiTaskDataset } from '../../buffers/multi-task-dataset.js';
import { ConfigError, NotFoundError } from '../../core/errors.js';
import type { Trajectory } from '../../core/types.js';
import type { Env } from '../../envs/env.js';
import { makeEnv } from '../../envs/registry.js';
import {
  checkBehaviourMix,
  DEFAULT_BEHAVIOUR_MIX,
  DEFAULT_TRANSITIONS_PER_TASK,
  type BehaviourMix,
  type TaskDataset,
} from '../generate.js';
import { loadPointMassRuntime } from '../point-mass-env.js';
import type { SplitRole } from '../suite.js';
import { LANDMARK_ENV_ID, type LandmarkEnvOptions, registerLandmarkEnv } from './env.js';
import {
  builtinLandmarkSuite,
  type LandmarkSuiteSpec,
  type LandmarkTask,
  type LandmarkTaskGroup,
  parseLandmarkSuiteSpec,
  POINTMASS_LANDMARKS,
} from './family.js';
import { generateLandmarkDataset, generateLandmarkPrompts, type LandmarkPromptRecord } from './generate.js';

/** Options of {@link makeLandmarkSuite}. */
export interface MakeLandmarkSuiteOptions {
  /** Seed of every dataset and prompt, a non-negative integer. */
  readonly seed: number;
  /** Transitions per seen task, rounded up to whole episodes. @defaultValue 20 000 */
  readonly transitionsPerTask?: number;
  /** Behaviour fractions of the data. @defaultValue 25% random, 50% medium, 25% expert */
  readonly mix?: BehaviourMix;
  /** Trajectory prompts per task. @defaultValue 4 */
  readonly promptsPerTask?: number;
  /** Called after each task's data and prompts are generated. */
  readonly onProgress?: (event: { readonly task: string; readonly done: number; readonly total: number }) => void;
}

/** A task of a {@link LandmarkSuite}. */
export interface LandmarkSuiteTask extends LandmarkTask {
  /** Seen (has training data) or unseen (prompts only). */
  readonly role: SplitRole;
  /** For a seen task, its index in {@link LandmarkSuite.dataset}; -1 for an unseen task. */
  readonly datasetIndex: number;
  /** The registered env id ({@link LANDMARK_ENV_ID}). */
  readonly envId: string;
  /** The options that make the env this task's. */
  readonly envOptions: LandmarkEnvOptions;
  /** Steps per episode. */
  readonly episodeSteps: number;
  /** Builds the task's env with its time limit (synchronously: the runtime is loaded). */
  readonly makeEnv: () => Env<Float32Array, Float32Array>;
  /** The trajectory prompts: probe episodes under the task's actuation map. */
  readonly trajectoryPrompts: readonly Trajectory[];
  /** The first trajectory prompt (for APIs that take one). */
  readonly trajectoryPrompt: Trajectory;
  /** The prompts with their reset seeds. */
  readonly prompts: readonly LandmarkPromptRecord[];
  /** The task's training data (seen tasks) or `null`. */
  readonly data: TaskDataset | null;
}

/** What {@link makeLandmarkSuite} returns. */
export interface LandmarkSuite {
  /** The suite's name. */
  readonly name: string;
  /** The validated spec. */
  readonly spec: LandmarkSuiteSpec;
  /** The seed everything was generated with. */
  readonly seed: number;
  /** Steps per episode. */
  readonly episodeSteps: number;
  /** Transitions per seen task (after rounding up to whole episodes). */
  readonly transitionsPerTask: number;
  /** Every task: seen first, then the unseen groups. */
  readonly tasks: readonly LandmarkSuiteTask[];
  /** The seen tasks, in dataset order. */
  readonly seen: readonly LandmarkSuiteTask[];
  /** The unseen tasks (both groups). */
  readonly unseen: readonly LandmarkSuiteTask[];
  /** The tasks of one group. */
  group(group: LandmarkTaskGroup): readonly LandmarkSuiteTask[];
  /** The seen tasks' data with their texts and every trajectory prompt (agents draw one per training step). */
  readonly dataset: MultiTaskDataset;
  /** Wall-clock seconds spent generating. */
  readonly generationSeconds: number;
  /**
   * A task by name.
   * @throws {@link NotFoundError} for an unknown name.
   */
  task(name: string): LandmarkSuiteTask;
}

function resolveSpec(suite: unknown): LandmarkSuiteSpec {
  if (suite === POINTMASS_LANDMARKS) return builtinLandmarkSuite();
  if (typeof suite === 'string' && !suite.trim().startsWith('{'))
    throw new NotFoundError(
      `No built-in landmark suite ${JSON.stringify(suite)}; the built-in one is ${POINTMASS_LANDMARKS}.`,
    );
  if (
    suite !== null &&
    typeof suite === 'object' &&
    'tasks' in suite &&
    Array.isArray((suite as LandmarkSuiteSpec).tasks) &&
    (suite as LandmarkSuiteSpec).tasks.every(
      (t) =>
        typeof t === 'object' && t !== null && 'rule' in t && 'map' in t && 'group' in t && typeof t.map === 'object',
    )
  )
    return suite as LandmarkSuiteSpec;
  return parseLandmarkSuiteSpec(suite);
}

/**
 * Builds a landmark suite: loads the runtime, registers {@link LANDMARK_ENV_ID}, generates each
 * seen task's data and each task's prompts. The result is a pure function of the spec, `seed`,
 * `transitionsPerTask`, `mix` and `promptsPerTask`.
 *
 * @example
 * ```ts
 * const suite = await makeLandmarkSuite('pointmass-landmarks', { seed: 0 });
 * console.log(suite.seen.length, suite.group('unseen-paraphrase').length); // 12 12
 * ```
 * @throws {@link ConfigError} on a bad spec or option; {@link NotFoundError} for an unknown name.
 */
export async function makeLandmarkSuite(suite: unknown, options: MakeLandmarkSuiteOptions): Promise<LandmarkSuite> {
  const spec = resolveSpec(suite);
  if (options === null || typeof options !== 'object' || !Number.isSafeInteger(options.seed) || options.seed < 0)
    throw new ConfigError(
      `makeLandmarkSuite options.seed must be a non-negative integer, got ${String(options?.seed)}.`,
    );
  const requested = options.transitionsPerTask ?? DEFAULT_TRANSITIONS_PER_TASK;
  if (!Number.isSafeInteger(requested) || requested < 1)
    throw new ConfigError(
      `makeLandmarkSuite options.transitionsPerTask must be a positive integer, got ${String(requested)}.`,
    );
  const mix = checkBehaviourMix(options.mix ?? DEFAULT_BEHAVIOUR_MIX, 'makeLandmarkSuite options.mix');
  const T = spec.episodeSteps;
  const transitionsPerTask = Math.ceil(requested / T) * T;
  await loadPointMassRuntime();
  registerLandmarkEnv();
  const started = performance.now();
  const tasks: LandmarkSuiteTask[] = [];
  let seenIndex = 0;
  for (const task of spec.tasks) {
    const role: SplitRole = task.group === 'seen' ? 'seen' : 'unseen';
    const data =
      role === 'seen'
        ? generateLandmarkDataset(task, { seed: options.seed, transitions: transitionsPerTask, episodeSteps: T, mix })
        : null;
    const prompts = generateLandmarkPrompts(task, {
      seed: options.seed,
      episodeSteps: T,
      ...(options.promptsPerTask === undefined ? {} : { count: options.promptsPerTask }),
      ...(data === null ? {} : { avoidSeeds: new Set(data.episodeSeeds) }),
    });
    const envOptions: LandmarkEnvOptions = Object.freeze({ rule: task.rule, map: task.map, ...task.success });
    tasks.push(
      Object.freeze({
        ...task,
        role,
        datasetIndex: role === 'seen' ? seenIndex++ : -1,
        envId: LANDMARK_ENV_ID,
        envOptions,
        episodeSteps: T,
        makeEnv: () => makeEnv<Float32Array, Float32Array>(LANDMARK_ENV_ID, { ...envOptions, maxEpisodeSteps: T }),
        trajectoryPrompts: Object.freeze(prompts.map((p) => p.trajectory)),
        trajectoryPrompt: prompts[0].trajectory,
        prompts: Object.freeze(prompts),
        data,
      }),
    );
    options.onProgress?.({ task: task.name, done: tasks.length, total: spec.tasks.length });
  }
  const seen = tasks.filter((t) => t.role === 'seen');
  const dataset = new MultiTaskDataset(
    seen.map((t) => ({
      name: t.name,
      buffer: t.data!.buffer,
      textPrompt: t.text,
      trajectoryPrompt: t.trajectoryPrompts[0],
      extraTrajectoryPrompts: t.trajectoryPrompts.slice(1),
      params: { rule: t.ruleName, map: t.map.name },
    })),
  );
  const index = new Map(tasks.map((t) => [t.name, t]));
  return Object.freeze({
    name: spec.name,
    spec,
    seed: options.seed,
    episodeSteps: T,
    transitionsPerTask,
    tasks: Object.freeze(tasks),
    seen: Object.freeze(seen),
    unseen: Object.freeze(tasks.filter((t) => t.role === 'unseen')),
    group: (group: LandmarkTaskGroup) => tasks.filter((t) => t.group === group),
    dataset,
    generationSeconds: (performance.now() - started) / 1000,
    task(name: string): LandmarkSuiteTask {
      const t = index.get(name);
      if (t === undefined)
        throw new NotFoundError(
          `Suite ${spec.name} has no task ${JSON.stringify(name)}. Its tasks: ${tasks.map((x) => x.name).join(', ')}.`,
        );
      return t;
    },
  });
}
