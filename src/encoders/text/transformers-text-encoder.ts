/**
 * LLM text embeddings through transformers.js (`@huggingface/transformers`, ONNX Runtime):
 * paper section 3.1.1, a frozen LLM `M` whose last hidden layer is mean-pooled over the real
 * tokens of "instruction + structured prompt".
 *
 * Offline by default: this module never lets transformers.js reach the network unless the
 * caller passes `allowRemoteModels: true` (see {@link TransformersTextEncoderOptions.allowRemoteModels}).
 *
 * transformers.js is imported lazily, on the first {@link TransformersTextEncoder.load}, so
 * importing the encoders does not load ONNX Runtime.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { PreTrainedModel, PreTrainedTokenizer, Tensor } from '@huggingface/transformers';
import { ConfigError, NotFoundError, RlError, ShapeError } from '../../core/errors.js';
import { importOptional } from '../../core/optional-import.js';
import { checkRegularFile, readRegularFileSync } from '../../core/safe-files.js';
import { checkPrompts, composeEncoderInput, DEFAULT_TEXT_INSTRUCTION } from './prompt-format.js';
import type { TextEncoder } from './text-encoder.js';

/**
 * Weight precisions, mapped to the ONNX file transformers.js loads from the model's `onnx/`
 * folder: `fp32` → `model.onnx`, `fp16` → `model_fp16.onnx`, `q8` → `model_quantized.onnx`,
 * `q4` → `model_q4.onnx`.
 */
export type TextEncoderDtype = 'fp32' | 'fp16' | 'q8' | 'q4';

/** The ONNX file-name suffix transformers.js uses for each {@link TextEncoderDtype}. */
export const DTYPE_FILE_SUFFIX: Readonly<Record<TextEncoderDtype, string>> = Object.freeze({
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  q4: '_q4',
});

/**
 * How token states become one vector. `mean`: the paper's mean over real (unpadded) tokens.
 * `last_token`: the state of the last real token, which decoder-derived embedding models such
 * as Qwen3-Embedding are trained for.
 */
export type TextPooling = 'mean' | 'last_token';

/** Options of {@link TransformersTextEncoder.load}. */
export interface TransformersTextEncoderOptions {
  /**
   * The model: a local folder (absolute, or relative to the working directory, or relative to
   * {@link TransformersTextEncoderOptions.localModelPath}) holding `config.json`,
   * `tokenizer.json`, `tokenizer_config.json` and `onnx/model<suffix>.onnx`; or a Hugging Face
   * Hub id (`"<org>/<name>"`, for example an ONNX export of Qwen3-Embedding-0.6B), which is used only with
   * `allowRemoteModels: true`.
   */
  model: string;
  /**
   * Allow downloading `model` from the Hugging Face Hub when it is not a local folder. Off by
   * default: loading then never touches the network (transformers.js runs with
   * `env.allowRemoteModels = false` and `local_files_only`), and a Hub id fails at once with a
   * {@link core!ConfigError} that names this option.
   * @defaultValue false
   */
  allowRemoteModels?: boolean;
  /**
   * Folder in which `model` is also looked for (`<localModelPath>/<model>`), like
   * transformers.js's `env.localModelPath`.
   * @defaultValue none (only the working directory)
   */
  localModelPath?: string;
  /**
   * Where downloads go when `allowRemoteModels` is on (transformers.js's `env.cacheDir`; its own
   * default is inside `node_modules`, lost on reinstall).
   * @defaultValue `$LLMDPD_CACHE_DIR/models`, else `.llmdpd-cache/models` in the working directory
   */
  modelCacheDir?: string;
  /**
   * Hub revision (branch, tag or commit) when downloading; part of the id of a Hub model.
   * @defaultValue 'main'
   */
  revision?: string;
  /**
   * Weight precision, i.e. which `onnx/model<suffix>.onnx` file is loaded (see {@link TextEncoderDtype}).
   * @defaultValue 'fp32'
   */
  dtype?: TextEncoderDtype;
  /**
   * ONNX Runtime device: `cpu` everywhere; `cuda` needs the onnxruntime-node CUDA binaries,
   * which an offline install usually skips.
   * @defaultValue 'cpu'
   */
  device?: 'cpu' | 'cuda';
  /**
   * Interpretation instruction put before each prompt (paper section 3.1.1); `""` for none.
   * @defaultValue {@link DEFAULT_TEXT_INSTRUCTION}
   */
  instruction?: string;
  /**
   * Pooling of the token states (see {@link TextPooling}).
   * @defaultValue 'mean'
   */
  pooling?: TextPooling;
  /**
   * Scale each vector to unit L2 norm. Off for the paper's setting (the trainable head sees the
   * raw mean); on for embedding models whose vectors are meant to be compared by cosine.
   * @defaultValue false
   */
  normalize?: boolean;
  /**
   * Longest input in tokens; longer inputs are truncated (a structured task prompt is far
   * shorter). Must be ≥ 2.
   * @defaultValue the tokenizer's `model_max_length`, capped at 8192
   */
  maxLength?: number;
  /**
   * Prompts per forward pass (padded to the longest in the batch; padding is masked out). Models
   * whose tokenizer has no pad token run one prompt at a time.
   * @defaultValue 8
   */
  batchSize?: number;
  /**
   * Name of the graph output holding the token states. By default the first present of
   * `last_hidden_state`, `token_embeddings`, then the highest-numbered `hidden_states.<n>`.
   * @defaultValue automatic
   */
  outputName?: string;
  /**
   * ONNX Runtime intra-op threads.
   * @defaultValue ONNX Runtime's choice
   */
  threads?: number;
  /**
   * Override the computed {@link TextEncoder.id} (for example to keep cached vectors after
   * moving a model folder). Must identify the model, dtype and pooling.
   * @defaultValue computed (see {@link TransformersTextEncoder.id})
   */
  id?: string;
}

