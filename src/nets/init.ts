/**
 * Weight initialisers. Values are drawn on the host from the library's seeded {@link Rng}, so a
 * network's initial weights depend only on the seed, never on the backend or on tfjs's global
 * random state.
 *
 * @module
 */
import { ConfigError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { reserveWeights } from './weight-budget.js';

/**
 * How a dense layer's weights start.
 * - `'pytorch'`: kernel and bias ~ U(−1/√fan_in, 1/√fan_in), PyTorch's `nn.Linear` default,
 *   which Diffusion-QL (and most PyTorch reference code) relies on.
 * - `'glorot-uniform'`: kernel ~ U(−√(6/(fan_in+fan_out)), +√(6/(fan_in+fan_out))), bias 0 (the tfjs/Keras default).
 * - `'zeros'`: everything 0 (for output heads that must start neutral).
 */
export type Initializer = 'pytorch' | 'glorot-uniform' | 'zeros';

/** Host arrays of a dense layer's initial kernel (`[fanIn, fanOut]`, row-major) and bias. */
export interface DenseInit {
  /** Kernel values, `fanIn * fanOut`, row-major `[fanIn, fanOut]`. */
  readonly kernel: Float32Array;
  /** Bias values, `fanOut`. */
  readonly bias: Float32Array;
}

/**
 * Draws the initial weights of a dense layer.
 * @param boundFanIn - fan-in for the bound when the layer is one block of a wider layer (its
 * weights should be distributed as the wider layer's). @defaultValue `fanIn`
 * @throws {@link ConfigError} on non-positive sizes or an unknown initialiser.
 */
export function initDense(
  fanIn: number,
  fanOut: number,
  initializer: Initializer,
  rng: Rng,
  boundFanIn: number = fanIn,
): DenseInit {
  if (!Number.isInteger(fanIn) || fanIn <= 0 || !Number.isInteger(fanOut) || fanOut <= 0) {
    throw new ConfigError(`Dense layer sizes must be positive integers, got fanIn=${fanIn}, fanOut=${fanOut}.`);
  }
  reserveWeights(fanIn * fanOut + fanOut, `a dense layer of ${fanIn} x ${fanOut}`);
  const kernel = new Float32Array(fanIn * fanOut);
  const bias = new Float32Array(fanOut);
  switch (initializer) {
    case 'pytorch': {
      const bound = 1 / Math.sqrt(boundFanIn);
      rng.fillUniform(kernel, -bound, bound);
      rng.fillUniform(bias, -bound, bound);
      break;
    }
    case 'glorot-uniform': {
      const bound = Math.sqrt(6 / (boundFanIn + fanOut));
      rng.fillUniform(kernel, -bound, bound);
      break;
    }
    case 'zeros':
      break;
    default: {
      const never: never = initializer;
      throw new ConfigError(
        `Unknown initializer ${JSON.stringify(never)}; use 'pytorch', 'glorot-uniform' or 'zeros'.`,
      );
    }
  }
  return { kernel, bias };
}
