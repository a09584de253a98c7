/**
 * LLMDPD's trajectory prompt encoder g_φ (paper §3.1.2, Eq. 3): a trainable transformer over
 * the (state, action) steps of one trajectory, mean-pooled over the real steps, then an MLP
 * projection head, trained end-to-end with the policy.
 *
 *   z_τ = head( mean_{real tokens} LN_f( Block_L ∘ … ∘ Block_1 ( tokens ) ) )
 *   Block(h) = h′ + FFN(LN₂(h′)),   h′ = h + MHSA(LN₁(h))            (pre-LayerNorm, GPT-2)
 *
 * Choices and their sources (each explained in `docs/encoders.md`, "Trajectory encoder"):
 * - Sizes: width 128, 3 layers, 1 head, feed-forward 512 with ReLU, dropout 0.1, head
 *   Linear(128→128) → ReLU → Linear(128→64): Prompt-DT's size (`docs/encoders.md`, "Sizes";
 *   the paper gives no sizes).
 * - Tokens: **two tokens per step**, a state token and an action token (as in Prompt-DT,
 *   `docs/encoders.md`, "Tokens"), each its own linear embedding plus a **learned
 *   timestep embedding** of the step's position in the prompt (Prompt-DT adds the
 *   same timestep embedding to every token of a step). No return-to-go token: the paper's
 *   prompt is (s, a) pairs only (Eq. 2).
 * - Prompt length: at most 20 steps by default (5 in Prompt-DT, 20 in MTDiff,
 *   whose architecture the paper names); longer prompts keep their last steps.
 * - Pre-LayerNorm blocks with a final LayerNorm, as in GPT-2, the backbone of both Prompt-DT and
 *   MTDiff (`docs/encoders.md`, "Blocks and attention"). Attention is bidirectional (no causal
 *   mask), because the output is a pooled summary of a prompt given whole, not a next-token
 *   prediction.
 * - Initialisation: GPT-2's, N(0, 0.02²) for the projections and embeddings, N(0, (0.02/√(2L))²)
 *   for the two residual output projections, zero biases; the state and action rows of the
 *   embedding start like PyTorch's `nn.Linear` (U(±1/√fan_in)), as in Prompt-DT's
 *   `embed_state` / `embed_action`; the head is an {@link Mlp} with PyTorch's default init.
 * - Dropout (GPT-2 places): on the embeddings and on both residual branches, only when
 *   `encode(..., { training: true })`; the masks come from the encoder's own {@link Rng}
 *   stream. Attention-probability dropout is not applied.
 *
 * Speed: the embedding is one dense product. Each token's input row is
 * `[s | a | isAction | onehot(t)]` (zeros in the other modality's columns), so one kernel of
 * `S + A + 1 + maxPromptLength` rows holds the state projection, the action projection, the
 * action-token bias and the timestep table, and its gradient is a plain product (no gather,
 * no concat). Attention, LayerNorm and the masked mean pool have hand-written backward passes
 * (see `attention.ts`, `layer-norm.ts` and {@link TrajectoryEncoder.encode}).
 *
 * Inputs should be normalised the way the agent normalises its states (Prompt-DT normalises
 * prompt states with the dataset statistics); the encoder does not rescale them.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, RlError, ShapeError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import { denseApply } from '../../nets/dense.js';
import { Mlp } from '../../nets/mlp.js';
import { reserveWeights } from '../../nets/weight-budget.js';
import type { NetModule } from '../../nets/module.js';
import { MASKED_SCORE, MultiHeadSelfAttention } from './attention.js';
import { LayerNorm } from './layer-norm.js';
import { type DenseVariables, normalDenseVariables } from './params.js';
import { buildPromptBatch, type PromptBatch, type TrajectoryPrompt } from './prompt-batch.js';

/** Defaults of {@link TrajectoryEncoderOptions} (Prompt-DT's size; `docs/encoders.md`, "Sizes"). */
export const TRAJECTORY_ENCODER_DEFAULTS = Object.freeze({
  /** Embedding width d_τ of the output. */
  outputDim: 64,
  /** Model width d. */
  width: 128,
  /** Transformer blocks. */
  layers: 3,
  /** Attention heads. */
  heads: 1,
  /** Feed-forward inner width. */
  feedForwardDim: 512,
  /** Hidden widths of the projection head. */
  headHiddenDims: Object.freeze([128]),
  /** Most steps of a prompt (rows of the learned timestep table). */
  maxPromptLength: 20,
  /** Dropout rate in training mode. */
  dropout: 0.1,
  /** Standard deviation of GPT-2's initialisation. */
  initStd: 0.02,
});

