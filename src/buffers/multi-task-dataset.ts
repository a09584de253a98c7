/**
 * {@link MultiTaskDataset}: the offline data LLMDPD trains on. Each named task holds its own
 * {@link ReplayBuffer} of transitions, a text prompt (the task description fed to the LLM), one
 * or several trajectory prompts (episodes of states and actions; an agent draws one per step, as
 * Prompt-DT and MTDiff do) and optional free-form parameters.
 *
 * Sampling follows the paper's Algorithm 1 by default (`mode: 'per-task'`): draw a task
 * uniformly, then a batch from that task only, so every row of a batch shares one text and one
 * trajectory prompt. `mode: 'uniform'` draws uniformly over all transitions of all tasks
 * instead (larger tasks are drawn more often). Either way `batch.taskIndices` holds each row's
 * task position in the dataset, whatever task index its buffer stores, so an agent can gather
 * the per-task prompt embeddings by it.
 *
 * @module
 */
import { ConfigError, DatasetError, NotFoundError, RlError, ShapeError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { Batch, Statistics, Trajectory } from '../core/types.js';
import { checkBatch, createBatch } from './batch.js';
import {
  type ColumnToWrite,
  type BufferLoadOptions,
  type BufferSaveOptions,
  manifestInteger,
  readColumnStore,
  writeColumnStore,
} from '../core/column-store.js';
import { checkFinite, checkInteger } from './input.js';
import { type JsonValue, checkJson } from './json.js';
import { type BufferColumns, ReplayBuffer, type StatisticsColumn } from './replay-buffer.js';
import { type Moments, combineMoments, emptyMoments, momentsToStatistics } from './statistics.js';
import { closeMatches } from './suggest.js';

/** Format name written into the manifest of a saved {@link MultiTaskDataset}. */
export const MULTI_TASK_DATASET_FORMAT = 'llmdpd.multi-task-dataset';

/** The format version {@link MultiTaskDataset.save} writes and {@link MultiTaskDataset.load} reads. */
export const MULTI_TASK_DATASET_FORMAT_VERSION = 1;

/** Free-form, JSON-serialisable task parameters (e.g. goal position, env kwargs). */
export type TaskParams = Readonly<Record<string, JsonValue>>;

/** One task given to the {@link MultiTaskDataset} constructor. */
export interface TaskSpec {
  /** Unique, non-empty task name, e.g. `pick-place-v2`. */
  readonly name: string;
  /**
   * The task's transitions. The dataset keeps a reference (no copy), so later adds to the
   * buffer are visible to the dataset. Its stored task indices are ignored by the dataset's
   * sampling, which writes the task's position instead.
   */
  readonly buffer: ReplayBuffer;
  /** The task description given to the language model. */
  readonly textPrompt: string;
  /**
   * One episode (or part of one) of the task's states and actions, e.g.
   * `buffer.trajectory(0)`. Copied by the constructor.
   */
  readonly trajectoryPrompt: Trajectory;
  /**
   * Further trajectory prompts of the task, besides `trajectoryPrompt` (agents draw one of all
   * of them per training step, as Prompt-DT and MTDiff do). Copied by the constructor.
   * @defaultValue `[]`
   */
  readonly extraTrajectoryPrompts?: readonly Trajectory[];
  /**
   * Free-form parameters, stored in the manifest; must be plain JSON.
   * @defaultValue `{}`
   */
  readonly params?: TaskParams;
}

/** A task of a {@link MultiTaskDataset}, as returned by {@link MultiTaskDataset.task}. */
export interface DatasetTask {
  /** The task's name. */
  readonly name: string;
  /** The task's position in the dataset: the value of `batch.taskIndices` for its rows. */
  readonly index: number;
  /** The task's transitions (the buffer passed in, not a copy). */
  readonly buffer: ReplayBuffer;
  /** The task description given to the language model. */
  readonly textPrompt: string;
  /** The task's (first) trajectory prompt (the dataset's own copy; do not modify). */
  readonly trajectoryPrompt: Trajectory;
  /** Every trajectory prompt of the task, the first being `trajectoryPrompt` (copies; do not modify). */
  readonly trajectoryPrompts: readonly Trajectory[];
  /** Free-form parameters (a frozen copy). */
  readonly params: TaskParams;
}

/**
 * How {@link MultiTaskDataset.sample} picks rows: `'per-task'` draws one task uniformly, then
 * every row from it (the paper's Algorithm 1); `'uniform'` draws every row uniformly from all
 * transitions of all tasks, so tasks appear in proportion to their sizes.
 */
export type TaskSamplingMode = 'per-task' | 'uniform';

/** Options of {@link MultiTaskDataset.sample} and {@link MultiTaskDataset.sampleInto}. */
export interface MultiTaskSampleOptions {
  /**
   * How rows are drawn; see {@link TaskSamplingMode}.
   * @defaultValue `'per-task'`
   */
  readonly mode?: TaskSamplingMode;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Every prompt a task spec gives: `trajectoryPrompt`, then `extraTrajectoryPrompts`. */
function trajectoryPromptsOf(ctx: string, spec: TaskSpec): readonly Trajectory[] {
  const extra: unknown = spec.extraTrajectoryPrompts ?? [];
  if (!Array.isArray(extra))
    throw new ConfigError(`${ctx}: extraTrajectoryPrompts must be an array of trajectories (or left out).`);
  return [spec.trajectoryPrompt, ...(extra as readonly Trajectory[])];
}

/** Checks and copies a trajectory prompt. */
function copyTrajectoryPrompt(ctx: string, t: Trajectory, od: number, ad: number): Trajectory {
  if (t === null || typeof t !== 'object')
    throw new ConfigError(`${ctx}: trajectoryPrompt is missing; pass e.g. buffer.trajectory(0).`);
  if (!Number.isInteger(t.length) || t.length < 1) {
    throw new ShapeError(
      `${ctx}: trajectoryPrompt.length is ${String(t.length)}; a trajectory prompt needs at least one step.`,
    );
  }
  if (t.observationDim !== od || t.actionDim !== ad) {
    throw new ShapeError(
      `${ctx}: trajectoryPrompt has observationDim ${t.observationDim} and actionDim ${t.actionDim}; the dataset has ${od} and ${ad}.`,
    );
  }
  const fields: readonly [string, ArrayLike<number>, number][] = [
    ['observations', t.observations, t.length * od],
    ['actions', t.actions, t.length * ad],
    ['rewards', t.rewards, t.length],
  ];
  for (const [field, array, n] of fields) {
    if (!(array instanceof Float32Array) || array.length !== n) {
      throw new ShapeError(
        `${ctx}: trajectoryPrompt.${field} has ${array instanceof Float32Array ? array.length : 'no Float32Array of'} values; ` +
          `expected a Float32Array of ${n} for ${t.length} steps.`,
      );
    }
  }
  const copy: Trajectory = {
    length: t.length,
    observationDim: od,
    actionDim: ad,
    observations: t.observations.slice(),
    actions: t.actions.slice(),
    rewards: t.rewards.slice(),
  };
  checkFinite(ctx, 'trajectoryPrompt.observations', copy.observations, od);
  checkFinite(ctx, 'trajectoryPrompt.actions', copy.actions, ad);
  checkFinite(ctx, 'trajectoryPrompt.rewards', copy.rewards, 1);
  return copy;
}

/**
 * Named tasks, each with transitions, a text prompt, a trajectory prompt and parameters; all
 * tasks share one observation and action dimension.
 *
 * @example
 * ```ts
 * const dataset = new MultiTaskDataset([
 *   { name: 'reach-v2', buffer: reach, textPrompt: 'Reach the goal.', trajectoryPrompt: reach.trajectory(0) },
 *   { name: 'push-v2', buffer: push, textPrompt: 'Push the puck to the goal.', trajectoryPrompt: push.trajectory(0) },
 * ]);
 * const batch = createBatch(256, dataset.observationDim, dataset.actionDim);
 * dataset.sampleInto(batch, rng);                      // one task per batch (Algorithm 1)
 * const prompt = dataset.task(batch.taskIndices[0]!).textPrompt;
 * ```
 */
export class MultiTaskDataset {
  /** Length of one observation row, shared by all tasks. */
  readonly observationDim: number;
  /** Length of one action row, shared by all tasks. */
  readonly actionDim: number;

  private readonly entries: readonly DatasetTask[];
  private readonly byName: ReadonlyMap<string, number>;
  private readonly names: readonly string[];
  /** Scratch for uniform sampling: cumulative task sizes. */
  private readonly cumulative: Float64Array;

  /**
   * @param tasks - at least one task; their order defines the task indices.
   * @throws {@link ConfigError} when there are no tasks, a name is empty or repeated, a buffer
   *   is not a ReplayBuffer, a text prompt is not a string, or params are not plain JSON.
   * @throws {@link ShapeError} when tasks disagree on dimensions or a trajectory prompt has the
   *   wrong shape.
   * @throws {@link DatasetError} when a task has no transitions or a prompt has non-finite values.
   */
  constructor(tasks: readonly TaskSpec[]) {
    const ctx = 'MultiTaskDataset';
    const list: unknown = tasks;
    if (!Array.isArray(list) || list.length === 0) {
      throw new ConfigError(
        `${ctx}: tasks must be a non-empty array of { name, buffer, textPrompt, trajectoryPrompt }.`,
      );
    }
    const first = tasks[0].buffer;
    if (!(first instanceof ReplayBuffer)) throw new ConfigError(`${ctx}: tasks[0].buffer is not a ReplayBuffer.`);
    this.observationDim = first.observationDim;
    this.actionDim = first.actionDim;
    const byName = new Map<string, number>();
    const entries: DatasetTask[] = [];
    tasks.forEach((spec, index) => {
      const where = `${ctx}: tasks[${index}]`;
      if (typeof spec.name !== 'string' || spec.name.length === 0) {
        throw new ConfigError(`${where}.name is ${JSON.stringify(spec.name)}; every task needs a non-empty name.`);
      }
      const seen = byName.get(spec.name);
      if (seen !== undefined)
        throw new ConfigError(`${where}.name "${spec.name}" repeats tasks[${seen}].name; task names must be unique.`);
      const at = `${ctx}: task "${spec.name}" (tasks[${index}])`;
      if (!(spec.buffer instanceof ReplayBuffer)) throw new ConfigError(`${at}: buffer is not a ReplayBuffer.`);
      if (spec.buffer.observationDim !== this.observationDim || spec.buffer.actionDim !== this.actionDim) {
        throw new ShapeError(
          `${at}: its buffer has observationDim ${spec.buffer.observationDim} and actionDim ${spec.buffer.actionDim}, but ` +
            `task "${tasks[0].name}" has ${this.observationDim} and ${this.actionDim}; all tasks must share them (pad observations to a common size).`,
        );
      }
      if (spec.buffer.size === 0)
        throw new DatasetError(`${at}: its buffer has no transitions; every task needs data to sample.`);
      if (typeof spec.textPrompt !== 'string')
        throw new ConfigError(`${at}: textPrompt must be a string, got ${typeof spec.textPrompt}.`);
      const trajectoryPrompts = trajectoryPromptsOf(at, spec).map((t, j) =>
        copyTrajectoryPrompt(
          j > 0 ? `${at}: extraTrajectoryPrompts[${j - 1}]` : at,
          t,
          this.observationDim,
          this.actionDim,
        ),
      );
      const params = spec.params ?? {};
      if (params === null || typeof params !== 'object' || Array.isArray(params)) {
        throw new ConfigError(
          `${at}: params must be a plain object, got ${Array.isArray(params) ? 'an array' : String(params)}.`,
        );
      }
      checkJson(params, `${at}: params`);
      byName.set(spec.name, index);
      entries.push(
        Object.freeze({
          name: spec.name,
          index,
          buffer: spec.buffer,
          textPrompt: spec.textPrompt,
          trajectoryPrompt: trajectoryPrompts[0],
          trajectoryPrompts: Object.freeze(trajectoryPrompts),
          params: deepFreeze(JSON.parse(JSON.stringify(params)) as TaskParams),
        }),
      );
    });
    this.entries = entries;
    this.byName = byName;
    this.names = Object.freeze(entries.map((e) => e.name));
    this.cumulative = new Float64Array(entries.length);
  }

  /** Task names, in task-index order. */
  get tasks(): readonly string[] {
    return this.names;
  }

  /** Number of tasks. */
  get numTasks(): number {
    return this.entries.length;
  }

  /** Number of transitions over all tasks. */
  get totalSize(): number {
    let n = 0;
    for (const e of this.entries) n += e.buffer.size;
    return n;
  }

  /**
   * A task by name or by index.
   *
   * @throws {@link NotFoundError} for an unknown name (with close names suggested) or an index
   *   out of range.
   */
  task(nameOrIndex: string | number): DatasetTask {
    return this.entries[this.taskIndex(nameOrIndex)];
  }

  /**
   * The index of a task given by name (or an index, which is checked and returned).
   *
   * @throws {@link NotFoundError} as {@link MultiTaskDataset.task}.
   */
  taskIndex(nameOrIndex: string | number): number {
    if (typeof nameOrIndex === 'number') {
      if (!Number.isInteger(nameOrIndex) || nameOrIndex < 0 || nameOrIndex >= this.entries.length) {
        throw new NotFoundError(
          `MultiTaskDataset.task: task index ${String(nameOrIndex)} is out of range; the dataset has ${this.entries.length} tasks (0..${this.entries.length - 1}).`,
        );
      }
      return nameOrIndex;
    }
    const i = this.byName.get(nameOrIndex);
    if (i !== undefined) return i;
    const close = closeMatches(String(nameOrIndex), this.names);
    const shown =
      this.names.slice(0, 10).join(', ') + (this.names.length > 10 ? `, ... (${this.names.length} in all)` : '');
    throw new NotFoundError(
      `MultiTaskDataset.task: unknown task ${JSON.stringify(nameOrIndex)}.` +
        (close.length > 0 ? ` Did you mean ${close.map((c) => `"${c}"`).join(' or ')}?` : '') +
        ` Tasks: ${shown}.`,
    );
  }

  /**
   * Draws a batch of `batchSize` transitions into a new batch; see
   * {@link MultiTaskDataset.sampleInto}.
   *
   * @throws {@link ConfigError} when `batchSize` is not an integer >= 1 or the mode is unknown.
   */
  sample(batchSize: number, rng: Rng, options: MultiTaskSampleOptions = {}): Batch {
    checkInteger('MultiTaskDataset.sample', 'batchSize', batchSize, 1);
    return this.sampleInto(createBatch(batchSize, this.observationDim, this.actionDim), rng, options);
  }

  /**
   * Fills `batch` with transitions, allocating nothing (beyond the options object).
   *
   * - `'per-task'` (default, Algorithm 1): one draw `rng.int(numTasks)` picks a task, then
   *   every row is drawn uniformly with replacement from that task's buffer: all rows share
   *   one task index.
   * - `'uniform'`: each row draws `rng.int(totalSize)` over the concatenation of all tasks'
   *   transitions (in task order), so a task's share of rows is proportional to its size.
   *
   * `batch.taskIndices` holds the task's position in this dataset and `batch.indices` the
   * row's chronological index inside its task's buffer.
   *
   * @returns `batch`.
   * @throws {@link ShapeError} when the batch does not match the dataset's dimensions.
   * @throws {@link ConfigError} for an unknown mode.
   * @throws {@link DatasetError} when the drawn task's buffer has become empty.
   */
  sampleInto(batch: Batch, rng: Rng, options: MultiTaskSampleOptions = {}): Batch {
    const ctx = 'MultiTaskDataset.sampleInto';
    const mode = options.mode ?? 'per-task';
    switch (mode) {
      case 'per-task': {
        checkBatch(ctx, batch, this.observationDim, this.actionDim);
        const k = rng.int(this.entries.length);
        return this.entries[k].buffer.sampleInto(batch, rng, { taskIndex: k });
      }
      case 'uniform': {
        checkBatch(ctx, batch, this.observationDim, this.actionDim);
        const cum = this.cumulative;
        let total = 0;
        for (let k = 0; k < this.entries.length; k++) {
          total += this.entries[k].buffer.size;
          cum[k] = total;
        }
        if (total === 0) throw new DatasetError(`${ctx}: every task's buffer is empty; nothing to sample.`);
        for (let r = 0; r < batch.size; r++) {
          const g = rng.int(total);
          // Binary search for the first task whose cumulative size exceeds g.
          let lo = 0;
          let hi = this.entries.length - 1;
          while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (cum[mid] > g) hi = mid;
            else lo = mid + 1;
          }
          const before = lo === 0 ? 0 : cum[lo - 1];
          this.entries[lo].buffer.copyTransition(g - before, batch, r, lo);
        }
        return batch;
      }
      default: {
        const bad: never = mode;
        throw new ConfigError(`${ctx}: unknown mode ${JSON.stringify(bad)}; expected 'per-task' or 'uniform'.`);
      }
    }
  }

  /**
   * One batch per task, in task order, each drawn uniformly with replacement from its task
   * (MTDiff-style training steps over all tasks at once).
   *
   * @param out - batches to refill instead of allocating (one per task, each of
   *   `batchSizePerTask` rows), for hot loops.
   * @throws {@link ConfigError} when `batchSizePerTask` is not an integer >= 1 or `out` has the
   *   wrong number of batches.
   * @throws {@link ShapeError} when a batch in `out` has the wrong size or dimensions.
   */
  sampleTaskBatches(batchSizePerTask: number, rng: Rng, out?: readonly Batch[]): Batch[] {
    const ctx = 'MultiTaskDataset.sampleTaskBatches';
    checkInteger(ctx, 'batchSizePerTask', batchSizePerTask, 1);
    if (out !== undefined && out.length !== this.entries.length) {
      throw new ConfigError(`${ctx}: out has ${out.length} batches; pass one per task (${this.entries.length}).`);
    }
    return this.entries.map((e, k) => {
      const batch = out?.[k] ?? createBatch(batchSizePerTask, this.observationDim, this.actionDim);
      if (batch.size !== batchSizePerTask) {
        throw new ShapeError(
          `${ctx}: out[${k}] has ${batch.size} rows; expected batchSizePerTask = ${batchSizePerTask}.`,
        );
      }
      return e.buffer.sampleInto(batch, rng, { taskIndex: k });
    });
  }

  /** Float64 moments of a column over the transitions of all tasks. */
  moments(column: StatisticsColumn): Moments {
    const dim = column === 'actions' ? this.actionDim : column === 'rewards' ? 1 : this.observationDim;
    return this.entries.reduce((acc, e) => combineMoments(acc, e.buffer.moments(column)), emptyMoments(dim));
  }

  /**
   * Per-dimension mean, population std, min and max of the observations of all tasks'
   * transitions (each transition weighs the same), computed in float64.
   *
   * @throws {@link DatasetError} when every buffer is empty.
   */
  observationStatistics(): Statistics {
    return momentsToStatistics(this.moments('observations'), 'the dataset');
  }

  /**
   * Per-dimension mean, population std, min and max of the actions of all tasks' transitions.
   *
   * @throws {@link DatasetError} when every buffer is empty.
   */
  actionStatistics(): Statistics {
    return momentsToStatistics(this.moments('actions'), 'the dataset');
  }

  /**
   * Saves the dataset into directory `dir`, atomically (see {@link ReplayBuffer.save}): one
   * `manifest.json` (format {@link MULTI_TASK_DATASET_FORMAT}, version
   * {@link MULTI_TASK_DATASET_FORMAT_VERSION}, dims, and per task its name, text prompt, params,
   * size, capacity, prompt length and, with several prompts, `extraPromptLengths`, plus the
   * column list) and one `data-<hash>.bin` holding, for task i, the buffer columns
   * `tasks/<i>/observations`, ... (as a replay buffer's), the first prompt's columns
   * `tasks/<i>/prompt/observations`, `.../actions`, `.../rewards`, and prompt j ≥ 1's under
   * `tasks/<i>/prompts/<j>/`. A dataset with one prompt per task is saved exactly as before.
   *
   * @throws {@link DatasetError} wrapping the file system error when writing fails; the
   *   previous save in `dir` stays in force.
   */
  save(dir: string, options: BufferSaveOptions = {}): void {
    const columns: ColumnToWrite[] = [];
    const od = this.observationDim;
    const ad = this.actionDim;
    const tasks = this.entries.map((e, i) => {
      const c: BufferColumns = e.buffer.columns();
      const n = c.size;
      const base = `tasks/${i}`;
      columns.push(
        { name: `${base}/observations`, dtype: 'float32', shape: [n, od], data: c.observations },
        { name: `${base}/actions`, dtype: 'float32', shape: [n, ad], data: c.actions },
        { name: `${base}/rewards`, dtype: 'float32', shape: [n], data: c.rewards },
        { name: `${base}/nextObservations`, dtype: 'float32', shape: [n, od], data: c.nextObservations },
        { name: `${base}/terminals`, dtype: 'uint8', shape: [n], data: c.terminals },
        { name: `${base}/timeouts`, dtype: 'uint8', shape: [n], data: c.timeouts },
        { name: `${base}/episodeEnds`, dtype: 'uint8', shape: [n], data: c.episodeEnds },
        { name: `${base}/taskIndices`, dtype: 'int32', shape: [n], data: c.taskIndices },
      );
      e.trajectoryPrompts.forEach((p, j) => {
        const at = j === 0 ? `${base}/prompt` : `${base}/prompts/${j}`;
        columns.push(
          { name: `${at}/observations`, dtype: 'float32', shape: [p.length, od], data: p.observations },
          { name: `${at}/actions`, dtype: 'float32', shape: [p.length, ad], data: p.actions },
          { name: `${at}/rewards`, dtype: 'float32', shape: [p.length], data: p.rewards },
        );
      });
      return {
        name: e.name,
        textPrompt: e.textPrompt,
        params: e.params,
        size: n,
        capacity: e.buffer.capacity,
        promptLength: e.trajectoryPrompt.length,
        ...(e.trajectoryPrompts.length > 1
          ? { extraPromptLengths: e.trajectoryPrompts.slice(1).map((p) => p.length) }
          : {}),
      };
    });
    writeColumnStore(
      dir,
      {
        format: MULTI_TASK_DATASET_FORMAT,
        formatVersion: MULTI_TASK_DATASET_FORMAT_VERSION,
        observationDim: od,
        actionDim: ad,
        numTasks: tasks.length,
        totalSize: this.totalSize,
        tasks,
      },
      columns,
      options,
      'the multi-task dataset',
    );
  }

  /**
   * Loads a dataset saved by {@link MultiTaskDataset.save}, bit-exact.
   *
   * @throws {@link DatasetError} when `dir` holds no save, another format or version, a
   *   malformed manifest, a missing or truncated data file, a checksum mismatch, or content
   *   that fails validation.
   */
  static load(dir: string, options: BufferLoadOptions = {}): MultiTaskDataset {
    return readColumnStore(
      dir,
      {
        format: MULTI_TASK_DATASET_FORMAT,
        formatVersion: MULTI_TASK_DATASET_FORMAT_VERSION,
        what: 'a multi-task dataset',
        loader: 'MultiTaskDataset.load',
      },
      options,
      (reader) => {
        const m = reader.manifest;
        const where = `Cannot load a multi-task dataset from ${dir}`;
        const od = manifestInteger(m, 'observationDim', 1, where);
        const ad = manifestInteger(m, 'actionDim', 1, where);
        const list = m['tasks'];
        if (!Array.isArray(list) || list.length === 0) {
          throw new DatasetError(
            `${where}: manifest field 'tasks' is missing or empty. The manifest is corrupted; re-save.`,
          );
        }
        const specs: TaskSpec[] = list.map((raw: unknown, i: number) => {
          const t = raw as Record<string, unknown>;
          const at = `${where}: manifest tasks[${i}]`;
          if (
            t === null ||
            typeof t !== 'object' ||
            typeof t['name'] !== 'string' ||
            typeof t['textPrompt'] !== 'string'
          ) {
            throw new DatasetError(`${at} lacks a string name or textPrompt. The manifest is corrupted; re-save.`);
          }
          const n = manifestInteger(t, 'size', 0, at);
          const promptLength = manifestInteger(t, 'promptLength', 1, at);
          const extra = t['extraPromptLengths'] ?? [];
          if (!Array.isArray(extra))
            throw new DatasetError(`${at}.extraPromptLengths is not an array. The manifest is corrupted; re-save.`);
          const extraPromptLengths = extra.map((_, j) =>
            manifestInteger(extra as unknown as Record<string, unknown>, String(j), 1, `${at}.extraPromptLengths`),
          );
          const capacity =
            t['capacity'] === null || t['capacity'] === undefined
              ? null
              : manifestInteger(t, 'capacity', Math.max(1, n), at);
          const base = `tasks/${i}`;
          const columns: BufferColumns = {
            observationDim: od,
            actionDim: ad,
            size: n,
            observations: reader.column(`${base}/observations`, 'float32', [n, od]),
            actions: reader.column(`${base}/actions`, 'float32', [n, ad]),
            rewards: reader.column(`${base}/rewards`, 'float32', [n]),
            nextObservations: reader.column(`${base}/nextObservations`, 'float32', [n, od]),
            terminals: reader.column(`${base}/terminals`, 'uint8', [n]),
            timeouts: reader.column(`${base}/timeouts`, 'uint8', [n]),
            episodeEnds: reader.column(`${base}/episodeEnds`, 'uint8', [n]),
            taskIndices: reader.column(`${base}/taskIndices`, 'int32', [n]),
          };
          const prompts = [promptLength, ...extraPromptLengths].map((length, j): Trajectory => {
            const at = j === 0 ? `${base}/prompt` : `${base}/prompts/${j}`;
            return {
              length,
              observationDim: od,
              actionDim: ad,
              observations: reader.column(`${at}/observations`, 'float32', [length, od]),
              actions: reader.column(`${at}/actions`, 'float32', [length, ad]),
              rewards: reader.column(`${at}/rewards`, 'float32', [length]),
            };
          });
          let buffer: ReplayBuffer;
          try {
            buffer = ReplayBuffer.fromColumns(columns, { capacity });
          } catch (err) {
            throw new DatasetError(`${where}: task "${t['name']}" has invalid columns: ${(err as Error).message}`, {
              cause: err,
            });
          }
          return {
            name: t['name'],
            textPrompt: t['textPrompt'],
            buffer,
            params: (t['params'] ?? {}) as TaskParams,
            trajectoryPrompt: prompts[0],
            extraTrajectoryPrompts: prompts.slice(1),
          };
        });
        try {
          return new MultiTaskDataset(specs);
        } catch (err) {
          if (err instanceof RlError && !(err instanceof DatasetError)) {
            throw new DatasetError(`${where}: the stored tasks are invalid: ${err.message}`, { cause: err });
          }
          throw err;
        }
      },
    );
  }
}
