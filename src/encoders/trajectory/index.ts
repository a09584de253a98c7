/**
 * LLMDPD's trajectory prompt encoder: a small pre-LayerNorm transformer over the (state,
 * action) steps of one trajectory, mean-pooled over real steps, with an MLP head (paper §3.1.2),
 * plus the host-side prompt batching and the attention and LayerNorm blocks it is built from.
 *
 * @module
 */
export {
  MASKED_SCORE,
  maskedAttention,
  MultiHeadSelfAttention,
  type MultiHeadSelfAttentionOptions,
} from './attention.js';
export { LAYER_NORM_EPSILON, LayerNorm, layerNorm, type LayerNormOptions } from './layer-norm.js';
export { type DenseVariables, normalDenseVariables } from './params.js';
export {
  buildPromptBatch,
  mergePromptBatches,
  type BuildPromptBatchOptions,
  type PromptBatch,
  type TrajectoryPrompt,
} from './prompt-batch.js';
export {
  type EncodeOptions,
  promptTokens,
  type PromptTokens,
  resolveTrajectoryEncoderConfig,
  TRAJECTORY_ENCODER_DEFAULTS,
  TrajectoryEncoder,
  type TrajectoryEncoderConfig,
  type TrajectoryEncoderOptions,
} from './trajectory-encoder.js';