/** Options of {@link TrajectoryEncoder}. */
export interface TrajectoryEncoderOptions {
  /** Length of one observation row S. */
  readonly observationDim: number;
  /** Length of one action row A. */
  readonly actionDim: number;
  /** Width of the output embedding z_τ. @defaultValue 64 */
  readonly outputDim?: number;
  /** Model width d. @defaultValue 128 */
  readonly width?: number;
  /** Number of transformer blocks. @defaultValue 3 */
  readonly layers?: number;
  /** Attention heads h (must divide `width`). @defaultValue 1 */
  readonly heads?: number;
  /** Inner width of each block's feed-forward layer. @defaultValue 512 */
  readonly feedForwardDim?: number;
  /** Hidden widths of the MLP projection head (ReLU); may be empty. @defaultValue `[128]` */
  readonly headHiddenDims?: readonly number[];
  /**
   * Most steps per prompt, and the rows of the learned timestep table. Longer prompts keep
   * their last `maxPromptLength` steps. @defaultValue 20
   */
  readonly maxPromptLength?: number;
  /** Dropout rate in [0, 1), applied only in training mode. @defaultValue 0.1 */
  readonly dropout?: number;
  /** Standard deviation of the normal initialisation (GPT-2). @defaultValue 0.02 */
  readonly initStd?: number;
  /** Random stream for the initial weights; a child stream drives the dropout masks. */
  readonly rng: Rng;
  /** Variable name prefix. @defaultValue `'trajectory_encoder'` */
  readonly name?: string;
}

/** The resolved configuration of a {@link TrajectoryEncoder} (plain JSON, for checkpoints). */
export interface TrajectoryEncoderConfig {
  /** Length of one observation row S. */
  readonly observationDim: number;
  /** Length of one action row A. */
  readonly actionDim: number;
  /** Width of the output embedding. */
  readonly outputDim: number;
  /** Model width d. */
  readonly width: number;
  /** Number of transformer blocks. */
  readonly layers: number;
  /** Attention heads. */
  readonly heads: number;
  /** Feed-forward inner width. */
  readonly feedForwardDim: number;
  /** Hidden widths of the projection head. */
  readonly headHiddenDims: readonly number[];
  /** Most steps per prompt. */
  readonly maxPromptLength: number;
  /** Dropout rate in training mode. */
  readonly dropout: number;
  /** Standard deviation of the normal initialisation. */
  readonly initStd: number;
}

/** Options of {@link TrajectoryEncoder.encode}. */
export interface EncodeOptions {
  /** Training mode: apply dropout (when the rate is positive). @defaultValue `false` */
  readonly training?: boolean;
}

/** Host arrays that turn a {@link PromptBatch} into the encoder's tokens. */
export interface PromptTokens {
  /** Number of prompts P. */
  readonly prompts: number;
  /** Tokens per prompt N = 2 · steps (state token, then action token, per step). */
  readonly tokens: number;
  /** Width of a token's input row F = S + A + 1 + maxPromptLength. */
  readonly featureDim: number;
  /** `P · N · F` values, row `p·N + 2t` the state token and `p·N + 2t + 1` the action token of step t. */
  readonly features: Float32Array;
  /** `P · N` entries: 1 for tokens of real steps, 0 for padding. */
  readonly mask: Uint8Array;
}

/**
 * Builds the token input rows of a prompt batch: `[s | 0 | 0 | onehot(t)]` for state tokens,
 * `[0 | a | 1 | onehot(t)]` for action tokens, zero rows for padding.
 *
 * @param batch - prompts from {@link buildPromptBatch}.
 * @param maxPromptLength - rows of the timestep table (at least `batch.steps`).
 * @throws {@link ShapeError} when the batch has more steps than the timestep table.
 */
