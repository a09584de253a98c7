/**
 * Target-network updates: Polyak (soft) averaging, hard copies, and the EMA copy of the
 * Diffusion-QL actor.
 *
 * These run on every training step over a few hundred thousand parameters spread over about 20
 * variables, so they never read a value back to the host (no `dataSync`). With llmdpd's native
 * kernels each target variable whose data is its own is averaged in place, with no new tensor;
 * otherwise each call is one `tf.tidy` of elementwise kernels with `Variable.assign`, which
 * allocates only two scalars per call.
 *
 * Sources (`docs/nets.md`, "Target updates"): Diffusion-QL `agents/ql_diffusion.py` updates the
 * target critic with θ' ← τθ + (1−τ)θ', τ = 0.005, after every gradient step, and averages the
 * actor into an EMA copy (`agents/helpers.py` class `EMA`) with decay 0.995, every 5 steps
 * (`update_ema_every`, tested as `step % 5 == 0`), from step 1000 (`step_start_ema`) on.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, RlError, ShapeError } from '../core/errors.js';
import { fusedBlendActive, wasmBlend, wasmBlendInPlace } from '../engine/kernels.js';
import type { NetModule } from './module.js';

function checkPairs(target: readonly tf.Variable[], source: readonly tf.Variable[], fn: string): void {
  if (target.length !== source.length) {
    throw new ShapeError(
      `${fn}: expected as many target variables as source variables, received ${target.length} targets and ${source.length} sources. ` +
        'Pass both lists in the same order, e.g. target.trainableVariables() and online.trainableVariables() of two networks built with the same config.',
    );
  }
  for (let i = 0; i < target.length; i++) {
    const t = target[i];
    const s = source[i];
    if (t.dtype !== s.dtype || t.shape.length !== s.shape.length || t.shape.some((d, j) => d !== s.shape[j])) {
      throw new ShapeError(
        `${fn}: variable ${i} differs between target '${t.name}' (${t.dtype} [${t.shape.join(', ')}]) and source '${s.name}' ` +
          `(${s.dtype} [${s.shape.join(', ')}]). Expected equal shapes and dtypes; check that both lists come from networks with the same architecture, in the same order.`,
      );
    }
  }
}

function checkFraction(value: number, name: string, fn: string): void {
  if (!(Number.isFinite(value) && value >= 0 && value <= 1)) {
    throw new ConfigError(
      `${fn}: ${name} must be a number in [0, 1], received ${String(value)}. Diffusion-QL uses tau = 0.005 and EMA decay 0.995.`,
    );
  }
}

/** target ← (1 − w)·target + w·source for every pair, in one tidy. Assumes checked pairs. */
function blendInto(target: readonly tf.Variable[], source: readonly tf.Variable[], w: number): void {
  if (target.length === 0) return;
  if (fusedBlendActive()) {
    // In place where the target's data is its own (no tensor per pair); the rest in one kernel
    // (llmdpd's native kernels), instead of three per pair, and assign.
    const shared = target.flatMap((t, i) => (wasmBlendInPlace(t, source[i], w, 1 - w) ? [] : [i]));
    if (shared.length === 0) return;
    const blended = wasmBlend(
      shared.map((i) => source[i]),
      shared.map((i) => target[i]),
      w,
      1 - w,
    );
    shared.forEach((i, k) => {
      target[i].assign(blended[k]);
      blended[k].dispose();
    });
    return;
  }
  tf.tidy(() => {
    const wSource = tf.scalar(w);
    const wTarget = tf.scalar(1 - w);
    for (let i = 0; i < target.length; i++) {
      const t = target[i];
      // Same operation order as Diffusion-QL: τ·θ + (1 − τ)·θ'.
      t.assign(tf.add(tf.mul(source[i], wSource), tf.mul(t, wTarget)));
    }
  });
}

/**
 * Polyak averaging, in place: θ'_i ← τ·θ_i + (1 − τ)·θ'_i for every pair of variables.
 *
 * @example
 * ```ts
 * softUpdate(targetCritic.trainableVariables(), critic.trainableVariables(), 0.005);
 * ```
 * @param target - the target variables θ' (updated in place with `assign`).
 * @param source - the online variables θ, in the same order, with the same shapes and dtypes.
 * @param tau - τ ∈ [0, 1]; 0 leaves the target unchanged, 1 copies the source. Diffusion-QL: 0.005 every step.
 * @throws {@link ShapeError} when the lists differ in length or in a variable's shape or dtype.
 * @throws {@link ConfigError} when `tau` is outside [0, 1].
 * @remarks Creates no tensors that outlive the call; the variables keep ownership of their values.
 */
