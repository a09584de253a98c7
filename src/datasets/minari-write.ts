/**
 * {@link writeMinari}: a buffer's episodes as a Minari dataset folder, the layout
 * {@link loadMinari} reads (minari.ts), so data made here opens in Python's Minari too.
 *
 * Layout written (`<dir>` is the dataset folder, e.g. `<root>/metaworld/box-close/mixed-v0`):
 *
 * - `<dir>/data/main_data.hdf5`: one group `episode_<i>` per episode with `observations`
 *   (T + 1 rows: the reset observation through the final one), `actions`, `rewards` (float64, as
 *   Minari stores them), `terminations` and `truncations` (T rows; uint8 0/1, since h5wasm cannot
 *   write h5py's bool enum), and the attributes `id`, `total_steps` and, when given, `seed`.
 * - `<dir>/data/metadata.json`: `dataset_id`, `total_episodes`, `total_steps`, `data_format`
 *   (`hdf5`), `observation_space` and `action_space` (JSON strings in Minari's space format, with
 *   Python's bare `Infinity` tokens), `env_spec` (a JSON string), `minari_version`, and any extra
 *   keys given.
 *
 * An episode's observations come from the buffer's rows: `observations[start .. end)` and the
 * last row's next observation; inside an episode each next observation must equal the next row's
 * observation (true of data collected step by step, e.g. by `collectDataset`). Both files are
 * written atomically, the metadata last, so a folder with `metadata.json` is complete.
 *
 * @module
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ReplayBuffer } from '../buffers/replay-buffer.js';
import { writeFileAtomic } from '../core/atomic-file.js';
import { ConfigError } from '../core/errors.js';
import { Box, Discrete, type Space } from '../core/spaces.js';
import { loadH5, writeColumn, writeHdf5Atomic } from './hdf5.js';

/** The Minari version whose layout {@link writeMinari} follows (written as `minari_version`). */
export const MINARI_LAYOUT_VERSION = '0.5.0';

/** The env a Minari dataset was collected on (Gymnasium's `EnvSpec`, as `env_spec`). */
export interface MinariEnvSpec {
  /** The env id, e.g. `MetaWorld/box-close-v3`. */
  readonly id: string;
  /** The time limit, if any. */
  readonly maxEpisodeSteps?: number;
  /** The env's options (Gymnasium's `kwargs`). */
  readonly kwargs?: Readonly<Record<string, unknown>>;
}

/** Options of {@link writeMinari}. */
export interface MinariWriteOptions {
  /** The dataset id, e.g. `metaworld/box-close/mixed-v0`. */
  readonly datasetId: string;
  /** The observation space (Box or Discrete); its bounds go into the metadata. */
  readonly observationSpace: Space;
  /** The action space (Box or Discrete). */
  readonly actionSpace: Space;
  /** The env the data came from. */
  readonly envSpec?: MinariEnvSpec;
  /** Reset seed of each episode, in buffer order (stored as each group's `seed` attribute). */
  readonly episodeSeeds?: readonly number[];
  /** Further metadata keys (e.g. `algorithm_name`, `description`, `ref_min_score`). */
  readonly metadata?: Readonly<Record<string, string | number | boolean | readonly string[]>>;
}

/** What {@link writeMinari} returns. */
export interface MinariWriteResult {
  /** The dataset folder. */
  readonly dir: string;
  /** `data/main_data.hdf5`. */
  readonly dataFile: string;
  /** `data/metadata.json`. */
  readonly metadataFile: string;
  /** Episodes written. */
  readonly episodes: number;
  /** Transitions written. */
  readonly steps: number;
}

/** JSON with Python's bare tokens for non-finite numbers, as `json.dumps` writes them. */
function pythonJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'number' || Number.isFinite(v)) return v;
    return v > 0 ? '\u0000+Infinity' : v < 0 ? '\u0000-Infinity' : '\u0000NaN';
  }).replace(/"\\u0000([+-]Infinity|NaN)"/g, (_m, token: string) => (token === '+Infinity' ? 'Infinity' : token));
}

/** A space in Minari's serialised form. */
export function minariSpaceJson(space: Space, where: string): Record<string, unknown> {
  if (space instanceof Box) {
    return {
      type: 'Box',
      dtype: space.dtype,
      shape: [...space.shape],
      low: Array.from(space.low),
      high: Array.from(space.high),
    };
  }
  if (space instanceof Discrete) return { type: 'Discrete', dtype: 'int64', n: space.n, start: space.start };
  throw new ConfigError(`writeMinari: ${where} must be a Box or Discrete space; this writer stores flat rows only.`);
}

/**
 * Writes the episodes of `buffer` as a Minari dataset in folder `dir` (see the module notes).
 *
 * @example
 * ```ts
 * const { buffer } = await collectDataset(env, policy, { episodes: 10, seed: 0 });
 * await writeMinari('data/minari/metaworld/box-close/mixed-v0', buffer, {
 *   datasetId: 'metaworld/box-close/mixed-v0',
 *   observationSpace: env.observationSpace,
 *   actionSpace: env.actionSpace,
 *   envSpec: { id: 'MetaWorld/box-close-v3', maxEpisodeSteps: 500 },
 * });
 * const { buffer: back } = await loadMinari('data/minari/metaworld/box-close/mixed-v0');
 * ```
 * @throws {@link ConfigError} when the buffer is empty, a row's size disagrees with a space,
 *   `episodeSeeds` has another length than the episodes, or an episode's rows are not one
 *   contiguous trajectory.
 */
