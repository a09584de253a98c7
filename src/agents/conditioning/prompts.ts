/**
 * The `prompts` conditioner: LLMDPD's two prompt branches (paper §3.1), c = [z_text, z_τ].
 *
 *   z_text = h_ψ(M(text))      M a frozen text encoder (an LLM, or the zero-download n-gram
 *                              default), h_ψ a trainable MLP head (ReLU; Eq. 1)
 *   z_τ    = g_φ(trajectory)   a trainable transformer over one trajectory of the task, mean-pooled,
 *                              with an MLP head (Eq. 3; `TrajectoryEncoder`)
 *
 * Each distinct text is embedded by M once for the agent's life (and saved in checkpoints), never
 * per training step. A task may have several trajectory prompts; the runtime draws one per step.
 * Either branch can be switched off (the paper's w/o-z_text and w/o-z_τ ablations).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, ConfigError, NonFiniteInputError, ShapeError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import type { Trajectory } from '../../core/types.js';
import { HashedNgramTextEncoder } from '../../encoders/text/hashed-text-encoder.js';
import { textEncoderInfo, type TextEncoder, type TextEncoderInfo } from '../../encoders/text/text-encoder.js';
import { buildPromptBatch, mergePromptBatches, type PromptBatch } from '../../encoders/trajectory/prompt-batch.js';
import { TrajectoryEncoder } from '../../encoders/trajectory/trajectory-encoder.js';
import { Mlp } from '../../nets/mlp.js';
import { checkFinite } from '../common/policy-inputs.js';
import type { PromptsConditionerConfig } from './config.js';
import type { TaskContext } from '../agent.js';
import type { ConditionerImplementation, ConditionNetwork, TrainingTask } from './kind.js';

/** One task's prompts, prepared on the host: the frozen text vector and one packed trajectory. */
export interface PreparedPrompt {
  /** M(text), or null when the text branch is off. */
  readonly text: Float32Array | null;
  /** The trajectory prompt packed for g_φ, or null when the trajectory branch is off. */
  readonly trajectory: PromptBatch | null;
}

/** What a checkpoint keeps of the prompts kind: the encoder it was trained with and every embedded text. */
export interface PromptsConditionerState {
  /** The text encoder's description. */
  readonly textEncoder: TextEncoderInfo;
  /** Every text embedded so far. */
  readonly texts: readonly string[];
  /** Their vectors, in the same order. */
  readonly textVectors: readonly (readonly number[])[];
}

/**
 * Reports one bad field of a saved state: `field` relative to the state (`textVectors[1][3]`),
 * what it must be, and the value found. It throws.
 */
export type StateFieldFailure = (field: string, mustBe: string, found: unknown) => never;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Checks a saved {@link PromptsConditionerState} (untrusted JSON from a checkpoint) field by field:
 * the encoder's `id` (a non-empty string), `dimension` (an integer >= 1, equal to
 * `textEmbeddingDim` when given) and `instruction` (a string), `texts` (distinct strings) and
 * `textVectors` (one per text, each `dimension` finite numbers).
 * @param textEmbeddingDim - the width the agent's text head expects, or null when unknown.
 * @param fail - called with the first bad field; it throws.
 * @returns the state, typed.
 */
export function checkPromptsConditionerState(
  state: unknown,
  textEmbeddingDim: number | null,
  fail: StateFieldFailure,
): PromptsConditionerState {
  if (!isPlainObject(state)) return fail('', 'an object { textEncoder, texts, textVectors }', state);
  const encoder = state['textEncoder'];
  if (!isPlainObject(encoder)) return fail('textEncoder', 'an object { id, dimension, instruction }', encoder);
  if (typeof encoder['id'] !== 'string' || encoder['id'] === '')
    return fail('textEncoder.id', 'a non-empty string', encoder['id']);
  const dim = encoder['dimension'];
  if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 1)
    return fail('textEncoder.dimension', 'an integer >= 1', dim);
  if (textEmbeddingDim !== null && dim !== textEmbeddingDim)
    return fail('textEncoder.dimension', `${textEmbeddingDim}, the config's textEmbeddingDim`, dim);
  if (typeof encoder['instruction'] !== 'string')
    return fail('textEncoder.instruction', 'a string', encoder['instruction']);
  const texts = state['texts'];
  if (!Array.isArray(texts)) return fail('texts', 'an array of strings', texts);
  const seen = new Set<string>();
  texts.forEach((t: unknown, i) => {
    if (typeof t !== 'string') fail(`texts[${i}]`, 'a string', t);
    if (seen.has(t)) fail(`texts[${i}]`, 'a text not listed before', t);
    seen.add(t);
  });
  const vectors = state['textVectors'];
  if (!Array.isArray(vectors) || vectors.length !== texts.length)
    return fail('textVectors', `an array of ${texts.length} vectors (one per text)`, vectors);
  vectors.forEach((v: unknown, i) => {
    if (!Array.isArray(v) || v.length !== dim) fail(`textVectors[${i}]`, `an array of ${dim} numbers`, v);
    (v as unknown[]).forEach((x, j) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) fail(`textVectors[${i}][${j}]`, 'a finite number', x);
    });
  });
  return state as unknown as PromptsConditionerState;
}

