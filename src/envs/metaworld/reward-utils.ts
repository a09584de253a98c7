/**
 * The shaping functions of Meta-World's "v2" rewards: {@link tolerance} (a band that pays 1
 * inside `[lower, upper]` and falls off outside it) and {@link hamacherProduct} (a soft AND of
 * two values in [0, 1]). Meta-World took them from dm_control's reward utilities; these are the
 * same formulas, restricted to the `long_tail` fall-off every Meta-World v3 reward uses.
 *
 * @module
 */
import { EnvError } from '../../core/errors.js';

/** The value {@link tolerance} takes at `margin` beyond the band (dm_control's default). */
export const VALUE_AT_MARGIN = 0.1;

/** `sqrt(1 / 0.1 - 1)`: the `long_tail` scale that makes the value 0.1 at one margin. */
const LONG_TAIL_SCALE = Math.sqrt(1 / VALUE_AT_MARGIN - 1);

/**
 * 1 when `x` lies in `[lower, upper]`; outside, with `d` the distance to the band divided by
 * `margin`, the long-tail fall-off `1 / ((d · sqrt(1/0.1 − 1))² + 1)` (0.1 at one margin). With
 * `margin = 0` the value outside the band is 0.
 *
 * @throws {@link EnvError} when `lower > upper` or `margin < 0` (Meta-World raises there too).
 */
export function tolerance(x: number, lower: number, upper: number, margin: number): number {
  if (lower > upper) throw new EnvError(`tolerance: lower bound ${lower} is above upper bound ${upper}.`);
  if (margin < 0) throw new EnvError(`tolerance: margin must be non-negative, got ${margin}.`);
  if (lower <= x && x <= upper) return 1;
  if (margin === 0) return 0;
  const d = (x < lower ? lower - x : x - upper) / margin;
  const s = d * LONG_TAIL_SCALE;
  return 1 / (s * s + 1);
}

/**
 * The Hamacher t-norm `a·b / (a + b − a·b)` (0 when both are 0): near `min(a, b)`, 1 only when
 * both are 1.
 *
 * @throws {@link EnvError} when `a` or `b` is outside [0, 1] (Meta-World raises there too).
 */
export function hamacherProduct(a: number, b: number): number {
  if (!(a >= 0 && a <= 1 && b >= 0 && b <= 1)) {
    throw new EnvError(`hamacherProduct: both values must lie in [0, 1], got ${a} and ${b}.`);
  }
  const denominator = a + b - a * b;
  return denominator > 0 ? (a * b) / denominator : 0;
}