/** A model folder on disk. */
export interface LocalTextModelSource {
  /** Discriminant. */
  kind: 'local';
  /** Absolute path of the folder. */
  dir: string;
}

/** A model to fetch from the Hugging Face Hub (only with `allowRemoteModels: true`). */
export interface HubTextModelSource {
  /** Discriminant. */
  kind: 'hub';
  /** The Hub id, e.g. `"org/name"`. */
  id: string;
}

/** Where a model comes from, after {@link resolveModelSource}. */
export type TextModelSource = LocalTextModelSource | HubTextModelSource;

/** Graph outputs that hold per-token states, in order of preference. */
const HIDDEN_OUTPUTS = ['last_hidden_state', 'token_embeddings'];

/** Default download cache for Hub models. */
function defaultModelCacheDir(): string {
  const root = process.env['LLMDPD_CACHE_DIR'];
  return root ? resolve(root, 'models') : resolve('.llmdpd-cache', 'models');
}

/**
 * Decides whether `options.model` is a local folder or a Hub id, without touching the network.
 *
 * A value is a local folder when it is an absolute path, starts with `.` or `~`, or names an
 * existing folder under the working directory or `localModelPath`. Anything else is a Hub id.
 *
 * @param options - the `model`, `localModelPath` and `allowRemoteModels` options.
 * @returns the resolved source.
 * @throws {@link core!NotFoundError} when a path-like `model` does not exist;
 *   {@link core!ConfigError} when `model` is a Hub id and `allowRemoteModels` is not `true`.
 */
