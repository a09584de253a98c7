/**
 * The configuration fields every offline actor-critic on the scaffold shares (IQL, TD3+BC), with
 * their defaults and validation rules. An agent's own config interface extends
 * {@link ActorCriticConfig} with its algorithm's fields; its defaults and rules spread
 * {@link ACTOR_CRITIC_DEFAULTS} and {@link ACTOR_CRITIC_RULES} and override what differs, and
 * `resolveAgentConfig` (`agent-config.ts`) resolves, validates and freezes it.
 *
 * The defaults are CORL's for IQL and TD3+BC on D4RL locomotion: 2×256 ReLU networks, Adam 3e-4,
 * batch 256, γ 0.99, Polyak τ 0.005, observations standardised with the data's statistics
 * (the `observationScaler` `{ kind: 'standard' }`, as BC's; `scalers.ts`).
 *
 * @module
 */
import { CRITIC_CONDITIONING_OPTIONS, type CriticConditioning } from '../conditioning/config.js';
import type { AgentRules, ConditionedAgentConfig } from './agent-config.js';
import { SCALER_DEFAULTS, SCALER_EPSILON } from './scalers.js';

/** Fields every offline actor-critic on the scaffold has. JSON-serialisable. */
export interface ActorCriticConfig extends ConditionedAgentConfig {
  /** Seed of every random stream. @defaultValue 0 */
  readonly seed: number;
  /** Transitions per gradient step. @defaultValue 256 */
  readonly batchSize: number;
  /** Discount γ. @defaultValue 0.99 */
  readonly discount: number;
  /** Polyak rate τ of the target networks. @defaultValue 0.005 */
  readonly tau: number;
  /** Adam learning rate of the actor (and the conditioner, which trains with it). @defaultValue 3e-4 */
  readonly actorLearningRate: number;
  /** Adam learning rate of the critics. @defaultValue 3e-4 */
  readonly criticLearningRate: number;
  /** Hidden widths of every network (actor, critics, value). @defaultValue [256, 256] */
  readonly hiddenDims: readonly number[];
  /** Hidden activation. @defaultValue `'relu'` */
  readonly activation: 'relu' | 'mish';
  /** Action bound: actions lie in [−maxAction, maxAction]. @defaultValue 1 */
  readonly maxAction: number;
  /** Global-norm gradient clip of every optimiser; 0 disables. @defaultValue 0 */
  readonly gradientClipNorm: number;
  /** What the critics see of the condition (the agent's own default). */
  readonly criticConditioning: CriticConditioning;
}

/** Defaults of the shared fields (CORL's IQL and TD3+BC); each agent sets `criticConditioning`. */
export const ACTOR_CRITIC_DEFAULTS: Readonly<
  Omit<ActorCriticConfig, 'observationDim' | 'actionDim' | 'criticConditioning'>
> = Object.freeze({
  seed: 0,
  batchSize: 256,
  discount: 0.99,
  tau: 0.005,
  actorLearningRate: 3e-4,
  criticLearningRate: 3e-4,
  hiddenDims: Object.freeze([256, 256]),
  activation: 'relu',
  maxAction: 1,
  gradientClipNorm: 0,
  ...SCALER_DEFAULTS,
  // CORL standardises observations for IQL and TD3+BC: (s − μ)/(σ + 1e-3), statistics saved with the agent.
  observationScaler: Object.freeze({ kind: 'standard' as const, epsilon: SCALER_EPSILON }),
  conditioner: Object.freeze({ kind: 'none' }),
});

/** Validation rules of the shared fields. */
export const ACTOR_CRITIC_RULES: AgentRules<ActorCriticConfig> = Object.freeze({
  observationDim: 'positiveInt',
  actionDim: 'positiveInt',
  seed: 'int',
  batchSize: 'positiveInt',
  discount: 'unit',
  tau: 'unit',
  actorLearningRate: 'positive',
  criticLearningRate: 'positive',
  hiddenDims: 'dims',
  activation: ['relu', 'mish'],
  maxAction: 'positive',
  gradientClipNorm: 'nonNegative',
  criticConditioning: CRITIC_CONDITIONING_OPTIONS,
});
