/**
 * D4RL HDF5 files: {@link loadD4rl} reads one into a {@link ReplayBuffer} with the semantics of
 * D4RL's `qlearning_dataset`, and {@link writeD4rl} writes a buffer in the same layout.
 *
 * File layout (`docs/datasets.md`, "D4RL file layout"; reading checks in `docs/formats.md`, "D4RL files"),
 * `N` rows:
 *
 * | key | shape | dtype read | dtype written |
 * |---|---|---|---|
 * | observations | (N, obs) | float32 or float64 (cast to float32) | float32 |
 * | actions | (N, act) | float32 or float64 | float32 |
 * | rewards | (N,) or (N, 1) | float32 or float64 | float32 |
 * | terminals | (N,) or (N, 1) | h5py bool, any integer, or float, values 0/1 | uint8 |
 * | timeouts (optional) | (N,) or (N, 1) | as terminals | uint8 |
 * | next_observations (optional) | (N, obs) | as observations | float32 |
 * | infos/qpos, infos/qvel (optional) | (N, nq), (N, nv) | float32 or float64, kept as is | as given |
 * | explicit_ends (ours, optional) | (N,) | as terminals | uint8 |
 * | task_indices (ours, optional) | (N,) | integer | int32 |
 * | metadata/... (optional) | scalars | strings and numbers are reported | strings and numbers |
 *
 * h5wasm cannot create HDF5 enum types, so the writer stores flags as uint8 0/1 where h5py
 * writes its bool enum; numpy and D4RL's loader read both the same way (`bool(x)`).
 *
 * @module
 */
import { mkdirSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ReplayBuffer } from '../buffers/replay-buffer.js';
import { ConfigError, DatasetError, NotFoundError } from '../core/errors.js';
import {
  type ColumnInfo,
  type H5File,
  type H5Lib,
  checkDeclaredSize,
  columnInfo,
  finiteCheck,
  flagCheck,
  hdf5Section,
  loadH5,
  openHdf5,
  readRows,
  rowSize,
  safeGet,
  smallValue,
  writeColumn,
  writeHdf5Atomic,
} from './hdf5.js';
import { envIdForDataset, parseD4rlDatasetId } from './scores.js';

/**
 * What {@link loadD4rl} does with a row that ends its episode by a time limit (a "final
 * timestep": `timeouts[t]` set, or the step counter reaching `maxEpisodeSteps` when the file
 * has no `timeouts`).
 *
 * - `'drop'`: D4RL's `qlearning_dataset(env, terminate_on_end=False)`; see {@link loadD4rl}.
 * - `'keep'`: every row is a transition with s' from `next_observations`, and time-outs stay
 *   as truncations (timeout flag set, bootstrapping allowed).
 */
export type D4rlTimeoutMode = 'drop' | 'keep';

/** Options of {@link loadD4rl}. */
export interface D4rlLoadOptions {
  /**
   * `'drop'` follows `qlearning_dataset` exactly; `'keep'` keeps time-outs as truncations and
   * needs `next_observations` in the file (see {@link D4rlTimeoutMode}).
   * @defaultValue `'drop'`
   */
  readonly timeouts?: D4rlTimeoutMode;
  /**
   * Episode length used to find final timesteps when the file has no `timeouts` key, as
   * `qlearning_dataset` does with `env._max_episode_steps` (1000 for every locomotion set).
   * @defaultValue 1000
   */
  readonly maxEpisodeSteps?: number;
  /**
   * The dataset id, e.g. `hopper-medium-replay-v2`, for {@link D4rlInfo.datasetId} and the
   * env mapping.
   * @defaultValue the file's `metadata/dataset_id`, else parsed from the file name
   *   (`hopper_medium_replay-v2.hdf5`), else unknown
   */
  readonly datasetId?: string;
  /**
   * Read `infos/qpos` and `infos/qvel` when present (they cost `N * (nq + nv)` values).
   * @defaultValue true
   */
  readonly infos?: boolean;
}

