/**
 * {@link TimeLimit}: ends episodes with `truncated = true` after a fixed number of steps.
 *
 * @module
 */
import { ConfigError, EnvError } from '../../core/errors.js';
import type { MaybePromise } from '../../core/types.js';
import type { Env, ResetOptions, ResetResult, StepResult } from '../env.js';
import { thenMaybe } from '../maybe-promise.js';
import { Wrapper } from './wrapper.js';

/** Options of {@link TimeLimit}. */
export interface TimeLimitOptions {
  /** Number of steps after which `truncated` is set (a positive integer). */
  readonly maxEpisodeSteps: number;
}

/**
 * Sets `truncated = true` on the step that brings the episode to `maxEpisodeSteps` steps, as
 * Gymnasium's `TimeLimit`. `terminated`, the reward, the observation and `info` pass through
 * unchanged; an env that terminates on the last step reports both flags.
 */
export class TimeLimit<Obs = unknown, Act = unknown> extends Wrapper<Obs, Act> {
  /** The step limit. */
  readonly maxEpisodeSteps: number;
  private elapsed: number | undefined;

  /** @throws {@link ConfigError} when `maxEpisodeSteps` is not a positive integer. */
  constructor(env: Env<Obs, Act>, options: TimeLimitOptions) {
    super(env);
    const n = options?.maxEpisodeSteps;
    if (!Number.isInteger(n) || n <= 0) {
      throw new ConfigError(
        `TimeLimit maxEpisodeSteps must be a positive integer, got ${String(n)}. Pass e.g. { maxEpisodeSteps: 200 }.`,
      );
    }
    this.maxEpisodeSteps = n;
  }

  /** Steps taken since the last reset, or `undefined` before the first reset. */
  get elapsedSteps(): number | undefined {
    return this.elapsed;
  }

  /** Resets the inner env and the step counter. */
  override reset(options?: ResetOptions): MaybePromise<ResetResult<Obs>> {
    return thenMaybe(this.env.reset(options), (result) => {
      this.elapsed = 0;
      return result;
    });
  }

  /**
   * Steps the inner env and sets `truncated` once the limit is reached.
   * @throws {@link EnvError} when called before `reset()`.
   */
  override step(action: Act): MaybePromise<StepResult<Obs>> {
    if (this.elapsed === undefined)
      throw new EnvError('TimeLimit.step() was called before reset(); call env.reset() to start an episode first.');
    return thenMaybe(this.env.step(action), ([observation, reward, terminated, truncated, info]): StepResult<Obs> => {
      this.elapsed = (this.elapsed ?? 0) + 1;
      return [observation, reward, terminated, truncated || this.elapsed >= this.maxEpisodeSteps, info];
    });
  }
}
