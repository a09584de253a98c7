/**
 * The on-disk text-embedding cache and the {@link CachedTextEncoder} wrapper: a prompt is
 * embedded once ever per (encoder id, instruction, prompt), and read from memory for the rest of
 * a run, so an LLM is never called per training step.
 *
 * ## Cache format (version 1)
 *
 * ```text
 * <dir>/<encoder slug>/<key>.json
 * ```
 *
 * - `<encoder slug>`: the encoder id with every character outside `[A-Za-z0-9._-]` replaced by
 *   `_`, cut to 64 characters, then `-` and the first 8 hex digits of SHA-256(id) (so ids that
 *   sanitise alike stay apart). One folder per encoder: delete it to drop that encoder's vectors.
 * - `<key>`: the SHA-256 hex digest of the UTF-8 JSON text `[encoderId, instruction, prompt]`
 *   (prompt normalised by {@link normalizePrompt}).
 * - Each file is one JSON object:
 *   `{ "format": "llmdpd-text-embedding", "version": 1, "encoderId", "instruction", "prompt",
 *   "dimension", "embedding": [numbers] }`. Float32 values written as JSON numbers read back
 *   bit-exactly (except that `-0` reads back as `0`).
 *
 * Writes are atomic: the entry goes to `<key>.json.<pid>.<random>.tmp` in the same folder and is
 * renamed over `<key>.json`, so a reader sees the old file, the new file or none, never a partial
 * one, and concurrent runs that embed the same prompt simply both write the same content. On
 * read, the stored encoder id, instruction, prompt and dimension must match the request; a file
 * that does not parse or does not match, is not a regular file, or is larger than
 * {@link CACHE_ENTRY_MAX_BYTES} counts as a miss (and in
 * {@link CachedTextEncoderStats.invalidEntries}) and is rewritten.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomicAsync } from '../../core/atomic-file.js';
import { ConfigError, DatasetError, NotFoundError, ShapeError } from '../../core/errors.js';
import { readRegularText } from '../../core/safe-files.js';
import { checkPrompts } from './prompt-format.js';
import type { TextEncoder } from './text-encoder.js';

/** `format` field of every cache entry file. */
export const EMBEDDING_CACHE_FORMAT = 'llmdpd-text-embedding';
/** `version` field of the cache entry files this code writes and reads. */
export const EMBEDDING_CACHE_VERSION = 1;

/** Largest cache entry file read (a 16k-dimensional vector as JSON is about 400 kB). */
export const CACHE_ENTRY_MAX_BYTES = 16 * 1024 * 1024;

/**
 * The default cache root: `$LLMDPD_CACHE_DIR/text-embeddings` when that variable is set, else
 * `.llmdpd-cache/text-embeddings` under the current working directory (git-ignored in this
 * repository).
 *
 * @returns an absolute path.
 */
export function defaultEmbeddingCacheDir(): string {
  const root = process.env['LLMDPD_CACHE_DIR'];
  return root ? resolve(root, 'text-embeddings') : resolve('.llmdpd-cache', 'text-embeddings');
}

/** What identifies one cached embedding. */
export interface EmbeddingCacheKey {
  /** {@link TextEncoder.id} of the encoder that produced the vector. */
  encoderId: string;
  /** {@link TextEncoder.instruction} used with the prompt. */
  instruction: string;
  /** The prompt, normalised with {@link normalizePrompt}. */
  prompt: string;
}

/** One cache entry file, as stored (see the module comment). */
interface CacheEntryFile {
  format: string;
  version: number;
  encoderId: string;
  instruction: string;
  prompt: string;
  dimension: number;
  embedding: number[];
}

/** {@link EmbeddingCache.read} found a usable entry. */
export interface EmbeddingCacheHit {
  /** Discriminant. */
  status: 'hit';
  /** The cached vector (a new array). */
  embedding: Float32Array;
}

/** {@link EmbeddingCache.read} found no entry file. */
export interface EmbeddingCacheMiss {
  /** Discriminant. */
  status: 'miss';
}

/** {@link EmbeddingCache.read} found an entry file it cannot use. */
export interface EmbeddingCacheInvalid {
  /** Discriminant. */
  status: 'invalid';
  /** Why the file was rejected (does not parse, another key, wrong dimension, ...). */
  reason: string;
}

/** Result of {@link EmbeddingCache.read}: a vector, a plain miss, or an unusable file. */
export type EmbeddingCacheRead = EmbeddingCacheHit | EmbeddingCacheMiss | EmbeddingCacheInvalid;

/**
 * A folder of cached text embeddings (format in the module comment). Stateless apart from the
 * folder: several instances and several processes may share one.
 */
export class EmbeddingCache {
  /** Absolute path of the cache root. */
  readonly dir: string;

  /** @param dir - cache root, created on first write; defaults to {@link defaultEmbeddingCacheDir}. */
  constructor(dir: string = defaultEmbeddingCacheDir()) {
    if (typeof dir !== 'string' || dir === '') throw new ConfigError('EmbeddingCache: `dir` must be a non-empty path.');
    this.dir = resolve(dir);
  }