export function promptTokens(batch: PromptBatch, maxPromptLength: number): PromptTokens {
  if (batch.steps > maxPromptLength) {
    throw new ShapeError(
      `promptTokens: the batch has ${batch.steps} steps per prompt but the timestep table has ${maxPromptLength} rows; build it with maxSteps ≤ ${maxPromptLength}.`,
    );
  }
  const { size: P, steps: L, observationDim: S, actionDim: A } = batch;
  const N = 2 * L;
  const F = S + A + 1 + maxPromptLength;
  const features = new Float32Array(P * N * F);
  const mask = new Uint8Array(P * N);
  for (let p = 0; p < P; p++) {
    const len = batch.lengths[p];
    for (let t = 0; t < len; t++) {
      const stateRow = (p * N + 2 * t) * F;
      const actionRow = stateRow + F;
      features.set(batch.observations.subarray((p * L + t) * S, (p * L + t + 1) * S), stateRow);
      features.set(batch.actions.subarray((p * L + t) * A, (p * L + t + 1) * A), actionRow + S);
      features[actionRow + S + A] = 1;
      features[stateRow + S + A + 1 + t] = 1;
      features[actionRow + S + A + 1 + t] = 1;
      mask[p * N + 2 * t] = 1;
      mask[p * N + 2 * t + 1] = 1;
    }
  }
  return { prompts: P, tokens: N, featureDim: F, features, mask };
}

/**
 * Masked mean over the token rows of each prompt as a product with a constant pooling matrix
 * `pool` `[P, P·N]` (entry 1/count for prompt p's real tokens, else 0); the backward pass is
 * the plain product `poolT · dy` with the precomputed transpose (tfjs's own `matMul` gradient
 * would use a transposed product, slow on wasm).
 */
function poolRows(h: tf.Tensor2D, pool: tf.Tensor2D, poolT: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    save([poolT]);
    return {
      value: tf.matMul(pool, input),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.matMul(saved[0], dy),
    };
  });
  return op(h) as tf.Tensor2D;
}

/** One pre-LayerNorm transformer block. */
class EncoderBlock implements NetModule {
  readonly norm1: LayerNorm;
  readonly attention: MultiHeadSelfAttention;
  readonly norm2: LayerNorm;
  readonly ffn1: DenseVariables;
  readonly ffn2: DenseVariables;

  constructor(config: TrajectoryEncoderConfig, rng: Rng, name: string) {
    const residualStd = config.initStd / Math.sqrt(2 * config.layers);
    this.norm1 = new LayerNorm({ width: config.width, name: `${name}/ln1` });
    this.attention = new MultiHeadSelfAttention({
      width: config.width,
      heads: config.heads,
      rng,
      initStd: config.initStd,
      outputInitStd: residualStd,
      name: `${name}/attn`,
    });
    this.norm2 = new LayerNorm({ width: config.width, name: `${name}/ln2` });
    this.ffn1 = normalDenseVariables(config.width, config.feedForwardDim, config.initStd, rng, `${name}/ffn1`);
    this.ffn2 = normalDenseVariables(config.feedForwardDim, config.width, residualStd, rng, `${name}/ffn2`);
  }

  apply(h: tf.Tensor2D, tokens: number, keyBias: tf.Tensor3D, drop: (x: tf.Tensor2D) => tf.Tensor2D): tf.Tensor2D {
    const attended = tf.add<tf.Tensor2D>(h, drop(this.attention.apply(this.norm1.apply(h), tokens, keyBias)));
    const inner = denseApply(this.norm2.apply(attended), this.ffn1.kernel, this.ffn1.bias, 'relu');
    return tf.add<tf.Tensor2D>(attended, drop(denseApply(inner, this.ffn2.kernel, this.ffn2.bias, 'linear')));
  }

  trainableVariables(): tf.Variable[] {
    return [
      ...this.norm1.trainableVariables(),
      ...this.attention.trainableVariables(),
      ...this.norm2.trainableVariables(),
      this.ffn1.kernel,
      this.ffn1.bias,
      this.ffn2.kernel,
      this.ffn2.bias,
    ];
  }

