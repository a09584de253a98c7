/**
 * A fully connected layer y = act(x·W + b) with a hand-written backward pass.
 *
 * Why not tfjs's own gradients: the registered gradient of `matMul` uses `transposeA` /
 * `transposeB`, which the wasm backend runs through a slow generic loop. Measured here
 * (256×256×256 float32): plain `matMul` 1.09 ms, `transposeB` 14.8 ms, `transposeA` 20.8 ms,
 * while an explicit `transpose` costs 0.12 ms. The backward pass below therefore transposes
 * explicitly and uses plain products only:
 *
 *   dz = dy ⊙ act′(z),  dx = dz · transpose(W),  dW = transpose(x) · dz,  db = 1ᵀ · dz
 *
 * `db` is a (1×B)·(B×out) product because `sum(dz, 0)` costs 0.15 ms against 0.02 ms for the
 * product. The activation is fused into the same custom-gradient op, so one tape node covers
 * the whole layer and only the tensors the backward pass needs are kept.
 *
 * When llmdpd's kernels are active (see `engine/kernels.ts`), every product above is one kernel
 * that reads its operands transposed in place (no explicit transpose); the forward pass is one
 * kernel for product, shared bias and activation (Mish applied to the tile while it is still in
 * registers with the native kernels), and `dW` and `db` are one kernel (the column sums of dz
 * are taken while dz is packed). A 256×256×256 product costs 0.85-0.96 ms with the wasm kernels
 * against 1.10-1.63 ms through XNNPACK, and about 0.4 ms with the native AVX-512 ones (see
 * BENCHMARKS.md).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '../core/errors.js';
import {
  customKernelsActive,
  wasmColumnSums,
  wasmDenseForward,
  wasmMatMul,
  wasmMatMulWithColumnSums,
} from '../engine/kernels.js';
import { requireBackend } from '../engine/ready.js';
import type { Rng } from '../core/rng.js';
import { type Activation, mishBackward, mishForward } from './activations.js';
import { type Initializer, initDense } from './init.js';
import type { NetModule } from './module.js';

/** Per-call options of {@link Dense.apply} and {@link Mlp.apply}. */
export interface ApplyOptions {
  /**
   * Treat the weights as constants: gradients reach the input only and the weight products of
   * the backward pass are skipped. @defaultValue false
   */
  readonly frozen?: boolean;
  /**
   * A term added to the layer's bias before the activation: `[1, out]` for all rows or
   * `[B, out]` per row. Conditioning inputs enter networks this way: `[x, c]·W` equals
   * `x·W_x + c·W_c`, and when c is the same for every row (one task, one diffusion step), `c·W_c`
   * is one row computed once instead of a concatenated block multiplied for every row.
   */
  readonly extraBias?: tf.Tensor2D;
}

/** Options of {@link Dense}. */
export interface DenseOptions {
  /** Input width (fan-in). */
  readonly inputDim: number;
  /** Output width (fan-out). */
  readonly outputDim: number;
  /** Activation applied to x·W + b. @defaultValue `'linear'` */
  readonly activation?: Activation;
  /** Weight initialisation. @defaultValue `'pytorch'` */
  readonly initializer?: Initializer;
  /** Random stream for the initial weights. */
  readonly rng: Rng;
  /** Variable name prefix, for checkpoints and debugging. @defaultValue `'dense'` */
  readonly name?: string;
  /**
   * Whether gradients must flow back into the input. Set `false` for a first layer fed with
   * data, to skip the dx product. @defaultValue `true`
   */
  readonly inputGradient?: boolean;
  /** Whether the variables are trainable (false for target and EMA copies). @defaultValue `true` */
  readonly trainable?: boolean;
  /**
   * Fan-in used by the initialiser, when the layer is one block of a wider layer (its other
   * inputs enter through {@link ApplyOptions.extraBias}). @defaultValue `inputDim`
   */
  readonly initFanIn?: number;
}

let uniqueId = 0;