export function resolveModelSource(
  options: Pick<TransformersTextEncoderOptions, 'model' | 'localModelPath' | 'allowRemoteModels'>,
): TextModelSource {
  const model = options.model;
  if (typeof model !== 'string' || model.trim() === '') {
    throw new ConfigError(
      'TransformersTextEncoder: `model` must be a local model folder or a Hugging Face Hub id; received an empty value.',
    );
  }
  const expanded = model.startsWith('~') ? join(process.env['HOME'] ?? '~', model.slice(1)) : model;
  const candidates = [resolve(expanded)];
  if (options.localModelPath && !isAbsolute(expanded)) candidates.push(resolve(options.localModelPath, expanded));
  const found = candidates.find((c) => existsSync(c) && statSync(c).isDirectory());
  if (found) return { kind: 'local', dir: found };
  const pathLike =
    isAbsolute(expanded) ||
    model.startsWith('.') ||
    model.startsWith('~') ||
    model.includes('\\') ||
    model.split('/').length > 2;
  if (pathLike) {
    throw new NotFoundError(
      `TransformersTextEncoder: model folder ${candidates.join(' or ')} does not exist. Give the folder that holds config.json, tokenizer.json and onnx/model.onnx.`,
    );
  }
  if (options.allowRemoteModels !== true) {
    throw new ConfigError(
      `TransformersTextEncoder: "${model}" is not a local folder (looked at ${candidates.join(', ')}) and remote models are off, so nothing is downloaded. ` +
        'Either download the model folder yourself and pass its path as `model` (or set `localModelPath`), ' +
        `or pass \`allowRemoteModels: true\` to fetch "${model}" from the Hugging Face Hub once into \`modelCacheDir\`.`,
    );
  }
  return { kind: 'hub', id: model };
}

/** Lists the ONNX files of a local model folder, for error messages. */
function onnxFilesIn(dir: string): string[] {
  try {
    return readdirSync(join(dir, 'onnx')).filter((f) => f.endsWith('.onnx'));
  } catch {
    return [];
  }
}

/** Byte limit of a model folder's JSON files (tokenizer.json of large vocabularies is tens of MB). */
const MODEL_JSON_MAX_BYTES = 512 * 1024 * 1024;

/** Checks the files a local model folder needs, and fingerprints it for the id. */
function checkLocalFolder(dir: string, dtype: TextEncoderDtype): string {
  const need = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];
  const missing = need.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    throw new NotFoundError(
      `TransformersTextEncoder: model folder ${dir} lacks ${missing.join(', ')}. A transformers.js model folder holds ${need.join(', ')} and onnx/model<suffix>.onnx.`,
    );
  }
  const onnxName = `model${DTYPE_FILE_SUFFIX[dtype]}.onnx`;
  const onnxPath = join(dir, 'onnx', onnxName);
  if (!existsSync(onnxPath)) {
    const present = onnxFilesIn(dir);
    const hints = (Object.keys(DTYPE_FILE_SUFFIX) as TextEncoderDtype[])
      .filter((d) => present.includes(`model${DTYPE_FILE_SUFFIX[d]}.onnx`))
      .map((d) => `dtype: '${d}'`);
    throw new NotFoundError(
      `TransformersTextEncoder: dtype '${dtype}' loads onnx/${onnxName}, which is not in ${dir}. ` +
        `Present: ${present.length > 0 ? present.join(', ') : 'no .onnx files'}${hints.length > 0 ? ` (use ${hints.join(' or ')})` : ''}.`,
    );
  }
  // Every file the runtime will open must be a regular file: a FIFO or a device would hang it.
  const context = 'TransformersTextEncoder';
  const hash = createHash('sha256');
  for (const f of need)
    hash.update(
      readRegularFileSync(join(dir, f), { what: `the model file ${f}`, context, maxBytes: MODEL_JSON_MAX_BYTES }),
    );
  const onnxBytes = checkRegularFile(onnxPath, { what: 'the ONNX model', context });
  hash.update(`${onnxName}:${onnxBytes}`);
  return hash.digest('hex').slice(0, 12);
}

