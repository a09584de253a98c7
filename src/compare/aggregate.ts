/**
 * Reads a comparison's run folders and aggregates them: per run the final and the best
 * evaluation; per agent × task and per agent × split (seen / unseen) the mean ± std over
 * seeds, the interquartile mean and 95 % stratified-bootstrap confidence intervals of both;
 * learning curves with a confidence band; and, when several D4RL-style sources report
 * normalised scores, the same over sources. Only completed runs count. Definitions:
 * `docs/compare.md`, "Statistics".
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunState } from '../core/run/format.js';
import { readRunFolder, type RunFolderContents } from '../core/run/reader.js';
import { seenScore, type RecordedTask } from './run-identity.js';
import {
  aggregateIqm,
  aggregateMean,
  interquartileMean,
  mean,
  std,
  stratifiedBootstrapCi,
  type BootstrapOptions,
} from './stats.js';

/** A task as a run folder's params describe it (name, split, optional subset, ranking metric). */
export type TaskInfo = RecordedTask;

/** One run folder, read. */
export interface RunRecord {
  /** Folder name. */
  readonly id: string;
  /** Agent name. */
  readonly agent: string;
  /** Data source name. */
  readonly data: string;
  /** Seed. */
  readonly seed: number;
  /** State from `status.json` (`missing` when the folder or its status is absent). */
  readonly state: RunState | 'missing';
  /** Steps done and targeted. */
  readonly step: number;
  /** Target steps. */
  readonly targetSteps: number;
  /** Evaluated tasks. */
  readonly tasks: readonly TaskInfo[];
  /** Every evaluation row. */
  readonly evaluations: readonly EvaluationRow[];
  /** The last evaluation (at the final step), or null. */
  readonly final: EvaluationRow | null;
  /** The evaluation with the best mean seen-task score, or null. */
  readonly best: EvaluationRow | null;
  /** Training seconds (the last metrics row's `seconds`). */
  readonly trainSeconds: number;
  /** The error of a failed run. */
  readonly error?: string;
}

/** Mean ± std, IQM and their confidence intervals over seeds (and tasks). */
export interface Estimate {
  /** Runs (seeds) aggregated. */
  readonly seeds: number;
  /** Tasks aggregated. */
  readonly tasks: number;
  /** Mean over all cells. */
  readonly mean: number;
  /** Population std over seeds of each seed's mean over the tasks. */
  readonly std: number;
  /** Interquartile mean over all cells. */
  readonly iqm: number;
  /** Stratified-bootstrap interval of the mean. */
  readonly meanCi: readonly [number, number];
  /** Stratified-bootstrap interval of the IQM. */
  readonly iqmCi: readonly [number, number];
}

/** One line of the summary: an agent's estimate on a task, a split, or a group of sources. */
export interface SummaryRow extends Estimate {
  /** Data source (or group) name. */
  readonly data: string;
  /** Agent name. */
  readonly agent: string;
  /** What the line aggregates. */
  readonly scope: 'task' | 'split' | 'subset' | 'group';
  /** Task name, split name (`seen`, `unseen`), subset name (`unseen-paraphrase`) or group name. */
  readonly name: string;
  /** The split of the task(s). */
  readonly split: 'seen' | 'unseen';
  /** The metric (`success`, `normalized`, `return`). */
  readonly metric: string;
  /** Final or best evaluation. */
  readonly which: 'final' | 'best';
}

/** A learning curve: one agent's split mean at each evaluation step, with a confidence band. */
export interface Curve {
  /** Data source. */
  readonly data: string;
  /** Split. */
  readonly split: 'seen' | 'unseen';
  /** Metric. */
  readonly metric: string;
  /** Agent. */
  readonly agent: string;
  /** Points: step, mean over seeds and tasks, and the stratified-bootstrap interval of the mean. */
  readonly points: readonly {
    /** Gradient steps. */
    readonly step: number;
    /** Mean over seeds and tasks. */
    readonly mean: number;
    /** Lower end of the interval. */
    readonly low: number;
    /** Upper end of the interval. */
    readonly high: number;
  }[];
}