/** Forward pass shared by both gradient modes: z = x·W + b, y = act(z), plus what backward needs. */
function forwardWithSaved(
  input: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D | tf.Tensor2D,
  activation: Activation,
): { value: tf.Tensor2D; saved: tf.Tensor[] } {
  let z: tf.Tensor2D;
  const sharedBias = b.rank === 1 || b.shape[0] === 1;
  if (customKernelsActive() && sharedBias && activation !== 'relu') {
    // One kernel: product, bias and activation; with Mish it also returns the value before it.
    const bias = b.rank === 1 ? (b as tf.Tensor1D) : tf.reshape<tf.Rank.R1>(b, [b.shape[1]!]);
    const { y, z: pre } = wasmDenseForward(input, w, bias, activation);
    return { value: y, saved: pre === null ? [] : [pre] };
  }
  if (customKernelsActive()) {
    // A bias shared by every row ([out] or [1, out], e.g. with a folded-in condition) is added
    // inside the product; only per-row biases need a separate add.
    if (b.rank === 1) z = wasmMatMul(input, w, false, false, b as tf.Tensor1D);
    else if (b.shape[0] === 1) z = wasmMatMul(input, w, false, false, tf.reshape<tf.Rank.R1>(b, [b.shape[1]!]));
    else z = tf.add<tf.Tensor2D>(wasmMatMul(input, w), b);
  } else {
    // The wasm backend's fused product accepts only a rank-1 bias (a reshaped [1, out] one is
    // rejected too), so rank-2 biases are added after the product (a broadcast add, ~0.02 ms).
    z = (b.rank === 1 ? tf.fused.matMul({ a: input, b: w, bias: b }) : tf.add(tf.matMul(input, w), b)) as tf.Tensor2D;
  }
  switch (activation) {
    case 'linear':
      return { value: z, saved: [] };
    case 'relu': {
      const value = tf.relu<tf.Tensor2D>(z);
      return { value, saved: [value] };
    }
    case 'mish': {
      const m = mishForward(z);
      return { value: m.y as tf.Tensor2D, saved: m.saved };
    }
    default: {
      const never: never = activation;
      throw new ConfigError(`Unknown activation ${JSON.stringify(never)}; use 'linear', 'relu' or 'mish'.`);
    }
  }
}

/** dz = dy ⊙ act′(z), from the tensors {@link forwardWithSaved} kept. */
function activationBackward(dy: tf.Tensor, activation: Activation, saved: readonly tf.Tensor[]): tf.Tensor2D {
  switch (activation) {
    case 'linear':
      return dy as tf.Tensor2D;
    case 'relu':
      return tf.mul<tf.Tensor2D>(dy, tf.step(saved[0]));
    case 'mish':
      return mishBackward(dy, saved) as tf.Tensor2D;
  }
}

/**
 * dx = dz·Wᵀ. With fewer rows than inputs (one prompt, one text vector), it is computed as
 * (W·dzᵀ)ᵀ instead: the right-hand operand XNNPACK packs is then the small dzᵀ rather than the
 * whole transposed kernel (measured 1.5-2x faster for 40 rows of a 512×128 layer, and far
 * faster for 1 row of a 512×512 one).
 */
function inputGradientOf(dz: tf.Tensor2D, kernel: tf.Tensor2D): tf.Tensor2D {
  if (customKernelsActive()) return wasmMatMul(dz, kernel, false, true);
  if (dz.shape[0] < kernel.shape[0]) return tf.transpose(tf.matMul(kernel, tf.transpose(dz))) as tf.Tensor2D;
  return tf.matMul(dz, tf.transpose(kernel));
}

/** dW = xᵀ·dz. */
function kernelGradientOf(x: tf.Tensor2D, dz: tf.Tensor2D): tf.Tensor2D {
  return customKernelsActive() ? wasmMatMul(x, dz, true, false) : tf.matMul(tf.transpose(x), dz);
}

/**
 * Gradient of a bias added to every row of z: `1ᵀ·dz` (a product with a ones row, cheaper than
 * `sum(dz, 0)` on wasm) for a shared bias (`[out]` or `[1, out]`), `dz` itself for per-row biases.
 */
