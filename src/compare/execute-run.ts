/**
 * Executes one run of a comparison in the calling thread: opens its data, builds the agent (or
 * loads it from the run folder's checkpoint to resume), and trains it with
 * `fit(data, { logDir })`, which writes the run folder (`docs/formats.md`, "Run folders").
 * Evaluation on every task of the data source happens at the end of each epoch (one epoch per
 * `evaluation.every` steps) through `fit`'s evaluators, one per task and metric, so the rows land
 * in `evaluations.jsonl` as `eval/<task>/<metric>`.
 *
 * Resuming gives the same numbers as never stopping: checkpoints fall on epoch ends, after that
 * epoch's evaluation, and hold the agent's random streams and optimiser state; `fit` drops the
 * rows logged after the checkpoint (the steps that are replayed), so no row is counted twice.
 * Details: `docs/compare.md`, "Runs, checkpoints and resuming".
 *
 * @module
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import type { LogRow } from '../core/run/format.js';
import { readRunFolder } from '../core/run/reader.js';
import { RunFolderWriter } from '../core/run/writer.js';
import type { BoundPolicy, ConditionerOptions, TaskContext } from '../agents/index.js';
import { NotFoundError } from '../core/errors.js';
import { initEngine } from '../engine/index.js';
import { evaluatePolicy } from '../eval/index.js';
import { agentClass, type ComparableAgent } from './agent-registry.js';
import { DataCache, type EvalTask } from './data-sources.js';
import type { RunPlan } from './plan.js';
import { moveAside } from './run-check.js';
import { identityOf, primaryMetric, seenScore, type RecordedTask, type RunIdentity } from './run-identity.js';

/** What a run is doing, for progress displays. */
export interface RunProgress {
  /** The run. */
  readonly id: string;
  /** Steps done. */
  readonly step: number;
  /** Steps to do. */
  readonly targetSteps: number;
  /** `loading` data, `training`, or `evaluating`. */
  readonly phase: 'loading' | 'training' | 'evaluating';
}

/** Where a run's wall time went. */
export interface RunSeconds {
  /** All of it. */
  readonly total: number;
  /** Training (and data loading). */
  readonly training: number;
  /** Evaluation. */
  readonly evaluation: number;
}

/** How a run ended. */
export interface RunOutcome {
  /** The run. */
  readonly id: string;
  /** `completed`; `stopped` (cancelled, resumable); `failed` (see `error`). */
  readonly state: 'completed' | 'stopped' | 'failed';
  /** Steps done (for a stopped run: the step of its last checkpoint, where it resumes). */
  readonly step: number;
  /** The step it resumed from, or null for a fresh start. */
  readonly resumedFrom: number | null;
  /** Wall time of this execution: all of it, and the part spent evaluating. */
  readonly seconds: RunSeconds;
  /** The worker thread that executed it (`threadId` of `node:worker_threads`; 0 for the main thread). */
  readonly threadId: number;
  /** What went wrong (failed runs). */
  readonly error?: string;
}

/** Options of {@link executeRun}. */
export interface ExecuteRunOptions {
  /** Stops the run cleanly between steps (status `stopped`, resumable from its last checkpoint). */
  readonly signal?: AbortSignal;
  /** Progress, at every log row. */
  readonly onProgress?: (progress: RunProgress) => void;
  /** Called after each checkpoint is on disk; training waits for it (the queue worker uploads the folder). */
  readonly onCheckpoint?: (step: number) => void | Promise<void>;
  /** Opened data sources shared by the runs of this thread. */
  readonly cache?: DataCache;
}

/** The context an agent acts with on `task`: its prompts and name, and its feature vector for a `features` conditioner. */
function contextOf(task: EvalTask, conditioner: ConditionerOptions | undefined): TaskContext {
  const keys = conditioner?.kind === 'features' ? (conditioner.paramKeys ?? []) : [];
  const features = keys.map((k) => task.params?.[k]);
  return {
    ...task.context,
    task: task.name,
    ...(keys.length > 0 && features.every((v) => typeof v === 'number' && Number.isFinite(v))
      ? { features: features as number[] }
      : {}),
  };
}

