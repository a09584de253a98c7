/**
 * Baseline comparisons: declare agents × data sources × seeds once in a JSON spec, run every
 * run on local worker threads or on a cluster of queue workers (BullMQ on Redis), resume
 * after interruptions, and aggregate honestly (rliable's interquartile mean and stratified
 * bootstrap intervals) into Markdown, CSV, JSON and SVG reports.
 *
 * - {@link parseComparisonSpec} / {@link loadComparisonSpec}: the spec, validated with field
 *   paths; {@link comparisonJsonSchema} is its JSON Schema (also in
 *   `assets/schema/comparison.schema.json`).
 * - {@link runComparison}: runs a spec (local threads, or `queue: 'redis://...'`) and writes
 *   the report; {@link runQueueWorker} is the other end of the queue.
 * - {@link writeReport}: the report of a comparison folder; {@link stratifiedBootstrapCi} and
 *   {@link interquartileMean} are the statistics.
 * - {@link registerAgentClass}: makes a new agent available to specs.
 *
 * @example
 * ```ts
 * import { loadComparisonSpec, runComparison } from 'llmdpd/compare';
 * const result = await runComparison(loadComparisonSpec('compare.json'), { outDir: 'runs/llmdpd-vs-dql' });
 * for (const verdict of result.report!.verdicts) console.log(verdict.line);
 * ```
 *
 * @module compare
 */
export {
  agentClass,
  agentClassNames,
  registerAgentClass,
  CONDITIONER_DEFAULTS,
  CONDITIONER_RULES,
  LLMDPD_PROMPT_RULES,
  type AgentBuildOptions,
  type AgentClass,
  type ComparableAgent,
} from './agent-registry.js';
export {
  aggregateRuns,
  partitions,
  readComparisonFile,
  readRun,
  readRuns,
  type AggregateOptions,
  type Aggregation,
  type NamedEntry,
  type TaskPartition,
  type ComparisonFile,
  type ComparisonRuns,
  type Curve,
  type EvaluationRow,
  type Estimate,
  type RunRecord,
  type SummaryRow,
  type TaskInfo,
} from './aggregate.js';
export { BUNDLE_FORMAT, packFolder, unpackFolder } from './bundle.js';
export {
  escapeXml,
  groupedBarChart,
  lineChart,
  type Bar,
  type BarSeries,
  type GroupedBars,
  type LineSeries,
  type LineChartData,
  type LinePoint,
} from './charts.js';
export { DataCache, openDataSource, type EvalTask, type OpenedData } from './data-sources.js';
export {
  executeRun,
  type ExecuteRunOptions,
  type RunOutcome,
  type RunProgress,
  type RunSeconds,
} from './execute-run.js';
export { identityOf, primaryMetric, seenScore, type RecordedTask, type RunIdentity } from './run-identity.js';
export { GridProgress, type GridProgressOptions, type GridRun } from './grid-progress.js';
export { canonicalJson, planRuns, runKey, type RunPlan } from './plan.js';
export {
  BUNDLE_TTL_SECONDS,
  bundleKey,
  checkRedisUrl,
  jobIdOf,
  lockKey,
  type RunJobData,
  type RunJobProgress,
  type RunJobResult,
} from './queue-common.js';
export { runQueueWorker, type QueueWorkerOptions, type QueueWorkerSummary } from './queue-worker.js';
export {
  MIN_SEEDS_FOR_VERDICT,
  verdicts,
  writeReport,
  type ComparisonReport,
  type ReportOptions,
  type Verdict,
} from './report.js';
export { expectedEvaluationSteps, expectedRowSteps, inspectRun, moveAside, type RunInspection } from './run-check.js';
export { RunPool, type RunPoolOptions } from './run-pool.js';
export {
  prepareComparison,
  runComparison,
  type CompareOptions,
  type ComparisonResult,
  type PreparedComparison,
  type RunExecutor,
  type RunFound,
  type RunRecordOfComparison,
} from './runner.js';
export type { JsonSchema } from './schema.js';
export {
  COMPARISON_SCHEMA_ID,
  comparisonJsonSchema,
  isComparisonSpec,
  loadComparisonSpec,
  parseComparisonSpec,
  type AgentSpec,
  type BootstrapSpec,
  type ComparisonSpec,
  type D4rlDataSpec,
  type DataSpec,
  type EvaluationSpec,
  type MetaWorldDataSpec,
  type MinariDataSpec,
  type ParseSpecOptions,
  type SuiteDataSpec,
  type TaskSplit,
} from './spec.js';
export {
  aggregateIqm,
  aggregateMean,
  interquartileMean,
  mean,
  percentileOfSorted,
  std,
  stratifiedBootstrapCi,
  type Aggregate,
  type BootstrapOptions,
  type IntervalEstimate,
  type ScoreMatrix,
} from './stats.js';
