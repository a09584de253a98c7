/**
 * Text embeddings computed elsewhere (for example with Llama-3-8B in Python, as in the paper)
 * and read from a file, so the paper's own LLM can condition a policy trained in TypeScript.
 *
 * @module
 */
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomicAsync } from '../../core/atomic-file.js';
import { ConfigError, DatasetError, NotFoundError } from '../../core/errors.js';
import {
  JSON_DOCUMENT_MAX_BYTES,
  readRegularFile,
  readRegularText,
  resolveInsideFolder,
} from '../../core/safe-files.js';
import { checkPrompts, normalizePrompt } from './prompt-format.js';
import type { TextEncoder } from './text-encoder.js';

/** `format` field of a precomputed-embeddings file. */
export const PRECOMPUTED_FORMAT = 'llmdpd-precomputed-text-embeddings';
/** `version` field of the precomputed-embeddings files this code reads and writes. */
export const PRECOMPUTED_VERSION = 1;

/** One prompt's vector in a precomputed-embeddings file. */
export interface PrecomputedEntry {
  /** The prompt text exactly as given to `encode` (it is normalised with {@link normalizePrompt} on both sides). */
  prompt: string;
  /** The instruction this vector was computed with; defaults to the file's top-level `instruction`. */
  instruction?: string;
  /** The vector (JSON-only files): `dimension` numbers. */
  embedding?: number[];
  /** The row of the binary data file holding the vector (binary files): an integer ≥ 0. */
  row?: number;
}

/**
 * The JSON document of a precomputed-embeddings file (JSON form, or the index of the binary form).
 *
 * JSON form: every entry has `embedding`. Binary form: the index names a `data` file (path
 * relative to the index) of little-endian float32 values, row-major `rows × dimension`, and
 * every entry has `row` instead of `embedding`.
 */
export interface PrecomputedEmbeddingsFile {
  /** Always {@link PRECOMPUTED_FORMAT}. */
  format: typeof PRECOMPUTED_FORMAT;
  /** Always {@link PRECOMPUTED_VERSION}. */
  version: typeof PRECOMPUTED_VERSION;
  /**
   * Which model and pooling made the vectors, e.g. `"meta-llama/Meta-Llama-3-8B mean-pooled last
   * hidden state"`. Becomes part of the encoder id, so change it when the model changes.
   */
  model: string;
  /** Length of every vector. */
  dimension: number;
  /** Instruction used for entries that do not name their own (`""` for none). */
  instruction: string;
  /** Binary form only: the float32 data file, relative to this index file. */
  data?: string;
  /** The prompts and their vectors (or rows). */
  entries: PrecomputedEntry[];
}

/** Options of {@link PrecomputedTextEncoder.load}. */
export interface PrecomputedTextEncoderOptions {
  /**
   * Which instruction's entries to serve (a file may hold vectors for several).
   * @defaultValue the file's top-level `instruction`
   */
  instruction?: string;
}

/** One prompt and its vector, as given to {@link writePrecomputedEmbeddings}. */
export interface PrecomputedEmbeddingInput {
  /** The prompt text (stored as given; normalised when read). */
  prompt: string;
  /** The instruction the vector was computed with, when it differs from the file's default. */
  instruction?: string;
  /** The vector; every entry of one file has the same length. */
  embedding: ArrayLike<number>;
}

/** Data given to {@link writePrecomputedEmbeddings}. */
export interface PrecomputedEmbeddingsData {
  /** See {@link PrecomputedEmbeddingsFile.model}. */
  model: string;
  /** See {@link PrecomputedEmbeddingsFile.instruction}. */
  instruction: string;
  /** Prompts, optional per-entry instructions, and vectors (all of one length). */
  entries: readonly PrecomputedEmbeddingInput[];
}

/** Options of {@link writePrecomputedEmbeddings}. */
export interface WritePrecomputedOptions {
  /**
   * `json`: one JSON file with inline vectors. `binary`: the JSON index at `path` plus a
   * float32 data file next to it (same name, `.f32` extension).
   * @defaultValue 'json'
   */
  storage?: 'json' | 'binary';
}

const keyOf = (instruction: string, prompt: string): string => JSON.stringify([instruction.trim(), prompt]);