/** The metrics measured on a task, primary first. */
function taskMetrics(task: EvalTask): string[] {
  return [primaryMetric(task), ...(primaryMetric(task) === 'return' ? [] : ['return'])];
}

/**
 * Runs (or resumes) `plan` in the folder `dir`. A folder holding anything but this run's
 * resumable state is moved aside first. Never throws for a failure of the run itself: the
 * outcome says `failed` (and `status.json` holds the error when training had started).
 */
export async function executeRun(plan: RunPlan, dir: string, options: ExecuteRunOptions = {}): Promise<RunOutcome> {
  const started = performance.now();
  let evaluationSeconds = 0;
  let resumedFrom: number | null = null;
  let checkpointStep = 0;
  let agent: ComparableAgent | null = null;
  const outcome = (state: RunOutcome['state'], step: number, error?: string): RunOutcome => {
    const total = (performance.now() - started) / 1000;
    return {
      id: plan.id,
      state,
      step,
      resumedFrom,
      seconds: { total, training: total - evaluationSeconds, evaluation: evaluationSeconds },
      threadId,
      ...(error !== undefined ? { error } : {}),
    };
  };
  try {
    options.onProgress?.({ id: plan.id, step: 0, targetSteps: plan.steps, phase: 'loading' });
    await initEngine();
    const data = await (options.cache ?? new DataCache()).open(plan.data);
    const cls = agentClass(plan.agent.class);
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      try {
        const run = readRunFolder(dir);
        if (identityOf(run.params.data)?.key === plan.key && run.hasCheckpoint) {
          const loaded = cls.load(run.paths.checkpoint);
          if (loaded.step <= plan.steps) {
            agent = loaded;
            resumedFrom = loaded.step;
          } else loaded.dispose();
        }
      } catch {
        agent = null; // damaged: moved aside below
      }
      if (agent === null) moveAside(dir, 'unusable');
    }
    // The conditioner: the spec's (or the class's default); a task-id one gets the seen tasks.
    const given = plan.agent.conditioner;
    const kind = given?.kind ?? cls.conditioners[0];
    const seenTasks = Array.from({ length: data.prompted.numTasks }, (_, i) => data.prompted.task(i).name);
    const conditioner: ConditionerOptions | undefined =
      given?.kind === 'task-id' ? { ...given, tasks: seenTasks } : given;
    if (agent === null)
      agent = cls.create({
        observationDim: data.observationDim,
        actionDim: data.actionDim,
        seed: plan.seed,
        config: plan.agent.resolvedConfig,
        ...(conditioner !== undefined ? { conditioner } : {}),
      });
    const current = agent;
    checkpointStep = current.step;
    const tasks: RecordedTask[] = data.tasks.map((t) => ({
      name: t.name,
      split: t.split,
      ...(t.subset !== undefined ? { subset: t.subset } : {}),
      metric: primaryMetric(t),
    }));
    const identity: RunIdentity = {
      name: plan.comparison,
      run: plan.id,
      key: plan.key,
      agent: plan.agent.name,
      agentClass: plan.agent.class,
      preset: plan.agent.preset ?? null,
      data: data.name,
    };
    const dataInfo = {
      ...data.description,
      tasks,
      evaluation: plan.evaluation,
      comparison: identity,
    };
    const remaining = plan.steps - current.step;
    if (remaining === 0) {
      // Killed after its last checkpoint but before its final status: nothing left to train.
      const writer = RunFolderWriter.open(dir, {
        agent: (current as object).constructor.name,
        config: (current as unknown as { config: Record<string, unknown> }).config,
        seed: plan.seed,
        data: dataInfo,
        fit: {},
        engine: null,
        startStep: current.step,
        targetSteps: plan.steps,
      });
      writer.finish('completed', current.step);
      return outcome('completed', current.step);
    }

    // A task-id conditioner knows only the seen tasks: the unseen ones are not evaluated.
    const measurable = (task: EvalTask) => kind !== 'task-id' || task.split === 'seen';
    // One evaluation pass per epoch end, shared by the per-task, per-metric evaluators.
    let evaluated: { step: number; values: Record<string, number> } | null = null;
    let best = Number.NEGATIVE_INFINITY;
    if (resumedFrom !== null) {
      for (const row of readRunFolder(dir).evaluations)
        if (row.step <= resumedFrom) best = Math.max(best, seenScore(row.values, tasks));
    }
    const evaluate = async (step: number): Promise<Record<string, number>> => {
      if (evaluated?.step === step) return evaluated.values;
      options.onProgress?.({ id: plan.id, step, targetSteps: plan.steps, phase: 'evaluating' });
      const evalStarted = performance.now();
      const values: Record<string, number> = {};
      for (const task of data.tasks.filter(measurable)) {
        let policy: BoundPolicy;
        try {
          policy = await current.policy(contextOf(task, conditioner));
        } catch (error) {
          // A task-id conditioner cannot act on a task it never saw: that task is not evaluated.
          if (task.split === 'unseen' && error instanceof NotFoundError) continue;
          throw error;
        }
        const result = await evaluatePolicy({ batched: (o: Float32Array) => policy.actBatch(o) }, task.makeEnv, {
          episodes: plan.evaluation.episodes,
          seed: plan.evaluation.seed + plan.seed,
          vectorized: true,
          numEnvs: Math.min(plan.evaluation.episodes, 16),
          ...(task.referenceScore !== null ? { referenceScore: task.referenceScore } : {}),
          ...(plan.evaluation.maxEpisodeSteps !== undefined
            ? { maxEpisodeSteps: plan.evaluation.maxEpisodeSteps }
            : {}),
        });
        values[`${task.name}/return`] = result.meanReturn;
        if (task.hasSuccess) values[`${task.name}/success`] = result.successRate ?? 0;
        if (task.referenceScore !== null) values[`${task.name}/normalized`] = result.normalizedScore ?? NaN;
      }
      evaluationSeconds += (performance.now() - evalStarted) / 1000;
      const score = seenScore(Object.fromEntries(Object.entries(values).map(([k, v]) => [`eval/${k}`, v])), tasks);
      if (score > best) {
        best = score;
        if (plan.keepBest) current.save(join(dir, 'best'));
      }
      evaluated = { step, values };
      return values;
    };
    const evaluators: Record<string, (a: ComparableAgent) => Promise<number>> = {};
    for (const task of data.tasks.filter(measurable))
      for (const metric of taskMetrics(task))
        evaluators[`${task.name}/${metric}`] = async (a) => (await evaluate(a.step))[`${task.name}/${metric}`];

    const progressLogger = {
      metrics: (row: LogRow) =>
        options.onProgress?.({ id: plan.id, step: row.step, targetSteps: plan.steps, phase: 'training' }),
      evaluation: () => {},
    };
    await current.fit(kind === 'none' ? data.transitions : data.prompted, {
      steps: remaining,
      stepsPerEpoch: plan.evaluation.every,
      logEvery: plan.logEvery,
      progress: 'off',
      evaluators: evaluators,
      checkpoint: { dir: join(dir, 'checkpoint'), every: plan.checkpointEvery / plan.evaluation.every },
      logDir: dir,
      dataInfo,
      loggers: [progressLogger],
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
      onEpoch: async (report) => {
        if (report.step % plan.checkpointEvery === 0 || report.step === plan.steps) {
          checkpointStep = report.step;
          await options.onCheckpoint?.(report.step);
        }
      },
    });
    return outcome('completed', plan.steps);
  } catch (error) {
    if (options.signal?.aborted === true) return outcome('stopped', checkpointStep);
    return outcome(
      'failed',
      checkpointStep,
      error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    );
  } finally {
    agent?.dispose();
  }
}
