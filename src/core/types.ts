/**
 * Plain data types shared by buffers, envs, encoders and agents. They hold typed arrays, never
 * tensors: the host-to-tensor boundary is inside the agents.
 *
 * @module
 */
import type { Rng } from './rng.js';

/** A value that may or may not be wrapped in a promise (sync or async envs and callbacks). */
export type MaybePromise<T> = T | Promise<T>;

/**
 * A minibatch of transitions in row-major typed arrays, as returned by the buffers' `sample`.
 *
 * Row `i` of `observations` is `observations.subarray(i * observationDim, (i + 1) * observationDim)`.
 * Prompts are per task, not per transition: an agent embeds each task's text and trajectory
 * prompt once and gathers them by `taskIndices`, so no prompt is ever re-encoded per step.
 */
export interface Batch {
  /** Number of transitions (rows). */
  readonly size: number;
  /** Length of one observation row. */
  readonly observationDim: number;
  /** Length of one action row. */
  readonly actionDim: number;
  /** Observations s, `size * observationDim` values. */
  readonly observations: Float32Array;
  /** Actions a, `size * actionDim` values. */
  readonly actions: Float32Array;
  /** Rewards r, `size` values. */
  readonly rewards: Float32Array;
  /** Next observations s', `size * observationDim` values. */
  readonly nextObservations: Float32Array;
  /** 1 where s' is terminal (an MDP end: do not bootstrap), else 0. */
  readonly terminals: Float32Array;
  /** 1 where the episode was cut by a time limit after this step (bootstrap as usual), else 0. */
  readonly timeouts: Float32Array;
  /** Task index of each transition (0 in single-task data). */
  readonly taskIndices: Int32Array;
  /** Index of each row's transition in the buffer it was sampled from. */
  readonly indices: Int32Array;
}

/**
 * A contiguous piece of one episode: T steps of observations and actions (and rewards), as
 * used for trajectory prompts.
 */
export interface Trajectory {
  /** Number of steps T. */
  readonly length: number;
  /** Length of one observation row. */
  readonly observationDim: number;
  /** Length of one action row. */
  readonly actionDim: number;
  /** `length * observationDim` values. */
  readonly observations: Float32Array;
  /** `length * actionDim` values. */
  readonly actions: Float32Array;
  /** `length` rewards. */
  readonly rewards: Float32Array;
}

/** Mean and standard deviation per dimension, for normalising observations or actions. */
export interface Statistics {
  /** Per-dimension mean. */
  readonly mean: Float32Array;
  /** Per-dimension standard deviation (population, not clamped). */
  readonly std: Float32Array;
  /** Per-dimension minimum. */
  readonly min: Float32Array;
  /** Per-dimension maximum. */
  readonly max: Float32Array;
}

/**
 * Anything an agent can train on: it fills a preallocated {@link Batch} with sampled
 * transitions. `ReplayBuffer` and `MultiTaskDataset` (llmdpd/buffers) both satisfy it, so
 * agents depend on this shape rather than on the buffer classes.
 */
export interface TransitionSource {
  /** Length of one observation row. */
  readonly observationDim: number;
  /** Length of one action row. */
  readonly actionDim: number;
  /** Fills `batch` with uniformly sampled transitions (per task first, for multi-task data) and returns it. */
  sampleInto(batch: Batch, rng: Rng): Batch;
  /** Per-dimension statistics of the observations, for normalisation. */
  observationStatistics(): Statistics;
  /** Per-dimension statistics of the actions. */
  actionStatistics(): Statistics;
}

/** The prompts of one task, as a multi-task data source exposes them. */
export interface TaskPrompts {
  /** The task's name. */
  readonly name: string;
  /** The task description in words. */
  readonly textPrompt: string;
  /** One trajectory of the task's states and actions (the first of `trajectoryPrompts`). */
  readonly trajectoryPrompt: Trajectory;
  /**
   * Every trajectory prompt of the task, when it has several (Prompt-DT and MTDiff draw one per
   * step); absent means `[trajectoryPrompt]`.
   */
  readonly trajectoryPrompts?: readonly Trajectory[];
  /** Free-form task parameters (e.g. the goal), for conditioners that read known task features. */
  readonly params?: Readonly<Record<string, unknown>>;
}

/** Multi-task training data with prompts per task (`MultiTaskDataset` satisfies it). */
export interface PromptedTaskSource extends TransitionSource {
  /** Number of tasks; `batch.taskIndices` values are below it. */
  readonly numTasks: number;
  /** The prompts of task `index`. */
  task(index: number): TaskPrompts;
}
