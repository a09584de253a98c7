/**
 * The noise-prediction network ε_θ(x_k, k, s, c) of Diffusion-QL, with an optional condition
 * vector c (a task conditioner's output, e.g. LLMDPD's prompt embeddings). Layout as in
 * Diffusion-QL (`docs/algorithms/diffusion-ql.md`, "Networks"):
 * the step index k goes through a 16-dim sinusoidal embedding and a time MLP
 * (16 → 32, Mish, → 16); the trunk takes [x_k, time features, s, c] through three 256-wide Mish
 * layers to a linear output of the action width.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import { valuesVersion } from '../../engine/kernels.js';
import type { NetModule } from '../../nets/module.js';
import { Mlp } from '../../nets/mlp.js';
import { Projection } from '../../nets/projection.js';
import { sinusoidalEmbeddingValues } from '../../nets/timestep-embedding.js';

/** Sizes of a {@link NoiseNetwork}. */
export interface NoiseNetworkOptions {
  /** Action width A. */
  readonly actionDim: number;
  /** Observation width S. */
  readonly observationDim: number;
  /** Width of the condition vector c (0 for none). */
  readonly conditionDim: number;
  /** Trunk widths, e.g. `[256, 256, 256]`. */
  readonly hiddenDims: readonly number[];
  /** Sinusoidal embedding width (Diffusion-QL: 16). */
  readonly timeEmbeddingDim: number;
  /** Random stream for the initial weights. */
  readonly rng: Rng;
  /** Variable-name prefix. */
  readonly name: string;
  /** Whether the variables are trainable (false for the EMA copy). */
  readonly trainable: boolean;
}

/**
 * ε_θ: predicts the noise that was added to an action.
 *
 * The first trunk layer of Diffusion-QL multiplies the concatenation [x_k, t, s, c]. Here it is
 * split into blocks: [x_k, s] goes through the trunk's first `Dense`, while the time features t
 * and the condition c go through bias-free {@link Projection}s whose sum joins the first layer's
 * bias. The function is the same (the blocks are drawn with the whole layer's fan-in, as PyTorch
 * would draw the concatenated layer), but t and c are each one row when they are shared by the
 * batch, which they are in the reverse chain (one step k) and under per-task sampling (one task):
 * the time MLP then runs on 1 row instead of B, and nothing is concatenated or tiled.
 */
export class NoiseNetwork implements NetModule {
  /** Time MLP: embedding → 2·embedding (Mish) → embedding. */
  readonly timeMlp: Mlp;
  /** Block of the first layer that multiplies the time features. */
  readonly timeProjection: Projection;
  /** Block of the first layer that multiplies the condition (null without one). */
  readonly conditionProjection: Projection | null;
  /** Trunk: [x_k, s] (+ the blocks above) → hidden (Mish) → A. */
  readonly trunk: Mlp;
  /** Sizes this network was built with. */
  readonly sizes: Omit<NoiseNetworkOptions, 'rng' | 'name' | 'trainable'>;
  /** Frozen calls: the time block's `[1, hidden]` output per step k, valid for {@link stepCacheKey}. */
  private readonly stepCache = new Map<number, tf.Tensor2D>();
  /** Data ids of the time MLP's and time block's weights when {@link stepCache} was filled. */
  private stepCacheKey: readonly object[] = [];

  /** Builds every block with PyTorch's default initialisation. */
  constructor(options: NoiseNetworkOptions) {
    const { actionDim, observationDim, conditionDim, hiddenDims, timeEmbeddingDim } = options;
    this.sizes = { actionDim, observationDim, conditionDim, hiddenDims: [...hiddenDims], timeEmbeddingDim };
    const fanIn = actionDim + timeEmbeddingDim + observationDim + conditionDim;
    const first = hiddenDims[0] ?? actionDim;
    this.timeMlp = new Mlp({
      inputDim: timeEmbeddingDim,
      hiddenDims: [2 * timeEmbeddingDim],
      outputDim: timeEmbeddingDim,
      rng: options.rng,
      name: `${options.name}/time`,
      inputGradient: false,
      trainable: options.trainable,
    });
    this.trunk = new Mlp({
      inputDim: actionDim + observationDim,
      hiddenDims,
      outputDim: actionDim,
      rng: options.rng,
      name: `${options.name}/trunk`,
      trainable: options.trainable,
      firstLayerInitFanIn: fanIn,
    });
    this.timeProjection = new Projection({
      inputDim: timeEmbeddingDim,
      outputDim: first,
      initFanIn: fanIn,
      rng: options.rng,
      name: `${options.name}/time_in`,
      trainable: options.trainable,
    });
    this.conditionProjection =
      conditionDim > 0
        ? new Projection({
            inputDim: conditionDim,
            outputDim: first,
            initFanIn: fanIn,
            rng: options.rng,
            name: `${options.name}/cond_in`,
            trainable: options.trainable,
          })
        : null;
  }