export function softUpdate(target: readonly tf.Variable[], source: readonly tf.Variable[], tau: number): void {
  checkFraction(tau, 'tau', 'softUpdate');
  checkPairs(target, source, 'softUpdate');
  blendInto(target, source, tau);
}

/**
 * Copies every source variable into its target: θ'_i ← θ_i (the start-of-training "deep copy").
 *
 * @param target - the variables to overwrite, in place.
 * @param source - the variables to copy, in the same order, with the same shapes and dtypes.
 * @throws {@link ShapeError} when the lists differ in length or in a variable's shape or dtype.
 * @remarks No device work: tfjs tensors are immutable, so each target simply references the
 * source's current value; a later `assign` to either variable does not affect the other.
 */
export function hardUpdate(target: readonly tf.Variable[], source: readonly tf.Variable[]): void {
  checkPairs(target, source, 'hardUpdate');
  for (let i = 0; i < target.length; i++) {
    const t = target[i];
    const s = source[i];
    // Self-assignment would release the variable's only reference to its data before re-taking it.
    if (t !== s) t.assign(s);
  }
}

/** Options of {@link EmaCopy}; the defaults are Diffusion-QL's (`docs/nets.md`, "EMA copy"). */
export interface EmaOptions {
  /**
   * Decay β of θ_ema ← β·θ_ema + (1 − β)·θ, in [0, 1] (`ema_decay`).
   * @defaultValue 0.995
   */
  readonly decay?: number;
  /**
   * First step (0-based) at which the average moves; before it the copy keeps its initial value
   * (`step_start_ema`). Non-negative integer.
   * @defaultValue 1000
   */
  readonly startStep?: number;
  /**
   * The average moves only on steps that are multiples of this (`update_ema_every`, tested as
   * `step % every === 0`). Positive integer.
   * @defaultValue 5
   */
  readonly every?: number;
  /**
   * Average into these existing variables (for example the `trainableVariables()` of a second
   * network instance used for sampling) instead of creating private non-trainable copies. They
   * must match the source in order, shape and dtype, are overwritten with the source at
   * construction, and are not disposed by {@link EmaCopy.dispose}.
   */
  readonly into?: NetModule | readonly tf.Variable[];
}

/** Diffusion-QL's EMA schedule: decay 0.995, from step 1000, every 5 steps (`docs/nets.md`, "EMA copy"). */
export const EMA_DEFAULTS: Readonly<{
  /** θ_ema ← decay·θ_ema + (1 − decay)·θ. */
  decay: number;
  /** First (0-based) step at which the average moves. */
  startStep: number;
  /** The average moves on steps where step % every === 0. */
  every: number;
}> = Object.freeze({
  decay: 0.995,
  startStep: 1000,
  every: 5,
});

function variableList(source: NetModule | readonly tf.Variable[]): tf.Variable[] {
  return Array.isArray(source) ? [...(source as readonly tf.Variable[])] : (source as NetModule).trainableVariables();
}

/**
 * An exponential moving average of a network's variables (the Diffusion-QL "EMA actor", used for
 * target actions in the critic update).
 *
 * It starts as a copy of the source and, on the steps chosen by {@link EmaCopy.shouldUpdate},
 * moves as θ_ema ← β·θ_ema + (1 − β)·θ. The source's variable list is read once, at construction.
 *
 * @example
 * ```ts
 * const ema = new EmaCopy(actor);            // decay 0.995, from step 1000, every 5 steps
 * for (let step = 0; step < steps; step++) {
 *   // ... critic and actor gradient steps ...
 *   ema.update(step);                        // step = gradient steps completed before this one
 * }
 * ema.dispose();
 * ```
 * @remarks Without `into`, the instance owns its non-trainable copies and frees them in
 * {@link EmaCopy.dispose}. It never owns the source variables.
 */
export class EmaCopy {
  /** Decay β. */
  readonly decay: number;
  /** First step at which the average moves. */
  readonly startStep: number;
  /** The average moves on steps that are multiples of this. */
  readonly every: number;
  private readonly source: readonly tf.Variable[];
  private readonly copies: readonly tf.Variable[];
  private readonly ownsCopies: boolean;
  private disposed = false;