/** Words of a prompt, for the "closest prompt" hint. */
function wordSet(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

/**
 * Serves vectors computed outside this library from a file in the documented format
 * ({@link PrecomputedEmbeddingsFile}), keyed by (instruction, prompt). Nothing is computed at
 * run time: a prompt missing from the file is an error that says how to add it.
 *
 * The encoder input used by the LLM-backed encoders is the instruction, a blank line, then the
 * normalised prompt ({@link composeEncoderInput}); compute the vectors from that same text so
 * the two encoders agree. A Python script that writes a JSON file for the paper's setting
 * (Llama-3-8B, mean of the last hidden layer over real tokens):
 *
 * ```python
 * # pip install torch transformers accelerate   (Llama 3 needs an accepted licence on the Hub)
 * import json, torch
 * from transformers import AutoModel, AutoTokenizer
 *
 * model_id = "meta-llama/Meta-Llama-3-8B"
 * instruction = "convert the following task description into a structured policy representation"
 * prompts = [
 *     "Task: Meta-World push.\nObjective: Push the puck to a goal.\nConstraints: Randomize puck and goal positions.",
 * ]
 * tok = AutoTokenizer.from_pretrained(model_id)
 * model = AutoModel.from_pretrained(model_id, torch_dtype=torch.bfloat16, device_map="auto").eval()
 * entries = []
 * with torch.no_grad():
 *     for prompt in prompts:
 *         text = f"{instruction}\n\n{prompt}" if instruction else prompt
 *         batch = tok(text, return_tensors="pt").to(model.device)
 *         hidden = model(**batch).last_hidden_state.float()         # [1, T, H]
 *         mask = batch["attention_mask"].unsqueeze(-1).float()       # [1, T, 1]
 *         pooled = (hidden * mask).sum(1) / mask.sum(1)               # mean over real tokens
 *         entries.append({"prompt": prompt, "embedding": pooled[0].cpu().tolist()})
 * doc = {"format": "llmdpd-precomputed-text-embeddings", "version": 1,
 *        "model": f"{model_id} mean-pooled last hidden state",
 *        "dimension": len(entries[0]["embedding"]), "instruction": instruction, "entries": entries}
 * with open("text-embeddings.json", "w") as f:
 *     json.dump(doc, f)
 * ```
 *
 * For the binary form, write the vectors with `numpy.asarray(rows, dtype="<f4").tofile("text-embeddings.f32")`,
 * and in the JSON put `"data": "text-embeddings.f32"` and `{"prompt": ..., "row": i}` entries.
 *
 * @example
 * ```ts
 * const encoder = await PrecomputedTextEncoder.load('assets/text-embeddings.json');
 * const [z] = await encoder.encode(['Task: Meta-World push.']);
 * ```
 */
export class PrecomputedTextEncoder implements TextEncoder {
  /** `precomputed:<model>:d<dimension>` from the file; see {@link TextEncoder.id}. */
  readonly id: string;
  /** See {@link TextEncoder.dimension}. */
  readonly dimension: number;
  /** See {@link TextEncoder.instruction}. */
  readonly instruction: string;
  /** Where the vectors came from (the file path, or `"<in memory>"`). */
  readonly source: string;
  private readonly table: Map<string, Float32Array>;
  private readonly instructions: Set<string>;

  private constructor(
    doc: PrecomputedEmbeddingsFile,
    table: Map<string, Float32Array>,
    instruction: string,
    source: string,
  ) {
    this.dimension = doc.dimension;
    this.id = `precomputed:${doc.model}:d${doc.dimension}`;
    this.instruction = instruction;
    this.source = source;
    this.table = table;
    this.instructions = new Set([...table.keys()].map((k) => (JSON.parse(k) as [string, string])[0]));
  }

  /**
   * Reads a precomputed-embeddings file (JSON form, or the JSON index of the binary form).
   *
   * @param path - the JSON file.
   * @param options - which instruction's entries to serve.
   * @returns the encoder, with every vector checked and held in memory.
   * @throws {@link core!NotFoundError} when the file (or its data file) does not exist;
   *   {@link core!DatasetError} when it is malformed (wrong format/version, a vector of the wrong
   *   length or with non-finite values, a data file of the wrong size, one prompt with two
   *   different vectors), when the file or its data file is not a regular file (a FIFO, a
   *   device) or is larger than its limit (256 MB for the JSON; for the data file, one row per
   *   entry), or when `data` names a file outside the index's folder;
   *   {@link core!ConfigError} when no entry has the requested instruction.
   */
  static async load(path: string, options: PrecomputedTextEncoderOptions = {}): Promise<PrecomputedTextEncoder> {
    const file = resolve(path);
    const context = 'PrecomputedTextEncoder.load';
    const text = await readRegularText(file, {
      what: 'the embeddings file',
      context,
      maxBytes: JSON_DOCUMENT_MAX_BYTES,
      missing: (p) =>
        new NotFoundError(
          `PrecomputedTextEncoder: cannot read ${p}: it does not exist. Write it with the Python snippet in the PrecomputedTextEncoder docs, or with writePrecomputedEmbeddings().`,
        ),
    });
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new DatasetError(`PrecomputedTextEncoder: ${file} is not valid JSON (${(e as Error).message}).`, {
        cause: e,
      });
    }
    const index = doc as Partial<PrecomputedEmbeddingsFile> | null;
    const dataName = index !== null && typeof index === 'object' ? index.data : undefined;
    const dim = index?.dimension;
    const entries = index?.entries;
    // Only a well-formed index gets its data file read; fromFile names what is wrong otherwise.
    if (typeof dataName !== 'string' || !Number.isInteger(dim) || (dim as number) < 1 || !Array.isArray(entries))
      return PrecomputedTextEncoder.fromFile(doc, { ...options, source: file });
    const dataFile = resolveInsideFolder(dirname(file), dataName, {
      context,
      field: `the index ${file} field "data"`,
    });
    // The data file holds at most one row per entry (or up to the highest row an entry names).
    const maxRow = entries.reduce((a: number, e: unknown) => {
      const row = (e as { row?: unknown } | null)?.row;
      return typeof row === 'number' && Number.isSafeInteger(row) && row >= 0 ? Math.max(a, row) : a;
    }, -1);
    const rowBytes = (dim as number) * 4;
    const maxBytes = Math.max(entries.length, maxRow + 1) * rowBytes;
    const bytes = await readRegularFile(dataFile, {
      what: 'the embeddings data file',
      context,
      maxBytes: Number.isSafeInteger(maxBytes) ? maxBytes : Number.MAX_SAFE_INTEGER,
      missing: (p) =>
        new NotFoundError(
          `PrecomputedTextEncoder: the index ${file} names data file ${p}, which does not exist. Copy the data file next to the index.`,
        ),
    });
    if (bytes.byteLength % 4 !== 0)
      throw new DatasetError(
        `PrecomputedTextEncoder: data file ${dataFile} has ${bytes.byteLength} bytes, not a whole number of float32 values.`,
      );
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const data = new Float32Array(bytes.byteLength / 4);
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true);
    return PrecomputedTextEncoder.fromFile(doc, { ...options, source: file, data });
  }

  /**
   * Builds the encoder from an already-parsed document (JSON form, or binary form with its data).
   *
   * @param doc - the parsed JSON.
   * @param options - instruction to serve, where the document came from (for messages), and the
   *   float32 rows when `doc` is a binary-form index.
   * @returns the encoder.
   * @throws the same errors as {@link PrecomputedTextEncoder.load}, except file-system ones.
   */
  static fromFile(
    doc: unknown,
    options: PrecomputedTextEncoderOptions & { source?: string; data?: Float32Array | undefined } = {},
  ): PrecomputedTextEncoder {
    const source = options.source ?? '<in memory>';
    const bad = (what: string): never => {
      throw new DatasetError(
        `PrecomputedTextEncoder: ${source}: ${what}. See PrecomputedEmbeddingsFile for the format.`,
      );
    };
    if (typeof doc !== 'object' || doc === null) bad('the document is not a JSON object');
    const d = doc as Partial<PrecomputedEmbeddingsFile>;
    if (d.format !== PRECOMPUTED_FORMAT)
      bad(`"format" is ${JSON.stringify(d.format)}, expected "${PRECOMPUTED_FORMAT}"`);
    if (d.version !== PRECOMPUTED_VERSION)
      bad(`"version" is ${JSON.stringify(d.version)}, this library reads version ${PRECOMPUTED_VERSION}`);
    if (typeof d.model !== 'string' || d.model.trim() === '')
      bad('"model" must name the model and pooling that made the vectors');
    if (!Number.isInteger(d.dimension) || (d.dimension as number) < 1)
      bad(`"dimension" is ${JSON.stringify(d.dimension)}, expected a positive integer`);
    if (typeof d.instruction !== 'string')
      bad('"instruction" must be a string ("" when the vectors were computed without one)');
    if (!Array.isArray(d.entries) || d.entries.length === 0) bad('"entries" must be a non-empty array');
    if (d.data !== undefined && typeof d.data !== 'string')
      bad(`"data" is ${JSON.stringify(d.data)}; it must name the float32 data file next to the index (or be left out)`);
    const dim = d.dimension!;
    const binary = typeof d.data === 'string';
    if (binary && !options.data)
      bad(`the index names data file "${d.data}" but no data was given (use PrecomputedTextEncoder.load)`);
    const rows = binary ? options.data!.length / dim : 0;
    if (binary && !Number.isInteger(rows))
      bad(`data file holds ${options.data!.length} values, not a multiple of dimension ${dim}`);

    const table = new Map<string, Float32Array>();
    d.entries!.forEach((entry, i) => {
      if (typeof entry?.prompt !== 'string' || normalizePrompt(entry.prompt) === '')
        bad(`entry ${i} has no "prompt" text`);
      const instruction = entry.instruction ?? d.instruction!;
      if (typeof instruction !== 'string') bad(`entry ${i}: "instruction" must be a string`);
      let vector: Float32Array;
      if (binary) {
        if (!Number.isInteger(entry.row) || entry.row! < 0 || entry.row! >= rows)
          bad(`entry ${i}: "row" is ${JSON.stringify(entry.row)}, expected an integer in [0, ${rows})`);
        vector = options.data!.slice(entry.row! * dim, (entry.row! + 1) * dim);
      } else {
        if (!Array.isArray(entry.embedding) || entry.embedding.length !== dim)
          bad(
            `entry ${i}: "embedding" must be an array of ${dim} numbers (got ${Array.isArray(entry.embedding) ? entry.embedding.length : typeof entry.embedding})`,
          );
        const nonNumber = entry.embedding!.findIndex((v) => typeof v !== 'number');
        if (nonNumber >= 0)
          bad(`entry ${i}: "embedding"[${nonNumber}] is ${JSON.stringify(entry.embedding![nonNumber])}, not a number`);
        vector = Float32Array.from(entry.embedding!);
      }
      for (let j = 0; j < dim; j++)
        if (!Number.isFinite(vector[j]))
          bad(`entry ${i} ("${entry.prompt.slice(0, 40)}"): value ${j} is not a finite number`);
      const key = keyOf(instruction, normalizePrompt(entry.prompt));
      const previous = table.get(key);
      if (previous && previous.some((v, j) => v !== vector[j]))
        bad(`prompt "${entry.prompt.slice(0, 60)}" appears twice with different vectors`);
      table.set(key, vector);
    });
    const instruction = (options.instruction ?? d.instruction!).trim();
    const encoder = new PrecomputedTextEncoder(d as PrecomputedEmbeddingsFile, table, instruction, source);
    if (!encoder.instructions.has(instruction)) {
      throw new ConfigError(
        `PrecomputedTextEncoder: ${source} has no vectors for instruction ${JSON.stringify(instruction)}; it has ${[...encoder.instructions].map((s) => JSON.stringify(s)).join(', ')}. ` +
          'Pass one of those as `instruction`, or compute vectors with this instruction.',
      );
    }
    return encoder;
  }

  /** Number of (instruction, prompt) vectors held. */
  get size(): number {
    return this.table.size;
  }

  /**
   * See {@link TextEncoder.encode}: looks each prompt up under this encoder's instruction.
   *
   * @throws {@link core!NotFoundError} naming the first missing prompt, the closest prompt the file
   *   has, and how to add the missing one; {@link core!ConfigError} for an empty prompt.
   */
  async encode(prompts: readonly string[]): Promise<Float32Array[]> {
    return checkPrompts(prompts, 'PrecomputedTextEncoder').map((p) => {
      const v = this.table.get(keyOf(this.instruction, p));
      if (!v) throw this.missing(p);
      return v.slice();
    });
  }

  private missing(prompt: string): NotFoundError {
    const known = [...this.table.keys()].map((k) => JSON.parse(k) as [string, string]);
    const sameInstruction = known.filter(([i]) => i === this.instruction).map(([, p]) => p);
    const elsewhere = known.some(([i, p]) => p === prompt && i !== this.instruction);
    const words = wordSet(prompt);
    let best = '';
    let bestScore = -1;
    for (const p of sameInstruction) {
      const w = wordSet(p);
      const common = [...w].filter((x) => words.has(x)).length;
      const score = common / (w.size + words.size - common || 1);
      if (score > bestScore) [best, bestScore] = [p, score];
    }
    const short = (s: string): string => JSON.stringify(s.length > 400 ? `${s.slice(0, 397)}...` : s);
    return new NotFoundError(
      `PrecomputedTextEncoder (${this.source}, ${this.id}): no vector for prompt ${short(prompt)} with instruction ${short(this.instruction)}. ` +
        (elsewhere ? 'The file has this prompt under another instruction; pass that `instruction` to load(). ' : '') +
        `The file has ${sameInstruction.length} prompt(s) for this instruction; the closest is ${short(best)}. ` +
        'Compute the missing vector with the same model (see the Python snippet in the PrecomputedTextEncoder docs) and add it to the file.',
    );
  }

  /** Drops the vectors. */
  async dispose(): Promise<void> {
    this.table.clear();
  }
}

