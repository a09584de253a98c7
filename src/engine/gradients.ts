/**
 * Gradient functions for the tfjs kernels the library differentiates through, registered by
 * {@link registerGradients}. `@tensorflow/tfjs-core`'s Node bundle ships the ops without their
 * gradients; the usual way to get them is importing the whole `@tensorflow/tfjs` package, whose
 * install is about 240 MB (layers, converter, webgl, data and their source maps) of the 350 MB a
 * consumer's `npm install` used to pull. These ~40 functions cover every kernel that the agents,
 * nets and encoders put on a gradient tape (measured over the test suite: Add, Multiply, Sub,
 * Mean, ClipByValue, Square, Concat, SplitV, Reshape, RealDiv, Neg, Abs, Sum, Transpose, BatchMatMul and
 * a few activations), plus the common element-wise ops a user's own loss is likely to use.
 *
 * Each function follows the kernel's own definition (what it saves, its attributes), written
 * from the derivative; `test/engine/gradients.test.ts` checks every one against tfjs's on random
 * inputs, broadcasting included. (tfjs's own Maximum, Minimum and SquaredDifference gradients
 * return the broadcast shape instead of the input's, which tfjs's backprop then rejects; these
 * sum over the broadcast axes as Add's do.) A kernel that already has a gradient (a user imported
 * `@tensorflow/tfjs`, which registers all of them) keeps it. Choices where tfjs differs: none
 * for smooth points; at 0, Abs uses sign(0) = 0 (as PyTorch) and Relu 0.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

type T = tf.Tensor;
type Saved = tf.Tensor[];
type Attrs = tf.NamedAttrMap;

/** Sums `dy` over the axes along which `shape` was broadcast to `dy.shape`, and reshapes it to `shape`. */
function unbroadcast(dy: T, shape: number[]): T {
  const axes = tf.backend_util.getReductionAxes(shape, dy.shape);
  const summed = axes.length > 0 ? tf.sum(dy, axes) : dy;
  return tf.reshape(summed, shape);
}

const float = (x: T): T => (x.dtype === 'float32' ? x : tf.cast(x, 'float32'));

/** The reduction axes of an `axis` attribute (null or missing: every axis), non-negative. */
function allAxes(axis: unknown, x: T): number[] {
  if (axis === null || axis === undefined) return x.shape.map((_, i) => i);
  return tf.util.parseAxisParam(axis as number | number[], x.shape);
}

function reducedShape(shape: number[], axes: number[]): number[] {
  return shape.filter((_, i) => !axes.includes(i));
}

function binary(kernelName: string, grads: (dy: T, a: T, b: T) => [T, T]): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy: T | T[], saved: Saved) => {
      const [a, b] = saved as [T, T];
      const d = dy as T;
      return {
        a: () => unbroadcast(grads(d, a, b)[0], a.shape),
        b: () => unbroadcast(grads(d, a, b)[1], b.shape),
      };
    },
  };
}

function unary(kernelName: string, grad: (dy: T, x: T) => T): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy: T | T[], saved: Saved) => ({ x: () => grad(dy as T, saved[0]) }),
  };
}

function fromOutput(kernelName: string, grad: (dy: T, y: T, attrs: Attrs) => T): tf.GradConfig {
  return {
    kernelName,
    outputsToSave: [true],
    gradFunc: (dy: T | T[], saved: Saved, attrs: Attrs) => ({ x: () => grad(dy as T, saved[0], attrs) }),
  };
}

/** Ops whose gradient is zero almost everywhere (piecewise constant). */
function zero(kernelName: string): tf.GradConfig {
  return { kernelName, gradFunc: (dy: T | T[]) => ({ x: () => tf.zerosLike(dy as T) }) };
}

function reduction(kernelName: 'Sum' | 'Mean'): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy: T | T[], saved: Saved, attrs: Attrs) => {
      const x = saved[0];
      const axes = allAxes(attrs['axis'], x);
      return {
        x: () => {
          const kept = tf.reshape(dy as T, tf.backend_util.expandShapeToKeepDim(reducedShape(x.shape, axes), axes));
          const spread = tf.mul(kept, tf.ones(x.shape, 'float32'));
          if (kernelName === 'Sum') return spread;
          const count = axes.reduce((n, a) => n * x.shape[a], 1);
          return tf.div(spread, tf.scalar(count));
        },
      };
    },
  };
}

function extremum(kernelName: 'Max' | 'Min'): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy: T | T[], saved: Saved, attrs: Attrs) => {
      const [x, y] = saved as [T, T];
      const axes = allAxes(attrs[kernelName === 'Max' ? 'reductionIndices' : 'axis'], x);
      const kept = tf.backend_util.expandShapeToKeepDim(reducedShape(x.shape, axes), axes);
      return { x: () => tf.mul(tf.reshape(dy as T, kept), float(tf.equal(x, tf.reshape(y, kept)))) };
    },
  };
}