  /**
   * The file that holds (or would hold) an entry.
   *
   * @param key - encoder id, instruction and normalised prompt.
   * @returns an absolute path ending in `.json`.
   */
  pathFor(key: EmbeddingCacheKey): string {
    const slug = key.encoderId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64);
    const idHash = createHash('sha256').update(key.encoderId, 'utf8').digest('hex').slice(0, 8);
    const digest = createHash('sha256')
      .update(JSON.stringify([key.encoderId, key.instruction, key.prompt]), 'utf8')
      .digest('hex');
    return join(this.dir, `${slug}-${idHash}`, `${digest}.json`);
  }

  /**
   * Reads an entry.
   *
   * @param key - what to look up.
   * @param dimension - the expected vector length.
   * @returns `hit` with a new array, `miss` when there is no file, or `invalid` with the reason
   *   when the file does not parse or belongs to another key or dimension.
   */
  async read(key: EmbeddingCacheKey, dimension: number): Promise<EmbeddingCacheRead> {
    let text: string;
    try {
      text = await readRegularText(this.pathFor(key), {
        what: 'the cache entry',
        context: 'EmbeddingCache.read',
        maxBytes: CACHE_ENTRY_MAX_BYTES,
      });
    } catch (e) {
      if (e instanceof NotFoundError) return { status: 'miss' };
      // A special file (FIFO, device) or an oversized file is not a usable entry; writing the
      // entry replaces it.
      if (e instanceof DatasetError) return { status: 'invalid', reason: e.message };
      throw e;
    }
    let entry: Partial<CacheEntryFile>;
    try {
      entry = JSON.parse(text) as Partial<CacheEntryFile>;
    } catch (e) {
      return { status: 'invalid', reason: `not JSON (${(e as Error).message})` };
    }
    if (entry.format !== EMBEDDING_CACHE_FORMAT || entry.version !== EMBEDDING_CACHE_VERSION) {
      return { status: 'invalid', reason: `format ${String(entry.format)} version ${String(entry.version)}` };
    }
    if (entry.encoderId !== key.encoderId || entry.instruction !== key.instruction || entry.prompt !== key.prompt) {
      return { status: 'invalid', reason: 'stored key differs from the requested key' };
    }
    const values = entry.embedding;
    if (
      entry.dimension !== dimension ||
      !Array.isArray(values) ||
      values.length !== dimension ||
      !values.every((v) => typeof v === 'number' && Number.isFinite(v))
    ) {
      return { status: 'invalid', reason: `embedding is not ${dimension} finite numbers` };
    }
    return { status: 'hit', embedding: Float32Array.from(values) };
  }

  /**
   * Writes an entry atomically (temporary file, then rename).
   *
   * @param key - what the vector is for.
   * @param embedding - the vector (copied; float32 precision).
   * @throws {@link core!ShapeError} when the vector has non-finite values.
   */
  async write(key: EmbeddingCacheKey, embedding: Float32Array): Promise<void> {
    for (let i = 0; i < embedding.length; i++) {
      if (!Number.isFinite(embedding[i]))
        throw new ShapeError(
          `EmbeddingCache: the embedding of "${key.prompt.slice(0, 60)}" has a non-finite value at ${i}; not caching it.`,
        );
    }
    const file = this.pathFor(key);
    const entry: CacheEntryFile = {
      format: EMBEDDING_CACHE_FORMAT,
      version: EMBEDDING_CACHE_VERSION,
      encoderId: key.encoderId,
      instruction: key.instruction,
      prompt: key.prompt,
      dimension: embedding.length,
      embedding: Array.from(embedding),
    };
    await mkdir(join(file, '..'), { recursive: true });
    await writeFileAtomicAsync(file, JSON.stringify(entry));
  }
}

/** Options of {@link CachedTextEncoder}. */
export interface CachedTextEncoderOptions {
  /**
   * Cache root on disk; `null` keeps vectors in memory only (once per run, not once ever).
   * @defaultValue {@link defaultEmbeddingCacheDir}()
   */
  cacheDir?: string | null;
}

/** Counters of a {@link CachedTextEncoder}, for logs and tests. All start at 0. */
export interface CachedTextEncoderStats {
  /** Prompts requested through `encode` (duplicates included). */
  requested: number;
  /** Prompts answered from memory (embedded or read earlier in this run, or repeated in one call). */
  memoryHits: number;
  /** Prompts read from the disk cache. */
  diskHits: number;
  /** Prompts sent to the wrapped encoder. */
  computed: number;
  /** Calls made to the wrapped encoder's `encode` (at most one per `encode` call). */
  innerCalls: number;
  /** Disk entries that existed but could not be used (corrupt, or another key); they are rewritten. */
  invalidEntries: number;
}

