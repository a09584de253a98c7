/**
 * Builds tiny transformers.js model folders for the text-encoder tests, with no download and
 * no npm protobuf library: a minimal protobuf writer, an ONNX ModelProto encoder for the handful
 * of node types the test graphs use, a BERT-style WordPiece `tokenizer.json`, and the
 * `config.json` / `tokenizer_config.json` that transformers.js reads.
 *
 * The graph ("tiny contextual encoder"):
 *
 *     x    = word_emb[input_ids] (+ type_emb[token_type_ids])          [B, T, H]
 *     m    = float(attention_mask)[..., None]                          [B, T, 1]
 *     ctx  = sum_t(x * m) / sum_t(m)                                   [B, 1, H]   (mask-aware mixing, like attention)
 *     last_hidden_state = tanh((x + ctx) @ W + b)                      [B, T, H]
 *     logits = last_hidden_state @ W_out                               [B, T, V]   (only in the "logits" variant)
 *
 * Every token's state depends on the real tokens of its own sequence and on nothing else, so a
 * correct masked mean pool gives the same vector with or without right padding, while an
 * unmasked pool (or a graph that ignored the mask) would not: pad rows are non-zero.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// ---------------------------------------------------------------------------------------------
// Protobuf wire format (only what ONNX needs): varints, length-delimited fields, fixed32.

/** Appends protobuf fields to a growing byte list. */
class ProtoWriter {
  private readonly bytes: number[] = [];

  private varint(value: bigint | number): void {
    let v = BigInt(value);
    if (v < 0n) v += 1n << 64n; // int64 negatives are 10-byte two's complement varints
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      this.bytes.push(byte);
    } while (v !== 0n);
  }

  private tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  /** A varint field (int32, int64, enum). */
  int(field: number, value: bigint | number): this {
    this.tag(field, 0);
    this.varint(value);
    return this;
  }

  /** A fixed32 float field. */
  float(field: number, value: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.bytes.push(...b);
    return this;
  }

  /** A length-delimited field holding raw bytes. */
  raw(field: number, data: Uint8Array): this {
    this.tag(field, 2);
    this.varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }

  /** A UTF-8 string field. */
  string(field: number, value: string): this {
    return this.raw(field, new TextEncoder().encode(value));
  }

  /** An embedded message field. */
  message(field: number, inner: ProtoWriter): this {
    return this.raw(field, inner.finish());
  }

  /** A packed repeated varint field. */
  packedInts(field: number, values: readonly (bigint | number)[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.raw(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

// ---------------------------------------------------------------------------------------------
// ONNX messages (field numbers from onnx.proto).

const FLOAT = 1; // TensorProto.DataType.FLOAT
const FLOAT16 = 10; // TensorProto.DataType.FLOAT16
const INT64 = 7; // TensorProto.DataType.INT64
const ATTR_INT = 2; // AttributeProto.AttributeType.INT

interface Tensor {
  name: string;
  dims: number[];
  type: typeof FLOAT | typeof INT64;
  values: Float32Array | BigInt64Array;
}

function tensorProto(t: Tensor): ProtoWriter {
  const w = new ProtoWriter().packedInts(1, t.dims).int(2, t.type).string(8, t.name);
  const bytes = new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength); // little-endian hosts only
  return w.raw(9, bytes); // raw_data
}

/** A graph input/output: elem type and shape with symbolic (string) or fixed (number) dims. */
function valueInfo(name: string, elemType: number, shape: (string | number)[]): ProtoWriter {
  const shapeProto = new ProtoWriter();
  for (const d of shape) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shapeProto.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, elemType).message(2, shapeProto);
  const typeProto = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, name).message(2, typeProto);
}

interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  intAttrs?: Record<string, number>;
}

function nodeProto(n: Node, index: number): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, `${n.op.toLowerCase()}_${index}`).string(4, n.op);
  for (const [name, value] of Object.entries(n.intAttrs ?? {})) {
    w.message(5, new ProtoWriter().string(1, name).int(3, value).int(20, ATTR_INT));
  }
  return w;
}

