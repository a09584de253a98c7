/**
 * SAC-N (An et al., NeurIPS 2021, arXiv 2110.01548): soft actor-critic with N critics and the
 * minimum over all of them in the target and the actor loss; the ensemble's spread is what keeps
 * out-of-distribution actions pessimistic offline. N = 2 is plain (offline) SAC with twin
 * critics; CORL uses N = 10 on halfcheetah and 20 to 500 elsewhere. With a task conditioner the
 * actor (and, by `criticConditioning`, the critics) also take a condition vector c.
 *
 *   temperature:  L_α = −mean( log α · sg(log π(ã|s) + H̄) ),   ã ~ π(·|s),  H̄ = −A
 *   actor:        L_π = mean( α · log π(ã|s) − minᵢ Qᵢ(s, ã) ),  ã ~ π(·|s) reparameterised
 *   critics:      y = r + γ (1 − terminal) ( minᵢ Q′ᵢ(s′, a′) − α · log π(a′|s′) ),  a′ ~ π(·|s′)
 *                 L_Q = Σᵢ mean_B (Qᵢ(s, a) − y)²
 *   targets:      Polyak τ = 0.005 every step
 *   act:          maxAction · tanh(μ(s, c))
 *
 * in CORL's order (`sac_n.py`): α first, then the actor with the new α, then the critics with
 * the new actor and α. Every number is a config field; the defaults are CORL's, and so are the
 * networks (`sac/soft-actor-critic.ts`, `SAC_NETWORKS`: log σ clipped to [−5, 2], biases 0.1,
 * small output layers). What is implemented and every choice the references leave open:
 * `docs/algorithms/sac-n.md`.
 *
 * @see https://arxiv.org/abs/2110.01548
 * @module
 */
import type { Batch } from '../core/types.js';
import { gradientsOf } from '../nets/adam.js';
import type { Metrics } from './agent.js';
import type { PresetAgent } from './presets/presets.js';
import { criticLoss, minOf, tdTargets } from './common/losses.js';
import {
  resolveSoftActorCriticConfig,
  SOFT_ACTOR_CRITIC_DEFAULTS,
  type SoftActorCriticConfig,
  type SoftActorCriticDependencies,
  type SoftActorCriticOptions,
} from './sac/config.js';
import { SoftActorCriticAgent } from './sac/soft-actor-critic.js';
import { softActorLoss, softValue, temperatureLoss } from './sac/temperature.js';

// ── 1. Config ───────────────────────────────────────────────────────────────────────────────

/** SAC-N's configuration: the soft actor-critic fields (`sac/config.ts`); defaults as CORL's `sac_n.py`. */
export type SACNConfig = SoftActorCriticConfig;

/**
 * Defaults of every optional field but `targetEntropy` (−actionDim): SAC's, with N = 10 critics
 * (CORL's SAC-N on halfcheetah; it uses 20 on walker2d and 200–500 on hopper).
 */
export const SAC_N_DEFAULTS: Readonly<Omit<SACNConfig, 'observationDim' | 'actionDim' | 'targetEntropy'>> =
  Object.freeze({ ...SOFT_ACTOR_CRITIC_DEFAULTS, criticCount: 10 });

/** The options `new SACNAgent(...)` takes: the dimensions, plus any field to override. */
export type SACNOptions = SoftActorCriticOptions<SACNConfig>;

/**
 * Fills defaults and validates every field.
 * @param textEmbeddingDim - the text encoder's dimension, for a `prompts` conditioner.
 * @throws {@link ConfigError} naming the field, the value and the valid range.
 */
export function resolveSACNConfig(options: SACNOptions, textEmbeddingDim?: number): SACNConfig {
  return resolveSoftActorCriticConfig('SACNConfig', SAC_N_DEFAULTS, options, textEmbeddingDim);
}

// ── 2. The agent ────────────────────────────────────────────────────────────────────────────

/**
 * SAC-N on tfjs, with any task conditioner.
 *
 * @example
 * ```ts
 * const sac = new SACNAgent({ observationDim: 11, actionDim: 3, criticCount: 2 }); // plain SAC
 * await sac.fit(buffer, { steps: 100_000 });
 * const action = sac.act(observation);
 * ```
 */
export class SACNAgent extends SoftActorCriticAgent<SACNConfig> {
  /** The class name checkpoints record. */
  static override readonly agentName: string = 'SACNAgent';
  /** The progress display's label. */
  static override readonly label: string = 'SAC-N';
  /** Its presets file, `assets/presets/sac-n.json`. */
  static override readonly presetName: PresetAgent = 'sac-n';

  /**
   * Builds the actor, the N critics and their targets, the temperature and the optimisers.
   * @throws {@link ConfigError} on an invalid option.
   */
  constructor(options: SACNOptions, dependencies: SoftActorCriticDependencies = {}) {
    super(resolveSACNConfig, options, dependencies);
  }

  // ── 3. Update ─────────────────────────────────────────────────────────────────────────────

  /**
   * One gradient step: temperature, actor, critics, then the Polyak targets (CORL's order).
   * @returns metrics when `readMetrics` is true (forces a device sync), else null.
   * @throws {@link ShapeError} on wrong batch widths; {@link ConfigError} when the batch refers
   * to tasks the agent is not bound to (`bindTasks`).
   */
  update(batch: Batch, readMetrics = false): Metrics | null {
    const c = this.config;
    return this.trainStep(batch, readMetrics, (step) => {
      const { observations: s, actions: a, rewards: r, nextObservations: s2, terminals } = step;

      // Temperature step, on its own draw from π(·|s) (no gradient reaches the actor).
      const fresh = this.samplePolicy(s, step.policyCondition);
      const temperature = this.temperature.minimize(() =>
        temperatureLoss(this.temperature.log, fresh.logProb, c.targetEntropy),
      );
      const alpha = this.temperature.value();

      // Actor step with the new α: ã reparameterised through π and the conditioner; critics frozen.
      const actor = gradientsOf(() => {
        const sampled = this.samplePolicy(s, this.conditioning.actorRows(step.tasks));
        const q = this.critic.values(s, sampled.actions, step.criticCondition, true);
        step.logged.keep('value/qPolicy', minOf(q));
        step.logged.keep('value/logPi', sampled.logProb);
        return softActorLoss(sampled.logProb, q, alpha);
      }, this.actorOptimizer.variables);
      this.actorOptimizer.applyGradients(actor.grads);

      // Critic step: soft targets from the updated actor and the target critics, no gradient.
      const next = this.samplePolicy(s2, step.policyCondition);
      const nextValues = this.criticTarget.values(s2, next.actions, step.criticCondition, true);
      const y = tdTargets(r, terminals, [softValue(nextValues, next.logProb, alpha)], c.discount);
      const critic = gradientsOf(
        () => criticLoss(this.critic.values(s, a, step.criticCondition), y),
        this.criticOptimizer.variables,
      );
      this.criticOptimizer.applyGradients(critic.grads);
      return {
        'loss/critic': critic.value,
        'loss/actor': actor.value,
        'loss/temperature': temperature,
        'value/alpha': alpha,
      };
    });
  }

  // ── 4. Act and state: the family's (sac/soft-actor-critic.ts) ──────────────────────────────
  // act / actBatch / policy: maxAction · tanh(μ(s, c)); save / SACNAgent.load: every network,
  // the temperature and the optimisers.
}
