/**
 * Offline datasets: D4RL reference scores and dataset-to-env ids (more to come: D4RL HDF5
 * reading and writing, Minari folders).
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
  minariRoot,
  parsePythonJson,
  resolveMinariDataset,
  spaceFromMinari,
} from './minari.js';
