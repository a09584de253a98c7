/**
 * The zero-download default text encoder: hashed word and character n-gram features.
 *
 * @module
 */
import { ConfigError } from '../../core/errors.js';
import { checkPrompts, composeEncoderInput } from './prompt-format.js';
import type { TextEncoder } from './text-encoder.js';

/** Options of {@link HashedNgramTextEncoder}. Every field changes the vectors and therefore the id. */
export interface HashedNgramTextEncoderOptions {
  /**
   * Length of the embedding (number of hash buckets).
   * @defaultValue 512
   */
  dimension?: number;
  /**
   * Longest word n-gram: 1 = single words only, 2 = words and adjacent word pairs, ... (1 to 5).
   * @defaultValue 2
   */
  maxWordNgram?: number;
  /**
   * Shortest and longest character n-gram, taken inside each word padded as `<word>`
   * (1 to 10, min ≤ max); `null` turns character n-grams off.
   * @defaultValue [3, 5]
   */
  charNgramRange?: readonly [number, number] | null;
  /**
   * Weight of each word n-gram occurrence (≥ 0).
   * @defaultValue 1
   */
  wordWeight?: number;
  /**
   * Weight of each character n-gram occurrence (≥ 0). Character n-grams make related word forms
   * ("push", "pushing") share features.
   * @defaultValue 0.25
   */
  charWeight?: number;
  /**
   * Hash seed; a different seed gives a different (equally good) feature map.
   * @defaultValue 0
   */
  seed?: number;
  /**
   * Instruction placed before each prompt. The default is none: the same instruction text in
   * every prompt would add the same features to every vector and pull all tasks together.
   * @defaultValue `""`
   */
  instruction?: string;
}

/** The defaults of {@link HashedNgramTextEncoderOptions}. */
export const HASHED_NGRAM_DEFAULTS: Readonly<Required<HashedNgramTextEncoderOptions>> = Object.freeze({
  dimension: 512,
  maxWordNgram: 2,
  charNgramRange: Object.freeze([3, 5] as const),
  wordWeight: 1,
  charWeight: 0.25,
  seed: 0,
  instruction: '',
});

/** 32-bit FNV-1a over UTF-16 code units, started from a seeded basis. */
function fnv1a(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** MurmurHash3's 32-bit finaliser: spreads every input bit over the output. */
function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function checkInt(value: number, name: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `HashedNgramTextEncoder: \`${name}\` must be an integer in [${min}, ${max}]; received ${value}.`,
    );
  }
  return value;
}

function checkWeight(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0)
    throw new ConfigError(`HashedNgramTextEncoder: \`${name}\` must be a finite number ≥ 0; received ${value}.`);
  return value;
}

/**
 * A deterministic bag-of-n-grams encoder that needs no model and no download: the demo and
 * the tests run with it, and it is the fallback when no LLM is available.
 *
 * **This is not an LLM.** It carries no prior knowledge: two prompts are close only when they
 * share words, word pairs or word pieces ("push the puck" vs "pushing a puck" are close;
 * "open the drawer" vs "slide the cabinet out" are not). For the paper's method use
 * {@link TransformersTextEncoder} or {@link PrecomputedTextEncoder}.
 *
 * Features (feature hashing, Weinberger et al. 2009): the text (instruction + prompt) is
 * lower-cased and NFKC-normalised and split into words (runs of letters and digits). Every word
 * n-gram up to `maxWordNgram` adds `wordWeight`, and every character n-gram of each word (padded
 * as `<word>`) adds `charWeight`, to bucket `hash % dimension` with a hashed sign (±), which
 * keeps collisions unbiased. The vector is then L2-normalised, so cosine similarity is a dot
 * product. Hashing is FNV-1a with a MurmurHash3 finaliser, so vectors are identical on every
 * platform and run.
 *
 * @example
 * ```ts
 * const encoder = new HashedNgramTextEncoder();
 * const [push, pushWall] = await encoder.encode(['Task: push.', 'Task: push with a wall.']);
 * ```
 */
