/**
 * The statistics of comparison reports, with the definitions of rliable (Agarwal et al., "Deep
 * Reinforcement Learning at the Edge of the Statistical Precipice", NeurIPS 2021), so numbers
 * computed here match numbers computed with that library on the same scores:
 *
 * - scores come as a matrix of `runs × tasks` (one row per seed, one column per task);
 * - the interquartile mean (IQM) is the 25 % trimmed mean of all the matrix's cells (scipy's
 *   `trim_mean(scores, 0.25, axis=None)`: `floor(0.25 n)` cells cut from each end);
 * - confidence intervals come from the stratified bootstrap: each replicate redraws, for every
 *   task separately, as many runs as there are with replacement, and recomputes the aggregate;
 *   the interval is the percentile interval of the replicates (numpy's linear interpolation);
 * - the standard deviation over seeds is the population one (numpy's default, as CORL's tables).
 *
 * The bootstrap is seeded ({@link Rng}), so a report computed twice from the same runs is the
 * same to the last digit. Definitions and examples: `docs/compare.md`, "Statistics".
 *
 * @module
 */
import { ConfigError } from '../core/errors.js';
import { Rng } from '../core/rng.js';

/** A scores matrix: `scores[run][task]`, every row the same length. */
export type ScoreMatrix = readonly (readonly number[])[];

/** An aggregate over a scores matrix, given its cells row-major. */
export type Aggregate = (cells: Float64Array, runs: number, tasks: number) => number;

/** Mean of the values (NaN for none). */
export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

/** Population standard deviation (divides by n, numpy's default; 0 for one value, NaN for none). */
export function std(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  const m = mean(values);
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (values[i] - m) ** 2;
  return Math.sqrt(sum / values.length);
}

/**
 * Interquartile mean: the mean of the values left after cutting `floor(n / 4)` values from each
 * end of the sorted list (scipy's `trim_mean(values, 0.25)`, rliable's `aggregate_iqm`).
 * For 1 to 3 values it is the mean; for 4 values the mean of the middle two.
 */
export function interquartileMean(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return NaN;
  const sorted = sortedCopy(values);
  const cut = Math.floor(0.25 * n);
  let sum = 0;
  for (let i = cut; i < n - cut; i++) sum += sorted[i];
  return sum / (n - 2 * cut);
}

/** Reused by {@link sortedCopy}: the bootstrap calls the IQM once per replicate. */
let sortScratch = new Float64Array(64);

/**
 * The values sorted ascending, in a buffer reused by the next call (read it before calling
 * again). Short lists (a bootstrap replicate's runs × tasks) are insertion-sorted, which is
 * several times faster than allocating and sorting a typed array for each.
 */
function sortedCopy(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  if (sortScratch.length < n) sortScratch = new Float64Array(Math.max(n, 2 * sortScratch.length));
  const out = sortScratch;
  if (n > 32) {
    const view = out.subarray(0, n);
    for (let i = 0; i < n; i++) view[i] = values[i];
    return view.sort();
  }
  for (let i = 0; i < n; i++) {
    const v = values[i];
    let j = i - 1;
    for (; j >= 0 && out[j] > v; j--) out[j + 1] = out[j];
    out[j + 1] = v;
  }
  return out;
}

/**
 * The `p`-th percentile (0..100) of sorted values, interpolating linearly between neighbouring
 * order statistics (numpy's default `linear` method: position `(n - 1) p / 100`).
 * @throws {@link ConfigError} for an empty list or p outside [0, 100].
 */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new ConfigError('A percentile needs at least one value.');
  if (!(p >= 0 && p <= 100)) throw new ConfigError(`A percentile must be in [0, 100], got ${p}.`);
  const h = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * The `p`-th percentile (0..100) of unsorted values, the same number {@link percentileOfSorted}
 * gives on the sorted values, found by selection instead of a full sort: the order statistic at
 * `floor((n - 1) p / 100)` by quickselect (which reorders `values` in place), then its successor
 * as the smallest value after it. For the two ends of a 10,000-replicate bootstrap interval this
 * takes about a tenth of the 0.66 ms that sorting takes.
 * @throws {@link ConfigError} for an empty list or p outside [0, 100].
 */
export function percentileBySelection(values: Float64Array, p: number): number {
  if (values.length === 0) throw new ConfigError('A percentile needs at least one value.');
  if (!(p >= 0 && p <= 100)) throw new ConfigError(`A percentile must be in [0, 100], got ${p}.`);
  const h = ((values.length - 1) * p) / 100;
  const lo = Math.floor(h);
  const low = selectInPlace(values, lo);
  if (lo + 1 >= values.length) return low;
  let next = values[lo + 1];
  for (let i = lo + 2; i < values.length; i++) if (values[i] < next) next = values[i];
  return low + (h - lo) * (next - low);
}

