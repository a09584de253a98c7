/**
 * Shared plumbing of the eval area: where the env comes from ({@link EnvSource}), flat row sizes
 * of its spaces, and the {@link ProgressSetting} option.
 *
 * @module
 */
import { ConfigError, ShapeError } from '../core/errors.js';
import { Progress, type ProgressOptions } from '../core/progress.js';
import { Box, Discrete, describeValue, type Space } from '../core/spaces.js';
import type { Env } from '../envs/env.js';
import { makeEnv } from '../envs/registry.js';

/**
 * Where the env comes from:
 *
 * - an {@link Env} instance: used as is and **not** closed afterwards (the caller owns it);
 * - a factory `() => env`: called once per env needed (N times for vectorised evaluation); the
 *   envs it makes are closed afterwards;
 * - a registered env id such as `'Pendulum-v1'`: built with `makeEnv(id)` and closed afterwards.
 */
export type EnvSource<Obs = unknown, Act = unknown> = Env<Obs, Act> | (() => Env<Obs, Act>) | string;

/** An env to run, and whether this module made it (and so must close it). */
export interface ResolvedEnv<Obs, Act> {
  /** The env. */
  readonly env: Env<Obs, Act>;
  /** True when the env was made from a factory or id and must be closed after use. */
  readonly owned: boolean;
}

/** True when `x` looks like an env (an object with `reset` and `step` methods). */
function isEnvLike(x: unknown): x is Env {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as Env).reset === 'function' &&
    typeof (x as Env).step === 'function'
  );
}

/**
 * Builds a factory from an {@link EnvSource} that is a factory or an id.
 * @throws {@link ConfigError} when `source` is neither a function, an id nor an env.
 */
export function envFactory<Obs, Act>(where: string, source: EnvSource<Obs, Act>): (() => Env<Obs, Act>) | null {
  if (typeof source === 'string') return () => makeEnv<Obs, Act>(source);
  if (typeof source === 'function') {
    return () => {
      const env: unknown = source();
      if (!isEnvLike(env))
        throw new ConfigError(
          `${where}: the env factory returned ${describeValue(env)}; it must return an env with reset() and step() synchronously.`,
        );
      return env as Env<Obs, Act>;
    };
  }
  if (isEnvLike(source)) return null;
  throw new ConfigError(
    `${where}: expected an env, a factory () => env or a registered env id such as 'Pendulum-v1', got ${describeValue(source)}.`,
  );
}

/**
 * One env from an {@link EnvSource}: the instance itself, or a new env from the factory or id.
 * @throws {@link ConfigError} when `source` is not an env, factory or id.
 */
export function resolveEnv<Obs, Act>(where: string, source: EnvSource<Obs, Act>): ResolvedEnv<Obs, Act> {
  const factory = envFactory(where, source);
  if (factory === null) return { env: source as Env<Obs, Act>, owned: false };
  return { env: factory(), owned: true };
}

/**
 * Number of values in one flat row of a space: a Box's size, 1 for Discrete (the index).
 * @throws {@link ConfigError} for Dict and unknown spaces.
 */
export function rowDim(where: string, what: 'observation' | 'action', space: Space): number {
  if (space instanceof Box) return space.size;
  if (space instanceof Discrete) return 1;
  throw new ConfigError(
    `${where}: the ${what} space is ${describeValue((space as { type?: unknown } | null)?.type)}; only Box and Discrete ${what}s fit the flat rows of a ReplayBuffer or batched policy. Flatten Dict spaces with a wrapper first.`,
  );
}

/**
 * Copies a value of a Box or Discrete space into `out` (length = the row size). `describe`
 * names the value in error messages (a function, so hot loops build no string unless it fails).
 * @throws {@link ShapeError} when the value has the wrong length or is not numeric.
 */
export function copyRow(
  where: string,
  describe: string | (() => string),
  value: unknown,
  out: Float32Array,
): Float32Array {
  const what = (): string => (typeof describe === 'string' ? describe : describe());
  if (typeof value === 'number') {
    if (out.length !== 1)
      throw new ShapeError(
        `${where}: the ${what()} is the number ${value}, but rows of this space hold ${out.length} values.`,
      );
    out[0] = value;
    return out;
  }
  const row = value as ArrayLike<number> | null;
  if (typeof row !== 'object' || row === null || typeof row.length !== 'number') {
    throw new ShapeError(
      `${where}: the ${what()} is ${describeValue(value)}; expected ${out.length === 1 ? 'a number or ' : ''}an array-like of ${out.length} numbers.`,
    );
  }
  if (row.length !== out.length)
    throw new ShapeError(
      `${where}: the ${what()} has ${row.length} values; the space needs ${out.length}. Check the policy's output size.`,
    );
  for (let j = 0; j < out.length; j++) out[j] = row[j]!;
  return out;
}

/**
 * How a long-running eval call reports progress through {@link Progress}: a mode
 * (`'auto'` draws a bar on a TTY and plain lines otherwise, `'bar'`, `'lines'`, `'off'`), or
 * the options of {@link Progress} except `total` (for example a custom `stream` or `label`).
 */
export type ProgressSetting = NonNullable<ProgressOptions['mode']> | Partial<Omit<ProgressOptions, 'total'>>;

/** Largest number of plain-line updates a run prints (line mode prints one line per update). */
const MAX_PROGRESS_UPDATES = 20;

/**
 * Progress of one run, throttled so line mode prints at most about 20 lines.
 */
export class ProgressTicker {
  private readonly progress: Progress;
  private readonly total: number;
  private readonly every: number;
  private next: number;

  /**
   * @param setting - the caller's {@link ProgressSetting}, or `undefined` for `fallback`.
   * @param total - units of work of the run.
   * @param label - label used unless the setting gives one.
   * @param fallback - the mode used when `setting` is `undefined`.
   */
  constructor(
    setting: ProgressSetting | undefined,
    total: number,
    label: string,
    fallback: NonNullable<ProgressOptions['mode']>,
  ) {
    const options = typeof setting === 'string' ? { mode: setting } : (setting ?? { mode: fallback });
    this.progress = new Progress({ label, mode: fallback, ...options, total });
    this.total = total;
    this.every = Math.max(1, Math.ceil(total / MAX_PROGRESS_UPDATES));
    this.next = this.every;
  }

  /** Reports `done` units when a throttling step was crossed (always at `total`). */
  update(done: number, metrics: () => Record<string, number>): void {
    if (done < this.next && done < this.total) return;
    this.next = (Math.floor(done / this.every) + 1) * this.every;
    this.progress.update(done, metrics());
  }

  /** Finishes the bar. */
  done(metrics: Record<string, number>): void {
    this.progress.done(metrics);
  }
}
