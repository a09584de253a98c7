/**
 * Evaluation and data collection: {@link collectDataset} rolls out any policy into a
 * `ReplayBuffer` with exact terminal, time-out and episode bookkeeping, and
 * {@link evaluatePolicy} runs seeded episodes, one env after another or N at once with one
 * batched policy call per step, and reports returns, lengths, success rate and the D4RL
 * normalised score.
 *
 * Both are deterministic under a seed: episode i is reset with a seed derived from the run seed
 * and the policy draws from episode i's own `Rng` stream ({@link episodeStreams}), so the
 * same seed gives the same dataset, and vectorised and sequential evaluation give the same
 * per-episode returns. Envs and policies may be synchronous or return promises.
 *
 * Nothing here imports tfjs or agents: policies are plain functions, and the library's agents
 * and bound policies are accepted by their shape ({@link PolicyProvider}, {@link ActingPolicy}).
 * {@link environmentEvaluator} turns an env into an evaluator for `fit`.
 *
 * @example
 * ```ts
 * import { collectDataset, evaluatePolicy } from 'llmdpd/eval';
 * const policy = (obs: Float32Array, { rng }: PolicyContext) => Float32Array.of(-2 * obs[1]! + 0.2 * rng.normal());
 * const { buffer, summary } = await collectDataset('Pendulum-v1', policy, { steps: 10_000, seed: 0 });
 * const result = await evaluatePolicy(policy, 'Pendulum-v1', { episodes: 10, seed: 1, vectorized: true });
 * console.log(summary.episodes, buffer.size, result.meanReturn, result.stdReturn);
 * ```
 *
 * @module eval
 */
export {
  collectDataset,
  type CollectOptions,
  type CollectResult,
  type CollectSummary,
  type EpisodeEnding,
} from './collect.js';
export { evaluatePolicy, DEFAULT_EVAL_NUM_ENVS, type EvaluateOptions, type EvaluationResult } from './evaluate.js';
export {
  environmentEvaluator,
  pickMetric,
  type EnvironmentEvaluatorOptions,
  type EvaluatorMetric,
} from './environment-evaluator.js';
export {
  toBatchedPolicy,
  isBatchedPolicyInput,
  isActingPolicy,
  isPolicyProvider,
  resolvePolicyInput,
  type ActingPolicy,
  type PolicyInput,
  type PolicyProvider,
  type Policy,
  type PolicyContext,
  type BatchedPolicy,
  type BatchedPolicyContext,
  type BatchedPolicyInput,
} from './policy.js';
export { EpisodeStreams, episodeStreams, type EpisodeStream } from './seeding.js';
export { meanStd, normalizeScore, type MeanStd } from './statistics.js';
export type { EnvSource, ProgressSetting } from './env-source.js';