  /**
   * Sinusoidal features of the step indices, uploaded from the host (cheaper on wasm than a
   * device-side gather or slice): one row for a single step, one per row otherwise.
   * @remarks Returns a new `[1 or steps.length, timeEmbeddingDim]` tensor; the caller owns it.
   */
  stepFeatures(steps: Int32Array | number): tf.Tensor2D {
    const dim = this.sizes.timeEmbeddingDim;
    const list = typeof steps === 'number' ? [steps] : steps;
    return tf.tensor2d(sinusoidalEmbeddingValues(list, dim), [list.length, dim]);
  }

  /**
   * ε_θ(x_k, k, s, c).
   * @param noisyActions - x_k, `[B, A]`.
   * @param steps - k per row, or one k for all rows.
   * @param observations - s, `[B, S]`.
   * @param condition - c as `[1, C]` (shared by all rows) or `[B, C]`; null when C = 0.
   * @param frozen - differentiate with respect to the inputs only (EMA copy, inference).
   * @remarks Returns a new `[B, A]` tensor; the caller owns it.
   */
  predict(
    noisyActions: tf.Tensor2D,
    steps: Int32Array | number,
    observations: tf.Tensor2D,
    condition: tf.Tensor2D | null,
    frozen = false,
  ): tf.Tensor2D {
    return tf.tidy(() => {
      let extra = frozen && typeof steps === 'number' ? this.cachedStepTerm(steps) : this.stepTerm(steps, frozen);
      if (condition !== null) {
        if (this.conditionProjection === null)
          throw new ShapeError('NoiseNetwork was built without a condition (conditionDim 0) but received one.');
        extra = tf.add<tf.Tensor2D>(extra, this.conditionProjection.apply(condition, frozen));
      }
      return this.trunk.apply(tf.concat([noisyActions, observations], 1), { frozen, extraBias: extra });
    });
  }

  /**
   * ε_θ(·, k, s, c) for the steps of one reverse chain, with what the steps share computed once:
   * the time terms of all K steps (trainable: one time-MLP call on K rows and one split, instead
   * of K calls; frozen: the per-step cache) and the condition's term c·W_c (one projection
   * instead of K). Same arithmetic as {@link NoiseNetwork.predict} per step; with gradients, the
   * tape holds one time-MLP node and one split for the chain instead of K of each.
   * @param chainSteps - K: the chain evaluates steps K−1 … 0.
   * @param observations - s, `[B, S]`, for every step.
   * @param condition - c as `[1, C]` or `[B, C]`; null when C = 0.
   * @param frozen - as in {@link NoiseNetwork.predict}.
   * @returns `(x_k, k) => ε`, valid inside the caller's `tf.tidy` (the shared terms belong to it).
   */
  reverseChain(
    chainSteps: number,
    observations: tf.Tensor2D,
    condition: tf.Tensor2D | null,
    frozen = false,
  ): (noisyActions: tf.Tensor2D, step: number) => tf.Tensor2D {
    let conditionTerm: tf.Tensor2D | null = null;
    if (condition !== null) {
      if (this.conditionProjection === null)
        throw new ShapeError('NoiseNetwork was built without a condition (conditionDim 0) but received one.');
      conditionTerm = this.conditionProjection.apply(condition, frozen);
    }
    const stepTerms = frozen
      ? Array.from({ length: chainSteps }, (_, k) => this.cachedStepTerm(k))
      : this.stepTermRows(chainSteps, conditionTerm);
    // A shared condition row is already in the split rows of the trainable chain.
    const perStep = !frozen && (conditionTerm === null || conditionTerm.shape[0] === 1) ? null : conditionTerm;
    return (noisyActions, step) =>
      tf.tidy(() => {
        const extra = perStep === null ? stepTerms[step] : tf.add<tf.Tensor2D>(stepTerms[step], perStep);
        return this.trunk.apply(tf.concat([noisyActions, observations], 1), { frozen, extraBias: extra });
      });
  }