/** h_ψ and g_φ (either may be off). */
export class PromptNetworks implements ConditionNetwork<PreparedPrompt> {
  /** h_ψ, or null when the text prompt is not used. */
  readonly textHead: Mlp | null;
  /** g_φ, or null when the trajectory prompt is not used. */
  readonly trajectoryEncoder: TrajectoryEncoder | null;

  /** Draws h_ψ, then g_φ, from `rng`. */
  constructor(
    private readonly config: PromptsConditionerConfig,
    dims: { readonly observationDim: number; readonly actionDim: number },
    rng: Rng,
    name: string,
    trainable: boolean,
  ) {
    const c = config;
    this.textHead = c.useTextPrompt
      ? new Mlp({
          inputDim: c.textEmbeddingDim,
          hiddenDims: c.textHeadHiddenDims,
          outputDim: c.textOutputDim,
          activation: 'relu',
          rng,
          name: `${name}/text_head`,
          inputGradient: false,
          trainable,
        })
      : null;
    this.trajectoryEncoder = c.useTrajectoryPrompt
      ? new TrajectoryEncoder({
          observationDim: dims.observationDim,
          actionDim: dims.actionDim,
          outputDim: c.trajectoryOutputDim,
          width: c.trajectoryWidth,
          layers: c.trajectoryLayers,
          heads: c.trajectoryHeads,
          feedForwardDim: c.trajectoryFeedForwardDim,
          maxPromptLength: c.trajectoryPromptLength,
          dropout: c.trajectoryDropout,
          rng,
          name: `${name}/trajectory`,
        })
      : null;
  }

  /**
   * [h_ψ(text), g_φ(trajectory)] per prompt. The trajectories go through g_φ in one call, padded
   * to the longest (attention and pooling see only each prompt's real steps): one set of kernels
   * per step instead of one per task in the batch.
   */
  apply(inputs: readonly PreparedPrompt[], training: boolean): tf.Tensor2D {
    return tf.tidy(() => {
      const parts: tf.Tensor2D[] = [];
      if (this.textHead !== null) {
        const dim = this.config.textEmbeddingDim;
        const rows = new Float32Array(inputs.length * dim);
        inputs.forEach((p, i) => rows.set(p.text!, i * dim));
        parts.push(this.textHead.apply(tf.tensor2d(rows, [inputs.length, dim])));
      }
      if (this.trajectoryEncoder !== null) {
        const trajectories = mergePromptBatches(inputs.map((p) => p.trajectory!));
        parts.push(this.trajectoryEncoder.encode(trajectories, { training }));
      }
      return parts.length === 1 ? parts[0] : tf.concat(parts, 1);
    });
  }

  randomState(): unknown {
    return this.trajectoryEncoder?.dropoutRng.getState() ?? null;
  }

  setRandomState(state: unknown): void {
    if (state !== null && state !== undefined && this.trajectoryEncoder !== null)
      this.trajectoryEncoder.dropoutRng.setState(state as ReturnType<Rng['getState']>);
  }

  /** h_ψ's variables, then g_φ's. */
  trainableVariables(): tf.Variable[] {
    return [...(this.textHead?.trainableVariables() ?? []), ...(this.trajectoryEncoder?.trainableVariables() ?? [])];
  }

  dispose(): void {
    this.textHead?.dispose();
    this.trajectoryEncoder?.dispose();
  }
}