function biasGradient(dz: tf.Tensor2D, bias: tf.Tensor): tf.Tensor {
  if (bias.rank === 2 && bias.shape[0] === dz.shape[0] && dz.shape[0] !== 1) return dz;
  if (customKernelsActive()) {
    const sums = wasmColumnSums(dz);
    return bias.rank === 1 ? sums : tf.reshape(sums, [1, dz.shape[1]]);
  }
  const summed = tf.matMul(tf.ones([1, dz.shape[0]]), dz);
  return bias.rank === 1 ? tf.reshape(summed, [dz.shape[1]]) : summed;
}

/** `[dW, db]` from a layer's input and dz, for a bias shaped like `b`. */
function weightGradients(input: tf.Tensor2D, dz: tf.Tensor2D, b: tf.Tensor): [tf.Tensor, tf.Tensor] {
  if (customKernelsActive() && (b.rank === 1 || b.shape[0] === 1)) {
    // dW = xᵀ·dz and db = 1ᵀ·dz in one kernel (the sums are taken while dz is packed)
    const [dw, db] = wasmMatMulWithColumnSums(input, dz, true);
    return [dw, b.rank === 1 ? db : tf.reshape(db, [1, dz.shape[1]])];
  }
  return [kernelGradientOf(input, dz), biasGradient(dz, b)];
}

/**
 * Applies `act(x·W + b)` with the fast backward pass described in the module comment.
 * Works under `tf.grad`/`tf.variableGrads`: gradients reach `x`, `kernel` and `bias`. The bias
 * may be `[out]`, `[1, out]` (shared by every row) or `[B, out]` (one per row): a conditioning
 * term folded into the bias (see {@link ApplyOptions.extraBias}).
 * @param activation - the activation to fuse.
 * @param inputGradient - false to return a zero gradient for `x` without computing it.
 * @remarks Returns a new tensor; the caller owns it.
 */
export function denseApply(
  x: tf.Tensor2D,
  kernel: tf.Tensor2D,
  bias: tf.Tensor1D | tf.Tensor2D,
  activation: Activation,
  inputGradient = true,
): tf.Tensor2D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, w, b] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D | tf.Tensor2D];
    const save = args[3] as tf.GradSaveFunc;
    const { value, saved } = forwardWithSaved(input, w, b, activation);
    // tfjs copies every saved tensor; a variable kernel outlives the gradient computation (and
    // is not assigned during it), so it is read directly instead of copied.
    const kernelIsVariable = kernel instanceof tf.Variable;
    save(kernelIsVariable ? [input, ...saved] : [input, w, ...saved]);
    const gradFunc = (dy: tf.Tensor, kept: tf.Tensor[]): tf.Tensor[] => {
      const savedInput = kept[0] as tf.Tensor2D;
      const savedKernel = kernelIsVariable ? kernel : (kept[1] as tf.Tensor2D);
      const dz = activationBackward(dy, activation, kept.slice(kernelIsVariable ? 1 : 2));
      const dx = inputGradient ? inputGradientOf(dz, savedKernel) : tf.zerosLike(savedInput);
      return [dx, ...weightGradients(savedInput, dz, b)];
    };
    return { value, gradFunc };
  });
  return op(x, kernel, bias);
}

/**
 * Applies `act(x·W + b)` treating W and b as constants: gradients flow to `x` only, and the
 * backward pass skips the weight products. Used where a network is differentiated with respect
 * to its input but must not be trained, e.g. the critic inside the actor loss, which otherwise
 * costs two wasted 256×256×256 products per layer. The bias (including any extra bias) is a
 * constant here too.
 * @remarks Returns a new tensor; the caller owns it.
 */
export function denseApplyFrozen(
  x: tf.Tensor2D,
  kernel: tf.Tensor2D,
  bias: tf.Tensor1D | tf.Tensor2D,
  activation: Activation,
): tf.Tensor2D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    const { value, saved } = forwardWithSaved(input, kernel, bias, activation);
    save(saved);
    const gradFunc = (dy: tf.Tensor, kept: tf.Tensor[]): tf.Tensor =>
      inputGradientOf(activationBackward(dy, activation, kept), kernel);
    return { value, gradFunc };
  });
  return op(x);
}

