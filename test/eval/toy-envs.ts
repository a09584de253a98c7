/**
 * Purpose-built envs for the eval tests, with every number known in advance.
 *
 * {@link ToyEnv}: observation `[t, x]` (t = steps since reset), action `[a]` in [-1, 1].
 * The state x starts at `x0` (0, or `(seed % 97) / 10` with `x0FromSeed`) and moves as
 * `x <- 0.5 * x + a`; the reward of the step from t to t + 1 is `(t + 1) - 0.1 * x_new^2`, so
 * with zero actions and x0 = 0 it is exactly t + 1.
 */
import { Box } from '../../src/core/spaces.js';
import type { Env, Info, ResetOptions, ResetResult, StepResult } from '../../src/envs/env.js';

/** How the last step of an episode is flagged. */
export type ToyEnding = 'terminated' | 'truncated' | 'both' | 'none';

export interface ToyOptions {
  /** Episode lengths by reset count (cycled); ignored with `lengthFromSeed`. @defaultValue [3] */
  readonly lengths?: readonly number[];
  /** Episode length `2 + (seed % 5)` from the reset seed. */
  readonly lengthFromSeed?: boolean;
  /** Flags of the last step. @defaultValue 'terminated' */
  readonly ending?: ToyEnding;
  /** x0 from the seed instead of 0. */
  readonly x0FromSeed?: boolean;
  /** `info.success` of step t (1-based) of the episode with this reset count; `undefined` omits the key. */
  readonly success?: (resetCount: number, t: number) => unknown;
  /** Return the same observation array every time, mutated in place. */
  readonly reuseObservation?: boolean;
}

export class ToyEnv implements Env<Float32Array, Float32Array> {
  readonly observationSpace = new Box({ low: -Infinity, high: Infinity, shape: [2] });
  readonly actionSpace = new Box({ low: -1, high: 1, shape: [1] });
  /** Seeds passed to reset, in order. */
  readonly seeds: (number | undefined)[] = [];
  /** Every action received, copied. */
  readonly actions: number[] = [];
  closed = 0;
  private t = 0;
  private x = 0;
  private length = 0;
  private resetCount = -1;
  private readonly obs = new Float32Array(2);

  constructor(readonly options: ToyOptions = {}) {}

  reset(options: ResetOptions = {}): ResetResult<Float32Array> {
    this.seeds.push(options.seed);
    this.resetCount++;
    const seed = options.seed ?? 0;
    const lengths = this.options.lengths ?? [3];
    this.length = this.options.lengthFromSeed === true ? 2 + (seed % 5) : lengths[this.resetCount % lengths.length];
    this.t = 0;
    this.x = this.options.x0FromSeed === true ? (seed % 97) / 10 : 0;
    return [this.observation(), { resetCount: this.resetCount }];
  }

  step(action: Float32Array): StepResult<Float32Array> {
    const a = action[0];
    this.actions.push(a);
    this.x = 0.5 * this.x + a;
    this.t++;
    const reward = this.t - 0.1 * this.x * this.x;
    const last = this.t >= this.length;
    const ending = this.options.ending ?? 'terminated';
    const terminated = last && (ending === 'terminated' || ending === 'both');
    const truncated = last && (ending === 'truncated' || ending === 'both');
    const info: Info = {};
    const success = this.options.success?.(this.resetCount, this.t);
    if (success !== undefined) info['success'] = success;
    return [this.observation(), reward, terminated, truncated, info];
  }

  close(): void {
    this.closed++;
  }

  private observation(): Float32Array {
    const out = this.options.reuseObservation === true ? this.obs : new Float32Array(2);
    out[0] = this.t;
    out[1] = this.x;
    return out;
  }
}

/** The same env with every method answering through a promise resolved on a later macrotask. */
export class AsyncToyEnv implements Env<Float32Array, Float32Array> {
  readonly inner: ToyEnv;
  constructor(options: ToyOptions = {}) {
    this.inner = new ToyEnv(options);
  }
  get observationSpace() {
    return this.inner.observationSpace;
  }
  get actionSpace() {
    return this.inner.actionSpace;
  }
  reset(options?: ResetOptions): Promise<ResetResult<Float32Array>> {
    return later(() => this.inner.reset(options));
  }
  step(action: Float32Array): Promise<StepResult<Float32Array>> {
    return later(() => this.inner.step(action));
  }
  close(): Promise<void> {
    return later(() => this.inner.close());
  }
}

function later<T>(f: () => T): Promise<T> {
  return new Promise<void>((resolve) => setImmediate(resolve)).then(f);
}
