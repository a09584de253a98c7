/**
 * The bookkeeping of an agent's slow copies, in one place: EMA copies on a schedule
 * (Diffusion-QL's actor: decay 0.995 from step 1000 every 5 steps) and Polyak targets
 * (θ′ ← τθ + (1 − τ)θ′, every step or every few steps as TD3's delayed targets). An agent
 * registers its pairs once in the constructor and calls {@link TargetNetworks.update} once at
 * the end of every gradient step with the number of steps done before it.
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../../core/errors.js';
import type { NetModule } from '../../nets/module.js';
import { EmaCopy, hardUpdate, softUpdate } from '../../nets/target-updates.js';

/** When an EMA copy moves: θ_ema ← decay·θ_ema + (1 − decay)·θ on steps ≥ startStep that are multiples of every. */
export interface EmaSchedule {
  /** Decay β. */
  readonly decay: number;
  /** First (0-based) step at which the copy moves. */
  readonly startStep: number;
  /** The copy moves on steps where step % every === 0. */
  readonly every: number;
}

/**
 * When a Polyak copy moves: θ′ ← τθ + (1 − τ)θ′ after every `every`-th step (TD3's delayed
 * targets: `every` 2 moves after the steps whose count `step + 1` is even).
 */
export interface PolyakSchedule {
  /** τ. */
  readonly tau: number;
  /** The copy moves after the steps whose count is a multiple of this. */
  readonly every: number;
}

/** How a slow copy follows its source: an EMA schedule or a Polyak schedule. */
export type CopySchedule = EmaSchedule | PolyakSchedule;

interface PolyakPair {
  readonly target: readonly tf.Variable[];
  readonly source: readonly tf.Variable[];
  readonly tau: number;
  readonly every: number;
}

/** EMA copies and Polyak targets of one agent. */
export class TargetNetworks {
  private readonly emas: EmaCopy[] = [];
  private readonly polyaks: PolyakPair[] = [];

  /**
   * Registers an EMA copy: `into` starts as a copy of `source` and follows it on `schedule`.
   * @throws {@link ShapeError} when the two networks differ in shape.
   */
  ema(
    source: NetModule | readonly tf.Variable[],
    into: NetModule | readonly tf.Variable[],
    schedule: EmaSchedule,
  ): void {
    this.emas.push(new EmaCopy(source, { ...schedule, into }));
  }

  /**
   * Registers a Polyak target: `target` is set to `source` now, then moves by τ on every
   * `every`-th step (steps 0-based: it moves after the steps whose count `step + 1` is a
   * multiple of `every`, TD3's `total_it % policy_freq == 0`).
   * @throws {@link ConfigError} for τ outside [0, 1] or `every` < 1.
   */
  polyak(target: NetModule, source: NetModule, tau: number, every = 1): void {
    if (!(tau >= 0 && tau <= 1)) throw new ConfigError(`TargetNetworks.polyak: tau must be in [0, 1], got ${tau}.`);
    if (!Number.isInteger(every) || every < 1)
      throw new ConfigError(`TargetNetworks.polyak: every must be an integer >= 1, got ${every}.`);
    const pair = { target: target.trainableVariables(), source: source.trainableVariables(), tau, every };
    hardUpdate(pair.target, pair.source);
    this.polyaks.push(pair);
  }

  /**
   * Registers a slow copy on either kind of schedule: {@link TargetNetworks.polyak} for a
   * {@link PolyakSchedule}, {@link TargetNetworks.ema} for an {@link EmaSchedule}. Used for a
   * conditioner's copy, which must move with its agent's target actor.
   * @throws {@link ConfigError} or {@link ShapeError} as those methods do.
   */
  follow(source: NetModule, into: NetModule, schedule: CopySchedule): void {
    if ('tau' in schedule) this.polyak(into, source, schedule.tau, schedule.every);
    else this.ema(source, into, schedule);
  }

  /**
   * Moves every copy whose schedule says so, after gradient step number `step` (0-based: the
   * count of steps done before it).
   * @returns whether any EMA copy moved (caches of EMA outputs are then stale).
   */
  update(step: number): boolean {
    let moved = false;
    for (const ema of this.emas) moved = ema.update(step) || moved;
    for (const p of this.polyaks) if ((step + 1) % p.every === 0) softUpdate(p.target, p.source, p.tau);
    return moved;
  }

  /** Frees the EMA bookkeeping (the networks themselves belong to the agent). */
  dispose(): void {
    for (const ema of this.emas) ema.dispose();
  }
}