function matMulGrads(dy: T, a: T, b: T, transposeA: boolean, transposeB: boolean): [T, T] {
  const mm = (p: T, q: T, ta: boolean, tb: boolean) => tf.matMul(p, q, ta, tb);
  if (!transposeA && !transposeB) return [mm(dy, b, false, true), mm(a, dy, true, false)];
  if (!transposeA && transposeB) return [mm(dy, b, false, false), mm(dy, a, true, false)];
  if (transposeA && !transposeB) return [mm(b, dy, false, true), mm(a, dy, false, false)];
  return [mm(b, dy, true, true), mm(dy, a, true, true)];
}

/** The gradient configurations this module provides, one per kernel. */
export const GRADIENT_CONFIGS: readonly tf.GradConfig[] = [
  binary('Add', (dy) => [dy, dy]),
  binary('Sub', (dy) => [dy, tf.neg(dy)]),
  binary('Multiply', (dy, a, b) => [tf.mul(dy, float(b)), tf.mul(dy, float(a))]),
  binary('RealDiv', (dy, a, b) => [tf.div(dy, b), tf.neg(tf.div(tf.mul(dy, a), tf.square(b)))]),
  binary('Maximum', (dy, a, b) => [tf.mul(dy, float(tf.greaterEqual(a, b))), tf.mul(dy, float(tf.less(a, b)))]),
  binary('Minimum', (dy, a, b) => [tf.mul(dy, float(tf.lessEqual(a, b))), tf.mul(dy, float(tf.greater(a, b)))]),
  binary('SquaredDifference', (dy, a, b) => {
    const g = tf.mul(dy, tf.mul(tf.scalar(2), tf.sub(a, b)));
    return [g, tf.neg(g)];
  }),
  {
    kernelName: 'Pow',
    inputsToSave: ['a', 'b'],
    outputsToSave: [true],
    gradFunc: (dy: T | T[], saved: Saved) => {
      const [a, b, y] = saved as [T, T, T];
      // d/da a^b = b a^(b-1); d/db a^b = a^b log a, taken as 0 where a <= 0 (log undefined).
      const logA = tf.where(tf.greater(a, 0), tf.log(a), tf.zerosLike(a));
      return {
        a: () => unbroadcast(tf.mul(dy as T, tf.mul(b, tf.pow(a, tf.sub(b, tf.scalar(1))))), a.shape),
        b: () => unbroadcast(tf.mul(dy as T, tf.mul(y, logA)), b.shape),
      };
    },
  },
  { kernelName: 'Neg', gradFunc: (dy: T | T[]) => ({ x: () => tf.neg(dy as T) }) },
  { kernelName: 'Cast', gradFunc: (dy: T | T[]) => ({ x: () => tf.clone(dy as T) }) },
  unary('Abs', (dy, x) => tf.mul(dy, tf.sign(float(x)))),
  unary('Square', (dy, x) => tf.mul(dy, tf.mul(tf.scalar(2), float(x)))),
  unary('Sqrt', (dy, x) => tf.div(dy, tf.mul(tf.scalar(2), tf.sqrt(float(x))))),
  unary('Rsqrt', (dy, x) => tf.mul(dy, tf.mul(tf.scalar(-0.5), tf.pow(float(x), tf.scalar(-1.5))))),
  unary('Reciprocal', (dy, x) => tf.neg(tf.div(dy, tf.square(x)))),
  unary('Log', (dy, x) => tf.div(dy, float(x))),
  unary('Log1p', (dy, x) => tf.div(dy, tf.add(float(x), tf.scalar(1)))),
  unary('Expm1', (dy, x) => tf.mul(dy, tf.exp(x))),
  unary('Softplus', (dy, x) => tf.mul(dy, tf.sigmoid(x))),
  unary('Relu', (dy, x) => tf.mul(dy, float(tf.greater(x, 0)))),
  unary('Relu6', (dy, x) => tf.mul(dy, float(tf.logicalAnd(tf.greater(x, 0), tf.less(x, 6))))),
  unary('Sin', (dy, x) => tf.mul(dy, tf.cos(float(x)))),
  unary('Cos', (dy, x) => tf.neg(tf.mul(dy, tf.sin(float(x))))),
  fromOutput('Exp', (dy, y) => tf.mul(dy, y)),
  fromOutput('Tanh', (dy, y) => tf.mul(dy, tf.sub(tf.scalar(1), tf.square(y)))),
  fromOutput('Sigmoid', (dy, y) => tf.mul(dy, tf.mul(y, tf.sub(tf.scalar(1), y)))),
  {
    kernelName: 'Softmax',
    outputsToSave: [true],
    gradFunc: (dy: T | T[], saved: Saved, attrs: Attrs) => {
      const y = saved[0];
      const dim = attrs['dim'] as number;
      return { logits: () => tf.mul(y, tf.sub(dy as T, tf.sum(tf.mul(dy as T, y), dim, true))) };
    },
  },
  {
    kernelName: 'LogSoftmax',
    outputsToSave: [true],
    gradFunc: (dy: T | T[], saved: Saved, attrs: Attrs) => {
      const y = saved[0];
      const axis = attrs['axis'] as number;
      return { logits: () => tf.sub(dy as T, tf.mul(tf.sum(dy as T, axis, true), tf.exp(y))) };
    },
  },
  {
    kernelName: 'ClipByValue',
    inputsToSave: ['x'],
    gradFunc: (dy: T | T[], saved: Saved, attrs: Attrs) => {
      const x = saved[0];
      const inside = tf.logicalAnd(
        tf.greaterEqual(x, attrs['clipValueMin'] as number),
        tf.lessEqual(x, attrs['clipValueMax'] as number),
      );
      return { x: () => tf.where(inside, dy as T, tf.zerosLike(dy as T)) };
    },
  },
  reduction('Sum'),
  reduction('Mean'),
  extremum('Max'),
  extremum('Min'),
  {
    kernelName: 'Reshape',
    inputsToSave: ['x'],
    gradFunc: (dy: T | T[], saved: Saved) => ({ x: () => tf.reshape(dy as T, saved[0].shape) }),
  },
  {
    kernelName: 'Transpose',
    gradFunc: (dy: T | T[], _saved: Saved, attrs: Attrs) => {
      const perm = attrs['perm'] as number[];
      return { x: () => tf.transpose(dy as T, tf.backend_util.getUndoAxesPermutation(perm)) };
    },
  },
  {
    kernelName: 'Concat',
    saveAllInputs: true,
    gradFunc: (dy: T | T[], saved: Saved, attrs: Attrs) => {
      const axis = tf.util.parseAxisParam(attrs['axis'] as number, saved[0].shape)[0];
      const sizes = saved.map((t) => t.shape[axis]);
      const parts = tf.split(dy as T, sizes, axis);
      return Object.fromEntries(parts.map((p, i) => [String(i), () => p]));
    },
  },
  {
    // One output per part: the gradient joins the parts' gradients back (a missing one is zeros).
    kernelName: 'SplitV',
    gradFunc: (dy: T | T[], _saved: Saved, attrs: Attrs) => ({
      x: () => tf.concat(Array.isArray(dy) ? dy : [dy], attrs['axis'] as number),
    }),
  },
  {
    kernelName: 'Pack',
    saveAllInputs: true,
    gradFunc: (dy: T | T[], _saved: Saved, attrs: Attrs) => {
      const parts = tf.unstack(dy as T, attrs['axis'] as number);
      return Object.fromEntries(parts.map((p, i) => [String(i), () => p]));
    },
  },
  {
    kernelName: 'AddN',
    saveAllInputs: true,
    gradFunc: (dy: T | T[], saved: Saved) =>
      Object.fromEntries(saved.map((_, i) => [String(i), () => tf.clone(dy as T)])),
  },
  {
    kernelName: 'Slice',
    inputsToSave: ['x'],
    gradFunc: (dy: T | T[], saved: Saved, attrs: Attrs) => {
      const x = saved[0];
      const [begin, size] = tf.slice_util.parseSliceParams(x, attrs['begin'] as number[], attrs['size'] as number[]);
      const paddings = x.shape.map((n, i) => [begin[i], n - begin[i] - size[i]] as [number, number]);
      return { x: () => tf.pad(dy as T, paddings) };
    },
  },
  {
    kernelName: 'Tile',
    inputsToSave: ['x'],
    gradFunc: (dy: T | T[], saved: Saved, attrs: Attrs) => {
      const x = saved[0];
      const reps = attrs['reps'] as number[];
      // dy has shape x.shape * reps: view it as [reps0, x0, reps1, x1, ...] and sum the rep axes.
      const split = x.shape.flatMap((n, i) => [reps[i], n]);
      const repAxes = x.shape.map((_, i) => 2 * i);
      return { x: () => tf.reshape(tf.sum(tf.reshape(dy as T, split), repAxes), x.shape) };
    },
  },
  {
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy: T | T[], saved: Saved, attrs: Attrs) => {
      const [a, b] = saved as [T, T];
      const [da, db] = matMulGrads(dy as T, a, b, attrs['transposeA'] === true, attrs['transposeB'] === true);
      return { a: () => unbroadcast(da, a.shape), b: () => unbroadcast(db, b.shape) };
    },
  },
  {
    kernelName: 'Select',
    inputsToSave: ['condition'],
    gradFunc: (dy: T | T[], saved: Saved) => {
      const c = float(saved[0]);
      return {
        condition: () => tf.zerosLike(c),
        t: () => tf.mul(dy as T, c),
        e: () => tf.mul(dy as T, tf.sub(tf.scalar(1), c)),
      };
    },
  },
  zero('Sign'),
  zero('Floor'),
  zero('Round'),
  zero('Step'),
  zero('OnesLike'),
  zero('ZerosLike'),
];

/**
 * Registers {@link GRADIENT_CONFIGS} for every kernel that has no gradient yet (so a user who
 * imported `@tensorflow/tfjs` keeps its full set). Safe to call more than once.
 * @returns the kernels registered by this call.
 */
export function registerLibraryGradients(): string[] {
  const added: string[] = [];
  for (const config of GRADIENT_CONFIGS) {
    if (tf.getGradient(config.kernelName) !== undefined) continue;
    tf.registerGradient(config);
    added.push(config.kernelName);
  }
  return added;
}