  /**
   * @param source - the online network (its `trainableVariables()`), or a list of variables.
   * @param options - decay and schedule; see {@link EmaOptions}.
   * @throws {@link ConfigError} for a decay outside [0, 1], a negative or fractional `startStep`, or `every` < 1.
   * @throws {@link ShapeError} when `options.into` does not match the source.
   */
  constructor(source: NetModule | readonly tf.Variable[], options: EmaOptions = {}) {
    const decay = options.decay ?? EMA_DEFAULTS.decay;
    const startStep = options.startStep ?? EMA_DEFAULTS.startStep;
    const every = options.every ?? EMA_DEFAULTS.every;
    checkFraction(decay, 'decay', 'EmaCopy');
    if (!Number.isInteger(startStep) || startStep < 0) {
      throw new ConfigError(
        `EmaCopy: startStep must be a non-negative integer, received ${String(startStep)}. Diffusion-QL uses 1000.`,
      );
    }
    if (!Number.isInteger(every) || every < 1) {
      throw new ConfigError(
        `EmaCopy: every must be a positive integer, received ${String(every)}. Diffusion-QL uses 5 (1 averages on every step).`,
      );
    }
    this.decay = decay;
    this.startStep = startStep;
    this.every = every;
    this.source = Object.freeze(variableList(source));
    if (options.into !== undefined) {
      const into = variableList(options.into);
      checkPairs(into, this.source, 'EmaCopy');
      hardUpdate(into, this.source);
      this.copies = Object.freeze(into);
      this.ownsCopies = false;
    } else {
      this.copies = Object.freeze(this.source.map((v) => tf.variable(v, false)));
      this.ownsCopies = true;
    }
  }

  /**
   * Whether {@link EmaCopy.update} averages at this step: `step >= startStep && step % every === 0`.
   *
   * @param step - 0-based count of gradient steps done before this one (Diffusion-QL's `self.step`,
   * read before it is incremented).
   * @throws {@link ConfigError} when `step` is not a non-negative integer.
   */
  shouldUpdate(step: number): boolean {
    if (!Number.isInteger(step) || step < 0) {
      throw new ConfigError(
        `EmaCopy: step must be a non-negative integer (the 0-based gradient-step count), received ${String(step)}.`,
      );
    }
    return step >= this.startStep && step % this.every === 0;
  }

  /**
   * Averages the source into the copy when the schedule says so (see {@link EmaCopy.shouldUpdate}).
   *
   * @param step - 0-based count of gradient steps done before this one.
   * @returns whether the copy moved.
   * @throws {@link ConfigError} for an invalid step; {@link RlError} after {@link EmaCopy.dispose}.
   * @remarks One `tf.tidy` and no host read-back; creates no lasting tensors.
   */
  update(step: number): boolean {
    this.checkLive();
    if (!this.shouldUpdate(step)) return false;
    blendInto(this.copies, this.source, 1 - this.decay);
    return true;
  }

  /**
   * Averages once now, ignoring the schedule: θ_ema ← β·θ_ema + (1 − β)·θ.
   *
   * @throws {@link RlError} after {@link EmaCopy.dispose}.
   */
  updateNow(): void {
    this.checkLive();
    blendInto(this.copies, this.source, 1 - this.decay);
  }

  /**
   * Copies the source into the average (θ_ema ← θ), as at construction.
   *
   * @throws {@link RlError} after {@link EmaCopy.dispose}.
   */
  reset(): void {
    this.checkLive();
    hardUpdate(this.copies, this.source);
  }

  /**
   * The averaged variables, in the source's order.
   *
   * @returns a new array of the copies (not clones): read them or pass them to a forward pass;
   * do not dispose them (unless they came from `options.into`, which the caller owns anyway).
   * @throws {@link RlError} after {@link EmaCopy.dispose}.
   */
  variables(): tf.Variable[] {
    this.checkLive();
    return [...this.copies];
  }

  /** Frees the copies this instance created (not the source, not `options.into`). Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.ownsCopies) for (const v of this.copies) v.dispose();
  }

  private checkLive(): void {
    if (this.disposed)
      throw new RlError('EmaCopy: used after dispose(). Create a new EmaCopy from the source network.');
  }
}
