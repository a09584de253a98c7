// Every gradient of src/engine/gradients.ts against tfjs's own (from the full @tensorflow/tfjs
// package, a devDependency), on random inputs with broadcasting, both called directly with the
// same upstream gradient and saved tensors.
import * as tf from '@tensorflow/tfjs-core';
import { GRADIENT_CONFIGS } from '../../src/engine/gradients.js';
import { initEngine } from '../../src/engine/index.js';
import { Rng } from '../../src/core/rng.js';
import { expectClose } from '../support/tensors.js';

await import('@tensorflow/tfjs'); // registers tfjs's gradients, the reference
await initEngine({ backend: 'cpu' }); // the cases below build tensors while the file loads

const rng = new Rng(11);
const rand = (shape: number[], lo = -2, hi = 2) =>
  tf.tensor(rng.fillUniform(new Float32Array(shape.reduce((a, b) => a * b, 1)), lo, hi), shape);

interface Case {
  readonly kernel: string;
  readonly label?: string;
  readonly inputs: Record<string, tf.Tensor>;
  readonly attrs?: tf.NamedAttrMap;
  /** The kernel's output, or its outputs for a multi-output kernel (SplitV). */
  readonly forward: () => tf.Tensor | tf.Tensor[];
}

const a34 = () => rand([3, 4]);
const cases: Case[] = [];
const bin = (kernel: string, forward: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, lo = -2, hi = 2) => {
  for (const [sa, sb] of [
    [
      [3, 4],
      [3, 4],
    ],
    [[3, 4], [4]],
    [
      [2, 1, 3],
      [4, 1],
    ],
  ] as const) {
    const a = rand([...sa], lo, hi);
    const b = rand([...sb], lo, hi);
    cases.push({
      kernel,
      label: `${kernel} ${sa.join(',')}x${sb.join(',')}`,
      inputs: { a, b },
      forward: () => forward(a, b),
    });
  }
};
bin('Add', tf.add);
bin('Sub', tf.sub);
bin('Multiply', tf.mul);
bin('RealDiv', tf.div, 0.5, 2);
bin('Maximum', tf.maximum);
bin('Minimum', tf.minimum);
bin('SquaredDifference', tf.squaredDifference);
bin('Pow', tf.pow, 0.5, 2);
const un = (kernel: string, forward: (x: tf.Tensor) => tf.Tensor, lo = -2, hi = 2, attrs: tf.NamedAttrMap = {}) => {
  const x = rand([3, 4], lo, hi);
  cases.push({ kernel, inputs: { x }, attrs, forward: () => forward(x) });
};
un('Neg', tf.neg);
un('Cast', (x) => tf.cast(x, 'float32'), -2, 2, { dtype: 'float32' });
un('Abs', tf.abs);
un('Square', tf.square);
un('Sqrt', tf.sqrt, 0.5, 3);
un('Rsqrt', tf.rsqrt, 0.5, 3);
un('Reciprocal', tf.reciprocal, 0.5, 3);
un('Log', tf.log, 0.5, 3);
un('Log1p', tf.log1p, 0, 3);
un('Expm1', tf.expm1);
un('Softplus', tf.softplus);
un('Relu', tf.relu);
un('Relu6', tf.relu6, -2, 8);
un('Sin', tf.sin);
un('Cos', tf.cos);
un('Exp', tf.exp);
un('Tanh', tf.tanh);
un('Sigmoid', tf.sigmoid);
un('Sign', tf.sign);
un('Floor', tf.floor);
un('Round', tf.round);
un('Step', (x) => tf.step(x, 0.1), -2, 2, { alpha: 0.1 });
un('OnesLike', tf.onesLike);
un('ZerosLike', tf.zerosLike);
un('ClipByValue', (x) => tf.clipByValue(x, -1, 0.5), -2, 2, { clipValueMin: -1, clipValueMax: 0.5 });
{
  const logits = rand([3, 5]);
  cases.push({ kernel: 'Softmax', inputs: { logits }, attrs: { dim: 1 }, forward: () => tf.softmax(logits) });
  cases.push({ kernel: 'LogSoftmax', inputs: { logits }, attrs: { axis: 1 }, forward: () => tf.logSoftmax(logits) });
}
for (const [axis, keepDims] of [
  [1, false],
  [[0, 2], true],
  [null, false],
  [-1, false],
] as const) {
  const x = rand([2, 3, 4]);
  for (const kernel of ['Sum', 'Mean'] as const) {
    const op = kernel === 'Sum' ? tf.sum : tf.mean;
    cases.push({
      kernel,
      label: `${kernel} axis ${JSON.stringify(axis)} keepDims ${keepDims}`,
      inputs: { x },
      attrs: { axis: axis as number, keepDims },
      forward: () => op(x, axis as number, keepDims),
    });
  }
  for (const kernel of ['Max', 'Min'] as const) {
    const op = kernel === 'Max' ? tf.max : tf.min;
    cases.push({
      kernel,
      label: `${kernel} axis ${JSON.stringify(axis)}`,
      inputs: { x },
      attrs: kernel === 'Max' ? { reductionIndices: axis as number, keepDims } : { axis: axis as number, keepDims },
      forward: () => op(x, axis as number, keepDims),
    });
  }
}
{
  const x = rand([2, 6]);
  cases.push({ kernel: 'Reshape', inputs: { x }, attrs: { shape: [3, 4] }, forward: () => tf.reshape(x, [3, 4]) });
  const y = rand([2, 3, 4]);
  cases.push({
    kernel: 'Transpose',
    inputs: { x: y },
    attrs: { perm: [2, 0, 1] },
    forward: () => tf.transpose(y, [2, 0, 1]),
  });
  const p = rand([2, 3]);
  const q = rand([2, 5]);
  cases.push({ kernel: 'Concat', inputs: { 0: p, 1: q }, attrs: { axis: 1 }, forward: () => tf.concat([p, q], 1) });
  cases.push({
    kernel: 'Concat',
    label: 'Concat axis -1',
    inputs: { 0: p, 1: q },
    attrs: { axis: -1 },
    forward: () => tf.concat([p, q], -1),
  });
  const [r, s, t] = [a34(), a34(), a34()];
  cases.push({
    kernel: 'Pack',
    inputs: { 0: r, 1: s, 2: t },
    attrs: { axis: 1 },
    forward: () => tf.stack([r, s, t], 1),
  });
  cases.push({ kernel: 'AddN', inputs: { 0: r, 1: s, 2: t }, forward: () => tf.addN([r, s, t]) });
  const z = rand([4, 5]);
  cases.push({
    kernel: 'Slice',
    inputs: { x: z },
    attrs: { begin: [1, 2], size: [2, -1] },
    forward: () => tf.slice(z, [1, 2], [2, -1]),
  });
  const w = rand([5, 4]);
  cases.push({
    kernel: 'SplitV',
    inputs: { x: w },
    attrs: { numOrSizeSplits: [2, 3], axis: 0 },
    forward: () => tf.split(w, [2, 3], 0),
  });
  cases.push({
    kernel: 'SplitV',
    label: 'SplitV axis -1',
    inputs: { x: w },
    attrs: { numOrSizeSplits: [1, 3], axis: -1 },
    forward: () => tf.split(w, [1, 3], -1),
  });
  cases.push({ kernel: 'Tile', inputs: { x: p }, attrs: { reps: [2, 3] }, forward: () => tf.tile(p, [2, 3]) });
  const c = tf.greater(a34(), 0);
  const [u, v] = [a34(), a34()];
  cases.push({ kernel: 'Select', inputs: { condition: c, t: u, e: v }, forward: () => tf.where(c, u, v) });
}
for (const [ta, tb] of [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const) {
  const a = rand(ta ? [2, 4, 3] : [2, 3, 4]);
  const b = rand(tb ? [2, 5, 4] : [2, 4, 5]);
  cases.push({
    kernel: 'BatchMatMul',
    label: `BatchMatMul transposeA ${ta} transposeB ${tb}`,
    inputs: { a, b },
    attrs: { transposeA: ta, transposeB: tb },
    forward: () => tf.matMul(a, b, ta, tb),
  });
}

test('every kernel with a gradient here is covered by a case', () => {
  expect(new Set(cases.map((c) => c.kernel))).toEqual(new Set(GRADIENT_CONFIGS.map((g) => g.kernelName)));
});

test.each(cases.map((c) => [c.label ?? c.kernel, c] as const))('%s matches tfjs', (_label, c) => {
  const ours = GRADIENT_CONFIGS.find((g) => g.kernelName === c.kernel)!;
  const theirs = tf.getGradient(c.kernel);
  expect(theirs).toBeDefined();
  // Same saved tensors for both: the kernel decides what is saved.
  expect([ours.inputsToSave ?? [], ours.outputsToSave ?? [], ours.saveAllInputs ?? false]).toEqual([
    theirs.inputsToSave ?? [],
    theirs.outputsToSave ?? [],
    theirs.saveAllInputs ?? false,
  ]);
  const out = c.forward();
  const y = Array.isArray(out) ? out[0] : out;
  const saved = ours.saveAllInputs
    ? Object.values(c.inputs)
    : [...(ours.inputsToSave ?? []).map((n) => c.inputs[n]), ...(ours.outputsToSave?.[0] ? [y] : [])];
  const dy = Array.isArray(out) ? out.map((o) => rand(o.shape)) : rand(y.shape);
  const attrs = c.attrs ?? {};
  const mine = ours.gradFunc(dy, saved, attrs);
  const reference = theirs.gradFunc(dy, saved, attrs);
  expect(Object.keys(mine).sort()).toEqual(
    Object.keys(reference)
      .filter((k) => !(c.kernel === 'Select' && k === 'condition') || k in mine)
      .sort(),
  );
  for (const key of Object.keys(reference)) {
    const g = mine[key]();
    let r = reference[key]();
    // tfjs returns these three in the broadcast shape (its backprop then rejects them); compare summed.
    if (['Maximum', 'Minimum', 'SquaredDifference'].includes(c.kernel) && r.shape.join() !== g.shape.join()) {
      const axes = tf.backend_util.getReductionAxes(c.inputs[key].shape, r.shape);
      r = tf.reshape(tf.sum(r, axes), c.inputs[key].shape);
    }
    expect({ key, shape: g.shape }).toEqual({ key, shape: r.shape });
    expectClose(g.dataSync(), r.dataSync(), 1e-5, 1e-4);
  }
});