/** Picks the graph output with the token states, or explains which export is needed. */
function pickHiddenOutput(outputNames: readonly string[], requested: string | undefined, model: string): string {
  if (requested !== undefined) {
    if (!outputNames.includes(requested))
      throw new ConfigError(
        `TransformersTextEncoder: \`outputName\` "${requested}" is not an output of ${model}; its outputs are ${outputNames.join(', ')}.`,
      );
    return requested;
  }
  for (const name of HIDDEN_OUTPUTS) if (outputNames.includes(name)) return name;
  const layers = outputNames
    .map((n) => ({ n, m: /^hidden_states[._]?(\d+)$/.exec(n) }))
    .filter((x) => x.m)
    .sort((a, b) => Number(b.m![1]) - Number(a.m![1]));
  if (layers.length > 0) return layers[0].n;
  const shown =
    outputNames.length > 6
      ? `${outputNames.slice(0, 6).join(', ')}, ... (${outputNames.length} in all)`
      : outputNames.join(', ');
  if (outputNames.includes('logits')) {
    throw new ConfigError(
      `TransformersTextEncoder: ${model} returns logits, not hidden states (outputs: ${shown}). It is a text-generation (causal-LM) export; ` +
        'pooling its logits would give vocabulary-sized scores, not the LLM embedding of paper section 3.1.1. ' +
        'Use a feature-extraction export whose ONNX graph outputs `last_hidden_state` (e.g. `optimum-cli export onnx --model <id> --task feature-extraction <folder>`), ' +
        'or an LLM-derived embedding model with ONNX weights, or compute the vectors in Python and use PrecomputedTextEncoder.',
    );
  }
  throw new ConfigError(
    `TransformersTextEncoder: ${model} has no output with token states (outputs: ${shown}). Expected last_hidden_state, token_embeddings or hidden_states.<n>; name the right one with \`outputName\`.`,
  );
}

function positiveInt(value: number | undefined, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min)
    throw new ConfigError(`TransformersTextEncoder: \`${name}\` must be an integer ≥ ${min}; received ${value}.`);
  return value;
}

/** Callable form of a transformers.js tokenizer, as this module uses it. */
type TokenizeFn = (
  texts: string[],
  options: { padding: boolean; truncation: boolean; max_length: number },
) => Record<string, Tensor>;
/** Callable form of a transformers.js model, as this module uses it. */
type ForwardFn = (inputs: Record<string, Tensor>) => Promise<Record<string, Tensor>>;

/** Everything a loaded encoder holds (built whole by `load`). */
interface LoadedParts {
  id: string;
  modelName: string;
  tokenizer: PreTrainedTokenizer;
  model: PreTrainedModel;
  outputName: string;
  instruction: string;
  pooling: TextPooling;
  normalize: boolean;
  maxLength: number;
  batchSize: number;
}

/**
 * Frozen LLM embeddings of text prompts through transformers.js and ONNX Runtime (CPU by
 * default), as in paper section 3.1.1: the input is the instruction, a blank line and the
 * structured prompt ({@link composeEncoderInput}); the output is the mean of the last hidden
 * layer over the real tokens (padding is masked out, so a prompt's vector does not depend on
 * what it is batched with).
 *
 * **Models that work** are ONNX graphs that output per-token hidden states
 * (`last_hidden_state`, or `hidden_states.<n>`), in a transformers.js folder layout:
 * - a feature-extraction export of a decoder LLM (Qwen2/2.5/3, Llama 3.x, OLMo, SmolLM2, ...)
 *   made with `optimum-cli export onnx --model <id> --task feature-extraction <folder>` (then
 *   copy `tokenizer.json`/`tokenizer_config.json` next to `config.json` and move the graph to
 *   `onnx/model.onnx`);
 * - an LLM-derived embedding model with ONNX weights, e.g. a Qwen3-Embedding-0.6B export (use
 *   `pooling: 'last_token'` and `normalize: true`, as that model was trained);
 * - any BERT-style sentence encoder with ONNX weights (not an LLM, but fine for ablations).
 *
 * **Models that do not work**: text-generation exports such as
 * `onnx-community/Llama-3.2-1B-Instruct`, `onnx-community/Qwen2.5-0.5B-Instruct` or
 * `HuggingFaceTB/SmolLM2-135M-Instruct` output only `logits` (and `present.*` caches); `load`
 * detects this and fails with a {@link core!ConfigError} that says which export is needed. For the
 * paper's Llama-3-8B, compute vectors in Python and use {@link PrecomputedTextEncoder}.
 *
 * Offline by default ({@link TransformersTextEncoderOptions.allowRemoteModels}): for a local
 * folder the load sets transformers.js's process-wide `env.allowRemoteModels = false` and passes
 * `local_files_only: true`, so no request is made; a Hub id without permission is refused
 * before transformers.js is even imported.
 *
 * @example
 * ```ts
 * const encoder = new CachedTextEncoder(
 *   await TransformersTextEncoder.load({ model: './models/qwen2.5-0.5b-feature-extraction', dtype: 'q8' }),
 * );
 * const [z] = await encoder.encode([formatStructuredPrompt({ task: 'Meta-World push', objective: 'Push the puck to a goal' })]);
 * ```
 */
