/**
 * Offline-RL agents behind one {@link Agent} interface: {@link DiffusionQLAgent} and
 * {@link LLMDPDAgent}, with their configs, defaults, losses and the shared pieces.
 *
 * @module agents
 */
export type {
  Agent,
  BoundPolicy,
  CheckpointOptions,
  EpochReport,
  EpochVerdict,
  Evaluator,
  FitOptions,
  FitReport,
  Metrics,
  PromptContext,
} from './agent.js';
export { AGENT_CHECKPOINT_FORMAT, AGENT_CHECKPOINT_FORMAT_VERSION, LIBRARY_VERSION } from './common/checkpoint.js';
export { criticLoss, qLoss, tdTargets } from './common/losses.js';
export {
  DIFFUSION_POLICY_DEFAULTS,
  DIFFUSION_POLICY_RULES,
  pickBySoftmax,
  validateConfig,
  type DiffusionPolicyConfig,
  type FieldRule,
} from './common/config.js';
export { bcLoss, DiffusionSchedule, sampleActions, type BcLossInputs, type SampleInputs } from './common/diffusion.js';
export { NoiseNetwork, type NoiseNetworkOptions } from './common/noise-network.js';
export { TwinCritic, type TwinCriticOptions } from './common/critic.js';
export {
  DIFFUSION_QL_DEFAULTS,
  DiffusionQLAgent,
  resolveDiffusionQLConfig,
  type DiffusionQLConfig,
  type DiffusionQLOptions,
} from './diffusion-ql.js';
export {
  conditionDim,
  LLMDPD_DEFAULTS,
  LLMDPDAgent,
  resolveLLMDPDConfig,
  type LLMDPDConfig,
  type LLMDPDDependencies,
  type LLMDPDOptions,
  type PromptNetworks,
} from './llmdpd.js';