/** Everything the report shows. */
export interface Aggregation {
  /** Every run read (all states). */
  readonly runs: readonly RunRecord[];
  /** Agents in spec order. */
  readonly agents: readonly string[];
  /** Data sources in spec order, with their tasks. */
  readonly data: readonly {
    /** Data source name. */
    readonly name: string;
    /** Its evaluated tasks. */
    readonly tasks: readonly TaskInfo[];
  }[];
  /** Summary rows. */
  readonly summary: readonly SummaryRow[];
  /** Learning curves. */
  readonly curves: readonly Curve[];
  /** The bootstrap settings used. */
  readonly bootstrap: Required<BootstrapOptions>;
}

/** An agent or data source of `comparison.json`, by name. */
export interface NamedEntry {
  /** Its name. */
  readonly name: string;
}

/** What `comparison.json` holds (written by the runner). */
export interface ComparisonFile {
  /** Always `llmdpd-comparison`. */
  readonly format: 'llmdpd-comparison';
  /** Format version. */
  readonly version: number;
  /** The validated spec. */
  readonly spec: {
    /** The comparison's name. */
    readonly name: string;
    /** Its description. */
    readonly description?: string;
    /** Its agents, in order. */
    readonly agents: readonly NamedEntry[];
    /** Its data sources, in order. */
    readonly data: readonly NamedEntry[];
    /** Its bootstrap settings. */
    readonly bootstrap: Required<BootstrapOptions>;
    /** The other spec fields. */
    readonly [key: string]: unknown;
  };
  /** The planned runs. */
  readonly runs: readonly {
    /** Folder name. */
    readonly id: string;
    /** Identity hash. */
    readonly key: string;
    /** Agent name. */
    readonly agent: string;
    /** Data source name. */
    readonly data: string;
    /** Seed. */
    readonly seed: number;
  }[];
}

/** Reads `comparison.json` in `dir`, or null. */
export function readComparisonFile(dir: string): ComparisonFile | null {
  const path = join(dir, 'comparison.json');
  if (!existsSync(path)) return null;
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as ComparisonFile;
    return value.format === 'llmdpd-comparison' ? value : null;
  } catch {
    return null;
  }
}

/** An evaluation row flattened: `step` plus the `eval/<task>/<metric>` values. */
export type EvaluationRow = Readonly<Record<string, number>> & {
  /** The agent's total gradient steps at the evaluation. */
  readonly step: number;
};

function tasksFromRows(rows: readonly EvaluationRow[]): TaskInfo[] {
  const names = new Map<string, Set<string>>();
  for (const key of Object.keys(rows[0] ?? {})) {
    const m = /^eval\/(.+)\/([^/]+)$/.exec(key);
    if (m === null) continue;
    if (!names.has(m[1])) names.set(m[1], new Set());
    names.get(m[1])!.add(m[2]);
  }
  return [...names].map(([name, metrics]) => ({
    name,
    split: 'seen',
    metric: metrics.has('success') ? 'success' : metrics.has('normalized') ? 'normalized' : 'return',
  }));
}

function missing(
  id: string,
  expected: { agent: string; data: string; seed: number } | undefined,
  why?: string,
): RunRecord {
  return {
    id,
    agent: expected?.agent ?? '?',
    data: expected?.data ?? '?',
    seed: expected?.seed ?? NaN,
    state: 'missing',
    step: 0,
    targetSteps: NaN,
    tasks: [],
    evaluations: [],
    final: null,
    best: null,
    trainSeconds: 0,
    ...(why !== undefined ? { error: why } : {}),
  };
}

/** Reads one run folder (a missing or unreadable one is a record in state `missing`). */
export function readRun(dir: string, id: string, expected?: { agent: string; data: string; seed: number }): RunRecord {
  if (!existsSync(dir)) return missing(id, expected);
  let run: RunFolderContents;
  try {
    run = readRunFolder(dir);
  } catch (error) {
    return missing(id, expected, (error as Error).message);
  }
  const data = run.params.data as {
    tasks?: TaskInfo[];
    comparison?: { agent?: string; data?: string };
    name?: unknown;
  };
  const evaluations: EvaluationRow[] = run.evaluations.map((r) => ({ ...r.values, step: r.step }));
  const tasks = data.tasks ?? tasksFromRows(evaluations);
  const targetSteps = run.status?.targetSteps ?? NaN;
  const completed = run.state === 'completed';
  const final = completed ? (evaluations.find((r) => r.step === targetSteps) ?? null) : null;
  let best: EvaluationRow | null = null;
  if (completed)
    for (const row of evaluations) if (best === null || seenScore(row, tasks) > seenScore(best, tasks)) best = row;
  return {
    id,
    agent: expected?.agent ?? data.comparison?.agent ?? run.params.agent,
    data: expected?.data ?? data.comparison?.data ?? (typeof data.name === 'string' ? data.name : '?'),
    seed: expected?.seed ?? run.params.seed ?? NaN,
    state: run.state === 'unknown' ? 'missing' : run.state,
    step: run.status?.step ?? 0,
    targetSteps,
    tasks,
    evaluations,
    final,
    best,
    trainSeconds: run.metrics.at(-1)?.seconds ?? 0,
    ...(run.status?.error !== undefined ? { error: run.status.error } : {}),
  };
}

