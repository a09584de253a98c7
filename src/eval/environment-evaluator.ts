/**
 * {@link environmentEvaluator}: the evaluator `fit` runs at the end of every epoch to score the
 * agent in an env (d3rlpy's `EnvironmentEvaluator`), so a user writes
 * `evaluators: { score: environmentEvaluator('Hopper-v4') }` instead of a closure around
 * {@link evaluatePolicy}. Every call runs the same seeded episodes, so epochs are compared on
 * the same starts.
 *
 * @module
 */
import { ConfigError } from '../core/errors.js';
import type { EnvSource } from './env-source.js';
import { evaluatePolicy, type EvaluateOptions, type EvaluationResult } from './evaluate.js';
import type { PolicyProvider } from './policy.js';

/** Which number of an {@link EvaluationResult} an evaluator returns. */
export type EvaluatorMetric = 'auto' | 'return' | 'normalizedScore' | 'successRate';

/** Options of {@link environmentEvaluator}: those of {@link evaluatePolicy}, with defaults, and the metric. */
export interface EnvironmentEvaluatorOptions<C = unknown> extends Omit<EvaluateOptions<C>, 'episodes' | 'seed'> {
  /** Episodes per evaluation. @defaultValue 10 (d3rlpy's `n_trials`) */
  readonly episodes?: number;
  /** Run seed: every evaluation runs the same episodes. @defaultValue 0 */
  readonly seed?: number;
  /**
   * What the evaluator returns: `'auto'` is the D4RL normalised score when the env (or
   * `datasetId`, `referenceScore`) has reference scores, otherwise the mean return;
   * `'successRate'` needs an env that reports `info.success`.
   * @defaultValue `'auto'`
   */
  readonly metric?: EvaluatorMetric;
  /** Called with every full result (to log more than the one number `fit` records). */
  readonly onResult?: (result: EvaluationResult) => void;
}

/** Picks `metric` from a result. @throws {@link ConfigError} when the result does not have it. */
export function pickMetric(result: EvaluationResult, metric: EvaluatorMetric, where: string): number {
  switch (metric) {
    case 'auto':
      return result.normalizedScore ?? result.meanReturn;
    case 'return':
      return result.meanReturn;
    case 'normalizedScore':
      if (result.normalizedScore === null)
        throw new ConfigError(
          `${where}: metric 'normalizedScore' needs reference scores, and this env has none; pass datasetId (e.g. 'hopper-medium-v2') or referenceScore, or use metric 'return'.`,
        );
      return result.normalizedScore;
    case 'successRate':
      if (result.successRate === null)
        throw new ConfigError(
          `${where}: metric 'successRate' needs an env that reports info.success, and this one does not; use metric 'return'.`,
        );
      return result.successRate;
    default: {
      const never: never = metric;
      throw new ConfigError(
        `${where}: metric must be 'auto', 'return', 'normalizedScore' or 'successRate', got ${JSON.stringify(never)}.`,
      );
    }
  }
}

/**
 * An evaluator for `fit`'s `evaluators`: runs the agent's policy (for `options.context`) in the
 * env for `episodes` seeded episodes and returns one number (see
 * {@link EnvironmentEvaluatorOptions.metric}).
 *
 * @param source - an env id such as `'Hopper-v4'` or a factory (the env is made per evaluation
 *   and closed after it); an env instance is reused and left open (sequential runs only).
 * @example
 * ```ts
 * const agent = new DiffusionQLAgent({ observationDim: buffer.observationDim, actionDim: buffer.actionDim });
 * await agent.fit(buffer, {
 *   steps: 100_000,
 *   evaluators: { score: environmentEvaluator('Hopper-v4', { episodes: 10, vectorized: true }) },
 *   logDir: 'runs/hopper',
 * });
 * ```
 * @throws {@link ConfigError} (when called) on bad options, as {@link evaluatePolicy} does.
 */
export function environmentEvaluator<C = unknown>(
  source: EnvSource,
  options: EnvironmentEvaluatorOptions<C> = {},
): (agent: PolicyProvider<C>) => Promise<number> {
  const { metric = 'auto', onResult, episodes = 10, seed = 0, ...rest } = options;
  return async (agent) => {
    const result = await evaluatePolicy(agent, source, { ...rest, episodes, seed });
    onResult?.(result);
    return pickMetric(result, metric, 'environmentEvaluator');
  };
}