export class TransformersTextEncoder implements TextEncoder {
  /**
   * See {@link TextEncoder.id}: `transformers:<folder name>#<fingerprint>:<dtype>:<pooling>[:l2]`
   * for a local folder (fingerprint: SHA-256 of config.json, tokenizer.json,
   * tokenizer_config.json and the ONNX file's size), or `transformers:<hub id>@<revision>:...`.
   */
  readonly id: string;
  /** See {@link TextEncoder.dimension}: the model's hidden size. */
  readonly dimension: number;
  /** See {@link TextEncoder.instruction}. */
  readonly instruction: string;
  /** The graph output that is pooled (e.g. `last_hidden_state`). */
  readonly outputName: string;
  private readonly parts: LoadedParts;
  private disposed = false;

  private constructor(parts: LoadedParts, dimension: number) {
    this.parts = parts;
    this.id = parts.id;
    this.instruction = parts.instruction;
    this.outputName = parts.outputName;
    this.dimension = dimension;
  }

  /**
   * Loads tokenizer and model, checks that the model gives hidden states, and runs one probe
   * prompt to learn (and check) the dimension.
   *
   * @param options - model location and settings; see {@link TransformersTextEncoderOptions}.
   * @returns a ready encoder.
   * @throws {@link core!ConfigError} for invalid options, a Hub id without `allowRemoteModels`, or a
   *   model that outputs only logits; {@link core!NotFoundError} for a missing folder or file (the
   *   message lists the ONNX files present and the dtype that loads them); {@link core!RlError}
   *   wrapping any other transformers.js / ONNX Runtime failure.
   */
  static async load(options: TransformersTextEncoderOptions): Promise<TransformersTextEncoder> {
    const dtype = options.dtype ?? 'fp32';
    if (!Object.hasOwn(DTYPE_FILE_SUFFIX, dtype))
      throw new ConfigError(
        `TransformersTextEncoder: \`dtype\` must be one of ${Object.keys(DTYPE_FILE_SUFFIX).join(', ')}; received ${JSON.stringify(dtype)}.`,
      );
    const pooling = options.pooling ?? 'mean';
    if (pooling !== 'mean' && pooling !== 'last_token')
      throw new ConfigError(
        `TransformersTextEncoder: \`pooling\` must be 'mean' or 'last_token'; received ${JSON.stringify(pooling)}.`,
      );
    const device = options.device ?? 'cpu';
    if (device !== 'cpu' && device !== 'cuda')
      throw new ConfigError(
        `TransformersTextEncoder: \`device\` must be 'cpu' or 'cuda'; received ${JSON.stringify(device)}.`,
      );
    const instruction = options.instruction ?? DEFAULT_TEXT_INSTRUCTION;
    if (typeof instruction !== 'string')
      throw new ConfigError('TransformersTextEncoder: `instruction` must be a string ("" for none).');
    const batchSize = positiveInt(options.batchSize, 'batchSize', 8);
    const threads = options.threads === undefined ? undefined : positiveInt(options.threads, 'threads', 1);
    if (options.maxLength !== undefined) positiveInt(options.maxLength, 'maxLength', 0, 2);
    const allowRemote = options.allowRemoteModels === true;

    const source = resolveModelSource(options);
    const revision = options.revision ?? 'main';
    const modelName = source.kind === 'local' ? source.dir : source.id;
    const fingerprint = source.kind === 'local' ? checkLocalFolder(source.dir, dtype) : undefined;
    const where = source.kind === 'local' ? source.dir : source.id;

    const hf = await importOptional(
      '@huggingface/transformers',
      () => import('@huggingface/transformers'),
      'TransformersTextEncoder',
      'It is an optional peer dependency (with onnxruntime-node and sharp, about 450 MB); set ONNXRUNTIME_NODE_INSTALL_CUDA=skip before installing to skip the CUDA download. HashedNgramTextEncoder and PrecomputedTextEncoder need nothing.',
    );
    // Offline enforcement: transformers.js consults these process-wide flags on every file it
    // resolves, and `local_files_only` again per call. A local load therefore never fetches.
    hf.env.allowLocalModels = true;
    hf.env.allowRemoteModels = allowRemote && source.kind === 'hub';
    const cacheDir = allowRemote ? resolve(options.modelCacheDir ?? defaultModelCacheDir()) : null;
    if (cacheDir) hf.env.cacheDir = cacheDir;
    const common = {
      local_files_only: !hf.env.allowRemoteModels,
      revision,
      ...(cacheDir ? { cache_dir: cacheDir } : {}),
    };

    let tokenizer: PreTrainedTokenizer;
    let model: PreTrainedModel;
    try {
      tokenizer = await hf.AutoTokenizer.from_pretrained(where, common);
      model = await hf.AutoModel.from_pretrained(where, {
        ...common,
        dtype,
        device,
        ...(threads !== undefined ? { session_options: { intraOpNumThreads: threads } } : {}),
      });
    } catch (e) {
      if (e instanceof RlError) throw e;
      const message = (e as Error)?.message ?? String(e);
      const notFound =
        (e as Error)?.name === 'ModelFileNotFoundError' || /not found|could not locate|no such file/i.test(message);
      const Cls = notFound ? NotFoundError : RlError;
      throw new Cls(`TransformersTextEncoder: loading ${modelName} (dtype ${dtype}) failed: ${message}`, { cause: e });
    }

    try {
      const session = (model.sessions as Record<string, { outputNames?: string[] } | undefined>)['model'];
      const outputNames = session?.outputNames ?? [];
      const outputName = pickHiddenOutput(outputNames, options.outputName, modelName);
      const tokenizerMax = Number(tokenizer.model_max_length);
      const maxLength =
        options.maxLength ?? (Number.isFinite(tokenizerMax) && tokenizerMax >= 2 ? Math.min(tokenizerMax, 8192) : 8192);
      const suffix = `${dtype}:${pooling}${options.normalize ? ':l2' : ''}`;
      const id =
        options.id ??
        (source.kind === 'local'
          ? `transformers:${basename(source.dir)}#${fingerprint}:${suffix}`
          : `transformers:${source.id}@${revision}:${suffix}`);
      const parts: LoadedParts = {
        id,
        modelName,
        tokenizer,
        model,
        outputName,
        instruction,
        pooling,
        normalize: options.normalize === true,
        maxLength,
        batchSize,
      };
      const [probe] = await TransformersTextEncoder.run(parts, ['dimension probe'], undefined);
      const dimension = probe.length;
      const hidden = (model.config as { hidden_size?: unknown }).hidden_size;
      if (typeof hidden === 'number' && hidden !== dimension && options.outputName === undefined) {
        throw new ShapeError(
          `TransformersTextEncoder: ${modelName} declares hidden_size ${hidden} in config.json but its "${outputName}" output has ${dimension} features per token.`,
        );
      }
      return new TransformersTextEncoder(parts, dimension);
    } catch (e) {
      await model.dispose();
      throw e;
    }
  }