/** Serialises a single-graph ONNX model (IR version 8, default-domain opset 17). */
function modelProto(graph: {
  nodes: Node[];
  initializers: Tensor[];
  inputs: ProtoWriter[];
  outputs: ProtoWriter[];
}): Uint8Array {
  const g = new ProtoWriter();
  graph.nodes.forEach((n, i) => g.message(1, nodeProto(n, i)));
  g.string(2, 'tiny_text_encoder');
  for (const t of graph.initializers) g.message(5, tensorProto(t));
  for (const i of graph.inputs) g.message(11, i);
  for (const o of graph.outputs) g.message(12, o);
  const opset = new ProtoWriter().string(1, '').int(2, 17);
  return new ProtoWriter().int(1, 8).string(2, 'llmdpd-test').message(7, g).message(8, opset).finish();
}

// ---------------------------------------------------------------------------------------------
// Tokenizer (BERT-style WordPiece, lower-cased) over a small vocabulary that covers any ASCII
// text: whole words from `words`, plus single letters/digits/punctuation and their `##` forms.

const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'] as const;

/** Builds the vocabulary: special tokens first (ids 0..3), then words, then characters. */
export function tinyVocabulary(words: readonly string[]): string[] {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');
  const punct = '.,:;!?-_()/\'"'.split('');
  const vocab = new Set<string>(SPECIAL);
  for (const w of words) for (const piece of w.toLowerCase().split(/[^a-z0-9]+/)) if (piece) vocab.add(piece);
  for (const c of [...chars, ...punct]) vocab.add(c);
  for (const c of chars) vocab.add(`##${c}`);
  return [...vocab];
}

