/**
 * Validated rows on their way into a {@link ReplayBuffer}: conversion of a whole batch of
 * columns, the one-task-per-episode check, and the D4RL `qlearning_dataset` derivation of next
 * observations.
 *
 * @module
 */
import { DatasetError } from '../core/errors.js';
import { type RealColumnInput, toFlagColumn, toFloat32Column, toTaskIndexColumn } from './input.js';
import type { TransitionBatchInput } from './replay-buffer.js';

/** Validated, owned columns of `rows` transitions, ready to be written. */
export interface Rows {
  /** Number of transitions. */
  readonly rows: number;
  /** `rows * observationDim` values. */
  readonly observations: Float32Array;
  /** `rows * actionDim` values. */
  readonly actions: Float32Array;
  /** `rows` values. */
  readonly rewards: Float32Array;
  /** `rows * observationDim` values (empty until derived, inside fromArrays). */
  readonly nextObservations: Float32Array;
  /** Terminal flags. */
  readonly terminals: Uint8Array;
  /** Timeout flags, 0 wherever a terminal is set. */
  readonly timeouts: Uint8Array;
  /** Episode-end flags, 1 at every terminal and timeout. */
  readonly episodeEnds: Uint8Array;
  /** Task indices. */
  readonly taskIndices: Int32Array;
}

/** The newest stored step a batch continues: whether its episode is open, and its task. */
export interface LastStep {
  /** The newest step does not end its episode. */
  readonly open: boolean;
  /** Task index of the newest step. */
  readonly taskIndex: number;
}

/** Copies `n` rows of length `dim` from `src` row `s` to `dst` row `d`. */
export function copyRows(dst: Float32Array, d: number, src: Float32Array, s: number, n: number, dim: number): void {
  dst.set(src.subarray(s * dim, (s + n) * dim), d * dim);
}

/**
 * Validates and converts one batch of rows into owned columns: clears timeouts where a
 * terminal is set, sets `episodeEnds` at every terminal and timeout, and checks that no
 * episode changes task (continuing from `last`, the buffer's newest step).
 *
 * @param next - the next observations; ignored when `derive` is set (the caller derives them).
 * @throws {@link ShapeError} or {@link DatasetError} naming the field and the first bad row.
 */
export function validateRows(
  ctx: string,
  input: Omit<TransitionBatchInput, 'nextObservations'>,
  next: RealColumnInput,
  od: number,
  ad: number,
  derive: boolean,
  last: LastStep | null,
): Rows {
  const n = input.rewards.length;
  const rewards = toFloat32Column(ctx, 'rewards', input.rewards, n, 1);
  const observations = toFloat32Column(ctx, 'observations', input.observations, n, od);
  const actions = toFloat32Column(ctx, 'actions', input.actions, n, ad);
  const nextObservations = derive ? new Float32Array(0) : toFloat32Column(ctx, 'nextObservations', next, n, od);
  const terminals = toFlagColumn(ctx, 'terminals', input.terminals, n);
  const timeouts = toFlagColumn(ctx, 'timeouts', input.timeouts, n);
  const episodeEnds = toFlagColumn(ctx, 'episodeEnds', input.episodeEnds, n);
  const taskIndices = toTaskIndexColumn(ctx, 'taskIndices', input.taskIndices, n);
  for (let i = 0; i < n; i++) {
    if (terminals[i] === 1) timeouts[i] = 0; // the terminal wins
    episodeEnds[i] = terminals[i] | timeouts[i] | episodeEnds[i];
  }
  checkEpisodeTasks(ctx, taskIndices, episodeEnds, n, last);
  return { rows: n, observations, actions, rewards, nextObservations, terminals, timeouts, episodeEnds, taskIndices };
}

/** Throws at the first row whose task differs from the open episode it continues. */
export function checkEpisodeTasks(
  ctx: string,
  tasks: Int32Array,
  ends: Uint8Array,
  n: number,
  last: LastStep | null,
): void {
  let open = last?.open ?? false;
  let prev = last?.taskIndex ?? 0;
  for (let i = 0; i < n; i++) {
    if (open && tasks[i] !== prev) {
      throw new DatasetError(
        `${ctx}: taskIndices row ${i} is ${tasks[i]} but the episode it continues has task ${prev}; an episode belongs to one task. ` +
          'Fix: mark the end of the previous episode (terminals, timeouts or episodeEnds) or correct the task indices.',
      );
    }
    open = ends[i] === 0;
    prev = tasks[i]!;
  }
}

/**
 * Derives s' as D4RL's `qlearning_dataset(terminate_on_end=False)` does (see
 * {@link ReplayBuffer.fromArrays}): keeps terminal rows and rows that do not end their episode,
 * with s'[t] = s[t+1] (zeros for a terminal on the last row), and drops the rest.
 */
export function deriveNextObservations(raw: Rows, od: number): Rows {
  const n = raw.rows;
  const keep = new Uint8Array(n);
  let kept = 0;
  for (let t = 0; t < n; t++) {
    keep[t] = raw.terminals[t] === 1 || raw.episodeEnds[t] === 0 ? 1 : 0;
    kept += keep[t];
  }
  const ad = raw.actions.length / n;
  const out: Rows = {
    rows: kept,
    observations: new Float32Array(kept * od),
    actions: new Float32Array(kept * ad),
    rewards: new Float32Array(kept),
    nextObservations: new Float32Array(kept * od),
    terminals: new Uint8Array(kept),
    timeouts: new Uint8Array(kept),
    episodeEnds: new Uint8Array(kept),
    taskIndices: new Int32Array(kept),
  };
  let j = 0;
  for (let t = 0; t < n; t++) {
    if (keep[t] === 0) continue;
    copyRows(out.observations, j, raw.observations, t, 1, od);
    copyRows(out.actions, j, raw.actions, t, 1, ad);
    if (t + 1 < n) copyRows(out.nextObservations, j, raw.observations, t + 1, 1, od); // else zeros
    out.rewards[j] = raw.rewards[t]!;
    out.terminals[j] = raw.terminals[t]!;
    out.episodeEnds[j] = raw.terminals[t] === 1 || keep[t + 1] === 0 ? 1 : 0;
    out.taskIndices[j] = raw.taskIndices[t]!;
    j++;
  }
  return out;
}
