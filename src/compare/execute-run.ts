/**
 * Executes one run of a comparison in the calling thread: opens its data, builds the agent (or
 * loads it from the run's checkpoint to resume), trains, evaluates on every task of the data
 * source on the spec's schedule, and writes the run folder as it goes.
 *
 * Resuming gives the same numbers as never stopping: epochs are `logEvery` steps long and
 * checkpoints fall on epoch ends after that epoch's rows and evaluation, so a resumed run
 * restarts at an epoch boundary with the agent's saved random streams and optimiser state;
 * rows written after the checkpoint (the steps that are redone) are dropped first, so no row
 * is counted twice. Details: `docs/compare.md`, "Runs, checkpoints and resuming".
 *
 * @module
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { initEngine, type EngineInfo } from '../engine/index.js';
import { evaluatePolicy } from '../eval/index.js';
import { agentClass, type ComparableAgent } from './agent-registry.js';
import { DataCache, type OpenedData } from './data-sources.js';
import type { RunPlan } from './plan.js';
import { gitCommit, libraryInfo } from './provenance.js';
import { expectedEvaluationSteps, expectedRowSteps } from './run-check.js';
import { RunFolder, RUN_FOLDER_FORMAT, RUN_FOLDER_VERSION, type RunParams, type RunRow } from './run-folder.js';

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

/** How a run ended. */
export interface RunOutcome {
  /** The run. */
  readonly id: string;
  /** `completed`; `stopped` (cancelled, resumable); `failed` (see `error`). */
  readonly state: 'completed' | 'stopped' | 'failed';
  /** Steps done (at the last checkpoint for a stopped run). */
  readonly step: number;
  /** The step it resumed from, or null for a fresh start. */
  readonly resumedFrom: number | null;
  /** Wall time of this execution: all of it, and the parts spent training and evaluating. */
  readonly seconds: { readonly total: number; readonly training: number; readonly evaluation: number };
  /** The worker thread that executed it (`threadId` of `node:worker_threads`; 0 for the main thread). */
  readonly threadId: number;
  /** What went wrong (failed runs). */
  readonly error?: string;
}

/** Options of {@link executeRun}. */
export interface ExecuteRunOptions {
  /** Stops the run cleanly between steps (status `stopped`, resumable from its last checkpoint). */
  readonly signal?: AbortSignal;
  /** Progress, at every log interval. */
  readonly onProgress?: (progress: RunProgress) => void;
  /** Called after each checkpoint is on disk (the queue worker uploads the folder then). */
  readonly onCheckpoint?: (step: number) => void | Promise<void>;
  /** Opened data sources shared by the runs of this thread. */
  readonly cache?: DataCache;
}

