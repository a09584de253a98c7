/**
 * The element-wise binary kernels of engine/binary-ops.ts against the wasm backend's stock ones:
 * every replaced kernel, on same shapes, broadcasts (up to rank 5), scalars, int32 and bool
 * inputs and an empty result, must give the same values to the bit. (At rank 10 the stock
 * kernels return garbage, so ranks above MAX_RANK, handed back to them, have no reference.) The
 * wasm kernel module is always available, so this needs no native build.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../src/core/rng.js';
import { BINARY_KERNELS, MAX_RANK } from '../../src/engine/binary-ops.js';
import { initEngine } from '../../src/engine/index.js';
import { customKernelsActive } from '../../src/engine/kernels.js';
import { expectNoLeakedTensors } from '../support/tensors.js';

const rng = new Rng(4);

/** Operand pairs: [a shape, b shape, dtype]. */
const PAIRS: readonly (readonly [number[], number[], 'float32' | 'int32' | 'bool'])[] = [
  [[3, 4], [3, 4], 'float32'],
  [[3, 4], [4], 'float32'],
  [[64, 64], [1, 64], 'float32'],
  [[2, 1, 3], [4, 1], 'float32'],
  [[], [5, 2], 'float32'],
  [[5, 2], [], 'float32'],
  [[3, 4], [3, 4], 'int32'],
  [[2, 3], [3], 'bool'],
  [[0, 3], [3], 'float32'],
  [[2, 1, 3, 1, 2], [3, 2, 2], 'float32'],
];

function operand(shape: number[], dtype: 'float32' | 'int32' | 'bool'): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  // Small integers in float32 too, so that equalities and zero divisors occur.
  const values = Array.from({ length: size }, () => Math.round(rng.uniform(-3, 3) * 2) / 2);
  if (dtype === 'bool')
    return tf.tensor(
      values.map((v) => (v > 0 ? 1 : 0)),
      shape,
      'bool',
    );
  return tf.tensor(dtype === 'int32' ? values.map(Math.round) : values, shape, dtype);
}

const ops: Readonly<Record<string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor>> = {
  Add: tf.add,
  Sub: tf.sub,
  Multiply: tf.mul,
  RealDiv: tf.div,
  Maximum: tf.maximum,
  Minimum: tf.minimum,
  SquaredDifference: tf.squaredDifference,
  Pow: tf.pow,
  Equal: tf.equal,
  NotEqual: tf.notEqual,
  Greater: tf.greater,
  GreaterEqual: tf.greaterEqual,
  Less: tf.less,
  LessEqual: tf.lessEqual,
  LogicalAnd: tf.logicalAnd,
  LogicalOr: tf.logicalOr,
};

/** The kernels that take this dtype (logical ones take bool only; arithmetic ones not bool). */
function accepts(kernel: string, dtype: string): boolean {
  const logical = kernel.startsWith('Logical');
  return logical ? dtype === 'bool' : dtype !== 'bool' || ['Equal', 'NotEqual'].includes(kernel);
}

/** Every (kernel, pair) result as [shape, dtype, values]. */
function results(operands: (readonly [tf.Tensor, tf.Tensor])[]): unknown[] {
  const out: unknown[] = [];
  for (const kernel of Object.keys(BINARY_KERNELS)) {
    PAIRS.forEach(([, , dtype], i) => {
      if (!accepts(kernel, dtype)) return;
      const [a, b] = operands[i];
      const y = ops[kernel](a, b);
      out.push([kernel, i, y.shape, y.dtype, Array.from(y.dataSync())]);
      y.dispose();
    });
  }
  return out;
}

test('every replaced kernel has an op here', () => {
  expect(Object.keys(ops).sort()).toEqual(Object.keys(BINARY_KERNELS).sort());
  expect(Math.max(...PAIRS.map(([a, b]) => Math.max(a.length, b.length)))).toBeLessThanOrEqual(MAX_RANK);
});

test('the replaced kernels give the stock kernels’ results to the bit, and leak nothing', async () => {
  await initEngine({ backend: 'wasm', kernels: 'tfjs' });
  const operands = PAIRS.map(([sa, sb, dtype]) => [operand(sa, dtype), operand(sb, dtype)] as const);
  const stock = results(operands);
  await initEngine({ backend: 'wasm', kernels: 'wasm' });
  expect(customKernelsActive()).toBe(true);
  const replaced = results(operands);
  expect(replaced).toEqual(stock);
  await expectNoLeakedTensors(() => {
    results(operands);
  });
  tf.dispose(operands.flat());
  await initEngine({ backend: 'wasm' });
});

test('the replacement is registered only while llmdpd kernels are on', async () => {
  await initEngine({ backend: 'wasm', kernels: 'tfjs' });
  const stock = tf.getKernel('Add', 'wasm').kernelFunc;
  await initEngine({ backend: 'wasm', kernels: 'wasm' });
  expect(tf.getKernel('Add', 'wasm').kernelFunc).not.toBe(stock);
  await initEngine({ backend: 'wasm', kernels: 'tfjs' });
  expect(tf.getKernel('Add', 'wasm').kernelFunc).toBe(stock);
  await initEngine({ backend: 'wasm' });
});