export class HashedNgramTextEncoder implements TextEncoder {
  /** See {@link TextEncoder.id}; spells out every option, e.g. `hashed-ngram:v1:d512:w1-2:c3-5:ww1:cw0.25:s0`. */
  readonly id: string;
  /** See {@link TextEncoder.dimension}. */
  readonly dimension: number;
  /** See {@link TextEncoder.instruction}. */
  readonly instruction: string;
  private readonly maxWordNgram: number;
  private readonly charRange: readonly [number, number] | null;
  private readonly wordWeight: number;
  private readonly charWeight: number;
  private readonly seed: number;

  /**
   * @param options - feature settings; see {@link HashedNgramTextEncoderOptions}.
   * @throws {@link core!ConfigError} for an out-of-range option.
   */
  constructor(options: HashedNgramTextEncoderOptions = {}) {
    const o = { ...HASHED_NGRAM_DEFAULTS, ...options };
    this.dimension = checkInt(o.dimension, 'dimension', 1, 1 << 24);
    this.maxWordNgram = checkInt(o.maxWordNgram, 'maxWordNgram', 1, 5);
    if (o.charNgramRange === null) {
      this.charRange = null;
    } else {
      const [lo, hi] = o.charNgramRange;
      checkInt(lo, 'charNgramRange[0]', 1, 10);
      checkInt(hi, 'charNgramRange[1]', lo, 10);
      this.charRange = [lo, hi];
    }
    this.wordWeight = checkWeight(o.wordWeight, 'wordWeight');
    this.charWeight = checkWeight(o.charWeight, 'charWeight');
    if (this.wordWeight === 0 && (this.charWeight === 0 || this.charRange === null)) {
      throw new ConfigError(
        'HashedNgramTextEncoder: every feature has weight 0; give `wordWeight` or `charWeight` a positive value.',
      );
    }
    this.seed = checkInt(o.seed, 'seed', 0, 0xffffffff);
    if (typeof o.instruction !== 'string')
      throw new ConfigError('HashedNgramTextEncoder: `instruction` must be a string ("" for none).');
    this.instruction = o.instruction;
    const chars = this.charRange ? `c${this.charRange[0]}-${this.charRange[1]}` : 'c0';
    this.id = `hashed-ngram:v1:d${this.dimension}:w1-${this.maxWordNgram}:${chars}:ww${this.wordWeight}:cw${this.charWeight}:s${this.seed}`;
  }

  /**
   * See {@link TextEncoder.encode}. Synchronous work behind a promise; about 10⁴–10⁵ short
   * prompts per second on one core.
   *
   * @throws {@link core!ConfigError} for an empty prompt.
   */
  async encode(prompts: readonly string[]): Promise<Float32Array[]> {
    return checkPrompts(prompts, 'HashedNgramTextEncoder').map((p) =>
      this.embed(composeEncoderInput(this.instruction, p)),
    );
  }

  /** Nothing to release; present for the {@link TextEncoder} contract. */
  async dispose(): Promise<void> {}

  private add(acc: Float64Array, feature: string, weight: number): void {
    const h = fmix32(fnv1a(feature, this.seed));
    const sign = fmix32(h ^ 0x9e3779b9) & 1 ? 1 : -1;
    acc[h % this.dimension] += sign * weight;
  }

  private embed(text: string): Float32Array {
    const acc = new Float64Array(this.dimension);
    const words =
      text
        .normalize('NFKC')
        .toLowerCase()
        .match(/[\p{L}\p{N}]+/gu) ?? [];
    if (this.wordWeight > 0) {
      for (let n = 1; n <= this.maxWordNgram; n++) {
        for (let i = 0; i + n <= words.length; i++)
          this.add(acc, `w${n}:${words.slice(i, i + n).join(' ')}`, this.wordWeight);
      }
    }
    if (this.charRange && this.charWeight > 0) {
      const [lo, hi] = this.charRange;
      for (const word of words) {
        const padded = `<${word}>`;
        for (let n = lo; n <= hi; n++) {
          for (let i = 0; i + n <= padded.length; i++) this.add(acc, `c:${padded.slice(i, i + n)}`, this.charWeight);
        }
      }
    }
    let norm = 0;
    for (let i = 0; i < acc.length; i++) norm += acc[i] * acc[i];
    const out = new Float32Array(this.dimension);
    if (norm === 0) return out; // text with no letters or digits: the zero vector
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < acc.length; i++) out[i] = acc[i] * inv;
    return out;
  }
}
