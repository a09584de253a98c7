/**
 * `llmdpd eval`: loads a checkpoint (a run folder's `checkpoint/` or `best/`, or any folder
 * written by `agent.save`) and runs seeded episodes on an env, or on the tasks of the suite the
 * run trained on, printing a table or JSON.
 *
 * @module
 */
import { formatMetric } from '../core/progress.js';
import { initEngine, type BackendRequest } from '../engine/index.js';
import { evaluatePolicy, type EvaluationResult } from '../eval/evaluate.js';
import { algorithmOfCheckpoint } from './algorithms.js';
import { checkpointSource } from './checkpoint-source.js';
import { tasksOfRun, type EvalTask } from './data.js';
import { UsageError } from './options.js';

/** Options of {@link runEval}. */
export interface EvalOptions {
  /** A run folder or a checkpoint folder. */
  readonly checkpoint: string;
  /** Use the run folder's `best/` checkpoint. */
  readonly best: boolean;
  /** Env id (single-task runs; default: the dataset's env). */
  readonly env?: string;
  /** For suite runs: `unseen`, `seen`, `all` or task names. */
  readonly tasks: readonly string[];
  /** Episodes per env or task. */
  readonly episodes: number;
  /** Run seed. */
  readonly seed: number;
  /** Print JSON instead of a table. */
  readonly json: boolean;
  /** Backend request. */
  readonly backend?: BackendRequest;
  /** Where results go. */
  readonly stdout: { write(text: string): unknown };
}

/** One row of the result. */
export interface EvalRow {
  /** The env id or task name. */
  readonly target: string;
  /** Episodes run. */
  readonly episodes: number;
  /** Mean undiscounted return. */
  readonly meanReturn: number;
  /** Population standard deviation of the returns. */
  readonly stdReturn: number;
  /** Mean episode length. */
  readonly meanLength: number;
  /** Success rate, or `null` when the env does not report success. */
  readonly successRate: number | null;
  /** D4RL normalised score, or `null` without reference scores. */
  readonly normalizedScore: number | null;
}

/** What {@link runEval} prints as JSON. */
export interface EvalReport {
  /** The checkpoint folder evaluated. */
  readonly checkpoint: string;
  /** The agent class. */
  readonly agent: string;
  /** The agent's training steps. */
  readonly step: number;
  /** Run seed. */
  readonly seed: number;
  /** One row per env or task. */
  readonly results: readonly EvalRow[];
}

function row(target: string, r: EvaluationResult): EvalRow {
  return {
    target,
    episodes: r.episodes,
    meanReturn: r.meanReturn,
    stdReturn: r.stdReturn,
    meanLength: r.meanLength,
    successRate: r.successRate,
    normalizedScore: r.normalizedScore,
  };
}

/** The rows as an aligned text table. */
export function formatEvalTable(rows: readonly EvalRow[]): string {
  const header = ['target', 'episodes', 'return', 'length', 'success', 'score'];
  const cells = rows.map((r) => [
    r.target,
    String(r.episodes),
    `${formatMetric(r.meanReturn)} ± ${formatMetric(r.stdReturn)}`,
    r.meanLength.toFixed(1),
    r.successRate === null ? '-' : `${(100 * r.successRate).toFixed(0)}%`,
    r.normalizedScore === null ? '-' : r.normalizedScore.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: readonly string[]) =>
    c
      .map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...cells.map(line)].join('\n')}\n`;
}

function selectTasks(tasks: readonly EvalTask[], wanted: readonly string[]): EvalTask[] {
  if (wanted.length === 1 && wanted[0] === 'all') return [...tasks];
  if (wanted.length === 1 && (wanted[0] === 'seen' || wanted[0] === 'unseen'))
    return tasks.filter((t) => t.role === wanted[0]);
  return wanted.map((name) => {
    const task = tasks.find((t) => t.name === name);
    if (task === undefined)
      throw new UsageError(
        `--tasks: no task "${name}" in this run's suite; tasks: ${tasks.map((t) => t.name).join(', ')} (or seen, unseen, all).`,
      );
    return task;
  });
}

/**
 * Runs `llmdpd eval`.
 * @throws {@link UsageError} when the checkpoint or env cannot be found from the options.
 */
export async function runEval(options: EvalOptions): Promise<EvalReport> {
  const { dir, run } = checkpointSource(options.checkpoint, options.best);
  const algorithm = algorithmOfCheckpoint(dir);
  const data = run?.params.data ?? {};
  const tasks = options.env === undefined ? await tasksOfRun(data) : null;
  const recorded = [data['evalEnv'], data['envId']].find((v): v is string => typeof v === 'string');
  const envId = options.env ?? recorded;
  if (tasks === null && envId === undefined)
    throw new UsageError(`No env to evaluate on: pass --env (e.g. --env Hopper-v4).`);
  await initEngine(options.backend === undefined ? {} : { backend: options.backend });
  const agent = algorithm.load(dir);
  const results: EvalRow[] = [];
  try {
    const common = { episodes: options.episodes, seed: options.seed, vectorized: true };
    if (tasks !== null) {
      for (const task of selectTasks(tasks, options.tasks)) {
        const context = { textPrompt: task.textPrompt, trajectoryPrompt: task.trajectoryPrompt };
        results.push(row(task.name, await evaluatePolicy(agent, task.makeEnv, { ...common, context })));
      }
    } else {
      results.push(row(envId!, await evaluatePolicy(agent, envId!, common)));
    }
  } finally {
    agent.dispose();
  }
  const report: EvalReport = {
    checkpoint: dir,
    agent: algorithm.className,
    step: agent.step,
    seed: options.seed,
    results,
  };
  options.stdout.write(
    options.json
      ? `${JSON.stringify(report, null, 2)}\n`
      : `${algorithm.className} at step ${report.step} (${dir}), seed ${options.seed}\n${formatEvalTable(results)}`,
  );
  return report;
}
