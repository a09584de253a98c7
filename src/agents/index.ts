/**
 * Offline-RL agents behind one {@link Agent} interface: {@link DiffusionQLAgent},
 * {@link LLMDPDAgent} (Diffusion-QL with the prompts conditioner) and {@link BCAgent}, with their
 * configs, defaults and losses, the task conditioners any agent takes, and the shared scaffold
 * new agents are built on (`docs/algorithms/README.md`).
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
  ExportPolicyOptions,
  FitOptions,
  FitReport,
  BestEpoch,
  FinalEpoch,
  KeepBestOptions,
  Metrics,
  PromptContext,
  TaskContext,
} from './agent.js';
export {
  AGENT_CHECKPOINT_FORMAT,
  AGENT_CHECKPOINT_FORMAT_VERSION,
  LIBRARY_VERSION,
  READABLE_AGENT_CHECKPOINT_VERSIONS,
  type OptimizerGroups,
  type VariableGroups,
} from './common/checkpoint.js';
export { validateConfig, type CustomRule, type FieldRule } from './common/config.js';
export { criticLoss, minOf, tdTargets } from './common/losses.js';
export { LoggedScalars, readScalars } from './common/metrics.js';
export { createRandomStreams, type RandomStreams, type RandomStreamStates } from './common/random-streams.js';
export { TargetNetworks, type CopySchedule, type EmaSchedule, type PolyakSchedule } from './common/target-networks.js';
export {
  cosineAnnealedRate,
  LEARNING_RATE_SCHEDULES,
  scheduledRate,
  type LearningRateSchedule,
} from './common/learning-rate.js';
export { ACTOR_CRITIC_DEFAULTS, ACTOR_CRITIC_RULES, type ActorCriticConfig } from './common/actor-critic-config.js';
export {
  classNames,
  createActorOptimizer,
  createAgentParts,
  createAgentScaffold,
  createCritics,
  createScaffold,
  policyMeanActions,
  type AgentActing,
  type AgentName,
  type AgentParts,
  type AgentPartsConfig,
  type Critics,
  type CriticShape,
  type CriticsConfig,
} from './common/actor-critic.js';
export { runUpdate, type LoggedValues, type UpdateBody, type UpdateInputs } from './common/update-step.js';
export { ScaffoldedAgent, readAgentHeader, type ScaffoldedAgentClass } from './common/scaffolded-agent.js';
export { stageBatch, checkBatchDims, type AgentDims, type BatchTensors } from './common/batch-tensors.js';
export {
  ObservationNormalizer,
  NORMALIZER_EPSILON,
  type ObservationNormalizerState,
  type ObservationStatisticsState,
} from './common/observation-normalizer.js';
export {
  AgentScalers,
  resolveScalerConfig,
  SCALER_DEFAULTS,
  SCALER_EPSILON,
  SCALER_RULES,
  type ActionScalerConfig,
  type ExportedScalers,
  type ObservationScalerConfig,
  type RewardScalerConfig,
  type ScalerConfig,
  type ScalerDims,
  type ScalersState,
} from './common/scalers.js';
export {
  deterministicActing,
  exportConditionedMlp,
  exportMlp,
  PolicyTensors,
  tanhActing,
  type ActingExport,
} from './common/policy-export.js';
export { diffusionActing, type DiffusionActingParts } from './diffusion/export.js';
export {
  resolveAgentConfig,
  type AgentDependencies,
  type AgentOptions,
  type AgentRules,
  type ConditionedAgentConfig,
} from './common/agent-config.js';
export {
  AgentScaffold,
  hooksOf,
  type AgentHooks,
  type ScaffoldDims,
  type ActWith,
  type AgentCheckpointHeader,
  type AgentScaffoldOptions,
} from './common/agent-scaffold.js';
export { ConditionedMlp, type ConditionedMlpOptions } from './common/networks/conditioned-mlp.js';
export { CriticEnsemble, type CriticEnsembleOptions } from './common/networks/critics.js';
export {
  CRITIC_CONDITIONING_OPTIONS,
  PROMPTS_CONDITIONER_DEFAULTS,
  TASK_ID_CONDITIONER_DEFAULTS,
  UnseenTaskError,
  conditionerWidth,
  resolveConditionerConfig,
  type ConditionerConfig,
  type ConditionerKind,
  type ConditionerOptions,
  type CriticConditioning,
  type FeaturesConditionerConfig,
  type NoConditionerConfig,
  type PromptsConditionerConfig,
  type TaskIdConditionerConfig,
} from './conditioning/config.js';
export type { ConditionerImplementation, ConditionNetwork, TrainingTask } from './conditioning/kind.js';
export {
  TaskConditioning,
  type ConditionerEma,
  type ContextRows,
  type TaskConditioningOptions,
  type TaskConditioningState,
  type TaskSelection,
} from './conditioning/task-conditioning.js';
export {
  PromptNetworks,
  PromptsConditioner,
  assertSameTextEncoder,
  textEncoderFor,
  type PreparedPrompt,
  type PromptsConditionerState,
} from './conditioning/prompts.js';
export { DIFFUSION_POLICY_DEFAULTS, DIFFUSION_POLICY_RULES, type DiffusionPolicyConfig } from './diffusion/config.js';
export { drawCriticPair, qLoss } from './diffusion/actor-loss.js';
export { pickBySoftmax, selectActions, type SelectionSettings } from './diffusion/candidates.js';
export {
  bcLoss,
  DiffusionSchedule,
  sampleActions,
  type BcLossInputs,
  type NoisePredictor,
  type SampleInputs,
} from './diffusion/chain.js';
export { NoiseNetwork, type NoiseNetworkOptions } from './diffusion/noise-network.js';
export {
  DIFFUSION_QL_DEFAULTS,
  DiffusionQLAgent,
  resolveDiffusionQLConfig,
  type DiffusionQLAgentClass,
  type UpgradedHeader,
  type DiffusionQLConfig,
  type DiffusionQLDependencies,
  type DiffusionQLOptions,
} from './diffusion-ql.js';
export {
  conditionDim,
  LLMDPD_DEFAULTS,
  LLMDPDAgent,
  resolveLLMDPDConfig,
  toDiffusionQLOptions,
  type LLMDPDConfig,
  type LLMDPDDependencies,
  type LLMDPDOptions,
  type LLMDPDConditionerOptions,
  type LLMDPDPromptOptions,
} from './llmdpd.js';
export {
  BC_DEFAULTS,
  BC_RULES,
  BCAgent,
  likelihoodBcLoss,
  mseBcLoss,
  resolveBCConfig,
  type BCConfig,
  type BCDependencies,
  type BCOptions,
} from './bc.js';
export {
  DeterministicActor,
  GaussianActor,
  LOG_STD_BOUNDS,
  gaussianLogProb,
  type ActorOptions,
} from './common/networks/actors.js';
export {
  TanhGaussianActor,
  type ActionDistribution,
  type LogStdAffine,
  type LogStdBounds,
  logTanhJacobian,
  squashedGaussianLogProb,
  type PolicySample,
  type TanhCorrection,
  type TanhGaussianActorOptions,
} from './common/networks/tanh-gaussian-actor.js';
export {
  DEFAULT_INIT,
  initializeMlp,
  orthogonalMatrix,
  type BiasInit,
  type ConstantInit,
  type DefaultInit,
  type KernelInit,
  type OrthogonalInit,
  type UniformInit,
  type XavierUniformInit,
  type LayerInit,
  type MlpInit,
} from './common/networks/initialization.js';
export {
  SOFT_ACTOR_CRITIC_DEFAULTS,
  SOFT_ACTOR_CRITIC_RULES,
  resolveSoftActorCriticConfig,
  type SoftActorCriticConfig,
  type SoftActorCriticDependencies,
  type SoftActorCriticOptions,
  type SoftCriticConditioning,
} from './sac/config.js';
export { LogScalar, softActorLoss, softValue, temperatureLoss, type LogScalarOptions } from './sac/temperature.js';
export {
  SAC_NETWORKS,
  SoftActorCriticAgent,
  repeatRows,
  type SoftActorCriticClass,
  type SoftActorCriticSpec,
  type StepInputs,
} from './sac/soft-actor-critic.js';
export {
  presetDatasets,
  presetDifferences,
  presetFor,
  presetOptions,
  type Preset,
  type PresetAgent,
  type PresetDifference,
  type PresetTraining,
  type PresetValue,
} from './presets/presets.js';
export { SAC_N_DEFAULTS, SACNAgent, resolveSACNConfig, type SACNConfig, type SACNOptions } from './sac-n.js';
export {
  CQL_DEFAULTS,
  CQL_RULES,
  CQLAgent,
  conservativeGap,
  conservativeLoss,
  lagrangeLoss,
  resolveCQLConfig,
  type ConservativeGapSettings,
  type ConservativeValues,
  type CQLConfig,
  type CQLOptions,
  type ProposalDensities,
} from './cql.js';
export {
  advantageWeights,
  expectileLoss,
  IQL_DEFAULTS,
  IQL_RULES,
  IQLAgent,
  meanCriticLoss,
  resolveIQLConfig,
  squaredErrorPerRow,
  weightedPolicyLoss,
  type IQLConfig,
  type IQLOptions,
} from './iql.js';
export {
  resolveTD3BCConfig,
  smoothedTargetActions,
  TD3_BC_DEFAULTS,
  TD3_BC_RULES,
  TD3BCAgent,
  td3bcActorLoss,
  type TargetSmoothing,
  type TD3BCConfig,
  type TD3BCOptions,
} from './td3-bc.js';
