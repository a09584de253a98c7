/**
 * D4RL dataset ids, the environments they were collected on, and D4RL's normalised score.
 *
 * Where the mappings and reference scores come from (D4RL's and Minari's published sources;
 * `docs/datasets.md`, "Normalised scores", and `docs/envs/locomotion.md`, "Versions and datasets"):
 *
 * - The locomotion `-v2` datasets (`<env>-<dataset>-v2`) were collected on gym's `-v2` env
 *   classes through mujoco-py. Gymnasium's `-v4` envs have the same observation, reward,
 *   termination, reset noise, frame skip and model with default arguments (v3 only exposed
 *   keyword arguments, v4 only changed the binding), so {@link envIdForDataset} maps them to
 *   `HalfCheetah-v4`, `Hopper-v4` and `Walker2d-v4`: the ids of our in-process environments
 *   that reproduce those numbers. The `-v0` and `-v1` dataset ids map the same way.
 * - Minari's `mujoco/<env>/<dataset>-v0` sets were regenerated on Gymnasium's `-v5` envs, so
 *   they map to `HalfCheetah-v5`, `Hopper-v5` and `Walker2d-v5` (they have no entry in the
 *   D4RL reference table: Minari stores its own `ref_min_score` / `ref_max_score`).
 * - Every -v0/-v1/-v2 dataset of one env uses the same reference pair, D4RL's
 *   `<env>-random-v0` entries in `d4rl/infos.py`. The normalised score is
 *   `100 * (R - REF_MIN) / (REF_MAX - REF_MIN)` for an undiscounted episode return R (D4RL's
 *   `get_normalized_score` returns the fraction; papers report 100 times it, and so do we).
 *
 * @module
 */
import { closeMatches } from '../buffers/suggest.js';
import { NotFoundError } from '../core/errors.js';

/** The D4RL locomotion environments covered by the reference table. */
export type D4rlEnvName = 'halfcheetah' | 'hopper' | 'walker2d';

/** The D4RL locomotion dataset kinds (the middle part of `hopper-medium-replay-v2`). */
export type D4rlDatasetKind = 'random' | 'medium' | 'expert' | 'medium-replay' | 'full-replay' | 'medium-expert';

/** A reference score pair: the returns that normalise to 0 and to 100. */
export interface ReferenceScores {
  /** REF_MIN_SCORE: the mean return of a random policy; normalises to 0. */
  readonly min: number;
  /** REF_MAX_SCORE: the mean return of an expert policy; normalises to 100. */
  readonly max: number;
}

/** One row of {@link D4RL_LOCOMOTION}. */
export interface D4rlEnvInfo {
  /** Gymnasium env id with the same dynamics and reward as the gym `-v2` env the data came from. */
  readonly envId: string;
  /** Gymnasium `-v5` env id, the one Minari's regenerated `mujoco/<env>/...` sets use. */
  readonly envIdV5: string;
  /** D4RL's REF_MIN_SCORE and REF_MAX_SCORE for every dataset of this env. */
  readonly reference: ReferenceScores;
  /** Observation length. */
  readonly observationDim: number;
  /** Action length. */
  readonly actionDim: number;
}

/**
 * D4RL's locomotion reference scores (d4rl/infos.py, the `<env>-random-v0` entries that every
 * -v0, -v1 and -v2 dataset of the env reuses) with the matching environment ids and sizes.
 */
export const D4RL_LOCOMOTION: Readonly<Record<D4rlEnvName, D4rlEnvInfo>> = Object.freeze({
  halfcheetah: Object.freeze({
    envId: 'HalfCheetah-v4',
    envIdV5: 'HalfCheetah-v5',
    reference: Object.freeze({ min: -280.178953, max: 12135.0 }),
    observationDim: 17,
    actionDim: 6,
  }),
  hopper: Object.freeze({
    envId: 'Hopper-v4',
    envIdV5: 'Hopper-v5',
    reference: Object.freeze({ min: -20.272305, max: 3234.3 }),
    observationDim: 11,
    actionDim: 3,
  }),
  walker2d: Object.freeze({
    envId: 'Walker2d-v4',
    envIdV5: 'Walker2d-v5',
    reference: Object.freeze({ min: 1.629008, max: 4592.3 }),
    observationDim: 17,
    actionDim: 6,
  }),
});

