/**
 * {@link ClipAction}: clips continuous actions into the env's action bounds.
 *
 * @module
 */
import { Box, type BoxArray, type BoxDtype, type Space } from '../../core/spaces.js';
import type { MaybePromise } from '../../core/types.js';
import type { Env, StepResult } from '../env.js';
import { allocate, expectNumbers, requireBox } from './box-helpers.js';
import { Wrapper } from './wrapper.js';

/**
 * Clips every action element into `[low, high]` of the inner env's {@link Box} action space
 * before stepping, as Gymnasium's `ClipAction`. The exposed action space is the same shape and
 * dtype but unbounded, so any finite action is accepted. The caller's array is never modified.
 *
 * @example
 * ```ts
 * const env = new ClipAction(makeEnv<Float32Array, Float32Array>('Pendulum-v1'));
 * env.step(Float32Array.of(5)); // the pendulum receives 2
 * ```
 */
export class ClipAction<Obs = unknown, A extends BoxArray = Float32Array> extends Wrapper<Obs, A> {
  private readonly inner: Box<BoxDtype>;
  private readonly outer: Box<BoxDtype>;

  /** @throws {@link ConfigError} when the inner action space is not a Box. */
  constructor(env: Env<Obs, A>) {
    super(env);
    this.inner = requireBox(env.actionSpace, 'ClipAction', 'action');
    this.outer = new Box({ low: -Infinity, high: Infinity, shape: this.inner.shape, dtype: this.inner.dtype });
  }

  /** The inner action space with both bounds removed. */
  override get actionSpace(): Space<A> {
    return this.outer as unknown as Space<A>;
  }

  /** Clips a copy of `action` and steps the inner env with it. */
  override step(action: A): MaybePromise<StepResult<Obs>> {
    return this.env.step(this.clip(action));
  }

  /**
   * Returns a clipped copy of `action` in the inner env's dtype.
   * @throws {@link ShapeError} when `action` is not an array of the right length.
   */
  clip(action: ArrayLike<number>): A {
    const src = expectNumbers(action, this.inner.size, 'ClipAction action');
    const out = allocate(this.inner.dtype, this.inner.size);
    for (let i = 0; i < out.length; i++) {
      const v = src[i];
      out[i] = v < this.inner.low[i] ? this.inner.low[i] : v > this.inner.high[i] ? this.inner.high[i] : v;
    }
    return out as A;
  }
}
