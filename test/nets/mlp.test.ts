import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { initEngine } from '../../src/engine/index.js';
import { Adam, gradientsOf } from '../../src/nets/adam.js';
import { Mlp } from '../../src/nets/mlp.js';
import { expectNoLeakedTensors } from '../support/tensors.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

describe('Mlp', () => {
  test('parameter counts equal Diffusion-QL at hopper sizes (docs/algorithms/diffusion-ql.md, "Networks")', () => {
    const rng = new Rng(0);
    // Noise-net trunk (A+16+S = 30 -> 256 x3 -> A = 3) plus time MLP (16 -> 32 -> 16) = 141,363.
    const trunk = new Mlp({ inputDim: 30, hiddenDims: [256, 256, 256], outputDim: 3, rng });
    const timeMlp = new Mlp({ inputDim: 16, hiddenDims: [32], outputDim: 16, rng });
    expect(trunk.parameterCount() + timeMlp.parameterCount()).toBe(141363);
    // Twin critic: two heads of (S+A = 14) -> 256 x3 -> 1 = 271,362.
    const q = new Mlp({ inputDim: 14, hiddenDims: [256, 256, 256], outputDim: 1, rng });
    expect(2 * q.parameterCount()).toBe(271362);
    for (const m of [trunk, timeMlp, q]) m.dispose();
  });

  test('layers use the hidden activation and a linear output, and only the first layer skips dx', () => {
    const net = new Mlp({ inputDim: 4, hiddenDims: [8, 8], outputDim: 2, rng: new Rng(1), inputGradient: false });
    expect(net.layers.map((l) => l.activation)).toEqual(['mish', 'mish', 'linear']);
    expect(net.layers.map((l) => l.inputGradient)).toEqual([false, true, true]);
    expect(net.trainableVariables()).toHaveLength(6);
    net.dispose();
  });

  test('rejects invalid sizes', () => {
    expect(() => new Mlp({ inputDim: 4, hiddenDims: [0], outputDim: 2, rng: new Rng(0) })).toThrow(ConfigError);
  });

  test('learns a smooth regression with Adam (loss falls by 20x) and leaks nothing per step', async () => {
    const rng = new Rng(3);
    const net = new Mlp({ inputDim: 2, hiddenDims: [32, 32], outputDim: 1, rng, inputGradient: false });
    const opt = new Adam(net.trainableVariables(), { learningRate: 3e-3 });
    const xs = rng.fillUniform(new Float32Array(256 * 2), -1, 1);
    const ys = new Float32Array(256).map((_, i) => Math.sin(2 * xs[2 * i]) + xs[2 * i + 1] ** 2);
    const x = tf.tensor2d(xs, [256, 2]);
    const y = tf.tensor2d(ys, [256, 1]);
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = gradientsOf(() => tf.mean(tf.square(tf.sub(net.apply(x), y))), opt.variables);
        opt.applyGradients(grads);
        return value.dataSync()[0];
      });
    const first = step();
    let last = first;
    for (let i = 0; i < 400; i++) last = step();
    expect(last).toBeLessThan(first / 20);
    await expectNoLeakedTensors(step);
    opt.dispose();
    net.dispose();
    x.dispose();
    y.dispose();
  });
});