/**
 * Writes vectors in the precomputed-embeddings format, atomically (temporary files, then
 * rename; the data file is renamed before the index that names it). Useful to freeze the
 * output of any {@link TextEncoder} for use elsewhere, and in tests.
 *
 * @param path - the JSON file to write (the binary form puts `<name>.f32` next to it).
 * @param data - model description, default instruction and entries.
 * @param options - JSON or binary storage.
 * @returns the document written to `path`.
 * @throws {@link core!ConfigError} when there are no entries, vectors differ in length or hold
 *   non-finite values, or a prompt is empty.
 */
export async function writePrecomputedEmbeddings(
  path: string,
  data: PrecomputedEmbeddingsData,
  options: WritePrecomputedOptions = {},
): Promise<PrecomputedEmbeddingsFile> {
  const storage = options.storage ?? 'json';
  if (storage !== 'json' && storage !== 'binary')
    throw new ConfigError(
      `writePrecomputedEmbeddings: \`storage\` must be "json" or "binary"; received ${JSON.stringify(storage)}.`,
    );
  if (data.entries.length === 0)
    throw new ConfigError('writePrecomputedEmbeddings: `entries` is empty; give at least one prompt and its vector.');
  const dimension = data.entries[0].embedding.length;
  data.entries.forEach((e, i) => {
    if (normalizePrompt(e.prompt) === '')
      throw new ConfigError(`writePrecomputedEmbeddings: entry ${i} has an empty prompt.`);
    if (e.embedding.length !== dimension || dimension === 0)
      throw new ConfigError(
        `writePrecomputedEmbeddings: entry ${i} has ${e.embedding.length} values; entry 0 has ${dimension}. All vectors must have one non-zero length.`,
      );
    for (let j = 0; j < dimension; j++)
      if (!Number.isFinite(e.embedding[j]))
        throw new ConfigError(`writePrecomputedEmbeddings: entry ${i} value ${j} is not finite.`);
  });
  const file = resolve(path);
  await mkdir(dirname(file), { recursive: true });
  const doc: PrecomputedEmbeddingsFile = {
    format: PRECOMPUTED_FORMAT,
    version: PRECOMPUTED_VERSION,
    model: data.model,
    dimension,
    instruction: data.instruction,
    entries: [],
  };
  if (storage === 'binary') {
    const dataName = `${basename(file).replace(/\.json$/i, '')}.f32`;
    const bytes = Buffer.alloc(data.entries.length * dimension * 4);
    data.entries.forEach((e, row) => {
      for (let j = 0; j < dimension; j++) bytes.writeFloatLE(e.embedding[j], (row * dimension + j) * 4);
    });
    await writeFileAtomicAsync(join(dirname(file), dataName), bytes);
    doc.data = dataName;
    doc.entries = data.entries.map((e, row) => ({
      prompt: e.prompt,
      ...(e.instruction !== undefined ? { instruction: e.instruction } : {}),
      row,
    }));
  } else {
    doc.entries = data.entries.map((e) => ({
      prompt: e.prompt,
      ...(e.instruction !== undefined ? { instruction: e.instruction } : {}),
      embedding: Array.from(Float32Array.from(e.embedding)),
    }));
  }
  await writeFileAtomicAsync(file, JSON.stringify(doc));
  return doc;
}