  /**
   * The time terms of steps 0 … K−1 as K `[1, hidden]` rows from one time-MLP call and one
   * split; a shared `[1, hidden]` condition term is added before the split (one add for all rows).
   */
  private stepTermRows(chainSteps: number, conditionTerm: tf.Tensor2D | null): tf.Tensor2D[] {
    let terms = this.stepTerm(
      Int32Array.from({ length: chainSteps }, (_, k) => k),
      false,
    );
    if (conditionTerm !== null && conditionTerm.shape[0] === 1) terms = tf.add<tf.Tensor2D>(terms, conditionTerm);
    return chainSteps === 1 ? [terms] : tf.split<tf.Tensor2D>(terms, chainSteps, 0);
  }

  /**
   * The trunk's first-layer bias at step k under a condition, b + t(k)·W_t + c·W_c, computed by
   * the same ops as a frozen {@link NoiseNetwork.predict} (what an exported policy stores, one
   * row per step, instead of the time MLP and c).
   * @param condition - c as `[1, C]`, or null.
   * @remarks Returns a new `[1, hidden]` tensor; the caller owns it.
   */
  firstLayerBias(step: number, condition: tf.Tensor2D | null): tf.Tensor2D {
    return tf.tidy(() => {
      let extra = this.stepTerm(step, true);
      if (condition !== null) {
        if (this.conditionProjection === null)
          throw new ShapeError('NoiseNetwork was built without a condition (conditionDim 0) but received one.');
        extra = tf.add<tf.Tensor2D>(extra, this.conditionProjection.apply(condition, true));
      }
      return tf.add(this.trunk.layers[0].bias, extra);
    });
  }

  /** The time features' contribution to the first layer: time block (time MLP (embedding)). */
  private stepTerm(steps: Int32Array | number, frozen: boolean): tf.Tensor2D {
    return this.timeProjection.apply(this.timeMlp.apply(this.stepFeatures(steps), { frozen }), frozen);
  }

  /**
   * {@link stepTerm} of one step for frozen calls (EMA targets, acting), computed once per step
   * and weight state: the cache is dropped as soon as any time-block weight's values change (an
   * optimiser or EMA step, by `assign` or in place; see `valuesVersion`), so it never serves
   * stale values.
   */
  private cachedStepTerm(step: number): tf.Tensor2D {
    const ids = [...this.timeMlp.trainableVariables(), ...this.timeProjection.trainableVariables()].map(valuesVersion);
    if (ids.length !== this.stepCacheKey.length || ids.some((id, i) => id !== this.stepCacheKey[i])) {
      this.clearStepCache();
      this.stepCacheKey = ids;
    }
    let term = this.stepCache.get(step);
    if (term === undefined) {
      term = tf.keep(this.stepTerm(step, true));
      this.stepCache.set(step, term);
    }
    return term;
  }

  private clearStepCache(): void {
    for (const t of this.stepCache.values()) t.dispose();
    this.stepCache.clear();
  }

  /** Time MLP, time block, condition block, then trunk variables. */
  trainableVariables(): tf.Variable[] {
    return [
      ...this.timeMlp.trainableVariables(),
      ...this.timeProjection.trainableVariables(),
      ...(this.conditionProjection?.trainableVariables() ?? []),
      ...this.trunk.trainableVariables(),
    ];
  }

  /** Frees every block. */
  dispose(): void {
    this.clearStepCache();
    this.timeMlp.dispose();
    this.timeProjection.dispose();
    this.conditionProjection?.dispose();
    this.trunk.dispose();
  }
}
