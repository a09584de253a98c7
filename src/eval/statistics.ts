/**
 * Small statistics used by evaluation: mean and population standard deviation, D4RL-style
 * normalisation against a reference pair, and reading `info.success`.
 *
 * @module
 */
import { ConfigError, EnvError } from '../core/errors.js';
import { describeValue } from '../core/spaces.js';
import type { ReferenceScores } from '../datasets/index.js';
import type { Info } from '../envs/env.js';

/** Mean and standard deviation of a list of numbers. */
export interface MeanStd {
  /** Arithmetic mean; NaN for an empty list. */
  readonly mean: number;
  /**
   * Population standard deviation (divides by n, as NumPy's `np.std` in SB3's `evaluate_policy`); NaN for an empty
   * list.
   */
  readonly std: number;
}

/** Mean and population standard deviation (two passes, in float64). */
export function meanStd(values: ArrayLike<number>): MeanStd {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(squares / n) };
}

/**
 * Checks a reference pair: finite numbers with `max > min`.
 * @throws {@link ConfigError} otherwise.
 */
export function checkReferenceScore(where: string, reference: unknown): ReferenceScores {
  const r = reference as Partial<ReferenceScores> | null;
  if (
    typeof r !== 'object' ||
    r === null ||
    typeof r.min !== 'number' ||
    typeof r.max !== 'number' ||
    !Number.isFinite(r.min) ||
    !Number.isFinite(r.max) ||
    !(r.max > r.min)
  ) {
    throw new ConfigError(
      `${where}: referenceScore must be { min, max } with finite numbers and max > min, got ${r !== null && typeof r === 'object' ? JSON.stringify(r) : describeValue(r)}. Pass e.g. { min: -20.272305, max: 3234.3 } (D4RL hopper).`,
    );
  }
  return { min: r.min, max: r.max };
}

/**
 * The normalised score in percent, `100 * (rawReturn - min) / (max - min)`: 0 at the reference
 * minimum, 100 at the maximum (D4RL's convention, times 100 as papers report it).
 *
 * @throws {@link ConfigError} when the reference is not a valid pair.
 * @example
 * ```ts
 * normalizeScore(1607.0138475, { min: -20.272305, max: 3234.3 }); // 50
 * ```
 */
export function normalizeScore(rawReturn: number, reference: ReferenceScores): number {
  const ref = checkReferenceScore('normalizeScore', reference);
  return (100 * (rawReturn - ref.min)) / (ref.max - ref.min);
}

/**
 * Reads `info.success`: `undefined` when the key is absent or undefined, otherwise a boolean
 * (`true`/`false`, or a number that is non-zero / zero, as Meta-World reports `1.0` / `0.0`).
 *
 * @throws {@link EnvError} when `info.success` is present but neither a boolean nor a number.
 */
export function readSuccess(where: string, info: Info | undefined): boolean | undefined {
  if (info === undefined || info === null) return undefined;
  const value = info['success'];
  if (value === undefined) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' && !Number.isNaN(value)) return value !== 0;
  throw new EnvError(
    `${where}: info.success is ${describeValue(value)}; expected a boolean or a number (1 = success, 0 = not yet), as Meta-World reports it.`,
  );
}