  dispose(): void {
    this.norm1.dispose();
    this.attention.dispose();
    this.norm2.dispose();
    for (const v of [this.ffn1.kernel, this.ffn1.bias, this.ffn2.kernel, this.ffn2.bias]) v.dispose();
  }
}

function positiveInt(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(`TrajectoryEncoder: ${field} must be a positive integer, got ${String(value)}.`);
  }
  return value;
}

/**
 * Validates options and fills in the defaults of {@link TRAJECTORY_ENCODER_DEFAULTS}.
 * @throws {@link ConfigError} naming the invalid field.
 */
export function resolveTrajectoryEncoderConfig(
  options: Omit<TrajectoryEncoderOptions, 'rng' | 'name'>,
): TrajectoryEncoderConfig {
  const d = TRAJECTORY_ENCODER_DEFAULTS;
  const config: TrajectoryEncoderConfig = {
    observationDim: positiveInt(options.observationDim, 'observationDim'),
    actionDim: positiveInt(options.actionDim, 'actionDim'),
    outputDim: positiveInt(options.outputDim ?? d.outputDim, 'outputDim'),
    width: positiveInt(options.width ?? d.width, 'width'),
    layers: positiveInt(options.layers ?? d.layers, 'layers'),
    heads: positiveInt(options.heads ?? d.heads, 'heads'),
    feedForwardDim: positiveInt(options.feedForwardDim ?? d.feedForwardDim, 'feedForwardDim'),
    headHiddenDims: Object.freeze([...(options.headHiddenDims ?? d.headHiddenDims)]),
    maxPromptLength: positiveInt(options.maxPromptLength ?? d.maxPromptLength, 'maxPromptLength'),
    dropout: options.dropout ?? d.dropout,
    initStd: options.initStd ?? d.initStd,
  };
  if (config.width % config.heads !== 0) {
    throw new ConfigError(
      `TrajectoryEncoder: heads (${config.heads}) must divide width (${config.width}); e.g. width 128 with 1, 2, 4 or 8 heads.`,
    );
  }
  config.headHiddenDims.forEach((w, i) => positiveInt(w, `headHiddenDims[${i}]`));
  if (!(config.dropout >= 0 && config.dropout < 1)) {
    throw new ConfigError(`TrajectoryEncoder: dropout must be in [0, 1), got ${String(config.dropout)}.`);
  }
  if (!(config.initStd > 0 && Number.isFinite(config.initStd))) {
    throw new ConfigError(`TrajectoryEncoder: initStd must be a positive number, got ${String(config.initStd)}.`);
  }
  return Object.freeze(config);
}

let uniqueId = 0;

/**
 * The trajectory prompt encoder g_φ of LLMDPD; see the module comment for the architecture.
 *
 * @example
 * ```ts
 * const encoder = new TrajectoryEncoder({ observationDim: 11, actionDim: 3, rng: new Rng(0) });
 * // inside the actor's loss, so the gradient reaches the encoder:
 * const z = encoder.encode([buffer.lastSteps(episode, 20)], { training: true }); // [1, 64]
 * // outside training:
 * const [vector] = encoder.embed([trajectory]); // Float32Array(64)
 * encoder.dispose();
 * ```
 */
export class TrajectoryEncoder implements NetModule {
  /** The resolved configuration. */
  readonly config: TrajectoryEncoderConfig;
  /** Width of the output embedding. */
  readonly outputDim: number;
  /**
   * Token embedding, kernel `[S + A + 1 + maxPromptLength, width]` (rows: state projection,
   * action projection, action-token bias, learned timestep table) and bias `[width]`.
   */
  readonly embedding: DenseVariables;
  private readonly blocks: readonly EncoderBlock[];
  private readonly finalNorm: LayerNorm;
  private readonly head: Mlp;
  /**
   * The stream the dropout masks are drawn from (split from the initialisation stream). Agents
   * save and restore its state with their checkpoints, so that resumed training draws the same
   * masks as an uninterrupted run.
   */
  readonly dropoutRng: Rng;
  private disposed = false;

