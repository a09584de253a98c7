/**
 * Replay buffers and multi-task offline datasets on contiguous typed arrays.
 *
 * - {@link ReplayBuffer}: transitions with terminals and timeouts kept apart, episodes,
 *   uniform sampling into reusable {@link Batch}es (`sampleInto`), trajectory slicing for
 *   prompts (`trajectory`, `lastSteps`), float64 statistics, and an atomic, versioned,
 *   checksummed directory format (`save` / `load`, described in `docs/formats.md`, "Buffer saves").
 * - {@link MultiTaskDataset}: named tasks with text and trajectory prompts, sampled per task
 *   (the LLMDPD paper's Algorithm 1) or uniformly over all transitions.
 *
 * Nothing here imports tfjs: batches are host typed arrays, and agents move them to tensors.
 *
 * @module buffers
 */
export type { Batch, Statistics, Trajectory } from '../core/types.js';
export { createBatch } from './batch.js';
export { type BufferLoadOptions, type BufferSaveOptions, type BufferSaveStage } from '../core/column-store.js';
export type { FlagColumnInput, RealColumnInput, TaskIndexInput } from './input.js';
export type { JsonValue } from './json.js';
export {
  type DatasetTask,
  MULTI_TASK_DATASET_FORMAT,
  MULTI_TASK_DATASET_FORMAT_VERSION,
  MultiTaskDataset,
  type MultiTaskSampleOptions,
  type TaskParams,
  type TaskSamplingMode,
  type TaskSpec,
} from './multi-task-dataset.js';
export {
  type BufferColumns,
  type EpisodeRange,
  type FromArraysInput,
  type PaddedTrajectory,
  REPLAY_BUFFER_FORMAT,
  REPLAY_BUFFER_FORMAT_VERSION,
  ReplayBuffer,
  type ReplayBufferOptions,
  type SampleIntoOptions,
  type StatisticsColumn,
  type StepRange,
  type TransitionBatchInput,
  type TransitionInput,
} from './replay-buffer.js';
export {
  type Moments,
  combineMoments,
  computeMoments,
  computeStatistics,
  emptyMoments,
  momentsToStatistics,
} from './statistics.js';
