/**
 * The `Agent` contract every offline-RL agent in the library implements (Diffusion-QL,
 * LLMDPD, and the baselines that follow), in the shape d3rlpy users know, with TypeScript
 * idioms: a typed JSON config, `fit` as an awaited loop with callbacks, an `AbortSignal` and
 * checkpoints, `act` on plain typed arrays, `save`/`load` of everything needed to act or resume.
 *
 * @module
 */
import type { Batch, Trajectory, TransitionSource } from '../core/types.js';
import type { ProgressOptions } from '../core/progress.js';
import type { TrainingLogger } from '../core/run/loggers.js';
import type { PolicyExportSummary } from '../export/artefact.js';

/** Mean training metrics of an epoch, keyed by namespaced names such as `loss/critic`. */
export type Metrics = Record<string, number>;

/** What {@link FitOptions.onEpoch} receives at the end of every epoch. */
export interface EpochReport {
  /** 1-based epoch number within this `fit` call. */
  readonly epoch: number;
  /** The agent's total number of gradient steps so far (across `fit` calls and resumes). */
  readonly step: number;
  /** Means of the metrics read during the epoch. */
  readonly metrics: Metrics;
  /** Results of the evaluators, by name. */
  readonly evaluation: Metrics;
  /** Wall time of the epoch in seconds, evaluation included. */
  readonly seconds: number;
}

/** An evaluator: a named measurement of the agent, run at the end of every epoch. */
export type Evaluator<A> = (agent: A) => number | Promise<number>;

/** Options of `fit`. */
export interface FitOptions<A = unknown> {
  /** Gradient steps to run in this call. */
  readonly steps: number;
  /** Steps per epoch (evaluation, callback, checkpoint granularity). @defaultValue `min(1000, steps)` */
  readonly stepsPerEpoch?: number;
  /** Read metrics from the device every this many steps (each read forces a sync). @defaultValue 100 */
  readonly logEvery?: number;
  /** Measurements run at the end of each epoch, e.g. a mean return from `evaluatePolicy`. */
  readonly evaluators?: Readonly<Record<string, Evaluator<A>>>;
  /** Called after each epoch; return `{ stop: true }` to end training early. */
  readonly onEpoch?: (report: EpochReport) => void | EpochVerdict | Promise<void | EpochVerdict>;
  /**
   * Cancels training: checked between steps. The current step finishes, no checkpoint is
   * half-written, and `fit` rejects with `signal.reason` (the `fetch` convention).
   */
  readonly signal?: AbortSignal;
  /** Progress display: a bar on a TTY, one line per epoch otherwise. @defaultValue `'auto'` */
  readonly progress?: ProgressOptions['mode'];
  /**
   * Write a resumable checkpoint every few epochs (and after the last). With `logDir` and no
   * `checkpoint.dir`, checkpoints go to `logDir/checkpoint`.
   */
  readonly checkpoint?: CheckpointOptions;
  /**
   * A run folder to write as training goes (see `docs/formats.md`, "Run folders"):
   * `params.json`, `metrics.jsonl`/`.csv` (one row per `logEvery` steps), `evaluations.jsonl`/`.csv`,
   * the latest checkpoint in `checkpoint/` (every `checkpoint.every` epochs, default 1) and
   * `status.json`. A missing or empty folder starts a new run; a folder holding this agent's run
   * is continued when the agent was loaded from its checkpoint; anything else is refused.
   */
  readonly logDir?: string;
  /** More destinations for the same rows (`ConsoleLogger`, an experiment tracker, ...). */
  readonly loggers?: readonly TrainingLogger[];
  /**
   * What the training data was, recorded as `data` in the run folder's `params.json` (e.g. the
   * file it was loaded from). @defaultValue the data's class name, size and dimensions
   */
  readonly dataInfo?: Readonly<Record<string, unknown>>;
  /**
   * Keep the checkpoint of the best epoch by one evaluator (Diffusion-QL's "online" model
   * selection): after each epoch whose value beats the best so far, the agent is saved to
   * `keepBest.dir`; the report's `best` says which epoch that was.
   */
  readonly keepBest?: KeepBestOptions;
}

/** Options of {@link FitOptions.keepBest}. */
export interface KeepBestOptions {
  /** The evaluator (a key of `evaluators`) whose value ranks the epochs. */
  readonly evaluator: string;
  /** Folder of the best checkpoint (overwritten atomically). @defaultValue `logDir/best` with a run folder; required without one */
  readonly dir?: string;
  /** `'max'` for a return or success rate, `'min'` for a loss. @defaultValue `'max'` */
  readonly mode?: 'max' | 'min';
  /**
   * The value to beat, e.g. the best of an earlier `fit` call of the same run (epochs are
   * compared within one call otherwise). @defaultValue none
   */
  readonly toBeat?: number;
}

/** The best epoch by the `keepBest` evaluator, and where its checkpoint is. */
export interface BestEpoch {
  /** The evaluator. */
  readonly evaluator: string;
  /** Its value at that epoch. */
  readonly value: number;
  /** The epoch (1-based within the `fit` call). */
  readonly epoch: number;
  /** The agent's total step count then. */
  readonly step: number;
  /** Every evaluator's value at that epoch. */
  readonly evaluation: Metrics;
  /** The folder holding its checkpoint. */
  readonly dir: string;
}