/**
 * Reorders `values` so that `values[k]` is the k-th smallest, with no larger value before it and
 * no smaller one after it (Hoare's selection with a median-of-three pivot), and returns it.
 */
function selectInPlace(values: Float64Array, k: number): number {
  let left = 0;
  let right = values.length - 1;
  while (right > left) {
    const mid = (left + right) >>> 1;
    // Median of three at values[mid], with values[left] <= values[mid] <= values[right].
    if (values[mid] < values[left]) swap(values, mid, left);
    if (values[right] < values[left]) swap(values, right, left);
    if (values[right] < values[mid]) swap(values, right, mid);
    const pivot = values[mid];
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        swap(values, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return values[k];
}

function swap(values: Float64Array, i: number, j: number): void {
  const t = values[i];
  values[i] = values[j];
  values[j] = t;
}

/** The mean of every cell (rliable's `aggregate_mean` for a rectangular matrix). */
export const aggregateMean: Aggregate = (cells) => mean(cells);

/** The interquartile mean of every cell (rliable's `aggregate_iqm`). */
export const aggregateIqm: Aggregate = (cells) => interquartileMean(cells);

/** Options of {@link stratifiedBootstrapCi}. */
export interface BootstrapOptions {
  /** Bootstrap replicates (rliable's default). @defaultValue 50000 */
  readonly reps?: number;
  /** Coverage of the interval. @defaultValue 0.95 */
  readonly confidence?: number;
  /** Seed of the resampling, so reports are reproducible. @defaultValue 0 */
  readonly seed?: number;
}

/** A point estimate with its confidence interval. */
export interface IntervalEstimate {
  /** The aggregate on the scores themselves. */
  readonly point: number;
  /** Lower end of the interval. */
  readonly low: number;
  /** Upper end of the interval. */
  readonly high: number;
}

function checkMatrix(scores: ScoreMatrix): { runs: number; tasks: number; cells: Float64Array } {
  const runs = scores.length;
  if (runs === 0) throw new ConfigError('A scores matrix needs at least one run (row).');
  const tasks = scores[0].length;
  if (tasks === 0) throw new ConfigError('A scores matrix needs at least one task (column).');
  const cells = new Float64Array(runs * tasks);
  scores.forEach((row, r) => {
    if (row.length !== tasks)
      throw new ConfigError(
        `A scores matrix must be rectangular (runs × tasks): row 0 has ${tasks} tasks, row ${r} has ${row.length}. Every run must be evaluated on the same tasks.`,
      );
    row.forEach((v, t) => {
      if (!Number.isFinite(v)) throw new ConfigError(`Score [run ${r}][task ${t}] is ${v}; scores must be finite.`);
      cells[r * tasks + t] = v;
    });
  });
  return { runs, tasks, cells };
}

/**
 * The aggregate of a `runs × tasks` scores matrix and its stratified-bootstrap percentile
 * confidence interval (rliable's `get_interval_estimates` with `method='percentile'`,
 * `task_bootstrap=False`). Each replicate draws, independently for every cell position
 * `(i, task)`, a run index uniformly from `0..runs-1` and takes that run's score on the same
 * task, so tasks are never mixed.
 *
 * @example
 * ```ts
 * const scores = [[0.9, 0.2], [0.7, 0.4], [0.8, 0.3]];          // 3 seeds × 2 tasks
 * const { point, low, high } = stratifiedBootstrapCi(scores, aggregateIqm, { seed: 0 });
 * ```
 * @throws {@link ConfigError} for an empty or ragged matrix, a non-finite score or bad options.
 */
export function stratifiedBootstrapCi(
  scores: ScoreMatrix,
  aggregate: Aggregate,
  options: BootstrapOptions = {},
): IntervalEstimate {
  const reps = options.reps ?? 50000;
  const confidence = options.confidence ?? 0.95;
  if (!Number.isInteger(reps) || reps < 1)
    throw new ConfigError(`bootstrap reps must be an integer >= 1, got ${reps}.`);
  if (!(confidence > 0 && confidence < 1))
    throw new ConfigError(`bootstrap confidence must be in (0, 1), got ${confidence}.`);
  const { runs, tasks, cells } = checkMatrix(scores);
  const point = aggregate(cells, runs, tasks);
  const rng = new Rng(options.seed ?? 0);
  const sample = new Float64Array(cells.length);
  const estimates = new Float64Array(reps);
  for (let rep = 0; rep < reps; rep++) {
    for (let i = 0; i < runs; i++) {
      for (let t = 0; t < tasks; t++) sample[i * tasks + t] = cells[(runs === 1 ? 0 : rng.int(runs)) * tasks + t];
    }
    estimates[rep] = aggregate(sample, runs, tasks);
  }
  const tail = (100 * (1 - confidence)) / 2;
  return { point, low: percentileBySelection(estimates, tail), high: percentileBySelection(estimates, 100 - tail) };
}
