/**
 * The contract every text-prompt encoder meets, and helpers to record and compare an encoder in
 * checkpoints.
 *
 * An encoder is the frozen part of the paper's text branch, `M(z_text)` in eq. (1): it turns a
 * prompt into a fixed-size vector once, outside the training loop. The trainable projection head
 * `h_psi` lives with the agent and consumes these vectors.
 *
 * @module
 */
import { ConfigError } from '../../core/errors.js';

/**
 * A frozen text-prompt encoder: prompt strings in, one `Float32Array` of length
 * {@link TextEncoder.dimension} per prompt out.
 *
 * Implementations: {@link TransformersTextEncoder} (an LLM through transformers.js),
 * {@link PrecomputedTextEncoder} (vectors computed elsewhere, read from a file) and
 * {@link HashedNgramTextEncoder} (zero-download default, not an LLM). Wrap any of them in
 * {@link CachedTextEncoder} so each prompt is embedded once ever.
 *
 * Output shape: one array per prompt rather than one flat `N * dimension` array, because
 * prompts are few (one per task) and are stored and cached per task; stack them when a batch
 * is needed. The arrays returned belong to the caller (an encoder never reuses them).
 *
 * Note: the name shadows the WHATWG `TextEncoder` global (UTF-8 encoding) in modules that
 * import it; use `Buffer.from(text, 'utf8')` there instead.
 */
export interface TextEncoder {
  /**
   * Stable identifier of the embedding function (model, weights fingerprint, dtype, pooling,
   * feature settings). Two encoders with the same id give the same vectors for the same
   * (prompt, instruction). Used in cache keys and stored in checkpoints so a policy trained on
   * one encoder is not silently run on another.
   */
  readonly id: string;
  /** Length of every embedding this encoder returns. */
  readonly dimension: number;
  /**
   * The interpretation instruction placed before each prompt (paper section 3.1.1; `""` for
   * none). Part of the cache key, and part of what a checkpoint records.
   */
  readonly instruction: string;
  /**
   * Embeds prompts. Prompts are normalised first (see {@link normalizePrompt}), so prompts that
   * differ only in line ends or surrounding blanks get the same vector.
   *
   * @param prompts - task prompts, e.g. from {@link formatStructuredPrompt}.
   * @returns one new `Float32Array` of length {@link TextEncoder.dimension} per prompt, in order.
   * @throws {@link core!ConfigError} for an empty prompt; implementations document their other errors.
   */
  encode(prompts: readonly string[]): Promise<Float32Array[]>;
  /** Releases the encoder's resources (model sessions). The encoder must not be used afterwards. */
  dispose(): Promise<void>;
}

/** What a checkpoint records about the text encoder a policy was trained with. */
export interface TextEncoderInfo {
  /** {@link TextEncoder.id} at training time. */
  id: string;
  /** {@link TextEncoder.dimension} at training time. */
  dimension: number;
  /** {@link TextEncoder.instruction} at training time. */
  instruction: string;
}

/**
 * The plain-JSON description of an encoder, for checkpoints.
 *
 * @param encoder - any text encoder.
 * @returns its id, dimension and instruction.
 */
export function textEncoderInfo(encoder: TextEncoder): TextEncoderInfo {
  return { id: encoder.id, dimension: encoder.dimension, instruction: encoder.instruction };
}

/**
 * Checks that an encoder produces the same embeddings a checkpoint was trained on.
 *
 * @param saved - the info stored in the checkpoint ({@link textEncoderInfo} at training time).
 * @param encoder - the encoder about to be used.
 * @throws {@link core!ConfigError} naming each field that differs and how to fix it.
 */
export function assertTextEncoderCompatible(saved: TextEncoderInfo, encoder: TextEncoder): void {
  const problems: string[] = [];
  if (saved.id !== encoder.id) problems.push(`id "${encoder.id}" (checkpoint: "${saved.id}")`);
  if (saved.dimension !== encoder.dimension)
    problems.push(`dimension ${encoder.dimension} (checkpoint: ${saved.dimension})`);
  if (saved.instruction !== encoder.instruction)
    problems.push(
      `instruction ${JSON.stringify(encoder.instruction)} (checkpoint: ${JSON.stringify(saved.instruction)})`,
    );
  if (problems.length > 0) {
    throw new ConfigError(
      `The text encoder does not match the one this checkpoint was trained with: ${problems.join('; ')}. ` +
        'Load the same model/file with the same options (dtype, pooling, instruction), or retrain.',
    );
  }
}

/**
 * Cosine similarity of two vectors of the same length (0 when either is all zeros).
 *
 * @param a - first vector.
 * @param b - second vector.
 * @returns `a·b / (|a| |b|)`, in [-1, 1].
 * @throws {@link core!ConfigError} when the lengths differ.
 */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length)
    throw new ConfigError(`cosineSimilarity: vectors have lengths ${a.length} and ${b.length}; they must match.`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
