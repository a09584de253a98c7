/**
 * @jest-environment ./test/encoders/text/onnx-test-environment.cjs
 */
/**
 * TransformersTextEncoder through the real transformers.js + ONNX Runtime loading path, on tiny
 * model folders this file writes itself (see tiny-model.ts). Nothing is downloaded: env.fetch is
 * replaced by a recorder that never reaches the network, and every test checks it stayed unused
 * unless it is the test of the remote path.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoModel, AutoTokenizer, env } from '@huggingface/transformers';
import type { Tensor } from '@huggingface/transformers';
import { ConfigError, NotFoundError, RlError, ShapeError } from '../../../src/core/errors.js';
import { CachedTextEncoder } from '../../../src/encoders/text/embedding-cache.js';
import {
  composeEncoderInput,
  DEFAULT_TEXT_INSTRUCTION,
  formatStructuredPrompt,
} from '../../../src/encoders/text/prompt-format.js';
import type { TextEncoder } from '../../../src/encoders/text/text-encoder.js';
import { resolveModelSource, TransformersTextEncoder } from '../../../src/encoders/text/transformers-text-encoder.js';
import { writeTinyModel } from './tiny-model.js';

const HIDDEN = 16;
const PUSH = formatStructuredPrompt({
  task: 'Meta-World push',
  objective: 'Push the puck to a goal',
  constraints: ['Randomize puck and goal positions'],
});
const REACH = formatStructuredPrompt({
  task: 'Meta-World reach',
  objective: 'Reach a goal position',
  constraints: ['Randomize the goal position'],
});
const LONG = formatStructuredPrompt({
  task: 'Meta-World pick place',
  objective: 'Pick the puck up and place it at a goal position above the table without dropping it',
  constraints: [
    'Randomize puck and goal positions',
    'The goal may be in the air',
    'Keep the gripper closed while carrying the puck',
  ],
});
const WORDS = [DEFAULT_TEXT_INSTRUCTION, PUSH, REACH, LONG];

let root: string;
let bertDir: string;
let logitsDir: string;
let q8Dir: string;
const fetched: string[] = [];
const realFetch = env.fetch;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'llmdpd-text-'));
  bertDir = join(root, 'tiny-bert');
  logitsDir = join(root, 'tiny-llama-causal-lm');
  q8Dir = join(root, 'tiny-bert-q8');
  writeTinyModel(bertDir, { words: WORDS, hidden: HIDDEN, kind: 'bert' });
  writeTinyModel(logitsDir, { words: WORDS, hidden: HIDDEN, kind: 'llama-logits' });
  writeTinyModel(q8Dir, { words: WORDS, hidden: HIDDEN, kind: 'bert', onnxFiles: ['model_quantized.onnx'], seed: 99 });
  env.allowRemoteModels = false;
  // Any request transformers.js tries to make lands here and fails; nothing reaches a network.
  env.fetch = async (url: string | URL) => {
    fetched.push(String(url));
    return new Response('offline test', { status: 404 });
  };
});

afterAll(() => {
  env.fetch = realFetch;
  rmSync(root, { recursive: true, force: true });
});

afterEach(() => {
  // Only the explicitly remote test may try the network (and its stub answers 404).
  if (!expect.getState().currentTestName?.includes('allowRemoteModels: true')) expect(fetched).toEqual([]);
  fetched.length = 0;
});

/**
 * The paper's pooled vector computed independently: run the model on one text (no padding) and average all token
 * states.
 */