/** The score a run's best checkpoint is chosen by: mean of a row's seen-task primary metric. */
export function seenScore(row: RunRow, data: Pick<OpenedData, 'tasks'>): number {
  const seen = data.tasks.filter((t) => t.split === 'seen');
  const values = seen.map((t) => row[`eval/${t.name}/${primaryMetric(t)}`]).filter((v) => v !== undefined);
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** The metric a task is ranked by: success rate, else normalised score, else return. */
export function primaryMetric(task: { readonly hasSuccess: boolean; readonly referenceScore: unknown }): string {
  return task.hasSuccess ? 'success' : task.referenceScore !== null ? 'normalized' : 'return';
}

function runParams(plan: RunPlan, data: OpenedData, engine: EngineInfo, createdAt: string): RunParams {
  return {
    format: RUN_FOLDER_FORMAT,
    version: RUN_FOLDER_VERSION,
    agent: plan.agent.name,
    config: plan.agent.resolvedConfig,
    seed: plan.seed,
    data: data.description,
    fit: {
      steps: plan.steps,
      stepsPerEpoch: plan.logEvery,
      logEvery: plan.logEvery,
      checkpointEvery: plan.checkpointEvery,
      evaluation: plan.evaluation,
      keepBest: plan.keepBest,
    },
    library: libraryInfo(),
    commit: gitCommit(),
    engine,
    createdAt,
    comparison: {
      name: plan.comparison,
      run: plan.id,
      key: plan.key,
      agentClass: plan.agent.class,
      preset: plan.agent.preset ?? null,
      dataName: data.name,
      tasks: data.tasks.map((t) => ({ name: t.name, split: t.split, metric: primaryMetric(t) })),
    },
  };
}

/** Rows up to `step` all present (so a resume continues a complete history). */
function historyComplete(folder: RunFolder, plan: RunPlan, step: number): boolean {
  const check = (rows: readonly RunRow[], expected: readonly number[]) => {
    const want = expected.filter((s) => s <= step);
    const have = rows.filter((r) => r.step <= step).map((r) => r.step);
    return have.length === want.length && have.every((s, i) => s === want[i]);
  };
  return (
    check(folder.readRows('metrics').rows, expectedRowSteps(plan)) &&
    check(folder.readRows('evaluations').rows, expectedEvaluationSteps(plan))
  );
}

async function evaluateAll(
  agent: ComparableAgent,
  data: OpenedData,
  plan: RunPlan,
  row: Record<string, number>,
): Promise<void> {
  for (const task of data.tasks) {
    const policy = await agent.policy(task.context);
    const result = await evaluatePolicy({ batched: (o: Float32Array) => policy.actBatch(o) }, task.makeEnv, {
      episodes: plan.evaluation.episodes,
      seed: plan.evaluation.seed + plan.seed,
      vectorized: true,
      numEnvs: Math.min(plan.evaluation.episodes, 16),
      ...(task.referenceScore !== null ? { referenceScore: task.referenceScore } : {}),
      ...(plan.evaluation.maxEpisodeSteps !== undefined ? { maxEpisodeSteps: plan.evaluation.maxEpisodeSteps } : {}),
    });
    row[`eval/${task.name}/return`] = result.meanReturn;
    if (task.hasSuccess) row[`eval/${task.name}/success`] = result.successRate ?? 0;
    if (task.referenceScore !== null && result.normalizedScore !== null)
      row[`eval/${task.name}/normalized`] = result.normalizedScore;
  }
}

/**
 * Runs (or resumes) `plan` in the folder `dir`. Never throws for a failure of the run itself:
 * the outcome says `failed` and `status.json` holds the error.
 */
export async function executeRun(plan: RunPlan, dir: string, options: ExecuteRunOptions = {}): Promise<RunOutcome> {
  const started = performance.now();
  let training = 0;
  let evaluation = 0;
  const folder = new RunFolder(dir);
  const previous = folder.readStatus();
  const startedAt = previous?.startedAt ?? new Date().toISOString();
  let checkpointStep = 0;
  let resumedFrom: number | null = null;
  let agent: ComparableAgent | null = null;
  const outcome = (state: RunOutcome['state'], step: number, error?: string): RunOutcome => ({
    id: plan.id,
    state,
    step,
    resumedFrom,
    seconds: { total: (performance.now() - started) / 1000, training, evaluation },
    threadId,
    ...(error !== undefined ? { error } : {}),
  });
  const status = (state: 'running' | 'completed' | 'stopped' | 'failed', step: number, error?: string) =>
    folder.writeStatus({
      state,
      step,
      targetSteps: plan.steps,
      startedAt,
      updatedAt: new Date().toISOString(),
      ...(error !== undefined ? { error } : {}),
    });
  try {
    options.onProgress?.({ id: plan.id, step: 0, targetSteps: plan.steps, phase: 'loading' });
    const engine = await initEngine();
    const data = await (options.cache ?? new DataCache()).open(plan.data);
    const cls = agentClass(plan.agent.class);
    const existing = folder.readParams();
    const sameRun = (existing?.comparison as { key?: unknown } | undefined)?.key === plan.key;
    if (sameRun && existsSync(folder.checkpointDir) && readdirSync(folder.checkpointDir).length > 0) {
      try {
        const loaded = cls.load(folder.checkpointDir);
        if (loaded.step <= plan.steps && historyComplete(folder, plan, loaded.step)) {
          agent = loaded;
          resumedFrom = loaded.step;
        } else loaded.dispose();
      } catch {
        agent = null; // an unreadable checkpoint: start again below
      }
    }
    if (agent === null) {
      for (const part of ['checkpoint', 'best']) rmSync(`${dir}/${part}`, { recursive: true, force: true });
      folder.rewrite('metrics', []);
      folder.rewrite('evaluations', []);
      folder.writeParams(runParams(plan, data, engine, new Date().toISOString()));
      agent = cls.create({
        observationDim: data.observationDim,
        actionDim: data.actionDim,
        seed: plan.seed,
        config: plan.agent.resolvedConfig,
      });
    }
    const current = agent;
    checkpointStep = current.step;
    folder.truncateAfter(checkpointStep);
    status('running', checkpointStep);
    const earlier = folder.readRows('evaluations').rows;
    let best = Math.max(-Infinity, ...earlier.map((r) => seenScore(r, data)).filter((v) => !Number.isNaN(v)));
    let trainedSeconds = folder.readRows('metrics').rows.at(-1)?.seconds ?? 0;
    const remaining = plan.steps - current.step;
    options.onProgress?.({ id: plan.id, step: current.step, targetSteps: plan.steps, phase: 'training' });
    if (remaining > 0) {
      let epochStarted = performance.now();
      await current.fit(cls.prompted ? data.prompted : data.transitions, {
        steps: remaining,
        stepsPerEpoch: plan.logEvery,
        logEvery: Math.max(1, Math.round(plan.logEvery / 10)),
        progress: 'off',
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
        onEpoch: async (report) => {
          const step = report.step;
          const epochSeconds = (performance.now() - epochStarted) / 1000;
          training += epochSeconds;
          trainedSeconds += epochSeconds;
          folder.appendMetrics({
            step,
            epoch: Math.ceil(step / plan.logEvery),
            seconds: trainedSeconds,
            ...report.metrics,
          });
          if (step % plan.evaluation.every === 0 || step === plan.steps) {
            options.onProgress?.({ id: plan.id, step, targetSteps: plan.steps, phase: 'evaluating' });
            const evalStart = performance.now();
            const row: Record<string, number> = { step, epoch: Math.ceil(step / plan.logEvery) };
            await evaluateAll(current, data, plan, row);
            evaluation += (performance.now() - evalStart) / 1000;
            folder.appendEvaluation(row);
            const score = seenScore(row, data);
            if (plan.keepBest && score > best) current.save(folder.bestDir);
            if (score > best) best = score;
          }
          if (step % plan.checkpointEvery === 0 || step === plan.steps) {
            current.save(folder.checkpointDir);
            checkpointStep = step;
            status('running', step);
            await options.onCheckpoint?.(step);
          }
          options.onProgress?.({ id: plan.id, step, targetSteps: plan.steps, phase: 'training' });
          epochStarted = performance.now();
        },
      });
    }
    status('completed', plan.steps);
    return outcome('completed', plan.steps);
  } catch (error) {
    if (options.signal?.aborted === true) {
      status('stopped', checkpointStep);
      return outcome('stopped', checkpointStep);
    }
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    status('failed', checkpointStep, message);
    return outcome('failed', checkpointStep, message);
  } finally {
    agent?.dispose();
  }
}
