/**
 * {@link OrderEnforcing}: rejects `step` before the first `reset`, and any call after `close`.
 *
 * @module
 */
import { EnvError } from '../../core/errors.js';
import type { MaybePromise } from '../../core/types.js';
import type { Env, ResetOptions, ResetResult, StepResult } from '../env.js';
import { thenMaybe } from '../maybe-promise.js';
import { Wrapper } from './wrapper.js';

/**
 * Enforces call order as Gymnasium's `OrderEnforcing` does: `step()` before the first
 * `reset()` and `reset()`/`step()` after `close()` throw {@link EnvError} instead of reaching
 * an env in an undefined state. `makeEnv` applies it to every env it makes.
 */
export class OrderEnforcing<Obs = unknown, Act = unknown> extends Wrapper<Obs, Act> {
  private hasReset = false;
  private closed = false;

  /** @param env - the env to guard. */
  constructor(env: Env<Obs, Act>) {
    super(env);
  }

  /** True once `reset()` has completed at least once. */
  get resetCalled(): boolean {
    return this.hasReset;
  }

  /** Resets the inner env and records that it has been reset. */
  override reset(options?: ResetOptions): MaybePromise<ResetResult<Obs>> {
    if (this.closed)
      throw new EnvError('reset() was called after close(); make a new env instead of reusing a closed one.');
    return thenMaybe(this.env.reset(options), (result) => {
      this.hasReset = true;
      return result;
    });
  }

  /** @throws {@link EnvError} before the first reset or after close. */
  override step(action: Act): MaybePromise<StepResult<Obs>> {
    if (this.closed)
      throw new EnvError('step() was called after close(); make a new env instead of reusing a closed one.');
    if (!this.hasReset)
      throw new EnvError('step() was called before reset(); call env.reset({ seed }) to start an episode first.');
    return this.env.step(action);
  }

  /** Closes the inner env once; later calls do nothing. */
  override close(): MaybePromise<void> {
    if (this.closed) return undefined;
    this.closed = true;
    return super.close();
  }
}
