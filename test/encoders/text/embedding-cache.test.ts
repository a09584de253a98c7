import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ShapeError } from '../../../src/core/errors.js';
import {
  CachedTextEncoder,
  defaultEmbeddingCacheDir,
  EMBEDDING_CACHE_FORMAT,
  EmbeddingCache,
} from '../../../src/encoders/text/embedding-cache.js';
import { HashedNgramTextEncoder } from '../../../src/encoders/text/hashed-text-encoder.js';
import type { TextEncoder } from '../../../src/encoders/text/text-encoder.js';

/** A fake encoder that records every call; vectors depend only on the text. */
class CountingEncoder implements TextEncoder {
  readonly id: string;
  readonly dimension = 4;
  readonly instruction: string;
  calls: string[][] = [];
  failNext = false;
  wrongLength = false;
  constructor(id = 'counting:v1', instruction = 'do it') {
    this.id = id;
    this.instruction = instruction;
  }
  async encode(prompts: readonly string[]): Promise<Float32Array[]> {
    this.calls.push([...prompts]);
    await new Promise((r) => setTimeout(r, 5));
    if (this.failNext) {
      this.failNext = false;
      throw new Error('model crashed');
    }
    return prompts.map((p) =>
      Float32Array.from({ length: this.wrongLength ? 3 : 4 }, (_, i) => Math.fround(p.length * 0.1 + i / 3)),
    );
  }
  async dispose(): Promise<void> {}
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'llmdpd-cache-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('EmbeddingCache', () => {
  const key = { encoderId: 'transformers:qwen#abc:fp32:mean', instruction: 'convert', prompt: 'Task: push.' };

  test('round-trips float32 vectors bit-exactly in the documented layout', async () => {
    const cache = new EmbeddingCache(dir);
    const v = Float32Array.from([Math.fround(1 / 3), -1e-30, 3.4e38, 0, -0, Math.fround(Math.PI)]);
    expect((await cache.read(key, 6)).status).toBe('miss');
    await cache.write(key, v);
    const got = await cache.read(key, 6);
    expect(got.status).toBe('hit');
    const back = (got as { embedding: Float32Array }).embedding;
    expect(Array.from(back)).toEqual(Array.from(v, (x) => (x === 0 ? 0 : x))); // JSON keeps every float32 exactly except the sign of zero
    expect(Object.is(back[4], 0)).toBe(true);
    const file = cache.pathFor(key);
    expect(basename(file)).toMatch(/^[0-9a-f]{64}\.json$/);
    expect(basename(dirname(file))).toMatch(/^transformers_qwen_abc_fp32_mean-[0-9a-f]{8}$/);
    const entry: unknown = JSON.parse(readFileSync(file, 'utf8'));
    expect(entry).toMatchObject({ format: EMBEDDING_CACHE_FORMAT, version: 1, ...key, dimension: 6 });
    expect(readdirSync(dirname(file))).toEqual([basename(file)]); // no temporary files left
  });

  test('keys separate encoder ids, instructions and prompts', () => {
    const cache = new EmbeddingCache(dir);
    const paths = new Set([
      cache.pathFor(key),
      cache.pathFor({ ...key, instruction: '' }),
      cache.pathFor({ ...key, prompt: 'Task: reach.' }),
      cache.pathFor({ ...key, encoderId: 'transformers:qwen#abc:q8:mean' }),
      cache.pathFor({ ...key, encoderId: 'transformers/qwen#abc:fp32:mean' }), // sanitises to the same slug
    ]);
    expect(paths.size).toBe(5);
  });

  test('corrupt, foreign or wrong-sized entries read as invalid, not as vectors', async () => {
    const cache = new EmbeddingCache(dir);
    await cache.write(key, new Float32Array(4).fill(1));
    expect(await cache.read(key, 5)).toMatchObject({ status: 'invalid', reason: /not 5 finite numbers/ });
    const other = { ...key, prompt: 'Task: reach.' };
    writeFileSync(cache.pathFor(other), readFileSync(cache.pathFor(key)));
    expect(await cache.read(other, 4)).toMatchObject({ status: 'invalid', reason: /differs/ });
    writeFileSync(cache.pathFor(key), '{"format": "llmdpd-text-embedding", "vers');
    expect(await cache.read(key, 4)).toMatchObject({ status: 'invalid', reason: /not JSON/ });
    await expect(cache.write(key, Float32Array.from([1, NaN]))).rejects.toThrow(ShapeError);
  });

  test('defaultEmbeddingCacheDir follows LLMDPD_CACHE_DIR', () => {
    const saved = process.env['LLMDPD_CACHE_DIR'];
    process.env['LLMDPD_CACHE_DIR'] = dir;
    expect(defaultEmbeddingCacheDir()).toBe(join(dir, 'text-embeddings'));
    delete process.env['LLMDPD_CACHE_DIR'];
    expect(defaultEmbeddingCacheDir()).toBe(join(process.cwd(), '.llmdpd-cache', 'text-embeddings'));
    if (saved !== undefined) process.env['LLMDPD_CACHE_DIR'] = saved;
  });
});