/** The prompts kind, with the text encoder and its per-text cache. */
export class PromptsConditioner implements ConditionerImplementation<PreparedPrompt> {
  /** Width of c = [z_text, z_τ]. */
  readonly width: number;
  private readonly textCache = new Map<string, Float32Array>();

  /** @param textEncoder - the frozen encoder M (not owned: the caller may share it). */
  constructor(
    /** The resolved config. */
    readonly config: PromptsConditionerConfig,
    /** The frozen text encoder M. */
    readonly textEncoder: TextEncoder,
    private readonly dims: { readonly observationDim: number; readonly actionDim: number },
  ) {
    this.width =
      (config.useTextPrompt ? config.textOutputDim : 0) + (config.useTrajectoryPrompt ? config.trajectoryOutputDim : 0);
  }

  /** Embeds texts with the frozen encoder, once per distinct text (kept for the agent's life). */
  async embedTexts(texts: readonly string[]): Promise<void> {
    if (!this.config.useTextPrompt) return;
    const missing = [...new Set(texts)].filter((t) => !this.textCache.has(t));
    if (missing.length === 0) return;
    const vectors = await this.textEncoder.encode(missing);
    const id = this.textEncoder.id;
    if (!Array.isArray(vectors) || vectors.length !== missing.length)
      throw new ShapeError(
        `Text encoder ${id} returned ${Array.isArray(vectors) ? vectors.length : 'no'} vectors for ${missing.length} texts; a text encoder returns one vector per text.`,
      );
    missing.forEach((text, i) => checkTextVector(vectors[i], this.config.textEmbeddingDim, id, text));
    missing.forEach((t, i) => this.textCache.set(t, Float32Array.from(vectors[i])));
  }

  private prepare(text: string | undefined, trajectory: Trajectory | undefined, what: string): PreparedPrompt {
    const c = this.config;
    let vector: Float32Array | null = null;
    if (c.useTextPrompt) {
      if (text === undefined)
        throw new ConfigError(`${what}: this agent conditions on a text prompt; pass context.textPrompt.`);
      const v = this.textCache.get(text);
      if (v === undefined)
        throw new ConfigError(
          `${what}: the text prompt has not been embedded yet; call \`await agent.policy(context)\` (or agent.embedTexts) first.`,
        );
      vector = v;
    }
    let packed: PromptBatch | null = null;
    if (c.useTrajectoryPrompt) {
      if (trajectory === undefined)
        throw new ConfigError(`${what}: this agent conditions on a trajectory prompt; pass context.trajectoryPrompt.`);
      packed = buildPromptBatch([trajectory], {
        maxSteps: c.trajectoryPromptLength,
        observationDim: this.dims.observationDim,
        actionDim: this.dims.actionDim,
      });
      const fix = 'Fix: take the trajectory prompt from an episode with finite observations and actions.';
      checkFinite(trajectory.observations, this.dims.observationDim, 'trajectoryPrompt.observations', what, fix);
      checkFinite(trajectory.actions, this.dims.actionDim, 'trajectoryPrompt.actions', what, fix);
    }
    return { text: vector, trajectory: packed };
  }

  /** One input per trajectory prompt of the task (one when the trajectory branch is off). */
  async prepareTask(task: TrainingTask): Promise<PreparedPrompt[]> {
    await this.embedTexts([task.textPrompt]);
    const what = `prompts conditioner, task ${JSON.stringify(task.name)}`;
    if (!this.config.useTrajectoryPrompt) return [this.prepare(task.textPrompt, undefined, what)];
    const trajectories = task.trajectoryPrompts ?? [task.trajectoryPrompt];
    return trajectories.map((t) => this.prepare(task.textPrompt, t, what));
  }

  /** Embeds the context's text, if new. */
  async ready(context: TaskContext): Promise<void> {
    if (context.textPrompt !== undefined) await this.embedTexts([context.textPrompt]);
  }

  /** The context's prompts (its text must be embedded already). */
  prepareContext(context: TaskContext, what: string): PreparedPrompt {
    return this.prepare(context.textPrompt, context.trajectoryPrompt, what);
  }

  /** h_ψ and g_φ. */
  createNetwork(rng: Rng, name: string, trainable: boolean): PromptNetworks {
    return new PromptNetworks(this.config, this.dims, rng, name, trainable);
  }