/** Which optional keys a D4RL file had. */
export interface D4rlKeysPresent {
  /** `next_observations` (ignored by `'drop'`, required by `'keep'`). */
  readonly nextObservations: boolean;
  /** `timeouts`; without it final timesteps come from the step counter. */
  readonly timeouts: boolean;
  /** `infos/qpos`. */
  readonly qpos: boolean;
  /** `infos/qvel`. */
  readonly qvel: boolean;
  /** `explicit_ends`, written by {@link writeD4rl} for episodes cut without a time limit. */
  readonly explicitEnds: boolean;
  /** `task_indices`, written by {@link writeD4rl} for multi-task buffers. */
  readonly taskIndices: boolean;
}

/** What {@link loadD4rl} found and did. */
export interface D4rlInfo {
  /** The file read. */
  readonly path: string;
  /** The dataset id (see {@link D4rlLoadOptions.datasetId}), or `undefined` when unknown. */
  readonly datasetId: string | undefined;
  /** The env the data was collected on ({@link envIdForDataset}), or `undefined` when unknown. */
  readonly envId: string | undefined;
  /** Rows in the file (`observations.shape[0]`). */
  readonly rows: number;
  /** Transitions in the buffer. */
  readonly transitions: number;
  /** Rows not turned into transitions: final timesteps and the last row under `'drop'`. */
  readonly droppedRows: number;
  /** Episodes in the buffer. */
  readonly episodes: number;
  /** Observation length. */
  readonly observationDim: number;
  /** Action length. */
  readonly actionDim: number;
  /** The time-out handling used. */
  readonly timeoutMode: D4rlTimeoutMode;
  /** Where final timesteps came from: the `timeouts` key, or the step counter. */
  readonly timeoutsFrom: 'file' | 'episode-step-counter';
  /** Optional keys found. */
  readonly present: D4rlKeysPresent;
  /** Every dataset path in the file, sorted. */
  readonly keys: readonly string[];
  /** The dtype of every key read, e.g. `{ observations: 'float32', terminals: 'bool' }`. */
  readonly dtypes: Readonly<Record<string, string>>;
  /** Scalar string and number datasets under `metadata/` (e.g. `algorithm: 'SAC'`), by path below it. */
  readonly metadata: Readonly<Record<string, string | number>>;
  /** Bytes of the arrays read from the file (in their file dtypes): the size of the raw data. */
  readonly rawBytes: number;
}

/** A D4RL file loaded by {@link loadD4rl}. */
export interface D4rlDataset {
  /** The transitions. */
  readonly buffer: ReplayBuffer;
  /** What was found and done. */
  readonly info: D4rlInfo;
  /**
   * `infos/qpos` rows aligned with the buffer's transitions (row i is the MuJoCo qpos before
   * transition i's step, `qposDim` values), in the file's precision; for resetting an env to
   * a dataset state. `undefined` when absent or not read.
   */
  readonly qpos: Float32Array | Float64Array | undefined;
  /** Values per `qpos` row (nq), 0 when absent. */
  readonly qposDim: number;
  /** `infos/qvel` rows aligned like `qpos`. */
  readonly qvel: Float32Array | Float64Array | undefined;
  /** Values per `qvel` row (nv), 0 when absent. */
  readonly qvelDim: number;
}

const CTX = 'loadD4rl';

/** The D4RL keys without which a file cannot be read. */
const REQUIRED = ['observations', 'actions', 'rewards', 'terminals'] as const;