/** Where training ended: the last epoch's step and evaluation. */
export interface FinalEpoch {
  /** The last epoch run (1-based within the `fit` call). */
  readonly epoch: number;
  /** The agent's total step count. */
  readonly step: number;
  /** The evaluators' values at the last epoch (empty without evaluators). */
  readonly evaluation: Metrics;
}

/** Where and how often `fit` writes checkpoints. */
export interface CheckpointOptions {
  /** Folder of the checkpoint (overwritten atomically each time). */
  readonly dir: string;
  /** Epochs between checkpoints. @defaultValue 1 */
  readonly every?: number;
}

/** What an `onEpoch` callback may return. */
export interface EpochVerdict {
  /** True to end training after this epoch. */
  readonly stop: boolean;
}

/** What `fit` returns. */
export interface FitReport {
  /** Gradient steps run in this call. */
  readonly steps: number;
  /** The agent's total step count afterwards. */
  readonly totalSteps: number;
  /** Epochs completed in this call. */
  readonly epochs: number;
  /** Why training ended. */
  readonly stoppedBy: 'completed' | 'callback';
  /** One report per epoch. */
  readonly history: readonly EpochReport[];
  /** The last epoch (null when no epoch finished). */
  readonly final: FinalEpoch | null;
  /** The best epoch by `keepBest`'s evaluator (null without `keepBest`, or when no value beat `toBeat`). */
  readonly best: BestEpoch | null;
  /** Wall time in seconds. */
  readonly seconds: number;
}

/**
 * The task an agent acts in, as its task conditioner needs it: any of the task's name
 * (`task-id`, or a `features` table entry), its known feature vector (`features`), its text
 * description and one of its trajectories (`prompts`, LLMDPD's two prompts). Fields the agent's
 * conditioner does not use are ignored; agents without a conditioner ignore the whole context.
 */
export interface TaskContext {
  /** The task description in words (prompts conditioner). */
  readonly textPrompt?: string;
  /** One trajectory of the task (prompts conditioner). */
  readonly trajectoryPrompt?: Trajectory;
  /** The task's name (task-id conditioner, or the features conditioner's table). */
  readonly task?: string;
  /** The task's feature vector (features conditioner). */
  readonly features?: ArrayLike<number>;
}

/** The context of LLMDPD's two prompts: the name {@link TaskContext} had before other conditioners existed. */
export type PromptContext = TaskContext;

/** Options of {@link Agent.exportPolicy}. */
export interface ExportPolicyOptions {
  /**
   * The task to export the policy for: its condition (prompt embeddings, task code) is computed
   * once and stored, so the runtime needs no text encoder or trajectory transformer. Required
   * for agents with a task conditioner. @defaultValue `{}`
   */
  readonly context?: TaskContext;
}

/** A policy bound to one context, with prompts embedded once. */
export interface BoundPolicy {
  /** One action for one observation. */
  act(observation: Float32Array): Float32Array;
  /** Actions for N observations given row-major as one array (`N * observationDim`), in one batched network call. */
  actBatch(observations: Float32Array): Float32Array;
}

/**
 * The interface every agent implements.
 * @typeParam Config - the agent's JSON config type.
 * @typeParam Data - what `fit` trains on (multi-task agents need prompts per task).
 */
export interface Agent<Config, Data extends TransitionSource = TransitionSource> {
  /** The resolved configuration (all defaults filled in), JSON-serialisable. */
  readonly config: Readonly<Config>;
  /** Total gradient steps taken so far. */
  readonly step: number;
  /** Trains on offline data (binds to it first, see `bindTasks`). */
  fit(data: Data, options: FitOptions<this>): Promise<FitReport>;
  /**
   * Prepares the agent for `update` on batches drawn from `data`: a batch's task indices then
   * refer to `data`'s tasks (the conditioner embeds their texts once, packs their trajectory
   * prompts, looks up their ids or features), and normalising agents take the data's statistics.
   * `fit` calls it; call it yourself before calling `update` directly. Agents without a
   * conditioner accept any data.
   */
  bindTasks(data: Data): Promise<void>;
  /**
   * One gradient step on a batch; returns metrics when `readMetrics` is true, else null.
   * Throws a typed error, never guesses, when the batch refers to tasks the agent is not bound to.
   */
  update(batch: Batch, readMetrics?: boolean): Metrics | null;
  /** An action for one observation (plain arrays in and out; no tensor escapes). */
  act(observation: Float32Array, context?: TaskContext): Float32Array;
  /** A policy bound to `context`, embedding it once (async: a text prompt may need the LLM). */
  policy(context?: TaskContext): Promise<BoundPolicy>;
  /** Writes config, weights, statistics and optimiser state to `dir`, atomically. */
  save(dir: string): void;
  /**
   * Writes the policy for one context as a small artefact (the acting path's weights, the
   * scalers, the context's condition, the action-selection rule; `docs/export.md`) that the
   * dependency-free runtime (`llmdpd/runtime`) acts with in Node and in browsers.
   */
  exportPolicy(dir: string, options?: ExportPolicyOptions): Promise<PolicyExportSummary>;
  /** Frees every tensor the agent owns. */
  dispose(): void;
}
