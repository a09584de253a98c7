/**
 * Adam (Kingma and Ba, 2015) over an explicit list of variables, with PyTorch's defaults and
 * update rule, a global-norm clip hook and a serialisable state for checkpoints.
 *
 * Why not `tf.train.adam`: its `minimize(f)` without a variable list trains every trainable
 * variable it can reach (an actor step would silently train the critic), it names its moment
 * variables globally, and it offers no state export. Here the variable list is fixed at
 * construction and every step must supply one gradient per variable.
 *
 * Update (PyTorch `torch.optim.Adam`, no weight decay, no amsgrad), at step t ≥ 1:
 *   m ← β₁m + (1−β₁)g,   v ← β₂v + (1−β₂)g²,
 *   θ ← θ − lr · (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε)
 * computed as θ − [lr·√(1−β₂ᵗ)/(1−β₁ᵗ)] · m / (√v + ε·√(1−β₂ᵗ)), the same expression with the
 * bias corrections folded into two scalars.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '../core/errors.js';
import { customKernelsActive, wasmAdam, wasmAdamInPlace, wasmSumOfSquares } from '../engine/kernels.js';
import { CLIP_NORM_EPSILON, clipByGlobalNorm } from './grad-clip.js';

/** Options of {@link Adam}. */
export interface AdamOptions {
  /** Learning rate (lr). @defaultValue 3e-4 */
  readonly learningRate?: number;
  /** First-moment decay β₁. @defaultValue 0.9 */
  readonly beta1?: number;
  /** Second-moment decay β₂. @defaultValue 0.999 */
  readonly beta2?: number;
  /** Denominator constant ε. @defaultValue 1e-8 */
  readonly epsilon?: number;
}

/** Serialisable optimiser state: hyperparameters, step count and the moment values. */
export interface AdamState {
  /** Number of updates applied so far. */
  readonly step: number;
  /** Hyperparameters in force. */
  readonly options: Required<AdamOptions>;
  /** First moments, one array per variable, in variable order. */
  readonly firstMoments: Float32Array[];
  /** Second moments, one array per variable, in variable order. */
  readonly secondMoments: Float32Array[];
}

/**
 * Adam bound to a fixed, explicit list of variables.
 *
 * @example
 * ```ts
 * const opt = new Adam(actor.trainableVariables(), { learningRate: 3e-4 });
 * tf.tidy(() => {
 *   const { grads } = tf.variableGrads(() => loss(), [...opt.variables]);
 *   opt.applyGradients(opt.variables.map((v) => grads[v.name]!));
 * });
 * ```
 */
export class Adam {
  /** The variables this optimiser updates, in order. */
  readonly variables: readonly tf.Variable[];
  /** Hyperparameters in force. */
  readonly options: Required<AdamOptions>;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private stepCount = 0;

  /** @throws {@link ConfigError} on an empty variable list or out-of-range hyperparameters. */
  constructor(variables: readonly tf.Variable[], options: AdamOptions = {}) {
    if (variables.length === 0) throw new ConfigError('Adam needs at least one variable to optimise.');
    const resolved = {
      learningRate: options.learningRate ?? 3e-4,
      beta1: options.beta1 ?? 0.9,
      beta2: options.beta2 ?? 0.999,
      epsilon: options.epsilon ?? 1e-8,
    };
    if (!(resolved.learningRate > 0 && Number.isFinite(resolved.learningRate)))
      throw new ConfigError(`Adam learningRate must be a positive number, got ${resolved.learningRate}.`);
    for (const key of ['beta1', 'beta2'] as const) {
      const b = resolved[key];
      if (!(b >= 0 && b < 1)) throw new ConfigError(`Adam ${key} must be in [0, 1), got ${b}.`);
    }
    if (!(resolved.epsilon > 0)) throw new ConfigError(`Adam epsilon must be positive, got ${resolved.epsilon}.`);
    this.options = Object.freeze(resolved);
    this.variables = Object.freeze([...variables]);
    this.m = tf.tidy(() => variables.map((x) => tf.variable(tf.zerosLike(x), false)));
    this.v = tf.tidy(() => variables.map((x) => tf.variable(tf.zerosLike(x), false)));
  }

  /** Number of updates applied so far. */
  get step(): number {
    return this.stepCount;
  }