  /** @throws {@link ConfigError} on invalid options. */
  constructor(options: TrajectoryEncoderOptions) {
    const config = resolveTrajectoryEncoderConfig(options);
    this.config = config;
    this.outputDim = config.outputDim;
    const rng = options.rng;
    const name = `${options.name ?? 'trajectory_encoder'}_${uniqueId++}`;
    const { observationDim: S, actionDim: A, width: d, maxPromptLength: T } = config;
    reserveWeights((S + A + 1 + T) * d + d, `${name}/embedding (${S + A + 1 + T} x ${d})`);
    const kernel = new Float32Array((S + A + 1 + T) * d);
    rng.fillUniform(kernel.subarray(0, S * d), -1 / Math.sqrt(S), 1 / Math.sqrt(S));
    rng.fillUniform(kernel.subarray(S * d, (S + A) * d), -1 / Math.sqrt(A), 1 / Math.sqrt(A));
    rng.fillNormal(kernel.subarray((S + A) * d), 0, config.initStd);
    this.embedding = tf.tidy(() => ({
      kernel: tf.variable(tf.tensor2d(kernel, [S + A + 1 + T, d]), true, `${name}/embedding/kernel`),
      bias: tf.variable(tf.zeros<tf.Rank.R1>([d]), true, `${name}/embedding/bias`),
    }));
    this.blocks = Array.from({ length: config.layers }, (_, i) => new EncoderBlock(config, rng, `${name}/block${i}`));
    this.finalNorm = new LayerNorm({ width: d, name: `${name}/ln_f` });
    this.head = new Mlp({
      inputDim: d,
      hiddenDims: config.headHiddenDims,
      outputDim: config.outputDim,
      activation: 'relu',
      rng,
      name: `${name}/head`,
    });
    this.dropoutRng = rng.split();
  }

  /**
   * Packs prompts for this encoder: checks their widths, keeps the real steps (mask honoured),
   * the last `maxPromptLength` of each, and pads to the longest (or to `padTo`).
   * @throws {@link ShapeError} / {@link ConfigError} as {@link buildPromptBatch}.
   */
  prepare(prompts: readonly TrajectoryPrompt[], padTo?: number): PromptBatch {
    return buildPromptBatch(prompts, {
      maxSteps: this.config.maxPromptLength,
      observationDim: this.config.observationDim,
      actionDim: this.config.actionDim,
      ...(padTo === undefined ? {} : { padTo }),
    });
  }

  /**
   * The embeddings z_τ of a batch of prompts, differentiable with respect to
   * {@link TrajectoryEncoder.trainableVariables}: call it inside the loss function given to
   * `gradientsOf` / `tf.variableGrads` to train the encoder end-to-end.
   *
   * @param prompts - trajectories (optionally masked, e.g. `ReplayBuffer.lastSteps` results), or
   * a batch from {@link TrajectoryEncoder.prepare}.
   * @param options - `training: true` applies dropout.
   * @returns `[P, outputDim]`, row p for prompt p.
   * @throws {@link ShapeError} when the prompts do not fit the encoder; {@link RlError} after
   * {@link TrajectoryEncoder.dispose}.
   * @remarks Returns a new tensor; the caller owns it. Every intermediate is released inside
   * a `tf.tidy` (a surrounding gradient tape keeps what its backward pass needs).
   */
  encode(prompts: PromptBatch | readonly TrajectoryPrompt[], options: EncodeOptions = {}): tf.Tensor2D {
    this.checkLive();
    const batch = isPromptBatch(prompts) ? prompts : this.prepare(prompts);
    const { observationDim: S, actionDim: A, maxPromptLength, heads, width, dropout } = this.config;
    if (batch.observationDim !== S || batch.actionDim !== A) {
      throw new ShapeError(
        `TrajectoryEncoder expects prompts with observationDim ${S} and actionDim ${A}, got ${batch.observationDim} and ${batch.actionDim}.`,
      );
    }
    const tokens = promptTokens(batch, maxPromptLength);
    const P = tokens.prompts;
    const N = tokens.tokens;
    // Host-side constants: the additive key mask per (prompt, head) and the pooling matrices.
    const keyBias = new Float32Array(P * heads * N);
    const pool = new Float32Array(P * P * N);
    const poolT = new Float32Array(P * N * P);
    for (let p = 0; p < P; p++) {
      const real = 2 * batch.lengths[p];
      for (let j = 0; j < heads; j++) keyBias.fill(MASKED_SCORE, (p * heads + j) * N + real, (p * heads + j + 1) * N);
      for (let i = 0; i < real; i++) {
        pool[p * P * N + p * N + i] = 1 / real;
        poolT[(p * N + i) * P + p] = 1 / real;
      }
    }
    const rate = options.training === true ? dropout : 0;
    const dropMasks = rate > 0 ? this.dropoutMasks(P * N, width, rate) : null;
    return tf.tidy(() => {
      let maskIndex = 0;
      const drop = (x: tf.Tensor2D): tf.Tensor2D =>
        dropMasks === null ? x : tf.mul<tf.Tensor2D>(x, tf.tensor2d(dropMasks[maskIndex++], [P * N, width]));
      const bias = tf.tensor3d(keyBias, [P * heads, 1, N]);
      let h = drop(
        denseApply(
          tf.tensor2d(tokens.features, [P * N, tokens.featureDim]),
          this.embedding.kernel,
          this.embedding.bias,
          'linear',
          false,
        ),
      );
      for (const block of this.blocks) h = block.apply(h, N, bias, drop);
      const pooled = poolRows(this.finalNorm.apply(h), tf.tensor2d(pool, [P, P * N]), tf.tensor2d(poolT, [P * N, P]));
      return this.head.apply(pooled);
    });
  }

