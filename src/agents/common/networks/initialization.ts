/**
 * Weight initialisation schemes of the reference implementations, applied to a built
 * {@link ConditionedMlp}. Networks are drawn with PyTorch's `nn.Linear` default first; a scheme
 * then redraws the layers it names, from the same seeded stream, so a network's weights depend
 * only on the seed. The schemes the SAC family needs:
 *
 * - orthogonal (Saxe et al. 2014) with a gain, bias 0: CORL's CQL critics (`orthogonal_init`);
 * - Xavier-uniform with a gain: the last layer of CORL's CQL actor (gain 1e-2);
 * - U(−b, b) and constant biases: CORL's SAC-N (biases 0.1, output layers U(±1e-3) or U(±3e-3)).
 *
 * A conditioned first layer is one block of the concatenated layer `[x, c]·W` (see
 * `conditioned-mlp.ts`), so its two blocks are drawn as that layer would be: one orthogonal
 * matrix over the whole fan-in, split by rows; Xavier bounds from the whole fan-in.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../../../core/errors.js';
import type { Rng } from '../../../core/rng.js';
import type { ConditionedMlp } from './conditioned-mlp.js';

/** Keep the layer's draw (PyTorch's `nn.Linear` default, U(±1/√fan_in)). */
export interface DefaultInit {
  /** Kind tag. */
  readonly kind: 'default';
}

/** PyTorch's `orthogonal_(W, gain)` on the `[out, in]` weight. */
export interface OrthogonalInit {
  /** Kind tag. */
  readonly kind: 'orthogonal';
  /** Scale of the orthogonal matrix. */
  readonly gain: number;
}

/** PyTorch's `xavier_uniform_(W, gain)`: U(±gain·√(6 / (fan_in + fan_out))). */
export interface XavierUniformInit {
  /** Kind tag. */
  readonly kind: 'xavier-uniform';
  /** Scale of the bound. */
  readonly gain: number;
}

/** U(−bound, bound). */
export interface UniformInit {
  /** Kind tag. */
  readonly kind: 'uniform';
  /** Half-width of the interval. */
  readonly bound: number;
}

/** Every entry the same value. */
export interface ConstantInit {
  /** Kind tag. */
  readonly kind: 'constant';
  /** The value. */
  readonly value: number;
}

/** How a layer's kernel starts. */
export type KernelInit = DefaultInit | OrthogonalInit | XavierUniformInit | UniformInit;

/** How a layer's bias starts. */
export type BiasInit = DefaultInit | ConstantInit | UniformInit;

/** One layer's scheme. */
export interface LayerInit {
  /** The kernel's. */
  readonly kernel: KernelInit;
  /** The bias's. */
  readonly bias: BiasInit;
}

/** A network's scheme: one for every hidden layer, one for the output layer. */
export interface MlpInit {
  /** Every layer but the last. */
  readonly hidden: LayerInit;
  /** The last layer. */
  readonly output: LayerInit;
}

/** PyTorch's default for every layer: nothing is redrawn. */
export const DEFAULT_INIT: MlpInit = Object.freeze({
  hidden: Object.freeze({ kernel: Object.freeze({ kind: 'default' }), bias: Object.freeze({ kind: 'default' }) }),
  output: Object.freeze({ kernel: Object.freeze({ kind: 'default' }), bias: Object.freeze({ kind: 'default' }) }),
} as const);

/**
 * A `[rows, cols]` matrix (row-major) with orthonormal rows (rows ≤ cols) or columns (rows ≥ cols),
 * times `gain`: PyTorch's `orthogonal_` on a `[rows, cols]` weight. A normal matrix (transposed
 * when it is wide) is orthonormalised by modified Gram–Schmidt, which gives the QR factor Q with
 * a positive diagonal in R, the sign convention `orthogonal_` enforces.
 * @throws {@link ConfigError} on sizes below 1.
 */
export function orthogonalMatrix(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  if (!(Number.isInteger(rows) && Number.isInteger(cols) && rows >= 1 && cols >= 1))
    throw new ConfigError(`orthogonalMatrix needs sizes >= 1, got ${rows}x${cols}.`);
  // Work on a tall n×m matrix (n ≥ m), stored column by column.
  const wide = rows < cols;
  const n = wide ? cols : rows;
  const m = wide ? rows : cols;
  const columns = Array.from({ length: m }, () => rng.fillNormal(new Float64Array(n)));
  for (let j = 0; j < m; j++) {
    const q = columns[j];
    for (let k = 0; k < j; k++) {
      const p = columns[k];
      let dot = 0;
      for (let i = 0; i < n; i++) dot += p[i] * q[i];
      for (let i = 0; i < n; i++) q[i] -= dot * p[i];
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += q[i] * q[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) q[i] /= norm;
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (wide ? columns[r][c] : columns[c][r]);
  return out;
}

/** A `[fanIn, fanOut]` kernel (this library's layout) drawn by `init`, or null for `'default'`. */
function drawKernel(init: KernelInit, fanIn: number, fanOut: number, rng: Rng): Float32Array | null {
  switch (init.kind) {
    case 'default':
      return null;
    case 'orthogonal': {
      // PyTorch draws the [out, in] weight; the kernel is its transpose.
      const w = orthogonalMatrix(fanOut, fanIn, init.gain, rng);
      const kernel = new Float32Array(fanIn * fanOut);
      for (let o = 0; o < fanOut; o++) for (let i = 0; i < fanIn; i++) kernel[i * fanOut + o] = w[o * fanIn + i];
      return kernel;
    }
    case 'xavier-uniform': {
      const bound = init.gain * Math.sqrt(6 / (fanIn + fanOut));
      return rng.fillUniform(new Float32Array(fanIn * fanOut), -bound, bound);
    }
    case 'uniform':
      return rng.fillUniform(new Float32Array(fanIn * fanOut), -init.bound, init.bound);
  }
}

function drawBias(init: BiasInit, size: number, rng: Rng): Float32Array | null {
  switch (init.kind) {
    case 'default':
      return null;
    case 'constant':
      return new Float32Array(size).fill(init.value);
    case 'uniform':
      return rng.fillUniform(new Float32Array(size), -init.bound, init.bound);
  }
}

/**
 * Redraws the layers of `net` by `scheme` from `rng` (layers in order, each kernel then bias).
 * The condition block of the first layer is drawn with it, as rows of the concatenated kernel.
 * @remarks Assigns the existing variables; creates no lasting tensors.
 */
export function initializeMlp(net: ConditionedMlp, scheme: MlpInit, rng: Rng): void {
  const layers = net.mlp.layers;
  layers.forEach((layer, index) => {
    const init = index === layers.length - 1 ? scheme.output : scheme.hidden;
    const conditionBlock = index === 0 ? net.condition : null;
    const conditionRows = conditionBlock?.inputDim ?? 0;
    const fanIn = layer.inputDim + conditionRows;
    const kernel = drawKernel(init.kernel, fanIn, layer.outputDim, rng);
    const bias = drawBias(init.bias, layer.outputDim, rng);
    tf.tidy(() => {
      if (kernel !== null) {
        const own = kernel.subarray(0, layer.inputDim * layer.outputDim);
        layer.kernel.assign(tf.tensor2d(own, [layer.inputDim, layer.outputDim]));
        if (conditionBlock !== null)
          conditionBlock.kernel.assign(tf.tensor2d(kernel.subarray(own.length), [conditionRows, layer.outputDim]));
      }
      if (bias !== null) layer.bias.assign(tf.tensor1d(bias));
    });
  });
}