/**
 * Reads a D4RL HDF5 file (for example `hopper_medium_replay-v2.hdf5`) into a
 * {@link ReplayBuffer}. Nothing is downloaded.
 *
 * **`timeouts: 'drop'` (default)** is D4RL's `qlearning_dataset(env, terminate_on_end=False)`
 * exactly (`d4rl/__init__.py`; `docs/datasets.md`, "D4RL transitions"):
 *
 * - row t becomes (s[t], a[t], r[t], s' = s[t+1], terminal[t]); `next_observations` is ignored;
 * - a final timestep (timeouts[t] or explicit_ends[t], or the step counter at `maxEpisodeSteps - 1` without a
 *   `timeouts` key, counted as D4RL counts) is **dropped**, even when its terminal is also set,
 *   because s[t+1] is the next episode's reset state;
 * - the file's last row is **always dropped** (it has no successor), terminal or not;
 * - terminal rows are kept with s' = s[t+1] (masked by the terminal flag);
 * - the buffer holds no timeouts: a kept row ends its episode when it is terminal or when
 *   the next row was dropped (then as an explicit, truncated end).
 *
 * This differs from {@link ReplayBuffer.fromArrays} in two corners, both D4RL's choice: a row
 * with terminal *and* timeout is dropped (fromArrays keeps it as terminal), and a terminal last
 * row is dropped (fromArrays keeps it with s' = 0).
 *
 * **`timeouts: 'keep'`** keeps every row, s' from `next_observations` (required), with
 * `timeout = timeouts && !terminals` (the terminal wins) and episode ends at terminals, time-outs,
 * `explicit_ends` and the last row. Files written by {@link writeD4rl} load back exactly.
 *
 * Memory: columns are read block by block straight into the buffer's arrays, so the WebAssembly
 * heap does not grow with the file, and the buffer keeps about 1.03x the file's raw array
 * bytes for a file with `next_observations`.
 *
 * @param path - the .hdf5 file.
 * @throws {@link NotFoundError} when there is no file at `path`.
 * @throws {@link DatasetError} naming the key and the problem: not HDF5, truncated, a missing
 *   key, a wrong shape or length, a wrong dtype, a NaN or infinite value (with the first bad
 *   row), a flag that is not 0/1, or no transition left.
 * @throws {@link ConfigError} on a bad option.
 * @example
 * ```ts
 * const { buffer, info } = await loadD4rl('data/hopper_medium_replay-v2.hdf5');
 * info.envId; // 'Hopper-v4'
 * ```
 */
export async function loadD4rl(path: string, options: D4rlLoadOptions = {}): Promise<D4rlDataset> {
  const mode = options.timeouts ?? 'drop';
  if (mode !== 'drop' && mode !== 'keep')
    throw new ConfigError(`${CTX}: timeouts must be 'drop' or 'keep', got ${JSON.stringify(mode)}.`);
  const maxEpisodeSteps = options.maxEpisodeSteps ?? 1000;
  if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1) {
    throw new ConfigError(`${CTX}: maxEpisodeSteps must be an integer >= 1, got ${String(maxEpisodeSteps)}.`);
  }
  const lib = await loadH5();
  return hdf5Section(lib, CTX, path, () => {
    const { file, bytes } = openHdf5(lib, path, CTX);
    try {
      return readD4rl(lib, file, path, bytes, mode, maxEpisodeSteps, options);
    } finally {
      file.close();
    }
  });
}

/** Every dataset path of a file, sorted. */
function datasetPaths(lib: H5Lib, file: H5File): string[] {
  return file
    .paths()
    .filter((p) => safeGet(file, p, CTX) instanceof lib.api.Dataset)
    .sort();
}

/** A key's info, checked for kind and shape; `undefined` when optional and absent. */
function checkColumn(
  lib: H5Lib,
  file: H5File,
  path: string,
  key: string,
  kinds: readonly ColumnInfo['kind'][],
  expect: 'matrix' | 'vector',
  rows: number | undefined,
  keys: readonly string[],
): ColumnInfo {
  const info = columnInfo(lib, file, key, CTX);
  if (info === undefined) {
    const entity = safeGet(file, key, CTX);
    const where =
      entity === undefined
        ? 'has no'
        : entity instanceof lib.api.Group
          ? 'has a group, not a dataset, at'
          : entity instanceof lib.api.Datatype
            ? 'has a named datatype, not a dataset, at'
            : 'has a broken link, not a dataset, at';
    throw new DatasetError(
      `${CTX}: ${path} ${where} "${key}" (datasets: ${keys.join(', ') || 'none'}). ` +
        `Fix: D4RL files need ${REQUIRED.join(', ')}; check that this is a D4RL dataset file.`,
    );
  }
  if (!kinds.includes(info.kind) || (info.kind === 'float' && info.elementBytes !== 4 && info.elementBytes !== 8)) {
    const want = kinds.includes('bool')
      ? 'bool, an integer type or float 0/1'
      : kinds.includes('int') && !kinds.includes('float')
        ? 'an integer type'
        : 'float32 (float64 is accepted and cast)';
    throw new DatasetError(
      `${CTX}: "${key}" has dtype ${info.dtype}; expected ${want}. Fix: rewrite the key with that dtype.`,
    );
  }
  const shape = info.shape;
  const ok =
    expect === 'matrix'
      ? shape.length === 2 && shape[1] >= 1
      : shape.length === 1 || (shape.length === 2 && shape[1] === 1);
  if (!ok) {
    const want = expect === 'matrix' ? '(N, dim) with dim >= 1' : '(N,) or (N, 1)';
    throw new DatasetError(
      `${CTX}: "${key}" has shape (${shape.join(', ')}); expected ${want}. Fix: reshape the key in the file.`,
    );
  }
  if (rows !== undefined && shape[0] !== rows) {
    throw new DatasetError(
      `${CTX}: "${key}" has ${shape[0]} rows but "observations" has ${rows}; every key needs one row per step. ` +
        'Fix: the file is inconsistent (a cut or mixed write); regenerate it.',
    );
  }
  return info;
}