/** What {@link readRuns} returns. */
export interface ComparisonRuns {
  /** The runs read. */
  readonly runs: RunRecord[];
  /** `comparison.json`, or null. */
  readonly file: ComparisonFile | null;
}

/** Reads every run of the comparison in `dir` (planned runs from `comparison.json`, else every folder under `runs/`). */
export function readRuns(dir: string): ComparisonRuns {
  const file = readComparisonFile(dir);
  const runsDir = join(dir, 'runs');
  if (file !== null)
    return {
      file,
      runs: file.runs.map((r) => readRun(join(runsDir, r.id), r.id, { agent: r.agent, data: r.data, seed: r.seed })),
    };
  const ids = existsSync(runsDir)
    ? readdirSync(runsDir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && existsSync(join(runsDir, e.name, 'params.json')))
        .map((e) => e.name)
        .sort()
    : [];
  return { file: null, runs: ids.map((id) => readRun(join(runsDir, id), id)) };
}

function estimate(matrix: number[][], bootstrap: Required<BootstrapOptions>): Estimate {
  const cells = matrix.flat();
  const mi = stratifiedBootstrapCi(matrix, aggregateMean, bootstrap);
  const qi = stratifiedBootstrapCi(matrix, aggregateIqm, bootstrap);
  return {
    seeds: matrix.length,
    tasks: matrix[0].length,
    mean: mean(cells),
    std: std(matrix.map((row) => mean(row))),
    iqm: interquartileMean(cells),
    meanCi: [mi.low, mi.high],
    iqmCi: [qi.low, qi.high],
  };
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** A set of tasks aggregated together: a split, or a subset of one. */
export interface TaskPartition {
  /** `split` or `subset`. */
  readonly scope: 'split' | 'subset';
  /** Split or subset name. */
  readonly name: string;
  /** The split its tasks belong to. */
  readonly split: 'seen' | 'unseen';
  /** Its tasks. */
  readonly tasks: readonly TaskInfo[];
}

/** The splits of `tasks` (seen, unseen), then the subsets some tasks carry, in order of appearance. */
export function partitions(tasks: readonly TaskInfo[]): TaskPartition[] {
  const out: TaskPartition[] = [];
  for (const split of ['seen', 'unseen'] as const) {
    const inSplit = tasks.filter((t) => t.split === split);
    if (inSplit.length > 0) out.push({ scope: 'split', name: split, split, tasks: inSplit });
  }
  for (const subset of unique(tasks.map((t) => t.subset).filter((s): s is string => s !== undefined))) {
    const inSubset = tasks.filter((t) => t.subset === subset);
    out.push({ scope: 'subset', name: subset, split: inSubset[0].split, tasks: inSubset });
  }
  return out;
}

/** Options of {@link aggregateRuns}. */
export interface AggregateOptions {
  /** Agents in display order (default: order of first appearance). */
  readonly agents?: readonly string[];
  /** Data sources in display order. */
  readonly data?: readonly string[];
  /** Bootstrap settings. @defaultValue reps 50000, confidence 0.95, seed 0 */
  readonly bootstrap?: BootstrapOptions;
  /** Replicates for the bands of learning curves (one interval per point). @defaultValue min(reps, 2000) */
  readonly curveReps?: number;
}

/** Aggregates runs (only completed ones count). */
export function aggregateRuns(runs: readonly RunRecord[], options: AggregateOptions = {}): Aggregation {
  const bootstrap = {
    reps: options.bootstrap?.reps ?? 50000,
    confidence: options.bootstrap?.confidence ?? 0.95,
    seed: options.bootstrap?.seed ?? 0,
  };
  const curveReps = options.curveReps ?? Math.min(bootstrap.reps, 2000);
  const done = runs.filter((r) => r.state === 'completed' && r.final !== null);
  const agents = options.agents ?? unique(runs.map((r) => r.agent));
  const dataNames = options.data ?? unique(runs.map((r) => r.data));
  const data = dataNames.map((name) => ({
    name,
    tasks: runs.find((r) => r.data === name && r.tasks.length > 0)?.tasks ?? [],
  }));
  const summary: SummaryRow[] = [];
  const curves: Curve[] = [];
  for (const d of data) {
    const metrics = unique(d.tasks.flatMap((t) => [t.metric, 'return']));
    for (const agent of agents) {
      const mine = done.filter((r) => r.data === d.name && r.agent === agent).sort((a, b) => a.seed - b.seed);
      if (mine.length === 0) continue;
      for (const metric of metrics)
        for (const which of ['final', 'best'] as const) {
          const value = (r: RunRecord, t: TaskInfo) =>
            (which === 'final' ? r.final : r.best)?.[`eval/${t.name}/${metric}`];
          // Tasks every run measured (a task-id agent cannot act on unseen tasks; NaN is no measurement).
          const usable = d.tasks.filter((t) => mine.every((r) => Number.isFinite(value(r, t))));
          for (const t of usable)
            summary.push({
              data: d.name,
              agent,
              scope: 'task',
              name: t.name,
              split: t.split,
              metric,
              which,
              ...estimate(
                mine.map((r) => [value(r, t)!]),
                bootstrap,
              ),
            });
          for (const part of partitions(usable)) {
            const tasks = part.tasks;
            summary.push({
              data: d.name,
              agent,
              scope: part.scope,
              name: part.name,
              split: part.split,
              metric,
              which,
              ...estimate(
                mine.map((r) => tasks.map((t) => value(r, t)!)),
                bootstrap,
              ),
            });
          }
        }
      // Learning curves of each split's primary metric: steps every run of the agent evaluated.
      for (const split of ['seen', 'unseen'] as const) {
        const tasks = d.tasks.filter((t) => t.split === split);
        if (tasks.length === 0) continue;
        const metric = tasks[0].metric;
        const steps = unique(mine.flatMap((r) => r.evaluations.map((e) => e.step)))
          .filter((s) => mine.every((r) => r.evaluations.some((e) => e.step === s)))
          .sort((a, b) => a - b);
        const points = steps.map((step) => {
          const matrix = mine.map((r) => {
            const row = r.evaluations.find((e) => e.step === step)!;
            return tasks.map((t) => row[`eval/${t.name}/${metric}`] ?? NaN);
          });
          if (matrix.some((row) => row.some((v) => !Number.isFinite(v)))) return null;
          const ci = stratifiedBootstrapCi(matrix, aggregateMean, { ...bootstrap, reps: curveReps });
          return { step, mean: ci.point, low: ci.low, high: ci.high };
        });
        curves.push({
          data: d.name,
          split,
          metric,
          agent,
          points: points.filter((p): p is NonNullable<typeof p> => p !== null),
        });
      }
    }
  }
  // Sources that report normalised scores (D4RL), aggregated over sources: tasks = sources.
  const normalised = data.filter((d) => d.tasks.length === 1 && d.tasks[0].metric === 'normalized');
  if (normalised.length >= 2) {
    for (const agent of agents)
      for (const which of ['final', 'best'] as const) {
        const seeds = unique(done.filter((r) => r.agent === agent).map((r) => r.seed)).filter((seed) =>
          normalised.every((d) => done.some((r) => r.agent === agent && r.data === d.name && r.seed === seed)),
        );
        if (seeds.length === 0) continue;
        const matrix = seeds.map((seed) =>
          normalised.map((d) => {
            const r = done.find((x) => x.agent === agent && x.data === d.name && x.seed === seed)!;
            return (which === 'final' ? r.final : r.best)?.[`eval/${d.tasks[0].name}/normalized`] ?? NaN;
          }),
        );
        if (matrix.some((row) => row.some((v) => !Number.isFinite(v)))) continue;
        summary.push({
          data: 'all normalised sources',
          agent,
          scope: 'group',
          name: normalised.map((d) => d.name).join(' + '),
          split: 'seen',
          metric: 'normalized',
          which,
          ...estimate(matrix, bootstrap),
        });
      }
  }
  return { runs, agents, data, summary, curves, bootstrap };
}
