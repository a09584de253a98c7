/**
 * Gradient clipping by global L2 norm, with PyTorch `torch.nn.utils.clip_grad_norm_` semantics
 * (norm_type 2), as Diffusion-QL applies it to the actor and to the critic when `gn > 0`
 * (`docs/nets.md`, "Gradient clipping"):
 *
 *   ‖g‖ = √(Σ_i Σ g_i²)  over every gradient tensor,
 *   scale = min(maxNorm / (‖g‖ + 1e−6), 1),  g_i ← scale · g_i.
 *
 * The scale is computed and applied on the device (no `dataSync`): multiplying by exactly 1
 * when the norm is under the limit leaves the gradients bit-identical, so no host-side branch is
 * needed.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../core/errors.js';

/**
 * The ε added to the norm before dividing, as in PyTorch's `clip_grad_norm_` (1e−6). It keeps the
 * division finite for an all-zero gradient and makes the clipped norm land just under `maxNorm`
 * (maxNorm·‖g‖/(‖g‖ + ε)); a norm exactly equal to `maxNorm` is therefore scaled by a factor a
 * hair below 1.
 */
export const CLIP_NORM_EPSILON = 1e-6;

/** Gradients as a list (e.g. `tf.grads`) or a name → tensor map (e.g. `tf.variableGrads(...).grads`). */
export type Gradients = readonly tf.Tensor[] | tf.NamedTensorMap;

/** The result of {@link clipByGlobalNorm}. */
export interface ClippedGradients<G extends Gradients> {
  /** The clipped gradients, in the input's form (same order, or same keys). */
  readonly grads: G extends readonly tf.Tensor[] ? tf.Tensor[] : tf.NamedTensorMap;
  /** The global norm before clipping (what PyTorch's `clip_grad_norm_` returns; useful to log). */
  readonly globalNorm: tf.Scalar;
}

function tensorsOf(grads: Gradients): tf.Tensor[] {
  return Array.isArray(grads) ? [...(grads as readonly tf.Tensor[])] : Object.values(grads as tf.NamedTensorMap);
}

function sumOfSquares(tensors: readonly tf.Tensor[]): tf.Scalar {
  if (tensors.length === 0) return tf.scalar(0);
  const parts = tensors.map((g) => tf.sum(tf.square(g)));
  return (parts.length === 1 ? parts[0] : tf.addN(parts)) as tf.Scalar;
}

/**
 * The global L2 norm of a set of gradients, √(Σ over all tensors and elements of g²), as one scalar
 * on the device. An empty set has norm 0.
 *
 * @param grads - a list of tensors or a name → tensor map.
 * @returns a new float32 scalar tensor.
 * @remarks Returns a new tensor; the caller owns it and disposes it. Never reads back to the host.
 */
export function globalNorm(grads: Gradients): tf.Scalar {
  return tf.tidy(() => tf.sqrt(sumOfSquares(tensorsOf(grads))));
}

/**
 * Rescales gradients so that their global L2 norm is at most `maxNorm` (PyTorch
 * `clip_grad_norm_`): scale = min(maxNorm / (‖g‖ + {@link CLIP_NORM_EPSILON}), 1), every tensor
 * multiplied by it.
 *
 * @example
 * ```ts
 * const { value, grads } = tf.variableGrads(() => actorLoss(), [...optimizer.variables]);
 * const clipped = clipByGlobalNorm(grads, 1.0);
 * optimizer.applyGradients(optimizer.variables.map((v) => clipped.grads[v.name]!));
 * tf.dispose([value, grads, clipped.grads, clipped.globalNorm]);
 * ```
 * @param grads - a list of tensors or a name → tensor map (returned in the same form).
 * @param maxNorm - the largest allowed global norm, a finite number > 0 (Diffusion-QL's per-dataset `gn`;
 * it skips clipping when `gn` is 0, which the caller decides by not calling this function).
 * @returns new gradient tensors (same order or keys) and the norm before clipping.
 * @throws {@link ConfigError} when `maxNorm` is not a finite positive number.
 * @remarks Every returned tensor is new, even when no scaling happens: the caller owns and disposes
 * both `grads` and `globalNorm` (or calls this inside `tf.tidy`). The input gradients are not disposed.
 * A non-finite norm propagates into the result, as in PyTorch with `error_if_nonfinite = false`; read
 * `globalNorm` at logging time to detect it. Never reads back to the host.
 */
export function clipByGlobalNorm<G extends Gradients>(grads: G, maxNorm: number): ClippedGradients<G> {
  if (!(Number.isFinite(maxNorm) && maxNorm > 0)) {
    throw new ConfigError(
      `clipByGlobalNorm: maxNorm must be a finite number > 0, received ${String(maxNorm)}. ` +
        'Pass the gradient-norm limit (Diffusion-QL: gn per dataset, e.g. 1.0), or skip clipping instead of passing 0.',
    );
  }
  return tf.tidy(() => {
    const norm = tf.sqrt(sumOfSquares(tensorsOf(grads)));
    const scale = tf.minimum(tf.div(tf.scalar(maxNorm), tf.add(norm, tf.scalar(CLIP_NORM_EPSILON))), tf.scalar(1));
    if (Array.isArray(grads)) {
      return { grads: (grads as readonly tf.Tensor[]).map((g) => tf.mul(g, scale)), globalNorm: norm };
    }
    const map = grads as tf.NamedTensorMap;
    const out: tf.NamedTensorMap = {};
    for (const key of Object.keys(map)) out[key] = tf.mul(map[key], scale);
    return { grads: out, globalNorm: norm };
  }) as ClippedGradients<G>;
}