/** Reads a flag column (`(N,)` or `(N, 1)`) into a new Uint8Array, checking 0/1. */
function readFlags(lib: H5Lib, file: H5File, key: string, n: number): Uint8Array {
  const out = new Uint8Array(n);
  readRows(lib, file, key, 0, n, out, 0, CTX, flagCheck(CTX, key));
  return out;
}

/**
 * Final timesteps from D4RL's step counter (no `timeouts` key), replaying its loop exactly,
 * including the quirk that the counter restarts at 1, not 0, after a kept terminal or final
 * step.
 */
function counterTimeouts(terminals: Uint8Array, n: number, maxEpisodeSteps: number, mode: D4rlTimeoutMode): Uint8Array {
  const out = new Uint8Array(n);
  let step = 0;
  for (let i = 0; i < n - 1; i++) {
    const final = step === maxEpisodeSteps - 1;
    if (final) out[i] = 1;
    if (final && mode === 'drop') {
      step = 0;
      continue;
    }
    if (terminals[i] === 1 || final) step = 0;
    step++;
  }
  return out;
}

/** The body of {@link loadD4rl} once the file is open. */
function readD4rl(
  lib: H5Lib,
  file: H5File,
  path: string,
  fileBytes: number,
  mode: D4rlTimeoutMode,
  maxEpisodeSteps: number,
  options: D4rlLoadOptions,
): D4rlDataset {
  const keys = datasetPaths(lib, file);
  const real = ['float'] as const;
  const flag = ['bool', 'int', 'float'] as const;
  const obsInfo = checkColumn(lib, file, path, 'observations', real, 'matrix', undefined, keys);
  const n = obsInfo.shape[0];
  const od = obsInfo.shape[1];
  const actInfo = checkColumn(lib, file, path, 'actions', real, 'matrix', n, keys);
  const ad = actInfo.shape[1];
  const rewInfo = checkColumn(lib, file, path, 'rewards', real, 'vector', n, keys);
  const termInfo = checkColumn(lib, file, path, 'terminals', flag, 'vector', n, keys);
  const has = (k: string): boolean => keys.includes(k);
  const toutInfo = has('timeouts') ? checkColumn(lib, file, path, 'timeouts', flag, 'vector', n, keys) : undefined;
  const nextInfo = has('next_observations')
    ? checkColumn(lib, file, path, 'next_observations', real, 'matrix', n, keys)
    : undefined;
  if (nextInfo !== undefined && nextInfo.shape[1] !== od) {
    throw new DatasetError(
      `${CTX}: "next_observations" rows have ${nextInfo.shape[1]} values but "observations" rows have ${od}. Fix: regenerate the file.`,
    );
  }
  const explicitInfo = has('explicit_ends')
    ? checkColumn(lib, file, path, 'explicit_ends', flag, 'vector', n, keys)
    : undefined;
  const taskInfo = has('task_indices')
    ? checkColumn(lib, file, path, 'task_indices', ['int'], 'vector', n, keys)
    : undefined;
  const readInfos = options.infos ?? true;
  const qposInfo =
    readInfos && has('infos/qpos') ? checkColumn(lib, file, path, 'infos/qpos', real, 'matrix', n, keys) : undefined;
  const qvelInfo =
    readInfos && has('infos/qvel') ? checkColumn(lib, file, path, 'infos/qvel', real, 'matrix', n, keys) : undefined;
  if (n === 0) throw new DatasetError(`${CTX}: "observations" has 0 rows; the file holds no data.`);
  checkDeclaredSize(
    CTX,
    path,
    fileBytes,
    [obsInfo, actInfo, rewInfo, termInfo, toutInfo, nextInfo, explicitInfo, taskInfo, qposInfo, qvelInfo]
      .filter((c) => c !== undefined)
      .map((c) => ({ key: c.key, values: n * rowSize(c.shape), elementBytes: c.elementBytes })),
  );
  if (mode === 'keep' && nextInfo === undefined) {
    throw new DatasetError(
      `${CTX}: timeouts 'keep' needs "next_observations" (the real s' of a time-out row), and ${path} has none. ` +
        "Fix: load with timeouts 'drop' (qlearning_dataset semantics), or write the file with next_observations.",
    );
  }

  // Flags first (small), then the keep mask, then the big columns straight into place.
  const terminals = readFlags(lib, file, 'terminals', n);
  const fileTimeouts =
    toutInfo !== undefined ? readFlags(lib, file, 'timeouts', n) : counterTimeouts(terminals, n, maxEpisodeSteps, mode);
  const explicit = explicitInfo !== undefined ? readFlags(lib, file, 'explicit_ends', n) : undefined;
  const tasks = new Int32Array(n);
  if (taskInfo !== undefined) {
    readRows(lib, file, 'task_indices', 0, n, tasks, 0, CTX, (block, first) => {
      for (let i = 0; i < block.length; i++) {
        const v = block[i];
        if (v < 0 || v > 0x7fffffff)
          throw new DatasetError(
            `${CTX}: "task_indices" row ${first + i} is ${v}; task indices are integers >= 0. Fix: rewrite the key.`,
          );
      }
    });
  }

  let keep: Uint8Array | undefined;
  let kept = n;
  if (mode === 'drop') {
    keep = new Uint8Array(n);
    kept = 0;
    for (let t = 0; t < n - 1; t++) {
      keep[t] = fileTimeouts[t] === 1 || explicit?.[t] === 1 ? 0 : 1;
      kept += keep[t];
    }
    if (kept === 0) {
      throw new DatasetError(
        `${CTX}: no transition is left: every row of ${path} is a final timestep or the last row, which qlearning_dataset drops. ` +
          "Fix: load with timeouts 'keep' (needs next_observations).",
      );
    }
  }

  const observations = new Float32Array(n * od);
  readRows(lib, file, 'observations', 0, n, observations, 0, CTX, finiteCheck(CTX, 'observations', od));
  const actions = new Float32Array(n * ad);
  readRows(lib, file, 'actions', 0, n, actions, 0, CTX, finiteCheck(CTX, 'actions', ad));
  const rewards = new Float32Array(n);
  readRows(lib, file, 'rewards', 0, n, rewards, 0, CTX, finiteCheck(CTX, 'rewards', 1));
  const readInfo = (info: ColumnInfo | undefined): Float32Array | Float64Array | undefined => {
    if (info === undefined) return undefined;
    const d = info.shape[1];
    const out = info.elementBytes === 8 ? new Float64Array(n * d) : new Float32Array(n * d);
    readRows(lib, file, info.key, 0, n, out, 0, CTX, finiteCheck(CTX, info.key, d));
    return out;
  };
  let qpos = readInfo(qposInfo);
  let qvel = readInfo(qvelInfo);

  let nextObservations: Float32Array;
  const outTerminals = new Uint8Array(kept);
  const outTimeouts = new Uint8Array(kept);
  const episodeEnds = new Uint8Array(kept);
  let taskIndices = tasks;
  if (keep !== undefined) {
    // qlearning_dataset: compact the kept rows in place, run by run, and take s' = s[t+1]
    // before the row it comes from can be overwritten (dest j <= source t < t + 1).
    nextObservations = new Float32Array(kept * od);
    const compactions: [Float32Array | Float64Array | Int32Array, number][] = [
      [actions, ad],
      [rewards, 1],
      [tasks, 1],
    ];
    if (qpos !== undefined) compactions.push([qpos, qposInfo!.shape[1]]);
    if (qvel !== undefined) compactions.push([qvel, qvelInfo!.shape[1]]);
    let j = 0;
    let t = 0;
    while (t < n) {
      if (keep[t] === 0) {
        t++;
        continue;
      }
      let b = t;
      while (b < n && keep[b] === 1) b++;
      // rows t..b-1 are kept; b <= n - 1 because the last row is never kept.
      nextObservations.set(observations.subarray((t + 1) * od, (b + 1) * od), j * od);
      if (j !== t) {
        observations.copyWithin(j * od, t * od, b * od);
        for (const [array, d] of compactions) array.copyWithin(j * d, t * d, b * d);
      }
      for (let r = t; r < b; r++, j++) {
        outTerminals[j] = terminals[r]!;
        episodeEnds[j] = terminals[r] === 1 || keep[r + 1] === 0 ? 1 : 0;
      }
      t = b;
    }
    taskIndices = tasks.subarray(0, kept);
    if (qpos !== undefined) qpos = qpos.subarray(0, kept * qposInfo!.shape[1]);
    if (qvel !== undefined) qvel = qvel.subarray(0, kept * qvelInfo!.shape[1]);
  } else {
    nextObservations = new Float32Array(n * od);
    readRows(lib, file, 'next_observations', 0, n, nextObservations, 0, CTX, finiteCheck(CTX, 'next_observations', od));
    for (let t = 0; t < n; t++) {
      const term = terminals[t];
      const cut = fileTimeouts[t] | (explicit?.[t] ?? 0);
      outTerminals[t] = term;
      outTimeouts[t] = term === 1 ? 0 : fileTimeouts[t] & (explicit?.[t] === 1 ? 0 : 1);
      episodeEnds[t] = term | cut;
    }
    episodeEnds[n - 1] = 1; // the data stops here
  }
  checkEpisodeTasks(taskIndices, episodeEnds);

  const buffer = ReplayBuffer.fromColumns({
    observationDim: od,
    actionDim: ad,
    size: kept,
    observations: observations.subarray(0, kept * od),
    actions: actions.subarray(0, kept * ad),
    rewards: rewards.subarray(0, kept),
    nextObservations,
    terminals: outTerminals,
    timeouts: outTimeouts,
    episodeEnds,
    taskIndices,
  });

  const datasetId = resolveDatasetId(lib, file, path, options.datasetId);
  let envId: string | undefined;
  if (datasetId !== undefined) {
    try {
      envId = envIdForDataset(datasetId);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
  }
  const readColumns = [
    obsInfo,
    actInfo,
    rewInfo,
    termInfo,
    toutInfo,
    mode === 'keep' ? nextInfo : undefined,
    explicitInfo,
    taskInfo,
    qposInfo,
    qvelInfo,
  ];
  const dtypes: Record<string, string> = {};
  let rawBytes = 0;
  for (const info of readColumns) {
    if (info === undefined) continue;
    dtypes[info.key] = info.dtype;
    rawBytes += n * rowSize(info.shape) * info.elementBytes;
  }
  return {
    buffer,
    info: {
      path,
      datasetId,
      envId,
      rows: n,
      transitions: kept,
      droppedRows: n - kept,
      episodes: buffer.numEpisodes,
      observationDim: od,
      actionDim: ad,
      timeoutMode: mode,
      timeoutsFrom: toutInfo !== undefined ? 'file' : 'episode-step-counter',
      present: {
        nextObservations: nextInfo !== undefined,
        timeouts: toutInfo !== undefined,
        qpos: has('infos/qpos'),
        qvel: has('infos/qvel'),
        explicitEnds: explicitInfo !== undefined,
        taskIndices: taskInfo !== undefined,
      },
      keys,
      dtypes,
      metadata: readMetadata(lib, file, keys),
      rawBytes,
    },
    qpos,
    qposDim: qpos === undefined ? 0 : qposInfo!.shape[1],
    qvel,
    qvelDim: qvel === undefined ? 0 : qvelInfo!.shape[1],
  };
}

/** Throws at the first row whose task index differs from its open episode's. */
function checkEpisodeTasks(tasks: Int32Array, ends: Uint8Array): void {
  for (let i = 1; i < tasks.length; i++) {
    if (ends[i - 1] === 0 && tasks[i] !== tasks[i - 1]) {
      throw new DatasetError(
        `${CTX}: "task_indices" changes from ${tasks[i - 1]} to ${tasks[i]} inside an episode (transition ${i}); an episode belongs to one task. ` +
          'Fix: mark the episode end with timeouts, terminals or explicit_ends.',
      );
    }
  }
}

/** Scalar strings and numbers under `metadata/`, keyed by their path below it. */
function readMetadata(lib: H5Lib, file: H5File, keys: readonly string[]): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const key of keys) {
    if (!key.startsWith('metadata/')) continue;
    const ds = safeGet(file, key, CTX);
    if (!(ds instanceof lib.api.Dataset)) continue;
    const shape = ds.metadata.shape ?? [];
    if (shape.length !== 0) continue;
    const v = smallValue(ds);
    if (typeof v === 'string' || typeof v === 'number') out[key.slice('metadata/'.length)] = v;
  }
  return out;
}