/**
 * Wraps any {@link TextEncoder} so that each prompt is embedded once ever (on-disk
 * {@link EmbeddingCache}) and once per run (in memory), keyed by the wrapped encoder's id and
 * instruction and the normalised prompt. It has the wrapped encoder's id, dimension and
 * instruction, so it can stand in for it anywhere. Concurrent `encode` calls share work: a
 * prompt being embedded by one call is awaited, not embedded again, by another.
 *
 * Arrays returned are copies; mutating them does not change the cache.
 *
 * @example
 * ```ts
 * const encoder = new CachedTextEncoder(await TransformersTextEncoder.load({ model: './models/qwen-fe' }));
 * const [z] = await encoder.encode([formatStructuredPrompt({ task: 'push', objective: 'Push the puck to a goal' })]);
 * ```
 */
export class CachedTextEncoder implements TextEncoder {
  /** The wrapped encoder's id. */
  readonly id: string;
  /** The wrapped encoder's dimension. */
  readonly dimension: number;
  /** The wrapped encoder's instruction. */
  readonly instruction: string;
  /** The disk cache, or `null` when the cache is in memory only. */
  readonly cache: EmbeddingCache | null;
  /** Live counters (see {@link CachedTextEncoderStats}). */
  readonly stats: CachedTextEncoderStats = {
    requested: 0,
    memoryHits: 0,
    diskHits: 0,
    computed: 0,
    innerCalls: 0,
    invalidEntries: 0,
  };
  private readonly memory = new Map<string, Promise<Float32Array>>();

  /**
   * @param inner - the encoder that computes missing vectors; disposed with this wrapper.
   * @param options - where the disk cache lives.
   */
  constructor(
    private readonly inner: TextEncoder,
    options: CachedTextEncoderOptions = {},
  ) {
    this.id = inner.id;
    this.dimension = inner.dimension;
    this.instruction = inner.instruction;
    this.cache = options.cacheDir === null ? null : new EmbeddingCache(options.cacheDir ?? defaultEmbeddingCacheDir());
  }

  /**
   * See {@link TextEncoder.encode}. Misses that are not on disk go to the wrapped encoder in a
   * single call, then to the disk cache.
   *
   * @throws {@link core!ConfigError} for an empty prompt; whatever the wrapped encoder throws (that
   *   failure is not remembered: a later call tries again).
   */
  async encode(prompts: readonly string[]): Promise<Float32Array[]> {
    const normalized = checkPrompts(prompts, 'CachedTextEncoder');
    this.stats.requested += normalized.length;
    const mine: string[] = [];
    const resolvers = new Map<string, { resolve: (v: Float32Array) => void; reject: (e: unknown) => void }>();
    for (const p of normalized) {
      if (this.memory.has(p)) {
        this.stats.memoryHits++;
        continue;
      }
      let settle!: { resolve: (v: Float32Array) => void; reject: (e: unknown) => void };
      const promise = new Promise<Float32Array>((resolve, reject) => (settle = { resolve, reject }));
      promise.catch(() => undefined); // rejections are observed through the awaits below
      this.memory.set(p, promise);
      resolvers.set(p, settle);
      mine.push(p);
    }
    if (mine.length > 0) await this.fill(mine, resolvers);
    const out = await Promise.all(normalized.map((p) => this.memory.get(p)!));
    return out.map((v) => v.slice());
  }

  /** Resolves the promises of `prompts` from disk or from the wrapped encoder. */
  private async fill(
    prompts: string[],
    resolvers: Map<string, { resolve: (v: Float32Array) => void; reject: (e: unknown) => void }>,
  ): Promise<void> {
    try {
      const missing: string[] = [];
      for (const p of prompts) {
        const found = this.cache ? await this.cache.read(this.key(p), this.dimension) : ({ status: 'miss' } as const);
        if (found.status === 'hit') {
          this.stats.diskHits++;
          resolvers.get(p)!.resolve(found.embedding);
        } else {
          if (found.status === 'invalid') this.stats.invalidEntries++;
          missing.push(p);
        }
      }
      if (missing.length === 0) return;
      this.stats.innerCalls++;
      this.stats.computed += missing.length;
      const vectors = await this.inner.encode(missing);
      if (vectors.length !== missing.length) {
        throw new ShapeError(
          `CachedTextEncoder: encoder "${this.id}" returned ${vectors.length} vectors for ${missing.length} prompts.`,
        );
      }
      for (let i = 0; i < missing.length; i++) {
        const v = vectors[i];
        if (v.length !== this.dimension)
          throw new ShapeError(
            `CachedTextEncoder: encoder "${this.id}" returned a vector of length ${v.length}; its dimension is ${this.dimension}.`,
          );
        if (this.cache) await this.cache.write(this.key(missing[i]), v);
        resolvers.get(missing[i])!.resolve(v.slice());
      }
    } catch (e) {
      for (const p of prompts) {
        this.memory.delete(p); // forget the failure so a later call retries
        resolvers.get(p)!.reject(e);
      }
      throw e;
    }
  }

  private key(prompt: string): EmbeddingCacheKey {
    return { encoderId: this.id, instruction: this.instruction, prompt };
  }

  /** Forgets the in-memory vectors (the disk cache stays). */
  clearMemory(): void {
    this.memory.clear();
  }

  /** Disposes the wrapped encoder. */
  async dispose(): Promise<void> {
    this.memory.clear();
    await this.inner.dispose();
  }
}
