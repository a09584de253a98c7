import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../src/core/rng.js';
import { initEngine, type KernelRequest } from '../../src/engine/index.js';
import { fusedDenoiseActive } from '../../src/engine/kernels.js';
import { nativeKernelSets } from '../../src/engine/native.js';
import { provideNativeAddon } from '../support/native-addon.js';
import { type ReverseStepCoefficients, reverseDiffusionStep } from '../../src/nets/denoise-step.js';
import { expectClose, expectNoLeakedTensors } from '../support/tensors.js';

const c: ReverseStepCoefficients = {
  inputScale: 1.3,
  noiseScale: 0.8,
  meanFromClean: 0.35,
  meanFromInput: 0.7,
  sigma: 0.15,
  clip: 1,
};
const rng = new Rng(21);
const rows = 64;
const x = rng.fillNormal(new Float32Array(rows * 3));
const eps = rng.fillNormal(new Float32Array(rows * 3));
const z = rng.fillNormal(new Float32Array(rows * 3));
const w = rng.fillNormal(new Float32Array(rows * 3));

/** The step, a weighted sum of it (so the gradient is not all ones), and its gradients. */
function run(withNoise: boolean): Float32Array[] {
  return tf.tidy(() => {
    const xt = tf.tensor2d(x, [rows, 3]);
    const et = tf.tensor2d(eps, [rows, 3]);
    const noise = withNoise ? tf.tensor2d(z, [rows, 3]) : null;
    const weights = tf.tensor2d(w, [rows, 3]);
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(reverseDiffusionStep(a as tf.Tensor2D, b as tf.Tensor2D, noise, c), weights));
    const out = reverseDiffusionStep(xt, et, noise, c).dataSync() as Float32Array;
    const [dx, de] = tf.grads(f)([xt, et]);
    return [out, dx.dataSync() as Float32Array, de.dataSync() as Float32Array];
  });
}

const nativeMissing = provideNativeAddon();
const fused = nativeKernelSets().map((s): KernelRequest => `native-${s}`);

describe('reverseDiffusionStep', () => {
  afterAll(async () => {
    await initEngine({ backend: 'wasm' });
  });

  test('on the tfjs ops follows the DDPM formula and its gradient', async () => {
    await initEngine({ backend: 'wasm', kernels: 'tfjs' });
    expect(fusedDenoiseActive()).toBe(false);
    const [out, dx, de] = run(true);
    for (let i = 0; i < x.length; i++) {
      const raw = c.inputScale * x[i] - c.noiseScale * eps[i];
      const inside = Math.abs(raw) <= c.clip;
      const clean = Math.max(-c.clip, Math.min(c.clip, raw));
      expect(out[i]).toBeCloseTo(c.meanFromClean * clean + c.meanFromInput * x[i] + c.sigma * z[i], 5);
      expect(dx[i]).toBeCloseTo(w[i] * (c.meanFromInput + (inside ? c.meanFromClean * c.inputScale : 0)), 5);
      expect(de[i]).toBeCloseTo(inside ? -w[i] * c.meanFromClean * c.noiseScale : 0, 5);
    }
  });

  (fused.length === 0 ? test.skip : test).each(
    fused.length === 0
      ? [`native (skipped: ${typeof nativeMissing === 'string' ? nativeMissing : 'no native set'})`]
      : fused,
  )('the fused kernel (%s) gives what the tfjs ops give, values and gradients, and leaks nothing', async (request) => {
    await initEngine({ backend: 'wasm', kernels: 'tfjs' });
    const reference = [run(true), run(false)];
    await initEngine({ backend: 'wasm', kernels: request as KernelRequest });
    expect(fusedDenoiseActive()).toBe(true);
    const got = [run(true), run(false)];
    for (let v = 0; v < 2; v++) for (let i = 0; i < 3; i++) expectClose(got[v][i], reference[v][i], 1e-6, 1e-6);
    await expectNoLeakedTensors(() => run(true));
  });
});
