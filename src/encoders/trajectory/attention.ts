/**
 * Masked multi-head self-attention (Vaswani et al., 2017) with a hand-written backward pass
 * shaped for tfjs-wasm.
 *
 * The core, per head and prompt (queries Q, keys K, values V of `[tokens, headDim]`, additive
 * key mask m of 0 for real and −1e9 for padded tokens, c = 1/√headDim):
 *
 *   S = c·Q·Kᵀ + m,   A = softmax(S) (over keys),   O = A·V
 *
 * Backward:
 *
 *   dA = dO·Vᵀ,  dV = Aᵀ·dO,  dS = A ⊙ (dA − rowsum(dA ⊙ A)),  dQ = c·dS·K,  dK = c·dSᵀ·Q
 *
 * Measured on tfjs-wasm (2-core EPYC, 16 prompts × 40 tokens × 128 wide, per op):
 * - batched (rank-3) `matMul` runs XNNPACK only when the batch is 1; with a batch of 16 it falls
 *   to a scalar loop (2.9 ms for `[16,40,128]·[16,128,40]`, about 1 GFLOP/s, against 0.03 ms
 *   for one prompt). Splitting into 16 two-dimensional products is slower still (`unstack` /
 *   `split` / `stack` of 16 pieces cost about 1.5 ms each), and one block-diagonal product over
 *   all 640 tokens wastes 16× the work (3.3 ms). The batched product is kept: it is the fast
 *   path for one prompt, which is the recommended use (one prompt per task per step,
 *   `docs/encoders.md`, "One prompt per task per step"), and no cheaper form was found for many.
 * - `transposeB` costs 1.5× the plain batched product, so Kᵀ, Vᵀ, Aᵀ and dSᵀ are explicit
 *   `transpose` calls (0.04 ms each) and every product is plain.
 * - `softmax` has a native kernel (0.045 ms for 25 600 scores) and is used as is; `exp` alone
 *   is no cheaper. The row sum of dA ⊙ A is a product with a ones column.
 * - The query, key and value projections are three separate dense layers: one `[d, 3d]`
 *   product followed by column slices costs more (a column `slice` is about 0.3 ms).
 *
 * This block belongs in `src/nets` once it has a second user.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import { denseApply } from '../../nets/dense.js';
import type { NetModule } from '../../nets/module.js';
import { type DenseVariables, normalDenseVariables } from './params.js';

/** Additive score of a padded key: exp(−1e9 − max) underflows to exactly 0. */
export const MASKED_SCORE = -1e9;

/**
 * The attention core `softmax(c·Q·Kᵀ + keyBias)·V` over a batch of sequences, with the
 * backward pass of the module comment.
 *
 * @param q - queries `[batch, tokens, headDim]` (batch = prompts × heads).
 * @param k - keys `[batch, tokens, headDim]`.
 * @param v - values `[batch, tokens, headDim]`.
 * @param keyBias - constant `[batch, 1, tokens]`: 0 for real keys, {@link MASKED_SCORE} for
 * padded ones. No gradient flows into it.
 * @param scale - c, usually 1/√headDim.
 * @returns `[batch, tokens, headDim]`.
 * @throws {@link ShapeError} when the shapes do not agree.
 * @remarks Returns a new tensor; the caller owns it. `keyBias` is not disposed.
 */
export function maskedAttention(
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  keyBias: tf.Tensor3D,
  scale: number,
): tf.Tensor3D {
  const [batch, tokens] = q.shape;
  const same = (t: tf.Tensor3D): boolean => t.rank === 3 && tf.util.arraysEqual(t.shape, q.shape);
  if (
    q.rank !== 3 ||
    !same(k) ||
    !same(v) ||
    keyBias.rank !== 3 ||
    !tf.util.arraysEqual(keyBias.shape, [batch, 1, tokens])
  ) {
    throw new ShapeError(
      `maskedAttention expects q, k, v [batch, tokens, headDim] and keyBias [batch, 1, tokens]; got q [${q.shape.join(', ')}], ` +
        `k [${k.shape.join(', ')}], v [${v.shape.join(', ')}], keyBias [${keyBias.shape.join(', ')}].`,
    );
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [qi, ki, vi] = args as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
    const save = args[3] as tf.GradSaveFunc;
    const scores = tf.add(tf.mul(tf.matMul(qi, tf.transpose(ki, [0, 2, 1])), scale), keyBias);
    const probs = tf.softmax(scores) as tf.Tensor3D;
    const value = tf.matMul(probs, vi);
    save([qi, ki, vi, probs]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [sq, sk, sv, sa] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
      const dO = dy as tf.Tensor3D;
      const dA = tf.matMul(dO, tf.transpose(sv, [0, 2, 1]));
      const dV = tf.matMul(tf.transpose(sa, [0, 2, 1]), dO);
      const rowSum = tf.reshape(tf.matMul(tf.reshape(tf.mul(dA, sa), [batch * tokens, tokens]), tf.ones([tokens, 1])), [
        batch,
        tokens,
        1,
      ]);
      const dS = tf.mul<tf.Tensor3D>(tf.mul(sa, tf.sub(dA, rowSum)), scale);
      const dQ = tf.matMul(dS, sk);
      const dK = tf.matMul(tf.transpose(dS, [0, 2, 1]), sq);
      return [dQ, dK, dV];
    };
    return { value, gradFunc };
  });
  return op(q, k, v) as tf.Tensor3D;
}