async function referenceMean(dir: string, text: string): Promise<Float32Array> {
  const tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
  const model = await AutoModel.from_pretrained(dir, { local_files_only: true, dtype: 'fp32' });
  const inputs = (tokenizer as unknown as (t: string) => Record<string, Tensor>)(text);
  const out = (await (model as unknown as (i: Record<string, Tensor>) => Promise<Record<string, Tensor>>)(inputs))[
    'last_hidden_state'
  ];
  const [, T, H] = out.dims as [number, number, number];
  const data = out.data as Float32Array;
  const mean = new Float32Array(H);
  for (let h = 0; h < H; h++) {
    let s = 0;
    for (let t = 0; t < T; t++) s += data[t * H + h];
    mean[h] = s / T;
  }
  await model.dispose();
  return mean;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('TransformersTextEncoder on a tiny local BERT-shaped ONNX model', () => {
  let encoder: TransformersTextEncoder;
  beforeAll(async () => {
    encoder = await TransformersTextEncoder.load({ model: bertDir });
  });
  afterAll(async () => {
    await encoder.dispose();
  });

  test('loads offline: dimension, output, instruction and a stable id', async () => {
    expect(encoder.dimension).toBe(HIDDEN);
    expect(encoder.outputName).toBe('last_hidden_state');
    expect(encoder.instruction).toBe(DEFAULT_TEXT_INSTRUCTION);
    expect(encoder.id).toMatch(/^transformers:tiny-bert#[0-9a-f]{12}:fp32:mean$/);
    expect(env.allowRemoteModels).toBe(false);
    const again = await TransformersTextEncoder.load({ model: bertDir });
    expect(again.id).toBe(encoder.id);
    await again.dispose();
  });

  test('returns one finite vector of the model hidden size per prompt', async () => {
    const out = await encoder.encode([PUSH, REACH, LONG]);
    expect(out).toHaveLength(3);
    for (const v of out) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(HIDDEN);
      expect(v.every(Number.isFinite)).toBe(true);
    }
    expect(maxAbsDiff(out[0], out[1])).toBeGreaterThan(1e-3); // different tasks, different vectors
  });

  test('is the mean of the last hidden state over the tokens of "instruction + prompt"', async () => {
    const [v] = await encoder.encode([PUSH]);
    const reference = await referenceMean(bertDir, composeEncoderInput(DEFAULT_TEXT_INSTRUCTION, PUSH));
    expect(maxAbsDiff(v, reference)).toBeLessThan(1e-6);
    const bare = await TransformersTextEncoder.load({ model: bertDir, instruction: '' });
    const [w] = await bare.encode([PUSH]);
    expect(maxAbsDiff(w, await referenceMean(bertDir, PUSH))).toBeLessThan(1e-6);
    expect(maxAbsDiff(v, w)).toBeGreaterThan(1e-3); // the instruction is really part of the input
    await bare.dispose();
  });

  test('padding does not change the pooled vector', async () => {
    const [alone] = await encoder.encode([PUSH]);
    const [batched, long] = await encoder.encode([PUSH, LONG]);
    expect(maxAbsDiff(alone, batched)).toBeLessThan(1e-6);
    // The batch really was padded, and pooling the pad rows would have shown: compare with an
    // unmasked mean of the same padded batch.
    const tokenizer = await AutoTokenizer.from_pretrained(bertDir, { local_files_only: true });
    const model = await AutoModel.from_pretrained(bertDir, { local_files_only: true, dtype: 'fp32' });
    const inputs = (tokenizer as unknown as (t: string[], o: object) => Record<string, Tensor>)(
      [composeEncoderInput(DEFAULT_TEXT_INSTRUCTION, PUSH), composeEncoderInput(DEFAULT_TEXT_INSTRUCTION, LONG)],
      { padding: true },
    );
    const mask = Array.from(inputs['attention_mask'].data as BigInt64Array, Number);
    const T = inputs['attention_mask'].dims[1];
    expect(mask.slice(0, T)).toContain(0);
    const states = (await (model as unknown as (i: Record<string, Tensor>) => Promise<Record<string, Tensor>>)(inputs))[
      'last_hidden_state'
    ];
    const unmasked = new Float32Array(HIDDEN);
    const data = states.data as Float32Array;
    for (let t = 0; t < T; t++) for (let h = 0; h < HIDDEN; h++) unmasked[h] += data[t * HIDDEN + h] / T;
    expect(maxAbsDiff(alone, unmasked)).toBeGreaterThan(1e-2);
    await model.dispose();
    expect(long.length).toBe(HIDDEN);
  });

  test('batch size does not change results, and results are deterministic across loads', async () => {
    const prompts = [PUSH, REACH, LONG, `${PUSH}\nReward: dense.`];
    const a = await encoder.encode(prompts);
    const b = await encoder.encode(prompts);
    const other = await TransformersTextEncoder.load({ model: bertDir, batchSize: 1 });
    const c = await other.encode(prompts);
    await other.dispose();
    for (let i = 0; i < prompts.length; i++) {
      expect(Array.from(b[i])).toEqual(Array.from(a[i])); // bit-identical on repeat
      expect(maxAbsDiff(a[i], c[i])).toBeLessThan(1e-6); // one-by-one equals batched
    }
  });

  test('normalises prompts: line ends and outer blanks do not matter', async () => {
    const [a] = await encoder.encode([PUSH]);
    const [b] = await encoder.encode([`  ${PUSH.replace(/\n/g, '\r\n')}\n\n`]);
    expect(Array.from(b)).toEqual(Array.from(a));
    await expect(encoder.encode(['  \n '])).rejects.toThrow(ConfigError);
  });

  test('last_token pooling takes the last real token and ignores padding; normalize gives unit vectors', async () => {
    const last = await TransformersTextEncoder.load({ model: bertDir, pooling: 'last_token', normalize: true });
    expect(last.id).toMatch(/:fp32:last_token:l2$/);
    expect(last.id).not.toBe(encoder.id);
    const [alone] = await last.encode([REACH]);
    const [batched] = await last.encode([REACH, LONG]);
    expect(maxAbsDiff(alone, batched)).toBeLessThan(1e-6);
    expect(Math.hypot(...alone)).toBeCloseTo(1, 5);
    const [mean] = await encoder.encode([REACH]);
    expect(maxAbsDiff(alone, mean)).toBeGreaterThan(1e-3);
    await last.dispose();
  });

  test('the embedding cache calls the model once per prompt ever', async () => {
    const cacheDir = join(root, 'cache');
    let calls = 0;
    let prompts = 0;
    const counting = (inner: TextEncoder): TextEncoder => ({
      id: inner.id,
      dimension: inner.dimension,
      instruction: inner.instruction,
      encode: async (p) => {
        calls++;
        prompts += p.length;
        return inner.encode(p);
      },
      dispose: async () => undefined,
    });
    const run1 = new CachedTextEncoder(counting(encoder), { cacheDir });
    const first = await run1.encode([PUSH, REACH, PUSH]);
    expect([calls, prompts]).toEqual([1, 2]); // duplicates collapsed, one batched call
    await run1.encode([REACH, PUSH]);
    expect([calls, prompts]).toEqual([1, 2]); // same run: memory
    expect(run1.stats).toMatchObject({ requested: 5, computed: 2, memoryHits: 3, diskHits: 0, innerCalls: 1 });

    const run2 = new CachedTextEncoder(counting(encoder), { cacheDir }); // a later run
    const second = await run2.encode([PUSH, REACH, LONG]);
    expect([calls, prompts]).toEqual([2, 3]); // only LONG was new
    expect(run2.stats).toMatchObject({ diskHits: 2, computed: 1 });
    expect(Array.from(second[0])).toEqual(Array.from(first[0]));
    expect(Array.from(second[1])).toEqual(Array.from(first[1]));
    const [direct] = await encoder.encode([LONG]);
    expect(Array.from(second[2])).toEqual(Array.from(direct));
  });

  test('encode after dispose is a clear error', async () => {
    const e = await TransformersTextEncoder.load({ model: bertDir });
    await e.dispose();
    await expect(e.encode([PUSH])).rejects.toThrow(/disposed/);
  });
});

describe('TransformersTextEncoder failures', () => {
  test('a text-generation export that returns only logits fails and names the export needed', async () => {
    const err = await TransformersTextEncoder.load({ model: logitsDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toMatch(/returns logits, not hidden states \(outputs: logits\)/);
    expect(message).toMatch(/feature-extraction export/);
    expect(message).toMatch(/last_hidden_state/);
    expect(message).toMatch(/PrecomputedTextEncoder/);
  });

  test('an explicit outputName that the graph lacks is refused', async () => {
    await expect(TransformersTextEncoder.load({ model: bertDir, outputName: 'hidden_states.3' })).rejects.toThrow(
      /not an output of .*last_hidden_state/,
    );
  });

  test('a Hub id without allowRemoteModels fails fast, naming the option, and makes no request', async () => {
    env.allowRemoteModels = true; // even if someone else turned remote loading on globally
    const t0 = Date.now();
    const err = await TransformersTextEncoder.load({ model: 'onnx-community/Qwen3-Embedding-0.6B-ONNX' }).catch(
      (e: unknown) => e,
    );
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/remote models are off.*`allowRemoteModels: true`/s);
    env.allowRemoteModels = false;
  });

  test('a local load turns transformers.js remote loading off even when it was on', async () => {
    env.allowRemoteModels = true;
    const e = await TransformersTextEncoder.load({ model: bertDir });
    expect(env.allowRemoteModels).toBe(false);
    await e.dispose();
  });

  test('with allowRemoteModels: true a Hub id goes to the Hub (stubbed here) and a failure is wrapped', async () => {
    const modelCacheDir = join(root, 'hub-cache');
    const err = await TransformersTextEncoder.load({
      model: 'someone/not-a-real-model',
      allowRemoteModels: true,
      modelCacheDir,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RlError);
    expect((err as Error).message).toMatch(/loading someone\/not-a-real-model \(dtype fp32\) failed/);
    expect(fetched.length).toBeGreaterThan(0);
    expect(fetched[0]).toMatch(/^https:\/\/huggingface\.co\/someone\/not-a-real-model\/resolve\/main\//);
    expect(env.cacheDir).toBe(modelCacheDir);
    env.allowRemoteModels = false;
  });

  test('dtype selects the ONNX file; a missing one is named with the dtype that would load', async () => {
    const err = await TransformersTextEncoder.load({ model: q8Dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toMatch(
      /dtype 'fp32' loads onnx\/model\.onnx.*Present: model_quantized\.onnx \(use dtype: 'q8'\)/,
    );
    const q8 = await TransformersTextEncoder.load({ model: q8Dir, dtype: 'q8' });
    expect(q8.id).toMatch(/^transformers:tiny-bert-q8#[0-9a-f]{12}:q8:mean$/);
    const [v] = await q8.encode([PUSH]);
    expect(v.length).toBe(HIDDEN);
    await q8.dispose();
    await expect(TransformersTextEncoder.load({ model: bertDir, dtype: 'int3' as never })).rejects.toThrow(
      /`dtype` must be one of fp32, fp16, q8, q4/,
    );
  });

  test('dtype fp16 loads model_fp16.onnx and converts float16 token states', async () => {
    const fp16Dir = join(root, 'tiny-bert-fp16');
    writeTinyModel(fp16Dir, {
      words: WORDS,
      hidden: HIDDEN,
      kind: 'bert',
      onnxFiles: ['model_fp16.onnx'],
      float16Output: true,
    });
    const half = await TransformersTextEncoder.load({ model: fp16Dir, dtype: 'fp16' });
    const full = await TransformersTextEncoder.load({ model: bertDir });
    expect(half.id).toMatch(/:fp16:mean$/);
    const [a, b] = await half.encode([PUSH, LONG]);
    const [c, d] = await full.encode([PUSH, LONG]);
    expect(maxAbsDiff(a, c)).toBeLessThan(2e-3); // same weights, float16 rounding only
    expect(maxAbsDiff(b, d)).toBeLessThan(2e-3);
    expect(maxAbsDiff(a, c)).toBeGreaterThan(0); // really went through float16
    await half.dispose();
    await full.dispose();
  });

  test('a config.json hidden_size that disagrees with the graph is a ShapeError', async () => {
    const odd = join(root, 'tiny-bert-odd');
    writeTinyModel(odd, { words: WORDS, hidden: HIDDEN, kind: 'bert', config: { hidden_size: 99 } });
    await expect(TransformersTextEncoder.load({ model: odd })).rejects.toThrow(ShapeError);
    await expect(TransformersTextEncoder.load({ model: odd })).rejects.toThrow(/hidden_size 99 .* has 16 features/);
  });

  test('missing folders and incomplete folders are NotFoundErrors', async () => {
    await expect(TransformersTextEncoder.load({ model: join(root, 'nope') })).rejects.toThrow(NotFoundError);
    const partial = join(root, 'partial');
    writeTinyModel(partial, { words: ['x'], hidden: 4, kind: 'bert' });
    rmSync(join(partial, 'tokenizer.json'));
    await expect(TransformersTextEncoder.load({ model: partial })).rejects.toThrow(/lacks tokenizer\.json/);
  });

  test('resolveModelSource: local folders (also under localModelPath) and Hub ids', () => {
    expect(resolveModelSource({ model: bertDir })).toEqual({ kind: 'local', dir: bertDir });
    expect(resolveModelSource({ model: 'tiny-bert', localModelPath: root })).toEqual({ kind: 'local', dir: bertDir });
    expect(resolveModelSource({ model: 'org/model', allowRemoteModels: true })).toEqual({
      kind: 'hub',
      id: 'org/model',
    });
    expect(() => resolveModelSource({ model: 'org/model' })).toThrow(ConfigError);
    expect(() => resolveModelSource({ model: './missing/folder' })).toThrow(NotFoundError);
    expect(() => resolveModelSource({ model: '' })).toThrow(ConfigError);
  });
});