  /**
   * Applies one Adam update.
   * @param grads - one gradient per variable, in the order of {@link Adam.variables}. The
   * caller keeps ownership of the gradient tensors.
   * @param options - `clipNorm`: scale the gradients first so that their global norm is at most
   * this (as {@link clipByGlobalNorm}; 0 or absent: no clipping). `learningRate`: the rate of
   * this step only, for a schedule (absent: {@link AdamOptions.learningRate}).
   * @throws {@link ShapeError} when the count or a shape does not match.
   * @throws {@link ConfigError} on a negative or non-finite `clipNorm` or `learningRate`.
   */
  applyGradients(
    grads: readonly tf.Tensor[],
    options: { readonly clipNorm?: number; readonly learningRate?: number } = {},
  ): void {
    const clipNorm = options.clipNorm ?? 0;
    if (!(Number.isFinite(clipNorm) && clipNorm >= 0)) {
      throw new ConfigError(
        `Adam clipNorm must be a finite number >= 0 (0 disables clipping), got ${String(clipNorm)}.`,
      );
    }
    const learningRate = options.learningRate ?? this.options.learningRate;
    if (!(Number.isFinite(learningRate) && learningRate >= 0))
      throw new ConfigError(`Adam learningRate must be a finite number >= 0, got ${String(learningRate)}.`);
    if (grads.length !== this.variables.length) {
      throw new ShapeError(
        `Adam got ${grads.length} gradients for ${this.variables.length} variables; pass one per variable, in order.`,
      );
    }
    for (let i = 0; i < grads.length; i++) {
      const g = grads[i];
      const x = this.variables[i];
      if (!tf.util.arraysEqual(g.shape, x.shape)) {
        throw new ShapeError(
          `Adam gradient ${i} has shape [${g.shape.join(', ')}] but variable ${x.name} has [${x.shape.join(', ')}].`,
        );
      }
    }
    this.stepCount += 1;
    const { beta1, beta2, epsilon } = this.options;
    const t = this.stepCount;
    // θ − lr·m̂/(√v̂ + ε) = θ − [lr·√(1−β₂ᵗ)/(1−β₁ᵗ)] · m / (√v + ε·√(1−β₂ᵗ)): the bias
    // corrections fold into two scalars, saving one full-size op per variable.
    const sqrtBias2 = Math.sqrt(1 - beta2 ** t);
    const stepSize = (learningRate * sqrtBias2) / (1 - beta1 ** t);
    const epsilonHat = epsilon * sqrtBias2;
    if (customKernelsActive()) {
      // One kernel per variable; the clipping factor is computed on the host from Σg².
      let gradScale = 1;
      if (clipNorm > 0) {
        let squares = 0;
        for (const g of grads) squares += wasmSumOfSquares(g);
        gradScale = Math.min(clipNorm / (Math.sqrt(squares) + CLIP_NORM_EPSILON), 1);
      }
      const scalars = { beta1, beta2, stepSize, epsilonHat, gradScale };
      for (let i = 0; i < grads.length; i++) {
        // In place, with no tensor per variable, unless a variable's or moment's data is shared
        // (then overwriting it would change the other tensor too): new tensors and assign.
        if (wasmAdamInPlace(this.variables[i], grads[i], this.m[i], this.v[i], scalars)) continue;
        const [xNew, mNew, vNew] = wasmAdam(this.variables[i], grads[i], this.m[i], this.v[i], scalars);
        this.m[i].assign(mNew);
        this.v[i].assign(vNew);
        this.variables[i].assign(xNew);
        xNew.dispose();
        mNew.dispose();
        vNew.dispose();
      }
      return;
    }
    tf.tidy(() => {
      const clipped = clipNorm > 0 ? clipByGlobalNorm(grads, clipNorm).grads : grads;
      for (let i = 0; i < grads.length; i++) {
        const g = clipped[i];
        const m = this.m[i];
        const v = this.v[i];
        const x = this.variables[i];
        const mNew = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const vNew = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        const denom = tf.add(tf.sqrt(vNew), epsilonHat);
        const xNew = tf.sub(x, tf.mul(tf.div(mNew, denom), stepSize));
        m.assign(mNew);
        v.assign(vNew);
        x.assign(xNew);
      }
    });
  }

  /** Copies the state to host arrays, for checkpoints. */
  getState(): AdamState {
    return {
      step: this.stepCount,
      options: { ...this.options },
      firstMoments: this.m.map((t) => t.dataSync() as Float32Array).map((a) => Float32Array.from(a)),
      secondMoments: this.v.map((t) => t.dataSync() as Float32Array).map((a) => Float32Array.from(a)),
    };
  }

  /**
   * Restores a state from {@link Adam.getState}.
   * @throws {@link ShapeError} when the saved moments do not match the variables.
   */
  setState(state: AdamState): void {
    if (state.firstMoments.length !== this.m.length || state.secondMoments.length !== this.v.length) {
      throw new ShapeError(
        `Adam state holds ${state.firstMoments.length} moment arrays but this optimiser has ${this.m.length} variables.`,
      );
    }
    for (let i = 0; i < this.m.length; i++) {
      const size = this.m[i].size;
      if (state.firstMoments[i].length !== size || state.secondMoments[i].length !== size) {
        throw new ShapeError(
          `Adam state moment ${i} has ${state.firstMoments[i].length} values; variable ${this.variables[i].name} has ${size}.`,
        );
      }
    }
    tf.tidy(() => {
      for (let i = 0; i < this.m.length; i++) {
        this.m[i].assign(tf.tensor(state.firstMoments[i], this.m[i].shape));
        this.v[i].assign(tf.tensor(state.secondMoments[i], this.v[i].shape));
      }
    });
    this.stepCount = state.step;
  }

  /** Frees the moment variables (not the optimised variables, which the caller owns). */
  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}

/** A loss value and one gradient per variable, from {@link gradientsOf}. */
export interface LossAndGradients {
  /** The loss. */
  readonly value: tf.Scalar;
  /** Gradients in the order of the variable list. */
  readonly grads: tf.Tensor[];
}

/**
 * Computes the gradients of a scalar loss with respect to an explicit variable list, in list
 * order. A thin, typed wrapper over `tf.variableGrads` that never falls back to "all
 * trainable variables".
 * @returns the loss value and one gradient per variable.
 * @remarks The caller owns the returned tensors (use inside `tf.tidy`).
 */
export function gradientsOf(loss: () => tf.Scalar, variables: readonly tf.Variable[]): LossAndGradients {
  const { value, grads } = tf.variableGrads(loss, [...variables]);
  return {
    value,
    grads: variables.map((x) => {
      const g = grads[x.name];
      if (g === undefined) throw new ShapeError(`Variable ${x.name} received no gradient; is it used by the loss?`);
      return g;
    }),
  };
}