export async function writeMinari(
  dir: string,
  buffer: ReplayBuffer,
  options: MinariWriteOptions,
): Promise<MinariWriteResult> {
  const ctx = 'writeMinari';
  const c = buffer.columns();
  const n = c.size;
  if (n === 0) throw new ConfigError(`${ctx}: the buffer is empty; a Minari dataset needs at least one episode.`);
  if (typeof options?.datasetId !== 'string' || options.datasetId === '')
    throw new ConfigError(`${ctx}: options.datasetId must name the dataset, e.g. "metaworld/box-close/mixed-v0".`);
  const obsJson = minariSpaceJson(options.observationSpace, 'observationSpace');
  const actJson = minariSpaceJson(options.actionSpace, 'actionSpace');
  const od = c.observationDim;
  const ad = c.actionDim;
  const spaceSize = (s: Space): number => (s instanceof Box ? s.size : 1);
  if (spaceSize(options.observationSpace) !== od || spaceSize(options.actionSpace) !== ad) {
    throw new ConfigError(
      `${ctx}: the buffer holds observations of ${od} and actions of ${ad} values, but the spaces have ${spaceSize(options.observationSpace)} and ${spaceSize(options.actionSpace)}.`,
    );
  }
  // Episode bounds: an episode ends at a terminal, a timeout or an explicit end; a last open run is an episode too.
  const ends: number[] = [];
  for (let i = 0; i < n; i++) if ((c.episodeEnds[i] | c.terminals[i] | c.timeouts[i]) === 1) ends.push(i + 1);
  if (ends.length === 0 || ends[ends.length - 1] !== n) ends.push(n);
  if (options.episodeSeeds !== undefined && options.episodeSeeds.length !== ends.length) {
    throw new ConfigError(
      `${ctx}: episodeSeeds has ${options.episodeSeeds.length} seeds but the buffer holds ${ends.length} episodes.`,
    );
  }
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const dataFile = join(dataDir, 'main_data.hdf5');
  const lib = await loadH5();
  writeHdf5Atomic(lib, dataFile, (file) => {
    let start = 0;
    for (const [e, end] of ends.entries()) {
      const T = end - start;
      const obs = new Float32Array((T + 1) * od);
      obs.set(c.observations.subarray(start * od, end * od), 0);
      obs.set(c.nextObservations.subarray((end - 1) * od, end * od), T * od);
      for (let t = start; t + 1 < end; t++) {
        for (let k = 0; k < od; k++) {
          if (c.nextObservations[t * od + k] !== c.observations[(t + 1) * od + k]) {
            throw new ConfigError(
              `${ctx}: in episode ${e}, row ${t}'s next observation differs from row ${t + 1}'s observation; Minari stores one observation sequence per episode, so each episode must be a contiguous trajectory.`,
            );
          }
        }
      }
      const rewards = Float64Array.from(c.rewards.subarray(start, end));
      const terminations = c.terminals.slice(start, end);
      const truncations = new Uint8Array(T);
      for (let t = 0; t < T; t++) truncations[t] = c.timeouts[start + t] & (terminations[t] ^ 1);
      const group = file.create_group(`episode_${e}`);
      const f4 = { gzip: false, dtype: '<f' } as const;
      writeColumn(group, 'observations', obs, T + 1, od, f4);
      writeColumn(group, 'actions', c.actions.subarray(start * ad, end * ad), T, ad, f4);
      writeColumn(group, 'rewards', rewards, T, 0, { gzip: false, dtype: '<d' });
      writeColumn(group, 'terminations', terminations, T, 0, { gzip: false, dtype: '<B' });
      writeColumn(group, 'truncations', truncations, T, 0, { gzip: false, dtype: '<B' });
      group.create_attribute('id', e, null, '<q');
      group.create_attribute('total_steps', T, null, '<q');
      const seed = options.episodeSeeds?.[e];
      if (seed !== undefined) group.create_attribute('seed', seed, null, '<q');
      start = end;
    }
  });
  const env = options.envSpec;
  const metadata: Record<string, unknown> = {
    dataset_id: options.datasetId,
    total_episodes: ends.length,
    total_steps: n,
    data_format: 'hdf5',
    observation_space: pythonJson(obsJson),
    action_space: pythonJson(actJson),
    ...(env === undefined
      ? {}
      : {
          env_spec: JSON.stringify({
            id: env.id,
            max_episode_steps: env.maxEpisodeSteps ?? null,
            kwargs: env.kwargs ?? {},
          }),
        }),
    minari_version: MINARI_LAYOUT_VERSION,
    ...(options.metadata ?? {}),
  };
  const metadataFile = join(dataDir, 'metadata.json');
  writeFileAtomic(metadataFile, `${JSON.stringify(metadata, null, 2)}\n`);
  return Object.freeze({ dir, dataFile, metadataFile, episodes: ends.length, steps: n });
}
