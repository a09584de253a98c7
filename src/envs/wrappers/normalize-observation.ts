/**
 * {@link NormalizeObservation}: standardises Box observations with running statistics.
 *
 * @module
 */
import { ConfigError } from '../../core/errors.js';
import { Box, type Space } from '../../core/spaces.js';
import type { MaybePromise } from '../../core/types.js';
import type { Env, ResetOptions, ResetResult, StepResult } from '../env.js';
import { thenMaybe } from '../maybe-promise.js';
import { RunningMeanStd, type RunningMeanStdState } from '../running-mean-std.js';
import { allocate, expectNumbers, requireFloatBox } from './box-helpers.js';
import { Wrapper } from './wrapper.js';

/** Options of {@link NormalizeObservation}. */
export interface NormalizeObservationOptions {
  /** Added to the variance before the square root. @defaultValue 1e-8 */
  readonly epsilon?: number;
  /** Whether statistics start out updating. @defaultValue true */
  readonly update?: boolean;
}

/**
 * Returns `(obs - mean) / sqrt(var + epsilon)` for every observation (from `reset` and
 * `step`), where mean and variance are running per-element statistics of all observations seen
 * so far ({@link RunningMeanStd}, Welford). As in Gymnasium, the statistics are updated with an
 * observation before it is normalised.
 *
 * For evaluation, call {@link NormalizeObservation.freeze} (or set `update = false`) so the
 * statistics stop moving, and copy them from the training env with
 * {@link NormalizeObservation.getStats}/{@link NormalizeObservation.setStats}.
 *
 * The exposed observation space is an unbounded Box of the inner shape and dtype (float32 or
 * float64); each observation is a new array of that dtype.
 */
export class NormalizeObservation<
  Obs extends Float32Array | Float64Array = Float32Array,
  Act = unknown,
> extends Wrapper<Obs, Act> {
  /** Added to the variance before the square root. */
  readonly epsilon: number;
  /** Whether observations currently update the statistics. */
  update: boolean;
  private readonly rms: RunningMeanStd;
  private readonly outer: Box<'float32' | 'float64'>;

  /** @throws {@link ConfigError} when the observation space is not a float Box or epsilon is not positive. */
  constructor(env: Env<Obs, Act>, options: NormalizeObservationOptions = {}) {
    super(env);
    const inner = requireFloatBox(env.observationSpace, 'NormalizeObservation', 'observation');
    const epsilon = options.epsilon ?? 1e-8;
    if (!(epsilon > 0) || !Number.isFinite(epsilon))
      throw new ConfigError(`NormalizeObservation epsilon must be a positive finite number, got ${String(epsilon)}.`);
    this.epsilon = epsilon;
    this.update = options.update ?? true;
    this.rms = new RunningMeanStd(inner.size);
    this.outer = new Box({ low: -Infinity, high: Infinity, shape: inner.shape, dtype: inner.dtype });
  }

  /** An unbounded Box with the inner shape and dtype. */
  override get observationSpace(): Space<Obs> {
    return this.outer as unknown as Space<Obs>;
  }

  /** Stops updating the statistics (for evaluation). */
  freeze(): void {
    this.update = false;
  }

  /** Resumes updating the statistics. */
  unfreeze(): void {
    this.update = true;
  }

  /** A copy of the running statistics (mean, population variance, count), for checkpoints. */
  getStats(): RunningMeanStdState {
    return this.rms.getState();
  }

  /**
   * Replaces the running statistics, for example with those of the training env.
   * @throws {@link ShapeError} or {@link ConfigError} on a malformed state.
   */
  setStats(stats: RunningMeanStdState): void {
    this.rms.setState(stats);
  }

  /** Resets the inner env and returns the normalised first observation. */
  override reset(options?: ResetOptions): MaybePromise<ResetResult<Obs>> {
    return thenMaybe(this.env.reset(options), ([observation, info]): ResetResult<Obs> => [
      this.observe(observation),
      info,
    ]);
  }

  /** Steps the inner env and returns the normalised observation. */
  override step(action: Act): MaybePromise<StepResult<Obs>> {
    return thenMaybe(this.env.step(action), ([observation, reward, terminated, truncated, info]): StepResult<Obs> => [
      this.observe(observation),
      reward,
      terminated,
      truncated,
      info,
    ]);
  }

  private observe(observation: Obs): Obs {
    const x = expectNumbers(observation, this.rms.size, 'NormalizeObservation observation');
    if (this.update) this.rms.update(x);
    return this.rms.normalize(x, this.epsilon, allocate(this.outer.dtype, this.rms.size) as Obs);
  }
}
