import { jest } from '@jest/globals';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, RlError, ShapeError } from '../../src/core/errors.js';
import { initEngine } from '../../src/engine/index.js';
import type { NetModule } from '../../src/nets/module.js';
import { EMA_DEFAULTS, EmaCopy, hardUpdate, softUpdate } from '../../src/nets/target-updates.js';
import { expectClose, expectNoLeakedTensors } from '../support/tensors.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

/** A tiny NetModule over the given variables (stands in for an MLP). */
function moduleOf(vars: tf.Variable[]): NetModule {
  return { trainableVariables: () => [...vars], dispose: () => vars.forEach((v) => v.dispose()) };
}

function vars(...values: number[][]): tf.Variable[] {
  return values.map((v) => tf.variable(tf.tidy(() => tf.tensor1d(v))));
}

async function valuesOf(list: readonly tf.Variable[]): Promise<number[][]> {
  return Promise.all(list.map(async (v) => Array.from(await v.data())));
}

describe('softUpdate (Polyak, docs/nets.md "Target updates": θ′ ← τθ + (1−τ)θ′, τ = 0.005)', () => {
  test('golden: one step with τ = 0.005', async () => {
    const target = vars([0, 1, 2], [-4]);
    const source = vars([10, 10, 10], [6]);
    softUpdate(target, source, 0.005);
    const [t0, t1] = await valuesOf(target);
    expectClose(t0, [0.05, 1.045, 2.04], 1e-6, 1e-6);
    expectClose(t1, [-3.95], 1e-6, 1e-6);
    // the source is untouched
    expect((await valuesOf(source))[0]).toEqual([10, 10, 10]);
    tf.dispose([...target, ...source]);
  });

  test('n steps toward a fixed source: θ′_n = θ + (θ′_0 − θ)(1 − τ)^n', async () => {
    const target = vars([1, -1]);
    const source = vars([3, 3]);
    for (let i = 0; i < 200; i++) softUpdate(target, source, 0.005);
    const decay = 0.995 ** 200;
    expectClose((await valuesOf(target))[0], [3 + (1 - 3) * decay, 3 + (-1 - 3) * decay], 1e-5, 1e-5);
    tf.dispose([...target, ...source]);
  });

  test('τ = 1 copies, τ = 0 keeps; multi-dimensional variables work', async () => {
    const target = [tf.variable(tf.zeros([2, 3]))];
    const source = [tf.variable(tf.ones([2, 3]))];
    softUpdate(target, source, 0);
    expect(Array.from(await target[0].data())).toEqual([0, 0, 0, 0, 0, 0]);
    softUpdate(target, source, 1);
    expect(Array.from(await target[0].data())).toEqual([1, 1, 1, 1, 1, 1]);
    tf.dispose([...target, ...source]);
  });

  test('mismatched lists and bad τ are rejected before anything changes', async () => {
    const target = vars([0, 0], [0]);
    const source = vars([1, 1], [1]);
    expect(() => softUpdate(target, source.slice(0, 1), 0.005)).toThrow(ShapeError);
    expect(() => softUpdate(target, source.slice(0, 1), 0.005)).toThrow(/2 targets and 1 sources/);
    expect(() => softUpdate(target, [source[1], source[0]], 0.005)).toThrow(/variable 0 differs/);
    for (const tau of [-0.1, 1.5, Number.NaN]) expect(() => softUpdate(target, source, tau)).toThrow(ConfigError);
    expect(await valuesOf(target)).toEqual([[0, 0], [0]]);
    softUpdate([], [], 0.5); // empty lists are fine
    tf.dispose([...target, ...source]);
  });

  test('leaks nothing', async () => {
    const target = vars([1, 2, 3], [4]);
    const source = vars([5, 6, 7], [8]);
    await expectNoLeakedTensors(() => softUpdate(target, source, 0.005));
    tf.dispose([...target, ...source]);
  });
});

describe('hardUpdate', () => {
  test('copies, and later assigns to either side stay independent', async () => {
    const target = vars([0, 0]);
    const source = vars([1, 2]);
    hardUpdate(target, source);
    expect(await valuesOf(target)).toEqual([[1, 2]]);
    source[0].assign(tf.tidy(() => tf.tensor1d([7, 7])));
    expect(await valuesOf(target)).toEqual([[1, 2]]);
    target[0].assign(tf.tidy(() => tf.tensor1d([9, 9])));
    expect(await valuesOf(source)).toEqual([[7, 7]]);
    hardUpdate(source, source); // self-copy is a no-op, not a use-after-free
    expect(await valuesOf(source)).toEqual([[7, 7]]);
    expect(() => hardUpdate(target, vars([1, 2, 3]))).toThrow(ShapeError);
    await expectNoLeakedTensors(() => hardUpdate(target, source));
    tf.dispose([...target, ...source]);
  });
});

