/**
 * The demo's statistics: mean ± std over seeds, and a bootstrap interval for the difference of
 * two methods' mean success over seeds and tasks.
 *
 * The bootstrap resamples both sources of variation: the training seeds (independently per
 * method: each seed of each method is its own training run) and the tasks (paired: both methods
 * are evaluated on the same tasks, so one resample of tasks is applied to both). The interval is
 * the percentile interval of the resampled differences. With 3 seeds the seed resampling is
 * coarse, and the interval is wide where seeds disagree; that is the point of reporting it.
 *
 * @module
 */
import { ConfigError } from '../core/errors.js';
import { Rng } from '../core/rng.js';

/** Mean and standard deviation over seeds. */
export interface MeanStd {
  /** Mean. */
  readonly mean: number;
  /** Population standard deviation. */
  readonly std: number;
}

/** A point estimate with a two-sided confidence interval. */
export interface Interval {
  /** The estimate on the data as measured. */
  readonly estimate: number;
  /** Lower end. */
  readonly low: number;
  /** Upper end. */
  readonly high: number;
  /** The interval's confidence level, e.g. 0.95. */
  readonly level: number;
}

/** Options of {@link bootstrapDifference}. */
export interface BootstrapOptions {
  /** Resamples. @defaultValue 10 000 */
  readonly resamples?: number;
  /** Confidence level in (0, 1). @defaultValue 0.95 */
  readonly level?: number;
  /** Seed of the resampling. @defaultValue 0 */
  readonly seed?: number;
}

/** Mean and population standard deviation of `xs` (0 ± 0 for an empty list). */
export function meanStd(xs: readonly number[]): MeanStd {
  const mean = xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return { mean, std: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length)) };
}

function checkTable(name: string, table: readonly (readonly number[])[], tasks: number): void {
  if (table.length === 0 || table.some((row) => row.length !== tasks || row.some((x) => !Number.isFinite(x))))
    throw new ConfigError(
      `bootstrapDifference: ${name} must be seeds × tasks finite numbers with ${tasks} tasks per seed, got ${table.length} rows of lengths ${table.map((r) => r.length).join(', ')}.`,
    );
}

/**
 * Bootstrap interval of mean(a) − mean(b), where `a[s][t]` and `b[s][t]` are the scores of
 * seed s on task t (the same tasks, in the same order, in both tables; the seed counts may
 * differ). Each resample draws seeds with replacement for a and for b independently, and one
 * draw of tasks with replacement shared by both.
 * @throws {@link ConfigError} on empty or ragged tables, or tables with different task counts.
 */
export function bootstrapDifference(
  a: readonly (readonly number[])[],
  b: readonly (readonly number[])[],
  options: BootstrapOptions = {},
): Interval {
  const tasks = a[0]?.length ?? 0;
  checkTable('a', a, tasks);
  checkTable('b', b, tasks);
  if (tasks === 0) throw new ConfigError('bootstrapDifference: the tables have no tasks.');
  const resamples = options.resamples ?? 10_000;
  const level = options.level ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 100)
    throw new ConfigError(`bootstrapDifference: resamples must be an integer >= 100, got ${resamples}.`);
  if (!(level > 0 && level < 1)) throw new ConfigError(`bootstrapDifference: level must be in (0, 1), got ${level}.`);
  const mean = (table: readonly (readonly number[])[]) =>
    table.reduce((sum, row) => sum + row.reduce((x, y) => x + y, 0), 0) / (table.length * tasks);
  const rng = new Rng(options.seed ?? 0);
  const taskDraw = new Int32Array(tasks);
  const resampledMean = (table: readonly (readonly number[])[]) => {
    let sum = 0;
    for (let s = 0; s < table.length; s++) {
      const row = table[rng.int(table.length)];
      for (let t = 0; t < tasks; t++) sum += row[taskDraw[t]];
    }
    return sum / (table.length * tasks);
  };
  const diffs = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    for (let t = 0; t < tasks; t++) taskDraw[t] = rng.int(tasks);
    diffs[r] = resampledMean(a) - resampledMean(b);
  }
  diffs.sort();
  const at = (q: number) => diffs[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))];
  return { estimate: mean(a) - mean(b), low: at((1 - level) / 2), high: at(1 - (1 - level) / 2), level };
}