/** One layer of {@link denseStackApply}: its weights, activation and whether its input needs a gradient. */
export interface StackLayer {
  /** W, `[in, out]`. */
  readonly kernel: tf.Tensor2D;
  /** b, `[out]` (the first layer's may be `[1, out]` or `[B, out]` with a folded-in condition). */
  readonly bias: tf.Tensor1D | tf.Tensor2D;
  /** The activation after the layer. */
  readonly activation: Activation;
  /** Whether the gradient must reach this layer's input (only the first layer's may be false). */
  readonly inputGradient: boolean;
}

/**
 * Applies layers in sequence as one differentiable op: the same arithmetic as {@link denseApply}
 * (or {@link denseApplyFrozen}) per layer, but one tape node for the whole stack.
 *
 * Why: tfjs records one tape node per custom-gradient op, copies (clones) what each one saves,
 * and walks the tape for every gradient; a Diffusion-QL step calls its MLPs about forty times.
 * With one node per MLP call the backward pass is a plain loop over the layers in reverse.
 *
 * @param frozen - weights and biases are constants: the gradient reaches `x` only and the weight
 * products are skipped (see {@link ApplyOptions.frozen}).
 * @remarks Returns a new tensor; the caller owns it. Gradients reach `x` and, unless frozen,
 * every kernel and bias of `layers`, in that order.
 */
export function denseStackApply(x: tf.Tensor2D, layers: readonly StackLayer[], frozen = false): tf.Tensor2D {
  const count = layers.length;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor2D;
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const weights = (l: number): [tf.Tensor2D, tf.Tensor1D | tf.Tensor2D] =>
      frozen
        ? [layers[l].kernel, layers[l].bias]
        : [args[1 + 2 * l] as tf.Tensor2D, args[2 + 2 * l] as tf.Tensor1D | tf.Tensor2D];
    // Saved per layer: its input (for dW; not when frozen) and what its activation's gradient needs.
    const kept: tf.Tensor[] = [];
    const layout: number[] = [];
    let h = input;
    for (let l = 0; l < count; l++) {
      const [w, b] = weights(l);
      const { value, saved } = forwardWithSaved(h, w, b, layers[l].activation);
      if (!frozen) kept.push(h);
      kept.push(...saved);
      layout.push(saved.length);
      h = value;
    }
    save(kept);
    const gradFunc = (dy: tf.Tensor, savedTensors: tf.Tensor[]): tf.Tensor[] => {
      const grads: tf.Tensor[] = new Array<tf.Tensor>(frozen ? 1 : 1 + 2 * count);
      let end = savedTensors.length;
      let upstream = dy as tf.Tensor2D;
      for (let l = count - 1; l >= 0; l--) {
        const activationSaved = savedTensors.slice(end - layout[l], end);
        end -= layout[l];
        const dz = activationBackward(upstream, layers[l].activation, activationSaved);
        const [w, b] = weights(l);
        if (!frozen) {
          const layerInput = savedTensors[--end] as tf.Tensor2D;
          const [dw, db] = weightGradients(layerInput, dz, b);
          grads[1 + 2 * l] = dw;
          grads[2 + 2 * l] = db;
        }
        if (l > 0) upstream = inputGradientOf(dz, w);
        else grads[0] = layers[0].inputGradient || frozen ? inputGradientOf(dz, w) : tf.zeros(input.shape);
      }
      return grads;
    };
    return { value: h, gradFunc };
  });
  return frozen ? op(x) : op(x, ...layers.flatMap((l) => [l.kernel, l.bias]));
}

/**
 * A dense layer owning its kernel `[inputDim, outputDim]` and bias `[outputDim]`.
 *
 * @example
 * ```ts
 * const layer = new Dense({ inputDim: 30, outputDim: 256, activation: 'mish', rng: new Rng(0) });
 * const y = layer.apply(x); // x: [B, 30] -> y: [B, 256]
 * ```
 */