  /**
   * Host-side embeddings of prompts (evaluation mode, no gradient): one `Float32Array` of
   * `outputDim` values per prompt.
   * @throws as {@link TrajectoryEncoder.encode}.
   */
  embed(prompts: PromptBatch | readonly TrajectoryPrompt[]): Float32Array[] {
    const z = this.encode(prompts);
    const values = z.dataSync() as Float32Array;
    z.dispose();
    const out: Float32Array[] = [];
    for (let p = 0; p * this.outputDim < values.length; p++)
      out.push(values.slice(p * this.outputDim, (p + 1) * this.outputDim));
    return out;
  }

  /**
   * Every trainable variable in a fixed order: embedding kernel and bias; per block LayerNorm 1
   * (γ, β), query, key, value and output projections (kernel, bias each), LayerNorm 2, the two
   * feed-forward layers; the final LayerNorm; the head's layers.
   */
  trainableVariables(): tf.Variable[] {
    return [
      this.embedding.kernel,
      this.embedding.bias,
      ...this.blocks.flatMap((b) => b.trainableVariables()),
      ...this.finalNorm.trainableVariables(),
      ...this.head.trainableVariables(),
    ];
  }

  /** Number of scalar parameters. */
  parameterCount(): number {
    return this.trainableVariables().reduce((n, v) => n + v.size, 0);
  }

  /** Frees every variable. Further calls to `encode` throw; a second `dispose` does nothing. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.embedding.kernel.dispose();
    this.embedding.bias.dispose();
    for (const b of this.blocks) b.dispose();
    this.finalNorm.dispose();
    this.head.dispose();
  }

  /** Inverted-dropout masks (0 or 1/(1 − rate)), one per dropout site, drawn on the host. */
  private dropoutMasks(rows: number, cols: number, rate: number): Float32Array[] {
    const sites = 1 + 2 * this.config.layers;
    const keep = 1 / (1 - rate);
    return Array.from({ length: sites }, () => {
      const m = this.dropoutRng.fillUniform(new Float32Array(rows * cols));
      for (let i = 0; i < m.length; i++) m[i] = m[i] < rate ? 0 : keep;
      return m;
    });
  }

  private checkLive(): void {
    if (this.disposed)
      throw new RlError('TrajectoryEncoder: the encoder was disposed; create a new one before encoding.');
  }
}

function isPromptBatch(x: PromptBatch | readonly TrajectoryPrompt[]): x is PromptBatch {
  return !Array.isArray(x);
}
