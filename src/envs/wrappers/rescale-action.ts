/**
 * {@link RescaleAction}: lets the agent act in `[min, max]` (typically `[-1, 1]`) and maps its
 * actions affinely onto the env's bounds.
 *
 * @module
 */
import { ConfigError } from '../../core/errors.js';
import { Box, type Space } from '../../core/spaces.js';
import type { MaybePromise } from '../../core/types.js';
import type { Env, StepResult } from '../env.js';
import { allocate, expectNumbers, requireFloatBox } from './box-helpers.js';
import { Wrapper } from './wrapper.js';

/** Options of {@link RescaleAction}: the range the agent acts in, per element or for all. */
export interface RescaleActionOptions {
  /** Lower end of the agent's range: one number for every element, or one per element. */
  readonly min: number | ArrayLike<number>;
  /** Upper end of the agent's range: one number for every element, or one per element. */
  readonly max: number | ArrayLike<number>;
}

/**
 * Maps an action `a` in the agent's `[min, max]` onto the inner env's `[low, high]`:
 *
 * `low + (high - low) * (a - min) / (max - min)`
 *
 * element by element, as Gymnasium's `RescaleAction`. The exposed action space is
 * `Box(min, max)` with the inner shape and dtype. Actions outside `[min, max]` are mapped by
 * the same affine formula, not clipped (compose with {@link ClipAction} to clip); inside the
 * range the result is clamped to `[low, high]` only to absorb floating-point rounding.
 *
 * @example
 * ```ts
 * const env = new RescaleAction(makeEnv<Float32Array, Float32Array>('Pendulum-v1'), { min: -1, max: 1 });
 * env.step(Float32Array.of(0.5)); // the pendulum receives a torque of 1
 * ```
 */
export class RescaleAction<Obs = unknown, A extends Float32Array | Float64Array = Float32Array> extends Wrapper<
  Obs,
  A
> {
  private readonly low: Float64Array;
  private readonly high: Float64Array;
  private readonly min: Float64Array;
  private readonly max: Float64Array;
  private readonly outer: Box<'float32' | 'float64'>;
  private readonly innerDtype: 'float32' | 'float64';

  /**
   * @throws {@link ConfigError} when the inner action space is not a float Box, has an
   * infinite bound, or `min`/`max` are not finite with `min < max` element-wise.
   */
  constructor(env: Env<Obs, A>, options: RescaleActionOptions) {
    super(env);
    const inner = requireFloatBox(env.actionSpace, 'RescaleAction', 'action');
    if (!inner.isBounded()) {
      throw new ConfigError(
        `RescaleAction needs finite action bounds to map onto, got low [${Array.from(inner.low).join(', ')}] and high [${Array.from(inner.high).join(', ')}]. Use ClipAction, or give the env finite bounds.`,
      );
    }
    if (options === undefined || options.min === undefined || options.max === undefined) {
      throw new ConfigError('RescaleAction needs { min, max }, e.g. new RescaleAction(env, { min: -1, max: 1 }).');
    }
    this.innerDtype = inner.dtype;
    this.low = inner.low;
    this.high = inner.high;
    this.min = expandRange('min', options.min, inner.size);
    this.max = expandRange('max', options.max, inner.size);
    for (let i = 0; i < inner.size; i++) {
      if (!(this.min[i] < this.max[i])) {
        throw new ConfigError(
          `RescaleAction needs min < max for every element, got min[${i}] = ${this.min[i]} and max[${i}] = ${this.max[i]}.`,
        );
      }
    }
    this.outer = new Box({ low: this.min, high: this.max, shape: inner.shape, dtype: inner.dtype });
  }

  /** `Box(min, max)` with the inner shape and dtype. */
  override get actionSpace(): Space<A> {
    return this.outer as unknown as Space<A>;
  }

  /** Maps `action` onto the inner bounds and steps the inner env with the result. */
  override step(action: A): MaybePromise<StepResult<Obs>> {
    return this.env.step(this.rescale(action));
  }

  /**
   * Returns `action` mapped from `[min, max]` to the inner `[low, high]`, as a new array.
   * @throws {@link ShapeError} when `action` is not an array of the right length.
   */
  rescale(action: ArrayLike<number>): A {
    const src = expectNumbers(action, this.low.length, 'RescaleAction action');
    const out = allocate(this.innerDtype, this.low.length);
    for (let i = 0; i < out.length; i++) {
      const a = src[i];
      const lo = this.low[i];
      const hi = this.high[i];
      let v = lo + ((hi - lo) * (a - this.min[i])) / (this.max[i] - this.min[i]);
      if (a >= this.min[i] && a <= this.max[i]) v = Math.min(hi, Math.max(lo, v));
      out[i] = v;
    }
    return out as A;
  }
}

function expandRange(name: string, bound: number | ArrayLike<number>, size: number): Float64Array {
  const out = new Float64Array(size);
  if (typeof bound === 'number') out.fill(bound);
  else {
    if (bound.length !== size)
      throw new ConfigError(
        `RescaleAction ${name} has ${bound.length} elements but the action has ${size}; give one number or one per element.`,
      );
    for (let i = 0; i < size; i++) out[i] = bound[i]!;
  }
  for (let i = 0; i < size; i++) {
    if (!Number.isFinite(out[i])) throw new ConfigError(`RescaleAction ${name}[${i}] must be finite, got ${out[i]}.`);
  }
  return out;
}