export class Dense implements NetModule {
  /** Weight matrix W, `[inputDim, outputDim]`. */
  readonly kernel: tf.Variable<tf.Rank.R2>;
  /** Bias b, `[outputDim]`. */
  readonly bias: tf.Variable<tf.Rank.R1>;
  /** Input width. */
  readonly inputDim: number;
  /** Output width. */
  readonly outputDim: number;
  /** Fused activation. */
  readonly activation: Activation;
  /** Whether the backward pass computes the input gradient. */
  readonly inputGradient: boolean;

  /** @throws {@link ConfigError} on invalid sizes, activation or initializer. */
  constructor(options: DenseOptions) {
    requireBackend('A network layer (Dense)');
    const init = initDense(
      options.inputDim,
      options.outputDim,
      options.initializer ?? 'pytorch',
      options.rng,
      options.initFanIn,
    );
    this.inputDim = options.inputDim;
    this.outputDim = options.outputDim;
    this.activation = options.activation ?? 'linear';
    if (!['linear', 'relu', 'mish'].includes(this.activation)) {
      throw new ConfigError(`Unknown activation ${JSON.stringify(this.activation)}; use 'linear', 'relu' or 'mish'.`);
    }
    this.inputGradient = options.inputGradient ?? true;
    const trainable = options.trainable ?? true;
    const name = `${options.name ?? 'dense'}_${uniqueId++}`;
    // Inside tidy so the initial-value tensors are freed; variables survive tidy.
    this.kernel = tf.tidy(() =>
      tf.variable(tf.tensor2d(init.kernel, [this.inputDim, this.outputDim]), trainable, `${name}/kernel`),
    );
    this.bias = tf.tidy(() => tf.variable(tf.tensor1d(init.bias), trainable, `${name}/bias`));
  }

  /**
   * Computes `act(x·W + b)`.
   * @param options - `frozen: true` differentiates with respect to `x` only.
   * @throws {@link ShapeError} when x is not `[batch, inputDim]`.
   * @remarks Returns a new tensor; the caller owns it.
   */
  apply(x: tf.Tensor2D, options: ApplyOptions = {}): tf.Tensor2D {
    this.checkInput(x, options.extraBias);
    const run = (bias: tf.Tensor1D | tf.Tensor2D) =>
      options.frozen === true
        ? denseApplyFrozen(x, this.kernel, bias, this.activation)
        : denseApply(x, this.kernel, bias, this.activation, this.inputGradient);
    // No tidy scope on the common path: a scope per layer call is measurable at these sizes.
    const extra = options.extraBias;
    return extra === undefined ? run(this.bias) : tf.tidy(() => run(tf.add<tf.Tensor2D>(this.bias, extra)));
  }

  /**
   * Checks an input and an extra bias for {@link Dense.apply}.
   * @throws {@link ShapeError} when x is not `[batch, inputDim]` or the extra bias is not `[1 or batch, outputDim]`.
   */
  checkInput(x: tf.Tensor2D, extra?: tf.Tensor2D): void {
    if (x.rank !== 2 || x.shape[1] !== this.inputDim) {
      throw new ShapeError(`Dense layer expects input [batch, ${this.inputDim}], got [${x.shape.join(', ')}].`);
    }
    if (
      extra !== undefined &&
      (extra.rank !== 2 || extra.shape[1] !== this.outputDim || (extra.shape[0] !== 1 && extra.shape[0] !== x.shape[0]))
    ) {
      throw new ShapeError(
        `Dense extraBias must be [1, ${this.outputDim}] or [${x.shape[0]}, ${this.outputDim}], got [${extra.shape.join(', ')}].`,
      );
    }
  }

  /** Kernel then bias. */
  trainableVariables(): tf.Variable[] {
    return [this.kernel, this.bias];
  }

  /** Frees the kernel and bias. */
  dispose(): void {
    this.kernel.dispose();
    this.bias.dispose();
  }
}