  /** The encoder's description and every embedded text with its vector. */
  getState(): PromptsConditionerState {
    const texts = [...this.textCache.keys()];
    return {
      textEncoder: textEncoderInfo(this.textEncoder),
      texts,
      textVectors: texts.map((t) => Array.from(this.textCache.get(t)!)),
    };
  }

  /**
   * @throws {@link CheckpointError} naming the field when the state is malformed (see
   * `checkPromptsConditionerState`); {@link ConfigError} when the checkpoint was trained with
   * another text encoder.
   */
  setState(state: unknown, where: string): void {
    const s = checkPromptsConditionerState(state, this.config.textEmbeddingDim, (field, mustBe, found) => {
      const path = field === '' ? 'conditioning.kind' : `conditioning.kind.${field}`;
      throw new CheckpointError(
        `${where}: the prompts conditioner's saved ${path} must be ${mustBe}, found ${JSON.stringify(found) ?? 'nothing'}. The checkpoint was damaged; restore it from a good copy.`,
        path,
      );
    });
    const saved = s.textEncoder;
    const encoder = this.textEncoder;
    if (encoder.id !== saved.id || encoder.dimension !== saved.dimension) {
      throw new ConfigError(
        `${where} was trained with text encoder ${saved.id} (dimension ${saved.dimension}); got ${encoder.id} (dimension ${encoder.dimension}). Pass the same encoder, e.g. LLMDPDAgent.load(dir, { textEncoder }).`,
      );
    }
    this.textCache.clear();
    s.texts.forEach((t, i) => this.textCache.set(t, Float32Array.from(s.textVectors[i])));
  }
}

/**
 * Checks a vector a text encoder returned: `dimension` finite values.
 * @throws {@link ShapeError} on a wrong length; {@link NonFiniteInputError} naming the text and
 * the column of the first NaN or infinite value.
 */
function checkTextVector(vector: ArrayLike<number>, dimension: number, encoderId: string, text: string): void {
  const shown = JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
  if (vector === null || typeof vector !== 'object' || vector.length !== dimension)
    throw new ShapeError(
      `Text encoder ${encoderId} returned a vector of ${String((vector as { length?: unknown } | null)?.length)} values for the text ${shown}; expected ${dimension} (the agent's textEmbeddingDim). Pass the encoder the agent was built with.`,
    );
  for (let j = 0; j < dimension; j++) {
    const v = vector[j];
    if (!Number.isFinite(v))
      throw new NonFiniteInputError(
        `Text encoder ${encoderId} returned ${String(v)} at column ${j} of the vector for the text ${shown}; a text vector must be finite. Check the encoder (or the precomputed embeddings file it reads).`,
        'text vector',
        0,
        j,
        v,
      );
  }
}

/**
 * Checks, before an agent is rebuilt from a checkpoint, that the text encoder given is the one
 * its `prompts` conditioner was trained with (same id and dimension; texts embedded before the
 * save are restored without the encoder).
 * @param header - the checkpoint header: version 2 keeps the encoder under
 * `conditioning.kind.textEncoder`, version 1 (0.1.0 LLMDPD) at `textEncoder`.
 * @throws {@link ConfigError} naming both encoders and how to pass the right one.
 */
export function assertSameTextEncoder(
  header: Readonly<Record<string, unknown>>,
  encoder: TextEncoder | undefined,
  dir: string,
): void {
  const conditioning = header['conditioning'] as { kind?: { textEncoder?: TextEncoderInfo } } | undefined;
  const saved = conditioning?.kind?.textEncoder ?? (header['textEncoder'] as TextEncoderInfo | undefined);
  if (saved === undefined) return;
  const given = encoder ?? new HashedNgramTextEncoder();
  if (given.id !== saved.id || given.dimension !== saved.dimension) {
    throw new ConfigError(
      `${dir} was trained with text encoder ${saved.id} (dimension ${saved.dimension}); got ${given.id} (dimension ${given.dimension}). Pass the same encoder: load(dir, { textEncoder }).`,
    );
  }
}

/**
 * The text encoder an agent uses: the one given, else, for a `prompts` conditioner, the
 * zero-download default (hashed n-grams; not an LLM); undefined for other kinds.
 */
export function textEncoderFor(
  conditioner: { readonly kind?: string } | undefined,
  given: TextEncoder | undefined,
): TextEncoder | undefined {
  return given ?? (conditioner?.kind === 'prompts' ? new HashedNgramTextEncoder() : undefined);
}