describe('EmaCopy (docs/nets.md "EMA copy": decay 0.995, from step 1000, every 5 steps)', () => {
  test('defaults are Diffusion-QL’s', () => {
    expect(EMA_DEFAULTS).toEqual({ decay: 0.995, startStep: 1000, every: 5 });
    const src = vars([0]);
    const ema = new EmaCopy(src);
    expect([ema.decay, ema.startStep, ema.every]).toEqual([0.995, 1000, 5]);
    ema.dispose();
    tf.dispose(src);
  });

  test('golden: frozen for steps 0..999, then averages at 1000, 1005, 1010 only', async () => {
    const actor = moduleOf(vars([0, 2]));
    const ema = new EmaCopy(actor);
    const copy = ema.variables();
    expect(copy[0].trainable).toBe(false);
    expect(copy[0]).not.toBe(actor.trainableVariables()[0]);
    actor.trainableVariables()[0].assign(tf.tidy(() => tf.tensor1d([1, 4]))); // online net moves away
    const moved: number[] = [];
    for (let step = 0; step <= 1012; step++) if (ema.update(step)) moved.push(step);
    expect(moved).toEqual([1000, 1005, 1010]);
    const d3 = 0.995 ** 3;
    // θ_ema = 0.995³·θ_0 + (1 − 0.995³)·θ : [0.014925125, 2.02985025]
    expectClose((await valuesOf(ema.variables()))[0], [1 - d3, 2 * d3 + 4 * (1 - d3)], 1e-6, 1e-6);
    expectClose([1 - d3], [0.014925125], 1e-12, 0);
    ema.dispose();
    actor.dispose();
  });

  test('configurable schedule; shouldUpdate; updateNow; reset', async () => {
    const src = vars([10]);
    const ema = new EmaCopy(src, { decay: 0.5, startStep: 0, every: 2 });
    expect([0, 1, 2, 3, 4].map((s) => ema.shouldUpdate(s))).toEqual([true, false, true, false, true]);
    src[0].assign(tf.tidy(() => tf.tensor1d([0])));
    expect(ema.update(1)).toBe(false);
    expect(ema.update(2)).toBe(true);
    expect(await valuesOf(ema.variables())).toEqual([[5]]);
    ema.updateNow();
    expect(await valuesOf(ema.variables())).toEqual([[2.5]]);
    ema.reset();
    expect(await valuesOf(ema.variables())).toEqual([[0]]);
    expect(() => ema.update(-1)).toThrow(ConfigError);
    expect(() => ema.update(1.5)).toThrow(ConfigError);
    ema.dispose();
    tf.dispose(src);
  });

  test('into: averages into existing variables of a second network and does not dispose them', async () => {
    const online = moduleOf(vars([1, 1], [2]));
    const sampler = moduleOf(vars([0, 0], [0]));
    const ema = new EmaCopy(online, { into: sampler, startStep: 0, every: 1, decay: 0.9 });
    expect(await valuesOf(sampler.trainableVariables())).toEqual([[1, 1], [2]]); // copied at construction
    online.trainableVariables()[1].assign(tf.tidy(() => tf.tensor1d([12])));
    ema.update(0);
    expectClose((await valuesOf(sampler.trainableVariables()))[1], [3], 1e-6, 1e-6);
    expect(ema.variables()[1]).toBe(sampler.trainableVariables()[1]);
    ema.dispose();
    expect(sampler.trainableVariables()[0].isDisposed).toBe(false);
    expect(() => new EmaCopy(online, { into: vars([0]) })).toThrow(ShapeError);
    online.dispose();
    sampler.dispose();
  });

  test('invalid options are ConfigErrors; use after dispose is an RlError', () => {
    const src = vars([0]);
    expect(() => new EmaCopy(src, { decay: 1.2 })).toThrow(ConfigError);
    expect(() => new EmaCopy(src, { every: 0 })).toThrow(/every must be a positive integer/);
    expect(() => new EmaCopy(src, { startStep: -5 })).toThrow(ConfigError);
    const ema = new EmaCopy(src);
    ema.dispose();
    ema.dispose();
    expect(() => ema.update(1000)).toThrow(RlError);
    expect(() => ema.variables()).toThrow(/used after dispose/);
    tf.dispose(src);
  });

  test('update leaks nothing; construct + dispose returns the tensor count to where it was', async () => {
    const src = vars([1, 2, 3], [4, 5], [6]);
    const ema = new EmaCopy(src, { startStep: 0, every: 1 });
    const spy = jest.spyOn(tf.Tensor.prototype, 'dataSync');
    ema.update(5);
    softUpdate(ema.variables(), src, 0.005);
    hardUpdate(ema.variables(), src);
    expect(spy).not.toHaveBeenCalled(); // no host read-back on the per-step path
    spy.mockRestore();
    await expectNoLeakedTensors(() => ema.update(10));
    await expectNoLeakedTensors(() => ema.reset());
    ema.dispose();
    await expectNoLeakedTensors(() => new EmaCopy(src).dispose());
    tf.dispose(src);
  });
});
