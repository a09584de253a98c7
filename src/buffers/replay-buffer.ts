/**
 * {@link ReplayBuffer}: transitions in contiguous typed-array columns, with episode
 * boundaries, uniform sampling into reusable batches, trajectory slicing for prompts,
 * statistics and an atomic, versioned on-disk format.
 *
 * Terminals and timeouts are kept apart, as Gymnasium's `terminated` and `truncated`:
 *
 * - a **terminal** at step t means s' is an MDP end: targets must not bootstrap from it;
 * - a **timeout** at step t means a time limit cut the episode after t: s' is an ordinary state
 *   and targets bootstrap as usual.
 *
 * Both end the episode. When a step carries both flags the terminal wins and the timeout is
 * stored as 0, the rule of d3rlpy's episode generator and of D4RL's collection scripts (an
 * episode that really ended must not be bootstrapped just because the clock ran out too).
 *
 * @module
 */
import { ConfigError, DatasetError, NotFoundError, ShapeError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { Batch, Statistics, Trajectory } from '../core/types.js';
import { checkBatch, createBatch } from './batch.js';
import {
  type BufferLoadOptions,
  type BufferSaveOptions,
  manifestInteger,
  readColumnStore,
  writeColumnStore,
} from '../core/column-store.js';
import {
  type FlagColumnInput,
  type RealColumnInput,
  type TaskIndexInput,
  checkDim,
  checkFinite,
  checkInteger,
  checkTaskIndex,
  inferDim,
  toFlag,
} from './input.js';
import { type LastStep, type Rows, checkEpisodeTasks, copyRows, deriveNextObservations, validateRows } from './rows.js';
import { type Moments, computeMoments, momentsToStatistics } from './statistics.js';

/** Format name written into the manifest of a saved {@link ReplayBuffer}. */
export const REPLAY_BUFFER_FORMAT = 'llmdpd.replay-buffer';

/** The format version {@link ReplayBuffer.save} writes and {@link ReplayBuffer.load} reads. */
export const REPLAY_BUFFER_FORMAT_VERSION = 1;

/** Rows allocated by a growable buffer before its first growth, unless told otherwise. */
const DEFAULT_INITIAL_CAPACITY = 1024;

/** Options of the {@link ReplayBuffer} constructor. */
export interface ReplayBufferOptions {
  /** Length of one observation row, an integer >= 1. */
  readonly observationDim: number;
  /** Length of one action row, an integer >= 1. */
  readonly actionDim: number;
  /**
   * Maximum number of transitions. When set, the buffer is a FIFO ring: once full, each new
   * transition overwrites the oldest one, which is what online agents (SAC, online
   * fine-tuning) expect. When absent, the buffer grows without bound (doubling its
   * allocation), which is what offline datasets need.
   * @defaultValue unbounded
   */
  readonly capacity?: number;
  /**
   * Rows to allocate up front; storage doubles when it runs out (never beyond `capacity`).
   * @defaultValue `min(capacity, 1024)`
   */
  readonly initialCapacity?: number;
}

/** One transition for {@link ReplayBuffer.add}. */
export interface TransitionInput {
  /** s_t, `observationDim` finite values. */
  readonly observation: ArrayLike<number>;
  /** a_t, `actionDim` finite values. */
  readonly action: ArrayLike<number>;
  /** r_t, a finite number. */
  readonly reward: number;
  /** s_{t+1} as returned by `env.step` (its real observation, even when the episode ended). */
  readonly nextObservation: ArrayLike<number>;
  /** Gymnasium's `terminated`: s_{t+1} is an MDP end; do not bootstrap. Ends the episode. */
  readonly terminal: boolean | number;
  /**
   * Gymnasium's `truncated`: a time limit cut the episode after this step; bootstrap as usual.
   * Ends the episode. Stored as 0 when `terminal` is also set (the terminal wins).
   * @defaultValue false
   */
  readonly timeout?: boolean | number;
  /**
   * Task index, an integer >= 0. Every step of one episode must have the same task.
   * @defaultValue 0
   */
  readonly taskIndex?: number;
  /**
   * Ends the episode after this step without a terminal or timeout, e.g. when collection
   * stops mid-episode. {@link ReplayBuffer.endEpisode} does the same after the fact.
   * @defaultValue false
   */
  readonly episodeEnd?: boolean;
}

/**
 * Columns of transitions for {@link ReplayBuffer.addBatch}: row i of every column is one
 * transition. Real columns are flat and row-major or one array per row.
 */
export interface TransitionBatchInput {
  /** s_t for every row. */
  readonly observations: RealColumnInput;
  /** a_t for every row. */
  readonly actions: RealColumnInput;
  /** r_t for every row; its length defines the number of rows. */
  readonly rewards: RealColumnInput;
  /** s_{t+1} for every row. */
  readonly nextObservations: RealColumnInput;
  /** Terminal flags (MDP end, no bootstrapping), one per row. */
  readonly terminals: FlagColumnInput;
  /**
   * Timeout flags (time-limit cut, bootstrap), one per row; cleared where a terminal is set.
   * @defaultValue all 0
   */
  readonly timeouts?: FlagColumnInput;
  /**
   * Task index per row, or one index for all rows.
   * @defaultValue 0
   */
  readonly taskIndices?: TaskIndexInput;
  /**
   * Explicit episode ends without terminal or timeout (e.g. the last step of a cut dataset).
   * @defaultValue all 0
   */
  readonly episodeEnds?: FlagColumnInput;
}

/** Raw dataset columns for {@link ReplayBuffer.fromArrays} (D4RL's keys, in camelCase). */
export interface FromArraysInput extends Omit<TransitionBatchInput, 'nextObservations'> {
  /**
   * s_{t+1} for every row. When absent, derived from `observations` as D4RL's
   * `qlearning_dataset` does; see {@link ReplayBuffer.fromArrays}.
   */
  readonly nextObservations?: RealColumnInput;
  /**
   * Length of one observation row.
   * @defaultValue inferred: the first row's length, or `observations.length / rewards.length`
   */
  readonly observationDim?: number;
  /**
   * Length of one action row.
   * @defaultValue inferred like `observationDim`
   */
  readonly actionDim?: number;
  /**
   * Makes the buffer a FIFO ring of this capacity (see {@link ReplayBufferOptions.capacity});
   * the dataset must fit.
   * @defaultValue unbounded
   */
  readonly capacity?: number;
}

/**
 * The exact stored columns of a buffer in chronological order, as returned by
 * {@link ReplayBuffer.toArrays} and accepted by {@link ReplayBuffer.fromColumns}.
 */
export interface BufferColumns {
  /** Length of one observation row. */
  readonly observationDim: number;
  /** Length of one action row. */
  readonly actionDim: number;
  /** Number of transitions. */
  readonly size: number;
  /** `size * observationDim` values. */
  readonly observations: Float32Array;
  /** `size * actionDim` values. */
  readonly actions: Float32Array;
  /** `size` values. */
  readonly rewards: Float32Array;
  /** `size * observationDim` values. */
  readonly nextObservations: Float32Array;
  /** 1 where s' is an MDP end. */
  readonly terminals: Uint8Array;
  /** 1 where a time limit cut the episode after the step (never together with a terminal). */
  readonly timeouts: Uint8Array;
  /** 1 where an episode ends after the step: every terminal and timeout, plus explicit ends. */
  readonly episodeEnds: Uint8Array;
  /** Task index of each transition. */
  readonly taskIndices: Int32Array;
}

/** A run of consecutive transitions, by chronological index. */
export interface StepRange {
  /** Index of the first transition (0 is the oldest stored). */
  readonly start: number;
  /** Number of transitions, >= 1. */
  readonly length: number;
}

/** One episode of a buffer, as listed by {@link ReplayBuffer.episodes}. */
export interface EpisodeRange extends StepRange {
  /** Position of the episode in {@link ReplayBuffer.episodes}, from 0. */
  readonly index: number;
  /** One past the index of its last transition (`start + length`). */
  readonly end: number;
  /** The last step is a terminal (the episode reached an MDP end). */
  readonly terminated: boolean;
  /**
   * The episode was cut without reaching an MDP end: by a timeout or an explicit episode end.
   * When neither `terminated` nor `truncated` is set the episode is still open: it is the
   * buffer's last, and more steps may be added to it.
   */
  readonly truncated: boolean;
  /** Task index of the episode's steps. */
  readonly taskIndex: number;
}

/**
 * The last steps of an episode, zero-padded at the front to a fixed length: the trajectory
 * prompt slicer's output. `length` counts the padding; `mask` tells real steps from padding.
 */
export interface PaddedTrajectory extends Trajectory {
  /** 1 for real steps, 0 for padding; the padding comes first. */
  readonly mask: Uint8Array;
  /** Number of real steps (the number of ones in `mask`). */
  readonly validLength: number;
}

/** Options of {@link ReplayBuffer.sampleInto}. */
export interface SampleIntoOptions {
  /**
   * First batch row to fill.
   * @defaultValue 0
   */
  readonly offset?: number;
  /**
   * Number of rows to fill.
   * @defaultValue `batch.size - offset`
   */
  readonly count?: number;
  /**
   * Task index to write into `batch.taskIndices` instead of the stored one (a multi-task
   * dataset writes each task's position in the dataset).
   * @defaultValue the stored task index
   */
  readonly taskIndex?: number;
}

/** Columns that {@link ReplayBuffer.moments} can summarise. */
export type StatisticsColumn = 'observations' | 'actions' | 'rewards' | 'nextObservations';

/**
 * Transitions (s, a, r, s', terminal, timeout, task) in contiguous typed-array columns.
 *
 * Indices in the public API are chronological: 0 is the oldest stored transition and
 * `size - 1` the newest. In a full FIFO buffer they shift by one with every add.
 *
 * @example
 * ```ts
 * // Offline: a D4RL-style dataset, next observations derived as qlearning_dataset does.
 * const buffer = ReplayBuffer.fromArrays({ observations, actions, rewards, terminals, timeouts });
 * const rng = new Rng(0);
 * const batch = createBatch(256, buffer.observationDim, buffer.actionDim);
 * buffer.sampleInto(batch, rng);
 *
 * // Online: a FIFO ring fed one step at a time.
 * const online = new ReplayBuffer({ observationDim: 17, actionDim: 6, capacity: 1_000_000 });
 * online.add({ observation, action, reward, nextObservation, terminal, timeout: truncated });
 * ```
 */
export class ReplayBuffer {
  /** Length of one observation row. */
  readonly observationDim: number;
  /** Length of one action row. */
  readonly actionDim: number;
  /** Maximum number of transitions of a FIFO ring buffer, or `null` when the buffer grows. */
  readonly capacity: number | null;

  private readonly initialCapacity: number;
  private obs: Float32Array = new Float32Array(0);
  private act: Float32Array = new Float32Array(0);
  private rew: Float32Array = new Float32Array(0);
  private nextObs: Float32Array = new Float32Array(0);
  private term: Uint8Array = new Uint8Array(0);
  private tout: Uint8Array = new Uint8Array(0);
  private ends: Uint8Array = new Uint8Array(0);
  private task: Int32Array = new Int32Array(0);
  /** Rows allocated in every column. */
  private allocated = 0;
  /** Physical row of chronological index 0; non-zero only once a full ring has wrapped. */
  private head = 0;
  /** Number of stored transitions. */
  private count = 0;
  /** Chronological start of every episode plus `count` at the end; rebuilt after a change. */
  private episodeBounds: Int32Array | null = null;
  // Scratch rows for add(), so a rejected add writes nothing and an accepted one allocates nothing.
  private readonly scratchObs: Float32Array;
  private readonly scratchAct: Float32Array;
  private readonly scratchNext: Float32Array;

  /**
   * Creates an empty buffer.
   *
   * @throws {@link ConfigError} when a dimension or capacity is not a positive integer.
   */
  constructor(options: ReplayBufferOptions) {
    const ctx = 'ReplayBuffer';
    this.observationDim = checkDim(ctx, 'observationDim', options.observationDim);
    this.actionDim = checkDim(ctx, 'actionDim', options.actionDim);
    this.capacity = options.capacity === undefined ? null : checkInteger(ctx, 'capacity', options.capacity, 1);
    const initial = options.initialCapacity ?? Math.min(this.capacity ?? Infinity, DEFAULT_INITIAL_CAPACITY);
    this.initialCapacity = Math.min(checkInteger(ctx, 'initialCapacity', initial, 0), this.capacity ?? Infinity);
    this.scratchObs = new Float32Array(this.observationDim);
    this.scratchAct = new Float32Array(this.actionDim);
    this.scratchNext = new Float32Array(this.observationDim);
  }

  /** Number of stored transitions. */
  get size(): number {
    return this.count;
  }

  /** Number of episodes, the still-open last one included. */
  get numEpisodes(): number {
    return this.bounds().length - 1;
  }

  // ---------------------------------------------------------------------------------------
  // Adding data
  // ---------------------------------------------------------------------------------------

  /**
   * Appends one transition. Every field is validated before anything is written, so a
   * rejected transition leaves the buffer unchanged. In a full FIFO buffer the oldest
   * transition is dropped.
   *
   * @throws {@link ShapeError} when a row has the wrong length.
   * @throws {@link DatasetError} on a non-finite value, a flag that is not 0/1/boolean, a bad
   *   task index, or a task index that differs from the open episode's.
   */
  add(t: TransitionInput): void {
    const ctx = 'ReplayBuffer.add';
    this.fillScratch(ctx, 'observation', t.observation, this.scratchObs);
    this.fillScratch(ctx, 'action', t.action, this.scratchAct);
    this.fillScratch(ctx, 'nextObservation', t.nextObservation, this.scratchNext);
    const reward = Math.fround(t.reward);
    if (typeof t.reward !== 'number' || reward - reward !== 0) {
      throw new DatasetError(
        `${ctx}: reward is ${String(t.reward)}; it must be a finite float32. Fix: drop or repair the transition.`,
      );
    }
    const terminal = toFlag(ctx, 'terminal', t.terminal);
    const timeout = terminal === 1 ? 0 : toFlag(ctx, 'timeout', t.timeout ?? 0);
    const explicitEnd = toFlag(ctx, 'episodeEnd', t.episodeEnd ?? false);
    const taskIndex = checkTaskIndex(ctx, 'taskIndex', t.taskIndex ?? 0);
    this.checkContinuesTask(ctx, 'taskIndex', taskIndex);
    // Validated: now write.
    this.reserve(1);
    let p: number;
    if (this.count < this.allocated) p = this.count++;
    else {
      p = this.head;
      this.head = this.head + 1 === this.allocated ? 0 : this.head + 1;
    }
    this.obs.set(this.scratchObs, p * this.observationDim);
    this.act.set(this.scratchAct, p * this.actionDim);
    this.nextObs.set(this.scratchNext, p * this.observationDim);
    this.rew[p] = reward;
    this.term[p] = terminal;
    this.tout[p] = timeout;
    this.ends[p] = terminal | timeout | explicitEnd;
    this.task[p] = taskIndex;
    this.episodeBounds = null;
  }

  /**
   * Appends many transitions, row i of every column being one transition. All columns are
   * validated before anything is written, so a rejected batch leaves the buffer unchanged.
   * Episodes may continue across calls; the last row does not end its episode unless flagged.
   *
   * @throws {@link ShapeError} when a column has the wrong length or row length.
   * @throws {@link DatasetError} as {@link ReplayBuffer.add}, naming the first bad row.
   */
  addBatch(input: TransitionBatchInput): void {
    const ctx = 'ReplayBuffer.addBatch';
    this.writeRows(
      validateRows(ctx, input, input.nextObservations, this.observationDim, this.actionDim, false, this.lastStep()),
    );
  }

  /**
   * Ends the open episode after the newest transition, without a terminal or timeout (d3rlpy's
   * `clip_episode(False)`): use it when collection stops mid-episode. Does nothing when the
   * buffer is empty or its newest transition already ends an episode.
   */
  endEpisode(): void {
    if (this.count === 0) return;
    const p = this.physical(this.count - 1);
    if (this.ends[p] === 0) {
      this.ends[p] = 1;
      this.episodeBounds = null;
    }
  }

  /**
   * Builds a buffer from a dataset's flat columns (D4RL's `observations`, `actions`,
   * `rewards`, `terminals`, `timeouts`, optionally `next_observations`). The number of rows is
   * the length of `rewards`. The last row always ends its episode (the data stops there).
   *
   * **With `nextObservations`** every row becomes one transition, unchanged.
   *
   * **Without `nextObservations`**, they are derived as D4RL's
   * `qlearning_dataset(env, terminate_on_end=False)` does:
   *
   * - s'[t] = s[t+1] for every row that does not end its episode;
   * - a row that ends its episode *without* a terminal (a timeout, an explicit end, or the
   *   dataset's last row) is **dropped**, because its successor s[t+1] is the next episode's
   *   reset state (or missing). The row before it then ends the episode as an explicit end
   *   (truncated, timeout 0: no time limit was hit after *that* step);
   * - a terminal row is kept with s'[t] = s[t+1] exactly as D4RL (the value is masked by the
   *   terminal flag); a terminal on the dataset's last row, which D4RL drops, is kept with
   *   s' = zeros (d3rlpy's convention).
   *
   * So derived buffers hold no timeouts, and an episode of n steps ended by a timeout
   * contributes n - 1 transitions.
   *
   * @throws {@link ShapeError} when lengths disagree or dimensions cannot be inferred.
   * @throws {@link DatasetError} on non-finite values, bad flags or task indices, or when no
   *   transition is left after deriving next observations.
   * @throws {@link ConfigError} when `capacity` is smaller than the dataset.
   */
  static fromArrays(input: FromArraysInput): ReplayBuffer {
    const ctx = 'ReplayBuffer.fromArrays';
    const n = input.rewards.length;
    if (n === 0) throw new ShapeError(`${ctx}: rewards is empty; a dataset needs at least one transition.`);
    const observationDim =
      input.observationDim === undefined
        ? inferDim(ctx, 'observations', input.observations, n)
        : checkDim(ctx, 'observationDim', input.observationDim);
    const actionDim =
      input.actionDim === undefined
        ? inferDim(ctx, 'actions', input.actions, n)
        : checkDim(ctx, 'actionDim', input.actionDim);
    const derive = input.nextObservations === undefined;
    const raw = validateRows(ctx, input, input.nextObservations ?? [], observationDim, actionDim, derive, null);
    raw.episodeEnds[n - 1] = 1;
    const rows = derive ? deriveNextObservations(raw, observationDim) : raw;
    if (rows.rows === 0) {
      throw new DatasetError(
        `${ctx}: no transition is left after deriving nextObservations: every row ends its episode by a timeout or an ` +
          `explicit end, so no successor observation is known. Pass nextObservations explicitly.`,
      );
    }
    const buffer = new ReplayBuffer({
      observationDim,
      actionDim,
      ...(input.capacity === undefined ? {} : { capacity: input.capacity }),
      initialCapacity: 0,
    });
    if (buffer.capacity !== null && rows.rows > buffer.capacity) {
      throw new ConfigError(
        `${ctx}: the dataset has ${rows.rows} transitions but capacity is ${buffer.capacity}. Raise capacity or omit it.`,
      );
    }
    buffer.adopt(rows);
    return buffer;
  }

  /**
   * Rebuilds a buffer from {@link BufferColumns} (as returned by {@link ReplayBuffer.toArrays}),
   * exactly: no derivation, no implicit episode end. The buffer takes ownership of the arrays
   * (no copy): do not modify them afterwards. The columns are validated first.
   *
   * @param options.capacity - makes the buffer a FIFO ring; must be >= `columns.size`.
   * @throws {@link ShapeError} when a column's length disagrees with `size` and the dims.
   * @throws {@link DatasetError} on non-finite values, flags that are not 0/1, a step that is
   *   both terminal and timeout, a terminal or timeout that does not end its episode, or task
   *   indices that are negative or change inside an episode.
   * @throws {@link ConfigError} when the capacity is too small.
   */
  static fromColumns(columns: BufferColumns, options: { readonly capacity?: number | null } = {}): ReplayBuffer {
    const ctx = 'ReplayBuffer.fromColumns';
    const od = checkDim(ctx, 'observationDim', columns.observationDim);
    const ad = checkDim(ctx, 'actionDim', columns.actionDim);
    const n = checkInteger(ctx, 'size', columns.size, 0);
    const lengths: readonly [string, { length: number }, number][] = [
      ['observations', columns.observations, n * od],
      ['actions', columns.actions, n * ad],
      ['rewards', columns.rewards, n],
      ['nextObservations', columns.nextObservations, n * od],
      ['terminals', columns.terminals, n],
      ['timeouts', columns.timeouts, n],
      ['episodeEnds', columns.episodeEnds, n],
      ['taskIndices', columns.taskIndices, n],
    ];
    for (const [field, array, length] of lengths) {
      if (array.length !== length)
        throw new ShapeError(`${ctx}: ${field} has ${array.length} values; expected ${length} for size ${n}.`);
    }
    checkFinite(ctx, 'observations', columns.observations, od);
    checkFinite(ctx, 'actions', columns.actions, ad);
    checkFinite(ctx, 'rewards', columns.rewards, 1);
    checkFinite(ctx, 'nextObservations', columns.nextObservations, od);
    for (let i = 0; i < n; i++) {
      const t = columns.terminals[i];
      const o = columns.timeouts[i];
      const e = columns.episodeEnds[i];
      if (t > 1 || o > 1 || e > 1)
        throw new DatasetError(
          `${ctx}: row ${i} has a flag that is not 0 or 1 (terminal ${t}, timeout ${o}, episodeEnd ${e}).`,
        );
      if (t === 1 && o === 1)
        throw new DatasetError(
          `${ctx}: row ${i} is both terminal and timeout; stored columns keep only the terminal. Use fromArrays for raw data.`,
        );
      if ((t === 1 || o === 1) && e === 0)
        throw new DatasetError(
          `${ctx}: row ${i} is a ${t === 1 ? 'terminal' : 'timeout'} but episodeEnds is 0 there; a terminal or timeout always ends its episode.`,
        );
      checkTaskIndex(ctx, `taskIndices row ${i}`, columns.taskIndices[i]);
    }
    checkEpisodeTasks(ctx, columns.taskIndices, columns.episodeEnds, n, null);
    const capacity = options.capacity ?? undefined;
    const buffer = new ReplayBuffer({
      observationDim: od,
      actionDim: ad,
      ...(capacity === undefined ? {} : { capacity }),
      initialCapacity: 0,
    });
    if (buffer.capacity !== null && n > buffer.capacity) {
      throw new ConfigError(`${ctx}: the columns hold ${n} transitions but capacity is ${buffer.capacity}.`);
    }
    buffer.adopt({ rows: n, ...columns });
    return buffer;
  }

  /**
   * The stored columns in chronological order without copying when possible: views into the
   * buffer's storage when it has not wrapped, copies when a full FIFO ring has. Treat them as
   * read-only and as valid only until the next change to the buffer; use
   * {@link ReplayBuffer.toArrays} for copies to keep.
   */
  columns(): BufferColumns {
    const n = this.count;
    const h = this.head;
    const view = <T extends Float32Array | Uint8Array | Int32Array>(a: T, dim: number): T => {
      if (h === 0) return a.subarray(0, n * dim) as T;
      const out = a.slice(0, n * dim) as T;
      out.set(a.subarray(h * dim, n * dim), 0);
      out.set(a.subarray(0, h * dim), (n - h) * dim);
      return out;
    };
    return {
      observationDim: this.observationDim,
      actionDim: this.actionDim,
      size: n,
      observations: view(this.obs, this.observationDim),
      actions: view(this.act, this.actionDim),
      rewards: view(this.rew, 1),
      nextObservations: view(this.nextObs, this.observationDim),
      terminals: view(this.term, 1),
      timeouts: view(this.tout, 1),
      episodeEnds: view(this.ends, 1),
      taskIndices: view(this.task, 1),
    };
  }

  /** Copies of the stored columns in chronological order (the inverse of {@link ReplayBuffer.fromColumns}). */
  toArrays(): BufferColumns {
    const v = this.columns();
    return {
      ...v,
      observations: v.observations.slice(),
      actions: v.actions.slice(),
      rewards: v.rewards.slice(),
      nextObservations: v.nextObservations.slice(),
      terminals: v.terminals.slice(),
      timeouts: v.timeouts.slice(),
      episodeEnds: v.episodeEnds.slice(),
      taskIndices: v.taskIndices.slice(),
    };
  }

  // ---------------------------------------------------------------------------------------
  // Sampling
  // ---------------------------------------------------------------------------------------

  /**
   * Draws `batchSize` transitions uniformly with replacement into a new batch. For hot loops
   * use {@link ReplayBuffer.sampleInto}, which reuses a batch.
   *
   * @throws {@link ConfigError} when `batchSize` is not an integer >= 1.
   * @throws {@link DatasetError} when the buffer is empty.
   */
  sample(batchSize: number, rng: Rng): Batch {
    checkInteger('ReplayBuffer.sample', 'batchSize', batchSize, 1);
    const batch = createBatch(batchSize, this.observationDim, this.actionDim);
    return this.sampleInto(batch, rng);
  }

  /**
   * Fills rows of `batch` (all of them by default) with transitions drawn uniformly with
   * replacement, allocating nothing. `batch.indices` receives the chronological indices,
   * `batch.terminals` is 1 only for terminals and `batch.timeouts` carries the timeouts.
   * The draws are `rng.int(size)` once per row, in row order, so equal seeds give equal batches.
   *
   * @returns `batch`.
   * @throws {@link ShapeError} when the batch's dims or array lengths do not match.
   * @throws {@link ConfigError} when `offset`/`count` fall outside the batch or `taskIndex` is bad.
   * @throws {@link DatasetError} when the buffer is empty.
   */
  sampleInto(batch: Batch, rng: Rng, options: SampleIntoOptions = {}): Batch {
    const ctx = 'ReplayBuffer.sampleInto';
    checkBatch(ctx, batch, this.observationDim, this.actionDim);
    const offset = checkInteger(ctx, 'offset', options.offset ?? 0, 0);
    const count = checkInteger(ctx, 'count', options.count ?? batch.size - offset, 0);
    if (offset + count > batch.size) {
      throw new ConfigError(`${ctx}: offset ${offset} + count ${count} exceeds the batch size ${batch.size}.`);
    }
    const fixedTask = options.taskIndex === undefined ? -1 : checkInteger(ctx, 'taskIndex', options.taskIndex, 0);
    this.requireNonEmpty(ctx);
    const n = this.count;
    const head = this.head;
    const allocated = this.allocated;
    const od = this.observationDim;
    const ad = this.actionDim;
    const { obs, act, rew, nextObs, term, tout, task } = this;
    const bObs = batch.observations;
    const bAct = batch.actions;
    const bNext = batch.nextObservations;
    const end = offset + count;
    for (let r = offset; r < end; r++) {
      const i = rng.int(n);
      let p = head + i;
      if (p >= allocated) p -= allocated;
      batch.indices[r] = i;
      const so = p * od;
      const dobs = r * od;
      for (let k = 0; k < od; k++) {
        bObs[dobs + k] = obs[so + k]!;
        bNext[dobs + k] = nextObs[so + k]!;
      }
      const sa = p * ad;
      const da = r * ad;
      for (let k = 0; k < ad; k++) bAct[da + k] = act[sa + k]!;
      batch.rewards[r] = rew[p]!;
      batch.terminals[r] = term[p]!;
      batch.timeouts[r] = tout[p]!;
      batch.taskIndices[r] = fixedTask >= 0 ? fixedTask : task[p];
    }
    return batch;
  }

  /**
   * Writes transition `index` (chronological) into row `row` of `batch`: the building block
   * of custom samplers (prioritised replay, mixing several buffers).
   *
   * @param taskIndex - written into `batch.taskIndices` instead of the stored task index.
   * @throws {@link ConfigError} when `index` or `row` is out of range.
   * @throws {@link ShapeError} when the batch does not match the buffer.
   */
  copyTransition(index: number, batch: Batch, row: number, taskIndex?: number): void {
    const ctx = 'ReplayBuffer.copyTransition';
    checkBatch(ctx, batch, this.observationDim, this.actionDim);
    this.checkIndex(ctx, 'index', index);
    if (!Number.isInteger(row) || row < 0 || row >= batch.size) {
      throw new ConfigError(`${ctx}: row ${String(row)} is outside the batch (size ${batch.size}).`);
    }
    const p = this.physical(index);
    copyRows(batch.observations, row, this.obs, p, 1, this.observationDim);
    copyRows(batch.nextObservations, row, this.nextObs, p, 1, this.observationDim);
    copyRows(batch.actions, row, this.act, p, 1, this.actionDim);
    batch.rewards[row] = this.rew[p]!;
    batch.terminals[row] = this.term[p]!;
    batch.timeouts[row] = this.tout[p]!;
    batch.taskIndices[row] = taskIndex === undefined ? this.task[p] : checkInteger(ctx, 'taskIndex', taskIndex, 0);
    batch.indices[row] = index;
  }

  // ---------------------------------------------------------------------------------------
  // Episodes and trajectories
  // ---------------------------------------------------------------------------------------

  /**
   * Iterates over the episodes in chronological order. An episode ends after a terminal, a
   * timeout or an explicit end; the steps after the last end form a final, open episode. In
   * a FIFO buffer that has wrapped, the first episode may have lost its oldest steps.
   */
  *episodes(): IterableIterator<EpisodeRange> {
    const b = this.bounds();
    for (let e = 0; e + 1 < b.length; e++) yield this.episodeAt(b, e);
  }

  /**
   * The episode at position `index` of {@link ReplayBuffer.episodes}.
   *
   * @throws {@link NotFoundError} when there is no such episode.
   */
  episode(index: number): EpisodeRange {
    const b = this.bounds();
    if (!Number.isInteger(index) || index < 0 || index >= b.length - 1) {
      throw new NotFoundError(
        `ReplayBuffer.episode: episode ${String(index)} does not exist; the buffer has ${b.length - 1} episodes (0..${b.length - 2}).`,
      );
    }
    return this.episodeAt(b, index);
  }

  /**
   * Copies the observations, actions and rewards of an episode (by index) or of any run of
   * steps (by `{ start, length }`, which may span episodes) into a new {@link Trajectory}.
   *
   * @throws {@link NotFoundError} for an unknown episode index.
   * @throws {@link ConfigError} when the range falls outside the buffer.
   */
  trajectory(episodeOrRange: number | StepRange): Trajectory {
    const { start, length } = this.resolveRange('ReplayBuffer.trajectory', episodeOrRange);
    const t = this.emptyTrajectory(length);
    this.copySteps(start, length, t, 0);
    return t;
  }

  /**
   * The last `length` steps of an episode (or of a step range), zero-padded at the front when
   * it is shorter, with a mask: the trajectory-prompt slicer (d3rlpy's `BasicTrajectorySlicer`
   * semantics). A range `{ start, length: k }` gives the `length` steps ending at `start + k - 1`.
   *
   * @param length - the fixed output length L >= 1.
   * @throws {@link NotFoundError} for an unknown episode index.
   * @throws {@link ConfigError} when the range falls outside the buffer or `length` < 1.
   */
  lastSteps(episodeOrRange: number | StepRange, length: number): PaddedTrajectory {
    const ctx = 'ReplayBuffer.lastSteps';
    checkInteger(ctx, 'length', length, 1);
    const range = this.resolveRange(ctx, episodeOrRange);
    const valid = Math.min(length, range.length);
    const pad = length - valid;
    const t = this.emptyTrajectory(length);
    this.copySteps(range.start + range.length - valid, valid, t, pad);
    const mask = new Uint8Array(length);
    mask.fill(1, pad);
    return { ...t, mask, validLength: valid };
  }

  // ---------------------------------------------------------------------------------------
  // Statistics
  // ---------------------------------------------------------------------------------------

  /** Float64 moments of a column over all stored transitions, mergeable across buffers. */
  moments(column: StatisticsColumn): Moments {
    switch (column) {
      case 'observations':
        return computeMoments(this.obs, this.count, this.observationDim);
      case 'actions':
        return computeMoments(this.act, this.count, this.actionDim);
      case 'rewards':
        return computeMoments(this.rew, this.count, 1);
      case 'nextObservations':
        return computeMoments(this.nextObs, this.count, this.observationDim);
      default: {
        const bad: never = column;
        throw new ConfigError(
          `ReplayBuffer.moments: unknown column ${JSON.stringify(bad)}; expected observations, actions, rewards or nextObservations.`,
        );
      }
    }
  }

  /**
   * Per-dimension mean, population std, min and max of the stored observations s (not s'),
   * computed in float64.
   *
   * @throws {@link DatasetError} when the buffer is empty.
   */
  observationStatistics(): Statistics {
    return momentsToStatistics(this.moments('observations'), 'an empty replay buffer');
  }

  /**
   * Per-dimension mean, population std, min and max of the stored actions, in float64.
   *
   * @throws {@link DatasetError} when the buffer is empty.
   */
  actionStatistics(): Statistics {
    return momentsToStatistics(this.moments('actions'), 'an empty replay buffer');
  }

  // ---------------------------------------------------------------------------------------
  // Files
  // ---------------------------------------------------------------------------------------

  /**
   * Saves the buffer into directory `dir` (created if needed), atomically: a failure at any
   * point leaves the previous save in `dir` in force and loadable. Layout: `manifest.json`
   * (format {@link REPLAY_BUFFER_FORMAT}, version {@link REPLAY_BUFFER_FORMAT_VERSION}, size,
   * dims, capacity, and per column its dtype, shape, byte offset, byte length and sha256) and
   * one `data-<hash>.bin` of little-endian columns in chronological order: `observations`,
   * `actions`, `rewards`, `nextObservations` (float32), `terminals`, `timeouts`,
   * `episodeEnds` (uint8), `taskIndices` (int32). See `docs/formats.md`, "Buffer saves".
   *
   * @throws {@link DatasetError} wrapping the file system error when writing fails.
   */
  save(dir: string, options: BufferSaveOptions = {}): void {
    const v = this.columns();
    const n = this.count;
    const od = this.observationDim;
    const ad = this.actionDim;
    writeColumnStore(
      dir,
      {
        format: REPLAY_BUFFER_FORMAT,
        formatVersion: REPLAY_BUFFER_FORMAT_VERSION,
        size: n,
        observationDim: od,
        actionDim: ad,
        capacity: this.capacity,
        numEpisodes: this.numEpisodes,
      },
      [
        { name: 'observations', dtype: 'float32', shape: [n, od], data: v.observations },
        { name: 'actions', dtype: 'float32', shape: [n, ad], data: v.actions },
        { name: 'rewards', dtype: 'float32', shape: [n], data: v.rewards },
        { name: 'nextObservations', dtype: 'float32', shape: [n, od], data: v.nextObservations },
        { name: 'terminals', dtype: 'uint8', shape: [n], data: v.terminals },
        { name: 'timeouts', dtype: 'uint8', shape: [n], data: v.timeouts },
        { name: 'episodeEnds', dtype: 'uint8', shape: [n], data: v.episodeEnds },
        { name: 'taskIndices', dtype: 'int32', shape: [n], data: v.taskIndices },
      ],
      options,
      'the replay buffer',
    );
  }

  /**
   * Loads a buffer saved by {@link ReplayBuffer.save}, bit-exact (a FIFO buffer comes back
   * unrolled: same transitions in the same chronological order, same capacity).
   *
   * @throws {@link DatasetError} when `dir` holds no save, another format, another format
   *   version, a malformed manifest, a missing or truncated data file, a checksum mismatch, or
   *   columns that fail validation.
   */
  static load(dir: string, options: BufferLoadOptions = {}): ReplayBuffer {
    return readColumnStore(
      dir,
      {
        format: REPLAY_BUFFER_FORMAT,
        formatVersion: REPLAY_BUFFER_FORMAT_VERSION,
        what: 'a replay buffer',
        loader: 'ReplayBuffer.load',
      },
      options,
      (reader) => {
        const m = reader.manifest;
        const where = `Cannot load a replay buffer from ${dir}`;
        const n = manifestInteger(m, 'size', 0, where);
        const od = manifestInteger(m, 'observationDim', 1, where);
        const ad = manifestInteger(m, 'actionDim', 1, where);
        const capacity = m['capacity'] === null ? null : manifestInteger(m, 'capacity', Math.max(1, n), where);
        const columns: BufferColumns = {
          observationDim: od,
          actionDim: ad,
          size: n,
          observations: reader.column('observations', 'float32', [n, od]),
          actions: reader.column('actions', 'float32', [n, ad]),
          rewards: reader.column('rewards', 'float32', [n]),
          nextObservations: reader.column('nextObservations', 'float32', [n, od]),
          terminals: reader.column('terminals', 'uint8', [n]),
          timeouts: reader.column('timeouts', 'uint8', [n]),
          episodeEnds: reader.column('episodeEnds', 'uint8', [n]),
          taskIndices: reader.column('taskIndices', 'int32', [n]),
        };
        try {
          return ReplayBuffer.fromColumns(columns, { capacity });
        } catch (err) {
          throw new DatasetError(`${where}: the stored columns are invalid: ${(err as Error).message}`, { cause: err });
        }
      },
    );
  }

  // ---------------------------------------------------------------------------------------
  // Internals
  // ---------------------------------------------------------------------------------------

  private fillScratch(ctx: string, field: string, values: ArrayLike<number>, out: Float32Array): void {
    if (values === null || typeof values !== 'object' || values.length !== out.length) {
      const got = values === null || typeof values !== 'object' ? String(values) : `${values.length} values`;
      throw new ShapeError(
        `${ctx}: ${field} has ${got}; expected ${out.length} values (this buffer's ${field === 'action' ? 'actionDim' : 'observationDim'}).`,
      );
    }
    for (let k = 0; k < out.length; k++) out[k] = values[k]!;
    checkFinite(ctx, field, out, out.length, (i) => values[i]);
  }

  /** Task and open/closed state of the newest step, or null when empty. */
  private lastStep(): LastStep | null {
    if (this.count === 0) return null;
    const p = this.physical(this.count - 1);
    return { open: this.ends[p] === 0, taskIndex: this.task[p] };
  }

  private checkContinuesTask(ctx: string, field: string, taskIndex: number): void {
    const last = this.lastStep();
    if (last !== null && last.open && last.taskIndex !== taskIndex) {
      throw new DatasetError(
        `${ctx}: ${field} is ${taskIndex} but the open episode it would continue has task ${last.taskIndex}; an episode belongs to one task. ` +
          'Fix: end the episode first (terminal, timeout, episodeEnd or endEpisode()).',
      );
    }
  }

  private physical(index: number): number {
    const p = this.head + index;
    return p >= this.allocated ? p - this.allocated : p;
  }

  private checkIndex(ctx: string, field: string, index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new ConfigError(
        `${ctx}: ${field} ${String(index)} is outside the buffer (size ${this.count}; valid 0..${this.count - 1}).`,
      );
    }
  }

  private requireNonEmpty(ctx: string): void {
    if (this.count === 0) throw new DatasetError(`${ctx}: the buffer is empty; add transitions before sampling.`);
  }

  /** Makes room for `n` more rows: grows (doubling) up to the capacity; a full ring overwrites. */
  private reserve(n: number): void {
    const needed = this.count + n;
    const limit = this.capacity ?? Infinity;
    if (needed <= this.allocated || this.allocated >= limit) return;
    this.resize(Math.min(limit, Math.max(needed, this.allocated * 2, this.initialCapacity)));
  }

  /** Reallocates every column to `rows` rows; only called before the ring wraps (head 0). */
  private resize(rows: number): void {
    const n = this.count;
    const grow = <T extends Float32Array | Uint8Array | Int32Array>(
      old: T,
      make: (len: number) => T,
      dim: number,
    ): T => {
      const fresh = make(rows * dim);
      fresh.set(old.subarray(0, n * dim));
      return fresh;
    };
    const f32 = (len: number): Float32Array => new Float32Array(len);
    const u8 = (len: number): Uint8Array => new Uint8Array(len);
    this.obs = grow(this.obs, f32, this.observationDim);
    this.act = grow(this.act, f32, this.actionDim);
    this.rew = grow(this.rew, f32, 1);
    this.nextObs = grow(this.nextObs, f32, this.observationDim);
    this.term = grow(this.term, u8, 1);
    this.tout = grow(this.tout, u8, 1);
    this.ends = grow(this.ends, u8, 1);
    this.task = grow(this.task, (len) => new Int32Array(len), 1);
    this.allocated = rows;
  }

  /** Appends validated rows, wrapping a full ring; rows a ring could not keep are skipped. */
  private writeRows(rows: Rows): void {
    const n = rows.rows;
    let src = this.capacity !== null && n > this.capacity ? n - this.capacity : 0;
    this.reserve(n - src);
    const od = this.observationDim;
    const ad = this.actionDim;
    while (src < n) {
      let dst: number;
      let chunk: number;
      if (this.count < this.allocated) {
        dst = this.count;
        chunk = Math.min(n - src, this.allocated - this.count);
        this.count += chunk;
      } else {
        dst = this.head;
        chunk = Math.min(n - src, this.allocated - this.head);
        this.head = (this.head + chunk) % this.allocated;
      }
      copyRows(this.obs, dst, rows.observations, src, chunk, od);
      copyRows(this.act, dst, rows.actions, src, chunk, ad);
      copyRows(this.nextObs, dst, rows.nextObservations, src, chunk, od);
      this.rew.set(rows.rewards.subarray(src, src + chunk), dst);
      this.term.set(rows.terminals.subarray(src, src + chunk), dst);
      this.tout.set(rows.timeouts.subarray(src, src + chunk), dst);
      this.ends.set(rows.episodeEnds.subarray(src, src + chunk), dst);
      this.task.set(rows.taskIndices.subarray(src, src + chunk), dst);
      src += chunk;
    }
    this.episodeBounds = null;
  }

  /** Takes ownership of validated columns as the whole content of an empty buffer. */
  private adopt(rows: Rows): void {
    this.obs = rows.observations;
    this.act = rows.actions;
    this.rew = rows.rewards;
    this.nextObs = rows.nextObservations;
    this.term = rows.terminals;
    this.tout = rows.timeouts;
    this.ends = rows.episodeEnds;
    this.task = rows.taskIndices;
    this.allocated = rows.rows;
    this.count = rows.rows;
    this.head = 0;
    this.episodeBounds = null;
  }

  private bounds(): Int32Array {
    if (this.episodeBounds !== null) return this.episodeBounds;
    const starts: number[] = [];
    let open = false;
    for (let i = 0; i < this.count; i++) {
      if (!open) starts.push(i);
      open = this.ends[this.physical(i)] === 0;
    }
    starts.push(this.count);
    this.episodeBounds = Int32Array.from(starts);
    return this.episodeBounds;
  }

  private episodeAt(b: Int32Array, e: number): EpisodeRange {
    const start = b[e];
    const end = b[e + 1];
    const last = this.physical(end - 1);
    const terminated = this.term[last] === 1;
    return {
      index: e,
      start,
      end,
      length: end - start,
      terminated,
      truncated: !terminated && this.ends[last] === 1,
      taskIndex: this.task[this.physical(start)],
    };
  }

  private resolveRange(ctx: string, episodeOrRange: number | StepRange): StepRange {
    if (typeof episodeOrRange === 'number') {
      const e = this.episode(episodeOrRange);
      return { start: e.start, length: e.length };
    }
    const { start, length } = episodeOrRange;
    if (
      !Number.isInteger(start) ||
      !Number.isInteger(length) ||
      start < 0 ||
      length < 1 ||
      start + length > this.count
    ) {
      throw new ConfigError(
        `${ctx}: the range { start: ${String(start)}, length: ${String(length)} } is not inside the buffer ` +
          `(size ${this.count}); start must be >= 0, length >= 1 and start + length <= size.`,
      );
    }
    return { start, length };
  }

  private emptyTrajectory(length: number): Trajectory {
    return {
      length,
      observationDim: this.observationDim,
      actionDim: this.actionDim,
      observations: new Float32Array(length * this.observationDim),
      actions: new Float32Array(length * this.actionDim),
      rewards: new Float32Array(length),
    };
  }

  /** Copies `n` chronological steps from `start` into rows `at..at+n` of `t`. */
  private copySteps(start: number, n: number, t: Trajectory, at: number): void {
    for (let j = 0; j < n; j++) {
      const p = this.physical(start + j);
      copyRows(t.observations, at + j, this.obs, p, 1, this.observationDim);
      copyRows(t.actions, at + j, this.act, p, 1, this.actionDim);
      t.rewards[at + j] = this.rew[p]!;
    }
  }
}