/** The env names of {@link D4RL_LOCOMOTION}, in table order. */
export const D4RL_ENV_NAMES: readonly D4rlEnvName[] = Object.freeze(['halfcheetah', 'hopper', 'walker2d']);

/** The dataset kinds D4RL publishes for each locomotion env. */
export const D4RL_DATASET_KINDS: readonly D4rlDatasetKind[] = Object.freeze([
  'random',
  'medium',
  'expert',
  'medium-replay',
  'full-replay',
  'medium-expert',
]);

/** Every canonical D4RL locomotion -v2 dataset id, e.g. `hopper-medium-replay-v2`. */
export const D4RL_DATASET_IDS: readonly string[] = Object.freeze(
  D4RL_ENV_NAMES.flatMap((env) => D4RL_DATASET_KINDS.map((kind) => `${env}-${kind}-v2`)),
);

/** A D4RL (or Minari locomotion) dataset id split into its parts by {@link parseD4rlDatasetId}. */
export interface ParsedDatasetId {
  /** The environment, e.g. `hopper`. */
  readonly env: D4rlEnvName;
  /** The dataset kind, e.g. `medium-replay`; `undefined` when only an env was named. */
  readonly kind: string | undefined;
  /**
   * The dataset version number (2 for `-v2`), or the env version of an env id (4 for `Hopper-v4`); `undefined` when
   * absent.
   */
  readonly version: number | undefined;
  /** `d4rl` for D4RL ids and file names, `minari` for `mujoco/<env>/<kind>-vN`, `env` for env names or ids. */
  readonly source: 'd4rl' | 'minari' | 'env';
  /** The canonical id: `hopper-medium-replay-v2`, `mujoco/hopper/medium-v0`, or the env name. */
  readonly canonical: string;
}

/** Gymnasium env ids (any version) by lower-cased name, for ids such as `Hopper-v4`. */
const GYM_NAMES: Readonly<Record<string, D4rlEnvName>> = {
  halfcheetah: 'halfcheetah',
  hopper: 'hopper',
  walker2d: 'walker2d',
};

/**
 * Splits a dataset id, a D4RL file name or an env name into env, kind and version. Accepted:
 * `hopper-medium-replay-v2`, `hopper_medium_replay-v2.hdf5` (the download's file name, with or
 * without a directory), `mujoco/hopper/medium-v0` (Minari), `hopper`, `Hopper-v4`. Case is
 * ignored. Returns `undefined` for anything else, including the locomotion envs' unknown
 * dataset kinds.
 */
export function parseD4rlDatasetId(id: string): ParsedDatasetId | undefined {
  const trimmed = id.trim();
  const minari = /^mujoco\/([a-z0-9]+)\/([a-z-]+)-v(\d+)$/i.exec(trimmed);
  if (minari !== null) {
    const env = GYM_NAMES[minari[1].toLowerCase()];
    if (env === undefined) return undefined;
    const kind = minari[2].toLowerCase();
    const version = Number(minari[3]);
    return { env, kind, version, source: 'minari', canonical: `mujoco/${env}/${kind}-v${version}` };
  }
  // A file path: keep the base name and drop the extension.
  const base = trimmed
    .replace(/^.*[\\/]/, '')
    .replace(/\.(hdf5|h5)$/i, '')
    .toLowerCase();
  const gym = /^([a-z0-9]+)-v(\d+)$/.exec(base);
  if (gym !== null && GYM_NAMES[gym[1]] !== undefined) {
    const env = GYM_NAMES[gym[1]];
    return { env, kind: undefined, version: Number(gym[2]), source: 'env', canonical: env };
  }
  if (GYM_NAMES[base] !== undefined) {
    const env = GYM_NAMES[base];
    return { env, kind: undefined, version: undefined, source: 'env', canonical: env };
  }
  const d4rl = /^([a-z0-9]+)[-_]([a-z_-]+)-v(\d+)$/.exec(base);
  if (d4rl === null) return undefined;
  const env = GYM_NAMES[d4rl[1]];
  const kind = d4rl[2].replace(/_/g, '-');
  if (env === undefined || !(D4RL_DATASET_KINDS as readonly string[]).includes(kind)) return undefined;
  const version = Number(d4rl[3]);
  return { env, kind, version, source: 'd4rl', canonical: `${env}-${kind}-v${version}` };
}