function tokenizerJson(vocab: readonly string[]): unknown {
  const ids = Object.fromEntries(vocab.map((t, i) => [t, i]));
  const special = (content: string) => ({
    id: ids[content],
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const tok = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map(special),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [tok('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, tok('[SEP]')],
      pair: [
        tok('[CLS]'),
        { Sequence: { id: 'A', type_id: 0 } },
        tok('[SEP]'),
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [ids['[CLS]']], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [ids['[SEP]']], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: ids,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Model folder.

/** What {@link writeTinyModel} builds. */
export interface TinyModelOptions {
  /** Words given whole-word tokens (others are spelled out letter by letter). */
  words: readonly string[];
  /** Hidden size H (the embedding dimension). */
  hidden: number;
  /**
   * 'bert': encoder with token_type_ids and a `last_hidden_state` output. 'llama-logits': decoder-shaped
   * text-generation export whose only output is `logits`.
   */
  kind: 'bert' | 'llama-logits';
  /** ONNX file names to write under onnx/ (default ['model.onnx']); e.g. 'model_quantized.onnx' for dtype q8. */
  onnxFiles?: string[];
  /** Seed of the weights (different seeds give different models). */
  seed?: number;
  /** Extra config.json fields (e.g. to break hidden_size on purpose). */
  config?: Record<string, unknown>;
  /** Cast `last_hidden_state` to float16, as an fp16 export returns it (bert kind only). */
  float16Output?: boolean;
}

/** Deterministic weights in [-scale, scale) from a 32-bit LCG (Numerical Recipes constants). */
function weights(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}

/** The ONNX bytes of the tiny graph (see the file comment). */
export function tinyOnnxModel(
  vocabSize: number,
  hidden: number,
  kind: TinyModelOptions['kind'],
  seed: number,
  float16Output = false,
): Uint8Array {
  const H = hidden;
  const V = vocabSize;
  const initializers: Tensor[] = [
    { name: 'word_emb', dims: [V, H], type: FLOAT, values: weights(V * H, seed + 1, 1) },
    { name: 'dense_w', dims: [H, H], type: FLOAT, values: weights(H * H, seed + 2, 1 / Math.sqrt(H)) },
    { name: 'dense_b', dims: [H], type: FLOAT, values: weights(H, seed + 3, 0.1) },
    { name: 'axis1', dims: [1], type: INT64, values: BigInt64Array.from([1n]) },
    { name: 'axis2', dims: [1], type: INT64, values: BigInt64Array.from([2n]) },
  ];
  const nodes: Node[] = [{ op: 'Gather', inputs: ['word_emb', 'input_ids'], outputs: ['x'], intAttrs: { axis: 0 } }];
  const inputs = [
    valueInfo('input_ids', INT64, ['batch_size', 'sequence_length']),
    valueInfo('attention_mask', INT64, ['batch_size', 'sequence_length']),
  ];
  let x = 'x';
  if (kind === 'bert') {
    initializers.push({ name: 'type_emb', dims: [2, H], type: FLOAT, values: weights(2 * H, seed + 4, 0.5) });
    inputs.push(valueInfo('token_type_ids', INT64, ['batch_size', 'sequence_length']));
    nodes.push({ op: 'Gather', inputs: ['type_emb', 'token_type_ids'], outputs: ['tt'], intAttrs: { axis: 0 } });
    nodes.push({ op: 'Add', inputs: ['x', 'tt'], outputs: ['x_tt'] });
    x = 'x_tt';
  }
  nodes.push(
    { op: 'Cast', inputs: ['attention_mask'], outputs: ['m'], intAttrs: { to: FLOAT } },
    { op: 'Unsqueeze', inputs: ['m', 'axis2'], outputs: ['m3'] },
    { op: 'Mul', inputs: [x, 'm3'], outputs: ['xm'] },
    { op: 'ReduceSum', inputs: ['xm', 'axis1'], outputs: ['s'], intAttrs: { keepdims: 1 } },
    { op: 'ReduceSum', inputs: ['m3', 'axis1'], outputs: ['count'], intAttrs: { keepdims: 1 } },
    { op: 'Div', inputs: ['s', 'count'], outputs: ['ctx'] },
    { op: 'Add', inputs: [x, 'ctx'], outputs: ['y'] },
    { op: 'MatMul', inputs: ['y', 'dense_w'], outputs: ['z'] },
    { op: 'Add', inputs: ['z', 'dense_b'], outputs: ['zb'] },
    { op: 'Tanh', inputs: ['zb'], outputs: [float16Output ? 'h32' : 'last_hidden_state'] },
  );
  if (float16Output)
    nodes.push({ op: 'Cast', inputs: ['h32'], outputs: ['last_hidden_state'], intAttrs: { to: FLOAT16 } });
  const outputs: ProtoWriter[] = [];
  if (kind === 'bert') {
    outputs.push(valueInfo('last_hidden_state', float16Output ? FLOAT16 : FLOAT, ['batch_size', 'sequence_length', H]));
  } else {
    initializers.push({
      name: 'lm_head',
      dims: [H, V],
      type: FLOAT,
      values: weights(H * V, seed + 5, 1 / Math.sqrt(H)),
    });
    nodes.push({ op: 'MatMul', inputs: ['last_hidden_state', 'lm_head'], outputs: ['logits'] });
    outputs.push(valueInfo('logits', FLOAT, ['batch_size', 'sequence_length', V]));
  }
  return modelProto({ nodes, initializers, inputs, outputs });
}

/**
 * Writes a complete transformers.js model folder to `dir`: config.json, tokenizer.json,
 * tokenizer_config.json and onnx/<file> for each requested file.
 *
 * @returns the vocabulary (index = token id).
 */
export function writeTinyModel(dir: string, options: TinyModelOptions): string[] {
  const vocab = tinyVocabulary(options.words);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  const config =
    options.kind === 'bert'
      ? {
          architectures: ['BertModel'],
          model_type: 'bert',
          hidden_size: options.hidden,
          vocab_size: vocab.length,
          num_hidden_layers: 1,
          num_attention_heads: 1,
          intermediate_size: options.hidden,
          max_position_embeddings: 512,
          type_vocab_size: 2,
          pad_token_id: 0,
        }
      : {
          architectures: ['LlamaForCausalLM'],
          model_type: 'llama',
          hidden_size: options.hidden,
          vocab_size: vocab.length,
          num_hidden_layers: 1,
          num_attention_heads: 1,
          num_key_value_heads: 1,
          head_dim: options.hidden,
          max_position_embeddings: 512,
          pad_token_id: 0,
        };
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, ...options.config }, null, 2));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson(vocab)));
  const tokenizerConfig = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    model_max_length: 512,
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    clean_up_tokenization_spaces: true,
  };
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig, null, 2));
  const bytes = tinyOnnxModel(
    vocab.length,
    options.hidden,
    options.kind,
    options.seed ?? 7,
    options.float16Output === true,
  );
  for (const file of options.onnxFiles ?? ['model.onnx']) writeFileSync(join(dir, 'onnx', file), bytes);
  return vocab;
}
