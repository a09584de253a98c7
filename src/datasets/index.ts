/**
 * Offline datasets from local files, into `ReplayBuffer`s (from `llmdpd/buffers`). Nothing is downloaded.
 *
 * - {@link loadD4rl} / {@link writeD4rl}: D4RL HDF5 files (`hopper_medium_replay-v2.hdf5`),
 *   read with the semantics of D4RL's `qlearning_dataset` (or with time-outs kept as
 *   truncations) and written in the same layout, atomically. Big columns are read block by
 *   block straight into the buffer's arrays.
 * - {@link loadMinari}: Minari dataset folders (`data/main_data.hdf5` + `data/metadata.json`)
 *   by path or by id under `MINARI_DATASETS_PATH`; Dict observations are flattened in
 *   sorted-key order and the layout is returned. {@link writeMinari} writes a buffer's
 *   episodes in that layout.
 * - {@link d4rlNormalizedScore}, {@link referenceScores}, {@link envIdForDataset}: D4RL's
 *   reference table, the normalised score `100 (R - min) / (max - min)`, and the env each
 *   dataset was collected on.
 *
 * Bad files raise `DatasetError`s naming the key and the problem (missing key, wrong
 * lengths, wrong dtype, NaN with its row, truncated file, not HDF5). HDF5 access uses h5wasm
 * with its throwing error handler switched on for the process (see `hdf5.ts`).
 *
 * @example
 * ```ts
 * import { loadD4rl, d4rlNormalizedScore } from 'llmdpd/datasets';
 * const { buffer, info } = await loadD4rl('data/hopper_medium_replay-v2.hdf5');
 * d4rlNormalizedScore(info.datasetId!, 1607.01); // ~50
 * ```
 *
 * @module datasets
 */
export {
  D4RL_DATASET_IDS,
  D4RL_DATASET_KINDS,
  D4RL_ENV_NAMES,
  D4RL_LOCOMOTION,
  type D4rlDatasetKind,
  type D4rlEnvInfo,
  type D4rlEnvName,
  type ParsedDatasetId,
  type ReferenceScores,
  d4rlNormalizedScore,
  envIdForDataset,
  parseD4rlDatasetId,
  referenceScores,
} from './scores.js';
export {
  type D4rlDataset,
  type D4rlInfo,
  type D4rlInfosInput,
  type D4rlKeysPresent,
  type D4rlLoadOptions,
  type D4rlTimeoutMode,
  type D4rlWriteOptions,
  loadD4rl,
  writeD4rl,
} from './d4rl.js';
export {
  type FlatLeaf,
  type MinariDataset,
  type MinariInfo,
  type MinariLoadOptions,
  loadMinari,
  type MinariLocation,
  minariRoot,
  parsePythonJson,
  resolveMinariDataset,
  spaceFromMinari,
} from './minari.js';
export {
  MINARI_LAYOUT_VERSION,
  minariSpaceJson,
  writeMinari,
  type MinariEnvSpec,
  type MinariWriteOptions,
  type MinariWriteResult,
} from './minari-write.js';