/** Every name {@link parseD4rlDatasetId} accepts in canonical form, for suggestions. */
function knownNames(): string[] {
  return [...D4RL_DATASET_IDS, ...D4RL_ENV_NAMES, ...D4RL_ENV_NAMES.map((e) => D4RL_LOCOMOTION[e].envId)];
}

/** Throws the {@link NotFoundError} for an id that {@link parseD4rlDatasetId} rejects. */
function unknownId(context: string, id: string): never {
  const suggestions = closeMatches(
    id
      .replace(/^.*[\\/]/, '')
      .replace(/\.(hdf5|h5)$/i, '')
      .replace(/_/g, '-'),
    knownNames(),
  );
  const hint = suggestions.length > 0 ? ` Did you mean ${suggestions.map((s) => `"${s}"`).join(', ')}?` : '';
  throw new NotFoundError(
    `${context}: unknown dataset or env "${id}".${hint} Known: <env>-<kind>-v2 with env ${D4RL_ENV_NAMES.join(' | ')} ` +
      `and kind ${D4RL_DATASET_KINDS.join(' | ')}, the env names themselves, or Minari's mujoco/<env>/<kind>-v0.`,
  );
}

/**
 * The reference scores of a D4RL dataset or locomotion env, or `undefined` when the table has
 * no entry (unknown ids and Minari ids: Minari keeps its own in metadata.json).
 *
 * @param id - a dataset id (`hopper-medium-replay-v2`), a D4RL file name, an env name
 *   (`hopper`) or a Gymnasium env id (`Hopper-v4`).
 */
export function referenceScores(id: string): ReferenceScores | undefined {
  const parsed = parseD4rlDatasetId(id);
  if (parsed === undefined || parsed.source === 'minari') return undefined;
  const ref = D4RL_LOCOMOTION[parsed.env].reference;
  return { min: ref.min, max: ref.max };
}

/**
 * D4RL's normalised score in percent: `100 * (R - REF_MIN) / (REF_MAX - REF_MIN)`, so a
 * random policy scores about 0 and the expert about 100.
 *
 * @param datasetIdOrEnvName - anything {@link referenceScores} accepts.
 * @param rawReturn - the undiscounted return of one episode (or a mean of returns).
 * @throws {@link NotFoundError} with suggestions when the id has no reference scores.
 * @example
 * ```ts
 * d4rlNormalizedScore('hopper-medium-replay-v2', 1607.0138475); // 50 (halfway between -20.272305 and 3234.3)
 * ```
 */
export function d4rlNormalizedScore(datasetIdOrEnvName: string, rawReturn: number): number {
  const ref = referenceScores(datasetIdOrEnvName);
  if (ref === undefined) unknownId('d4rlNormalizedScore', datasetIdOrEnvName);
  return (100 * (rawReturn - ref.min)) / (ref.max - ref.min);
}

/**
 * The id of the environment a dataset was collected on, as registered by our env registry:
 * `hopper-medium-replay-v2` gives `Hopper-v4` (numerically the gym `Hopper-v2` that D4RL used,
 * see the module notes), `mujoco/hopper/medium-v0` gives `Hopper-v5`. An env name (`hopper`) gives
 * the `-v4` id; an env id (`hopper-v5`) is returned with its version and canonical spelling.
 *
 * @throws {@link NotFoundError} with suggestions for an unknown id.
 */
export function envIdForDataset(datasetId: string): string {
  const parsed = parseD4rlDatasetId(datasetId);
  if (parsed === undefined) unknownId('envIdForDataset', datasetId);
  const info = D4RL_LOCOMOTION[parsed.env];
  if (parsed.source === 'minari') return info.envIdV5;
  if (parsed.source === 'env' && parsed.version !== undefined)
    return info.envId.replace(/-v\d+$/, `-v${parsed.version}`);
  return info.envId;
}