/** The dataset id: the option, else `metadata/dataset_id`, else parsed from the file name. */
function resolveDatasetId(lib: H5Lib, file: H5File, path: string, given: string | undefined): string | undefined {
  if (given !== undefined) return given;
  const stored = safeGet(file, 'metadata/dataset_id', CTX);
  if (stored instanceof lib.api.Dataset) {
    const v = smallValue(stored);
    if (typeof v === 'string' && v.length > 0) return v;
  }
  const parsed = parseD4rlDatasetId(basename(path));
  return parsed !== undefined && parsed.source === 'd4rl' ? parsed.canonical : undefined;
}

// -----------------------------------------------------------------------------------------
// Writing
// -----------------------------------------------------------------------------------------

/** Extra per-row arrays for {@link writeD4rl}, stored under `infos/`. */
export interface D4rlInfosInput {
  /** MuJoCo qpos before each step, `size * nq` values row-major; written as `infos/qpos` in its own precision. */
  readonly qpos?: Float32Array | Float64Array;
  /** MuJoCo qvel before each step, `size * nv` values; written as `infos/qvel`. */
  readonly qvel?: Float32Array | Float64Array;
}

/** Options of {@link writeD4rl}. */
export interface D4rlWriteOptions {
  /** Stored as `metadata/dataset_id`, which {@link loadD4rl} reads back. */
  readonly datasetId?: string;
  /** Strings and numbers stored as scalar datasets `metadata/<key>` (D4RL stores `algorithm` and `iteration` there). */
  readonly metadata?: Readonly<Record<string, string | number>>;
  /** Per-row `infos/qpos` and `infos/qvel`. */
  readonly infos?: D4rlInfosInput;
  /**
   * `'gzip'` compresses every column (level 4, as h5py's default gzip; smaller, slower);
   * `'none'` writes plain chunks.
   * @defaultValue `'none'`
   */
  readonly compression?: 'none' | 'gzip';
  /**
   * Replace an existing file at `path`. When false an existing file is an error.
   * @defaultValue true
   */
  readonly overwrite?: boolean;
}