  /**
   * See {@link TextEncoder.encode}. Prompts are embedded in batches of `batchSize`.
   *
   * @throws {@link core!ConfigError} for an empty prompt or after `dispose`.
   */
  async encode(prompts: readonly string[]): Promise<Float32Array[]> {
    if (this.disposed) throw new ConfigError(`TransformersTextEncoder (${this.id}) was disposed; load a new one.`);
    const normalized = checkPrompts(prompts, 'TransformersTextEncoder');
    const out = await TransformersTextEncoder.run(
      this.parts,
      normalized.map((p) => composeEncoderInput(this.instruction, p)),
      this.dimension,
    );
    return out;
  }

  /** Tokenises, runs the graph and pools, batch by batch. */
  private static async run(
    parts: LoadedParts,
    texts: string[],
    dimension: number | undefined,
  ): Promise<Float32Array[]> {
    const tokenize = parts.tokenizer as unknown as TokenizeFn;
    const forward = parts.model as unknown as ForwardFn;
    const canPad = parts.tokenizer.pad_token_id !== undefined && parts.tokenizer.pad_token_id !== null;
    const batch = canPad ? parts.batchSize : 1;
    const result: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += batch) {
      const chunk = texts.slice(start, start + batch);
      const inputs = tokenize(chunk, { padding: canPad, truncation: true, max_length: parts.maxLength });
      let outputs: Record<string, Tensor> = {};
      try {
        outputs = await forward(inputs);
        const states = outputs[parts.outputName];
        if (!states)
          throw new ShapeError(`TransformersTextEncoder: the model returned no "${parts.outputName}" output.`);
        result.push(...pool(states, inputs['attention_mask'], parts.pooling, parts.normalize, dimension));
      } finally {
        for (const t of [...Object.values(inputs), ...Object.values(outputs)]) t.dispose?.();
      }
    }
    return result;
  }

  /** Releases the ONNX Runtime sessions. Later `encode` calls throw. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.parts.model.dispose();
  }
}

/**
 * Pools token states `[B, T, H]` into B vectors using the attention mask `[B, T]`.
 *
 * @param states - float32 or float16 token states.
 * @param mask - 1 for real tokens, 0 for padding.
 * @param pooling - mean over real tokens, or the last real token.
 * @param normalize - scale to unit L2 norm.
 * @param dimension - expected H (undefined during the load probe).
 * @returns one new Float32Array of length H per row.
 * @throws {@link core!ShapeError} for unexpected shapes or a row without real tokens.
 */
