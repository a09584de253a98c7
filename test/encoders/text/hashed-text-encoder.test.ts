import { ConfigError } from '../../../src/core/errors.js';
import { HASHED_NGRAM_DEFAULTS, HashedNgramTextEncoder } from '../../../src/encoders/text/hashed-text-encoder.js';
import { formatStructuredPrompt } from '../../../src/encoders/text/prompt-format.js';
import { cosineSimilarity } from '../../../src/encoders/text/text-encoder.js';

const push = formatStructuredPrompt({
  task: 'Meta-World push',
  objective: 'Push the puck to a goal',
  constraints: 'Randomize puck and goal positions',
});
const pushWall = formatStructuredPrompt({
  task: 'Meta-World push wall',
  objective: 'Push the puck to a goal behind a wall',
  constraints: 'Randomize puck and goal positions',
});
const drawer = formatStructuredPrompt({
  task: 'Meta-World drawer open',
  objective: 'Open a drawer by its handle',
  constraints: 'Randomize the drawer position',
});

/**
 * 'push the puck' with dimension 8 and word n-grams only (5 signed features, L2-normalised); computed once by this
 * implementation.
 */
const PINNED = [-0.904534, 0, 0, 0.301511, 0, 0, 0, -0.301511];

describe('HashedNgramTextEncoder', () => {
  const encoder = new HashedNgramTextEncoder();

  test('fixed dimension, unit L2 norm, finite values', async () => {
    const out = await encoder.encode([push, drawer, 'x']);
    expect(out).toHaveLength(3);
    for (const v of out) {
      expect(v.length).toBe(HASHED_NGRAM_DEFAULTS.dimension);
      expect(v.every(Number.isFinite)).toBe(true);
      expect(Math.hypot(...v)).toBeCloseTo(1, 6);
    }
    const small = new HashedNgramTextEncoder({ dimension: 64 });
    expect((await small.encode([push]))[0].length).toBe(64);
  });

  test('similar task texts are closer than unrelated ones', async () => {
    const [a, b, c] = await encoder.encode([push, pushWall, drawer]);
    const near = cosineSimilarity(a, b);
    const far = cosineSimilarity(a, c);
    expect(near).toBeGreaterThan(0.6);
    expect(far).toBeLessThan(0.5);
    expect(near - far).toBeGreaterThan(0.3);
    // character n-grams relate word forms that share no whole word
    const [p1, p2, p3] = await encoder.encode(['pushing', 'pushed', 'drawer']);
    expect(cosineSimilarity(p1, p2)).toBeGreaterThan(0.15);
    expect(cosineSimilarity(p1, p2)).toBeGreaterThan(cosineSimilarity(p1, p3) + 0.05);
  });

  test('deterministic across instances and calls; word order matters through word pairs', async () => {
    const [a] = await encoder.encode([push]);
    const [b] = await new HashedNgramTextEncoder().encode([push]);
    expect(Array.from(b)).toEqual(Array.from(a));
    const [ab, ba] = await encoder.encode(['open drawer close window', 'close drawer open window']);
    expect(cosineSimilarity(ab, ba)).toBeLessThan(0.999);
    const unigrams = new HashedNgramTextEncoder({ maxWordNgram: 1, charNgramRange: null });
    const [u1, u2] = await unigrams.encode(['open drawer close window', 'close drawer open window']);
    expect(cosineSimilarity(u1, u2)).toBeCloseTo(1, 6);
  });

  test('pinned values: the feature map does not drift (cached vectors and checkpoints rely on the id)', async () => {
    const tiny = new HashedNgramTextEncoder({ dimension: 8, charNgramRange: null });
    const [v] = await tiny.encode(['push the puck']);
    expect(Array.from(v, (x) => Math.round(x * 1e6) / 1e6)).toEqual(PINNED);
  });

  test('stable id spelling out every option', () => {
    expect(encoder.id).toBe('hashed-ngram:v1:d512:w1-2:c3-5:ww1:cw0.25:s0');
    expect(new HashedNgramTextEncoder({ dimension: 128, seed: 3, charNgramRange: null }).id).toBe(
      'hashed-ngram:v1:d128:w1-2:c0:ww1:cw0.25:s3',
    );
    expect(new HashedNgramTextEncoder({ seed: 1 }).id).not.toBe(encoder.id);
  });

  test('seed changes the vectors, instruction is part of the input', async () => {
    const [a] = await encoder.encode([push]);
    const [b] = await new HashedNgramTextEncoder({ seed: 1 }).encode([push]);
    expect(Array.from(b)).not.toEqual(Array.from(a));
    const withInstruction = new HashedNgramTextEncoder({ instruction: 'describe the policy' });
    expect(withInstruction.instruction).toBe('describe the policy');
    const [c] = await withInstruction.encode([push]);
    expect(cosineSimilarity(a, c)).toBeLessThan(0.999);
    expect(encoder.instruction).toBe('');
  });

  test('rejects bad options and empty prompts', async () => {
    expect(() => new HashedNgramTextEncoder({ dimension: 0 })).toThrow(ConfigError);
    expect(() => new HashedNgramTextEncoder({ maxWordNgram: 9 })).toThrow(/maxWordNgram/);
    expect(() => new HashedNgramTextEncoder({ charNgramRange: [4, 2] })).toThrow(/charNgramRange\[1\]/);
    expect(() => new HashedNgramTextEncoder({ wordWeight: 0, charWeight: 0 })).toThrow(/weight 0/);
    expect(() => new HashedNgramTextEncoder({ charWeight: -1 })).toThrow(/charWeight/);
    await expect(encoder.encode([''])).rejects.toThrow(/prompt 0 is empty/);
    await expect(encoder.encode('push' as unknown as string[])).rejects.toThrow(/array of prompt strings/);
  });

  test('text without letters or digits gives the zero vector', async () => {
    const [v] = await encoder.encode(['...!?']);
    expect(v.every((x) => x === 0)).toBe(true);
  });
});