/**
 * Writes a buffer as a D4RL HDF5 file: `observations`, `actions`, `rewards`,
 * `next_observations` (float32), `terminals`, `timeouts` (uint8 0/1) in chronological order,
 * plus `explicit_ends` when some episode ends without a terminal or timeout, `task_indices`
 * when some task index is not 0, and the optional `infos/` and `metadata/` entries.
 *
 * In the file, `timeouts` is set on every episode end that is not terminal (time-outs and
 * explicit ends alike), so D4RL's own loaders split episodes where the buffer does;
 * `explicit_ends` tells the two apart for {@link loadD4rl} with `timeouts: 'keep'`, which
 * restores the buffer exactly. (A buffer whose last episode is still open comes back with it
 * closed: a file's data ends there.)
 *
 * The write is atomic: the file is written under a temporary name in the same directory,
 * flushed to disk, then renamed over `path`, so a crash never leaves a half-written file at
 * `path`. Missing parent directories are created. Columns are written block by block.
 *
 * @returns `path`.
 * @throws {@link ConfigError} when the buffer is empty, an `infos` array's length is not a
 *   multiple of the buffer size, or `path` exists and `overwrite` is false.
 */
export async function writeD4rl(path: string, buffer: ReplayBuffer, options: D4rlWriteOptions = {}): Promise<string> {
  const ctx = 'writeD4rl';
  const n = buffer.size;
  if (n === 0) throw new ConfigError(`${ctx}: the buffer is empty; a D4RL file needs at least one row.`);
  if (options.overwrite === false && exists(path))
    throw new ConfigError(
      `${ctx}: ${path} exists and overwrite is false. Fix: pick another path or pass overwrite: true.`,
    );
  const infoDims: [string, Float32Array | Float64Array, number][] = [];
  for (const name of ['qpos', 'qvel'] as const) {
    const a = options.infos?.[name];
    if (a === undefined) continue;
    if (a.length === 0 || a.length % n !== 0) {
      throw new ConfigError(
        `${ctx}: infos.${name} has ${a.length} values, not a positive multiple of the ${n} transitions. Fix: pass one row per transition.`,
      );
    }
    infoDims.push([name, a, a.length / n]);
  }
  const lib = await loadH5();
  const c = buffer.columns();
  const cutTimeouts = new Uint8Array(n);
  const explicit = new Uint8Array(n);
  let anyExplicit = false;
  let anyTask = false;
  for (let i = 0; i < n; i++) {
    const e = c.episodeEnds[i] & (c.terminals[i] ^ 1) & (c.timeouts[i] ^ 1);
    explicit[i] = e;
    cutTimeouts[i] = c.timeouts[i] | e;
    if (e === 1) anyExplicit = true;
    if (c.taskIndices[i] !== 0) anyTask = true;
  }
  const gzip = options.compression === 'gzip';
  const f4 = { gzip, dtype: '<f' } as const;
  const u1 = { gzip, dtype: '<B' } as const;
  mkdirSync(dirname(path) || '.', { recursive: true });
  writeHdf5Atomic(lib, path, (file) => {
    writeColumn(file, 'observations', c.observations, n, c.observationDim, f4);
    writeColumn(file, 'actions', c.actions, n, c.actionDim, f4);
    writeColumn(file, 'rewards', c.rewards, n, 0, f4);
    writeColumn(file, 'next_observations', c.nextObservations, n, c.observationDim, f4);
    writeColumn(file, 'terminals', c.terminals, n, 0, u1);
    writeColumn(file, 'timeouts', cutTimeouts, n, 0, u1);
    if (anyExplicit) writeColumn(file, 'explicit_ends', explicit, n, 0, u1);
    if (anyTask) writeColumn(file, 'task_indices', c.taskIndices, n, 0, { gzip, dtype: '<i' });
    if (infoDims.length > 0) {
      const infos = file.create_group('infos');
      for (const [name, a, d] of infoDims)
        writeColumn(infos, name, a, n, d, { gzip, dtype: a instanceof Float64Array ? '<d' : '<f' });
    }
    const meta: [string, string | number][] = Object.entries(options.metadata ?? {});
    if (options.datasetId !== undefined) meta.push(['dataset_id', options.datasetId]);
    if (meta.length > 0) {
      const group = file.create_group('metadata');
      for (const [k, v] of meta)
        group.create_dataset({
          name: k,
          data: v,
          ...(typeof v === 'number' ? { dtype: Number.isInteger(v) ? '<q' : '<d' } : {}),
        });
    }
  });
  return path;
}

/** True when something exists at `path`. */
function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