function pool(
  states: Tensor,
  mask: Tensor,
  pooling: TextPooling,
  normalize: boolean,
  dimension: number | undefined,
): Float32Array[] {
  if (states.dims.length !== 3)
    throw new ShapeError(
      `TransformersTextEncoder: token states have shape [${states.dims.join(', ')}]; expected [batch, tokens, hidden].`,
    );
  const [B, T, H] = states.dims as [number, number, number];
  if (dimension !== undefined && H !== dimension)
    throw new ShapeError(`TransformersTextEncoder: token states have ${H} features; expected ${dimension}.`);
  if (mask.dims[0] !== B || mask.dims[1] !== T)
    throw new ShapeError(
      `TransformersTextEncoder: attention mask [${mask.dims.join(', ')}] does not match token states [${B}, ${T}, ${H}].`,
    );
  const f32 = states.type === 'float32' ? states : states.to('float32');
  const data = f32.data as Float32Array;
  const m = mask.data as ArrayLike<bigint | number>;
  const out: Float32Array[] = [];
  for (let b = 0; b < B; b++) {
    const acc = new Float64Array(H);
    let count = 0;
    let last = -1;
    for (let t = 0; t < T; t++) {
      if (Number(m[b * T + t]) === 0) continue;
      last = t;
      count++;
      if (pooling === 'mean') {
        const base = (b * T + t) * H;
        for (let h = 0; h < H; h++) acc[h] += data[base + h];
      }
    }
    if (count === 0)
      throw new ShapeError(`TransformersTextEncoder: prompt ${b} of the batch has no tokens after tokenisation.`);
    const v = new Float32Array(H);
    if (pooling === 'mean') for (let h = 0; h < H; h++) v[h] = acc[h] / count;
    else v.set(data.subarray((b * T + last) * H, (b * T + last + 1) * H));
    if (normalize) {
      let n = 0;
      for (let h = 0; h < H; h++) n += v[h] * v[h];
      if (n > 0) for (let h = 0, inv = 1 / Math.sqrt(n); h < H; h++) v[h] *= inv;
    }
    for (let h = 0; h < H; h++)
      if (!Number.isFinite(v[h]))
        throw new ShapeError(
          `TransformersTextEncoder: the pooled vector of prompt ${b} has a non-finite value (feature ${h}); check the model's dtype.`,
        );
    out.push(v);
  }
  if (f32 !== states) f32.dispose();
  return out;
}
