import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, RlError, ShapeError } from '../../src/core/errors.js';
import { initEngine } from '../../src/engine/index.js';
import {
  SinusoidalTable,
  sinusoidalEmbedding,
  sinusoidalEmbeddingValues,
  sinusoidalFrequencies,
  sinusoidalTableValues,
} from '../../src/nets/timestep-embedding.js';
import { expectClose, expectNoLeakedTensors } from '../support/tensors.js';

/** exp(−j·ln(10000)/7), j = 0..7 (`docs/nets.md`, "Timestep embedding"), computed with numpy, 6 decimals. */
const FREQUENCIES_16 = [1, 0.26827, 0.071969, 0.019307, 0.005179, 0.001389, 0.000373, 0.0001];

/** emb(1) and emb(4) for dim 16, computed with numpy (sines first, then cosines), 7 decimals. */
const EMB_1 = [
  0.841471, 0.2650633, 0.0719065, 0.0193058, 0.0051795, 0.0013895, 0.0003728, 0.0001, 0.5403023, 0.964231, 0.9974114,
  0.9998136, 0.9999866, 0.999999, 0.9999999, 1.0,
];
const EMB_4 = [
  -0.7568025, 0.8786743, 0.2839146, 0.0771512, 0.0207164, 0.005558, 0.001491, 0.0004, -0.6536436, 0.4774217, 0.9588496,
  0.9970194, 0.9997854, 0.9999846, 0.9999989, 0.9999999,
];

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

describe('sinusoidal step embedding (golden: numpy values)', () => {
  test('the 8 frequencies of dim 16 match docs/nets.md', () => {
    const f = sinusoidalFrequencies();
    expect(f).toHaveLength(8);
    expectClose(f, FREQUENCIES_16, 1e-6, 0);
    expect(f[0]).toBe(1);
    expect(f[7]).toBeCloseTo(1e-4, 15);
  });

  test('emb(0) is eight zeros (sines) then eight ones (cosines); emb(1) and emb(4) match numpy', async () => {
    const emb = sinusoidalEmbedding([0, 1, 4]);
    expect(emb.shape).toEqual([3, 16]);
    expect(emb.dtype).toBe('float32');
    const v = await emb.data();
    emb.dispose();
    expect(Array.from(v.subarray(0, 16))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
    expectClose(v.subarray(16, 32), EMB_1, 1e-6, 0);
    expectClose(v.subarray(32, 48), EMB_4, 1e-6, 0);
  });

  test('matches the formula for other widths and accepts Int32Array', () => {
    const dim = 6;
    const steps = new Int32Array([3, 0, 7]);
    const v = sinusoidalEmbeddingValues(steps, dim);
    const half = 3;
    const expected: number[] = [];
    for (const k of steps) {
      const f = Array.from({ length: half }, (_, j) => Math.exp((-j * Math.log(10000)) / (half - 1)));
      expected.push(...f.map((x) => Math.sin(k * x)), ...f.map((x) => Math.cos(k * x)));
    }
    expectClose(v, expected, 1e-7, 0);
  });

  test('an empty batch gives a [0, dim] tensor', () => {
    const emb = sinusoidalEmbedding([]);
    expect(emb.shape).toEqual([0, 16]);
    emb.dispose();
  });

  test('invalid dims and steps are ConfigErrors', () => {
    for (const dim of [0, 2, 3, 15, 8.5]) expect(() => sinusoidalFrequencies(dim)).toThrow(ConfigError);
    expect(() => sinusoidalEmbedding([0], 7)).toThrow(/even integer >= 4/);
    expect(() => sinusoidalEmbedding([0, Number.NaN])).toThrow(/steps\[1\] = NaN/);
    expect(() => sinusoidalTableValues(0)).toThrow(ConfigError);
  });

  test('does not leak', async () => {
    await expectNoLeakedTensors(() => sinusoidalEmbedding([0, 1, 2, 3, 4]).dispose());
  });
});

describe('SinusoidalTable', () => {
  test('row k of the table is emb(k); lookups equal the direct embedding', async () => {
    const table = new SinusoidalTable(5);
    expect(table.table.shape).toEqual([5, 16]);
    const direct = sinusoidalEmbeddingValues([0, 1, 2, 3, 4]);
    expect(Array.from(await table.table.data())).toEqual(Array.from(direct));
    expect(Array.from(sinusoidalTableValues(5))).toEqual(Array.from(direct));

    const steps = [4, 0, 1, 4, 2];
    const a = table.lookup(steps);
    const b = table.lookup(new Int32Array(steps));
    const idx = tf.tensor1d(steps, 'int32');
    const c = table.lookup(idx);
    const expected = Array.from(sinusoidalEmbeddingValues(steps));
    for (const t of [a, b, c]) {
      expect(t.shape).toEqual([5, 16]);
      expect(Array.from(await t.data())).toEqual(expected);
    }
    expect(idx.isDisposed).toBe(false);
    tf.dispose([a, b, c, idx]);
    table.dispose();
  });

  test('constantStep repeats one row', async () => {
    const table = new SinusoidalTable(5);
    const t = table.constantStep(4, 3);
    expect(t.shape).toEqual([3, 16]);
    const v = await t.data();
    for (let r = 0; r < 3; r++) expectClose(v.subarray(16 * r, 16 * (r + 1)), EMB_4, 1e-6, 0);
    t.dispose();
    const empty = table.constantStep(0, 0);
    expect(empty.shape).toEqual([0, 16]);
    empty.dispose();
    table.dispose();
  });

  test('rejects steps outside 0..K-1, non-int32 tensors and use after dispose', () => {
    const table = new SinusoidalTable(5);
    expect(() => table.lookup([0, 5])).toThrow(ShapeError);
    expect(() => table.lookup([-1])).toThrow(/integer step in 0\.\.4.*received -1/);
    expect(() => table.lookup([1.5])).toThrow(ShapeError);
    expect(() => table.constantStep(5, 2)).toThrow(ShapeError);
    expect(() => table.constantStep(0, -1)).toThrow(ShapeError);
    const f = tf.tensor1d([0, 1], 'float32');
    expect(() => table.lookup(f)).toThrow(/1-D int32 tensor/);
    f.dispose();
    table.dispose();
    table.dispose(); // idempotent
    expect(() => table.lookup([0])).toThrow(RlError);
    expect(() => new SinusoidalTable(0)).toThrow(ConfigError);
  });

  test('survives a surrounding tidy, and construct + lookup + dispose leaks nothing', async () => {
    let built: SinusoidalTable | undefined;
    tf.tidy(() => {
      built = new SinusoidalTable(5);
    });
    const table = built!;
    expect(table.table.isDisposed).toBe(false);
    await expectNoLeakedTensors(() => {
      table.lookup([0, 1, 2]).dispose();
      table.constantStep(3, 8).dispose();
      tf.tidy(() => {
        table.lookup(new Int32Array([4, 4]));
      });
    });
    table.dispose();
    await expectNoLeakedTensors(() => new SinusoidalTable(5).dispose());
  });
});