/** Options of {@link MultiHeadSelfAttention}. */
export interface MultiHeadSelfAttentionOptions {
  /** Model width d (input and output). */
  readonly width: number;
  /** Number of heads h; must divide `width`. */
  readonly heads: number;
  /** Random stream for the initial weights. */
  readonly rng: Rng;
  /** Standard deviation of the initial query, key and value weights. @defaultValue 0.02 (GPT-2) */
  readonly initStd?: number;
  /** Standard deviation of the initial output-projection weights. @defaultValue `initStd` */
  readonly outputInitStd?: number;
  /** Variable name prefix. @defaultValue `'attention'` */
  readonly name?: string;
}

let uniqueId = 0;

/**
 * Multi-head self-attention over padded sequences: Q, K, V projections, the masked core of
 * {@link maskedAttention} per head, and an output projection. Bidirectional (no causal mask):
 * the encoder summarises a whole prompt.
 *
 * @example
 * ```ts
 * const attn = new MultiHeadSelfAttention({ width: 128, heads: 1, rng: new Rng(0) });
 * const y = attn.apply(x, 40, keyBias); // x: [prompts·40, 128], keyBias: [prompts·heads, 1, 40]
 * ```
 */
export class MultiHeadSelfAttention implements NetModule {
  /** Model width d. */
  readonly width: number;
  /** Number of heads h. */
  readonly heads: number;
  /** Width of one head, d/h. */
  readonly headDim: number;
  private readonly query: DenseVariables;
  private readonly key: DenseVariables;
  private readonly value: DenseVariables;
  private readonly output: DenseVariables;

  /** @throws {@link ConfigError} when the sizes are not positive integers or h does not divide d. */
  constructor(options: MultiHeadSelfAttentionOptions) {
    const { width, heads } = options;
    if (!Number.isInteger(width) || width < 1 || !Number.isInteger(heads) || heads < 1 || width % heads !== 0) {
      throw new ConfigError(
        `Attention width (${String(width)}) and heads (${String(heads)}) must be positive integers with heads dividing width.`,
      );
    }
    this.width = width;
    this.heads = heads;
    this.headDim = width / heads;
    const std = options.initStd ?? 0.02;
    const name = `${options.name ?? 'attention'}_${uniqueId++}`;
    this.query = normalDenseVariables(width, width, std, options.rng, `${name}/query`);
    this.key = normalDenseVariables(width, width, std, options.rng, `${name}/key`);
    this.value = normalDenseVariables(width, width, std, options.rng, `${name}/value`);
    this.output = normalDenseVariables(width, width, options.outputInitStd ?? std, options.rng, `${name}/output`);
  }

  /**
   * Attends within each sequence.
   * @param x - `[sequences·tokens, width]`, the sequences stacked row-wise.
   * @param tokens - tokens per sequence.
   * @param keyBias - `[sequences·heads, 1, tokens]` additive key mask (see {@link maskedAttention});
   * row `s·heads + j` belongs to sequence s, head j.
   * @returns `[sequences·tokens, width]`.
   * @throws {@link ShapeError} when the shapes do not agree.
   * @remarks Returns a new tensor; the caller owns it. Call inside `tf.tidy`.
   */
  apply(x: tf.Tensor2D, tokens: number, keyBias: tf.Tensor3D): tf.Tensor2D {
    const rows = x.shape[0];
    if (x.rank !== 2 || x.shape[1] !== this.width || rows % tokens !== 0) {
      throw new ShapeError(
        `Attention expects input [sequences·${tokens}, ${this.width}], got [${x.shape.join(', ')}].`,
      );
    }
    const sequences = rows / tokens;
    const { heads, headDim } = this;
    const split = (t: tf.Tensor2D): tf.Tensor3D =>
      heads === 1
        ? tf.reshape(t, [sequences, tokens, headDim])
        : tf.reshape(tf.transpose(tf.reshape(t, [sequences, tokens, heads, headDim]), [0, 2, 1, 3]), [
            sequences * heads,
            tokens,
            headDim,
          ]);
    const q = split(denseApply(x, this.query.kernel, this.query.bias, 'linear'));
    const k = split(denseApply(x, this.key.kernel, this.key.bias, 'linear'));
    const v = split(denseApply(x, this.value.kernel, this.value.bias, 'linear'));
    const o = maskedAttention(q, k, v, keyBias, 1 / Math.sqrt(headDim));
    const merged =
      heads === 1
        ? tf.reshape(o, [rows, this.width])
        : tf.reshape(tf.transpose(tf.reshape(o, [sequences, heads, tokens, headDim]), [0, 2, 1, 3]), [
            rows,
            this.width,
          ]);
    return denseApply(merged as tf.Tensor2D, this.output.kernel, this.output.bias, 'linear');
  }

  /** Query, key, value and output projections, kernel then bias each. */
  trainableVariables(): tf.Variable[] {
    return [this.query, this.key, this.value, this.output].flatMap((p) => [p.kernel, p.bias]);
  }

  /** Frees every projection. */
  dispose(): void {
    for (const v of this.trainableVariables()) v.dispose();
  }
}