describe('CachedTextEncoder', () => {
  test('embeds each prompt once ever: memory within a run, disk across runs', async () => {
    const inner = new CountingEncoder();
    const cached = new CachedTextEncoder(inner, { cacheDir: dir });
    expect([cached.id, cached.dimension, cached.instruction]).toEqual([inner.id, 4, 'do it']);
    const a = await cached.encode(['push', 'reach', 'push']);
    expect(inner.calls).toEqual([['push', 'reach']]);
    expect(Array.from(a[2])).toEqual(Array.from(a[0]));
    await cached.encode(['reach', 'push']);
    expect(inner.calls).toHaveLength(1);

    const nextRun = new CountingEncoder();
    const cached2 = new CachedTextEncoder(nextRun, { cacheDir: dir });
    const b = await cached2.encode(['push', 'reach', 'drawer']);
    expect(nextRun.calls).toEqual([['drawer']]);
    expect(cached2.stats).toEqual({
      requested: 3,
      memoryHits: 0,
      diskHits: 2,
      computed: 1,
      innerCalls: 1,
      invalidEntries: 0,
    });
    expect(Array.from(b[0])).toEqual(Array.from(a[0]));
  });

  test('the key includes the encoder id and instruction', async () => {
    await new CachedTextEncoder(new CountingEncoder('counting:v1', 'do it'), { cacheDir: dir }).encode(['push']);
    const otherInstruction = new CountingEncoder('counting:v1', 'do something else');
    await new CachedTextEncoder(otherInstruction, { cacheDir: dir }).encode(['push']);
    const otherId = new CountingEncoder('counting:v2', 'do it');
    await new CachedTextEncoder(otherId, { cacheDir: dir }).encode(['push']);
    expect(otherInstruction.calls).toHaveLength(1);
    expect(otherId.calls).toHaveLength(1);
  });

  test('normalised prompts share an entry', async () => {
    const inner = new CountingEncoder();
    const cached = new CachedTextEncoder(inner, { cacheDir: dir });
    await cached.encode(['Task: push.\nObjective: goal.']);
    await cached.encode(['  Task: push.\r\nObjective: goal.  \n']);
    expect(inner.calls).toHaveLength(1);
  });

  test('concurrent calls share work instead of embedding twice', async () => {
    const inner = new CountingEncoder();
    const cached = new CachedTextEncoder(inner, { cacheDir: dir });
    const [x, y] = await Promise.all([cached.encode(['push', 'reach']), cached.encode(['reach', 'push'])]);
    expect(inner.calls).toEqual([['push', 'reach']]);
    expect(Array.from(x[0])).toEqual(Array.from(y[1]));
  });

  test('a failure is not remembered; the next call retries', async () => {
    const inner = new CountingEncoder();
    const cached = new CachedTextEncoder(inner, { cacheDir: dir });
    inner.failNext = true;
    await expect(cached.encode(['push'])).rejects.toThrow('model crashed');
    const [v] = await cached.encode(['push']);
    expect(v.length).toBe(4);
    expect(inner.calls).toHaveLength(2);
  });

  test('memory-only mode (cacheDir: null) writes nothing and forgets between instances', async () => {
    const inner = new CountingEncoder();
    await new CachedTextEncoder(inner, { cacheDir: null }).encode(['push']);
    await new CachedTextEncoder(inner, { cacheDir: null }).encode(['push']);
    expect(inner.calls).toHaveLength(2);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('a corrupt disk entry is recomputed and rewritten', async () => {
    const inner = new CountingEncoder();
    const first = new CachedTextEncoder(inner, { cacheDir: dir });
    const [good] = await first.encode(['push']);
    const file = first.cache!.pathFor({ encoderId: inner.id, instruction: inner.instruction, prompt: 'push' });
    writeFileSync(file, 'garbage');
    const second = new CachedTextEncoder(inner, { cacheDir: dir });
    const [again] = await second.encode(['push']);
    expect(second.stats.invalidEntries).toBe(1);
    expect(inner.calls).toHaveLength(2);
    expect(Array.from(again)).toEqual(Array.from(good));
    expect((JSON.parse(readFileSync(file, 'utf8')) as { format: unknown }).format).toBe(EMBEDDING_CACHE_FORMAT);
  });

  test('returned arrays are copies; a wrong-length vector from the encoder is a ShapeError', async () => {
    const inner = new CountingEncoder();
    const cached = new CachedTextEncoder(inner, { cacheDir: dir });
    const [v] = await cached.encode(['push']);
    const keep = v[0];
    v[0] = 1234;
    expect((await cached.encode(['push']))[0][0]).toBe(keep);
    inner.wrongLength = true;
    await expect(cached.encode(['reach'])).rejects.toThrow(/length 3; its dimension is 4/);
  });

  test('works with the hashed encoder and gives its exact vectors', async () => {
    const hashed = new HashedNgramTextEncoder({ dimension: 32 });
    const cached = new CachedTextEncoder(hashed, { cacheDir: dir });
    const [a] = await cached.encode(['Task: push.']);
    const [b] = await new CachedTextEncoder(new HashedNgramTextEncoder({ dimension: 32 }), { cacheDir: dir }).encode([
      'Task: push.',
    ]);
    const [direct] = await hashed.encode(['Task: push.']);
    expect(Array.from(a)).toEqual(Array.from(direct));
    expect(Array.from(b)).toEqual(Array.from(direct));
  });
});
