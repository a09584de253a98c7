/**
 * {@link runComparison}: runs a comparison spec end to end. It expands the spec into runs,
 * checks what is already on disk (finished runs with intact files are skipped, interrupted
 * ones resume from their last checkpoint, untrustworthy folders are moved aside and run
 * again), executes the rest on worker threads (default: one per core) or through a Redis
 * queue (`queue` option, see `queue.ts`), shows the grid's progress, and writes the report.
 *
 * Output folder:
 * - `comparison.json`: the validated spec and the planned runs;
 * - `runs/<agent>__<data>__s<seed>/`: one run folder per run (see `run-folder.ts`);
 * - `report/`: the report (see `report.ts`).
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import type { ProgressStream } from '../core/progress.js';
import type { RunOutcome } from './execute-run.js';
import { GridProgress } from './grid-progress.js';
import { planRuns, type RunPlan } from './plan.js';
import { writeReport, type ComparisonReport } from './report.js';
import { inspectRun, moveAside, type RunInspection } from './run-check.js';
import { RunPool } from './run-pool.js';
import { isComparisonSpec, parseComparisonSpec, type ComparisonSpec } from './spec.js';

/** Options of {@link runComparison}. */
export interface CompareOptions {
  /** Output folder. @defaultValue `runs/<spec name>` */
  readonly outDir?: string;
  /** Worker threads for local execution; 0 runs in the calling thread. @defaultValue one per core */
  readonly threads?: number;
  /**
   * A Redis URL (`redis://HOST:PORT`): enqueue the runs on a BullMQ queue for `llmdpd worker`
   * processes instead of running them here, wait for them and write the same folders and report.
   */
  readonly queue?: string;
  /** Queue name. @defaultValue `llmdpd-compare` */
  readonly queueName?: string;
  /**
   * How run folders come back in queue mode: `redis` (uploaded through Redis, for workers on
   * other machines) or `shared` (workers write straight into `outDir`, a folder they all see
   * at the same path). @defaultValue `'redis'`
   */
  readonly transfer?: 'redis' | 'shared';
  /** Stops cleanly: runs in flight stop at their next step, resumable from their last checkpoint. */
  readonly signal?: AbortSignal;
  /** Progress display. @defaultValue `'auto'` */
  readonly progress?: 'auto' | 'bar' | 'lines' | 'off';
  /** Where progress and messages go. @defaultValue `process.stderr` */
  readonly stream?: ProgressStream;
  /** Node flags for worker threads (e.g. a TypeScript loader when running from sources). */
  readonly execArgv?: readonly string[];
  /** Write the report at the end (when no run was stopped). @defaultValue true */
  readonly report?: boolean;
}

/** What happened to one run. */
export interface RunRecordOfComparison {
  /** The run. */
  readonly plan: RunPlan;
  /** What was on disk before. */
  readonly before: RunInspection;
  /** Where an unusable folder was moved, if it was. */
  readonly movedTo?: string;
  /** The outcome, or null when it was skipped (already completed). */
  readonly outcome: RunOutcome | null;
}

/** What {@link runComparison} returns. */
export interface ComparisonResult {
  /** The output folder. */
  readonly outDir: string;
  /** Every run. */
  readonly runs: readonly RunRecordOfComparison[];
  /** True when the comparison was stopped before every run ended. */
  readonly stopped: boolean;
  /** The report (null when stopped or disabled). */
  readonly report: ComparisonReport | null;
  /** Wall time in seconds. */
  readonly seconds: number;
}

/** Something that executes runs: local threads, or a queue. */
export interface RunExecutor {
  /** Executes `plan` in `dir`, reporting progress; resolves with the outcome (never rejects). */
  run(plan: RunPlan, dir: string): Promise<RunOutcome>;
  /** Stops runs in flight and drops queued ones. */
  stop(): void;
  /** Releases threads or connections. */
  close(): Promise<void>;
}

/** The comparison's file in the output folder. */
function writeComparisonFile(outDir: string, spec: ComparisonSpec, plans: readonly RunPlan[]): void {
  const path = join(outDir, 'comparison.json');
  const content = `${JSON.stringify(
    {
      format: 'llmdpd-comparison',
      version: 1,
      spec,
      runs: plans.map((p) => ({ id: p.id, key: p.key, agent: p.agent.name, data: p.data.name, seed: p.seed })),
    },
    null,
    2,
  )}\n`;
  if (existsSync(path) && readFileSync(path, 'utf8') !== content) {
    // A different spec ran here before: keep its description next to its run folders.
    renameSync(path, join(outDir, `comparison.${new Date().toISOString().replace(/[:.]/g, '-')}.json`));
  }
  writeFileAtomic(path, content);
}

/** What was found for one run before a comparison starts. */
export interface RunFound {
  /** The inspection. */
  readonly before: RunInspection;
  /** Where an unusable folder was moved, if it was. */
  readonly movedTo?: string;
}

/** What {@link prepareComparison} returns. */
export interface PreparedComparison {
  /** The validated spec. */
  readonly spec: ComparisonSpec;
  /** The absolute output folder. */
  readonly outDir: string;
  /** The runs. */
  readonly plans: RunPlan[];
  /** What was found for each run, by run id. */
  readonly inspections: Map<string, RunFound>;
}

/**
 * Prepares the output folder of a comparison: validates the spec, writes `comparison.json`,
 * inspects every run's folder and moves unusable ones aside.
 */
export function prepareComparison(specInput: unknown, outDirInput: string | undefined): PreparedComparison {
  const spec = isComparisonSpec(specInput) ? specInput : parseComparisonSpec(specInput);
  const outDir = resolve(outDirInput ?? join('runs', spec.name));
  mkdirSync(join(outDir, 'runs'), { recursive: true });
  const plans = planRuns(spec);
  writeComparisonFile(outDir, spec, plans);
  const inspections = new Map<string, RunFound>();
  for (const plan of plans) {
    const dir = join(outDir, 'runs', plan.id);
    const before = inspectRun(plan, dir);
    if (before.state === 'restart') {
      const label = before.reason.startsWith('the folder holds a different run') ? 'previous' : 'corrupt';
      inspections.set(plan.id, { before, movedTo: moveAside(dir, label) });
    } else inspections.set(plan.id, { before });
  }
  return { spec, outDir, plans, inspections };
}

/**
 * Runs a comparison: every (agent, data source, seed) run not finished yet, then the report.
 *
 * @example
 * ```ts
 * const result = await runComparison(loadComparisonSpec('compare.json'), { outDir: 'runs/demo' });
 * for (const v of result.report!.verdicts) console.log(v.line);
 * ```
 * @param spec - a spec from `parseComparisonSpec` / `loadComparisonSpec`, or a JSON value to validate.
 * @throws {@link ConfigError} for an invalid spec or options. A failing run does not throw: its
 *   outcome is `failed` and the report lists it.
 */
export async function runComparison(spec: unknown, options: CompareOptions = {}): Promise<ComparisonResult> {
  const started = performance.now();
  const prepared = prepareComparison(spec, options.outDir);
  const { outDir, plans, inspections } = prepared;
  const pending = plans.filter((p) => inspections.get(p.id)!.before.state !== 'completed');
  const progress = new GridProgress({
    runs: plans.map((p) => {
      const before = inspections.get(p.id)!.before;
      return {
        id: p.id,
        targetSteps: p.steps,
        doneSteps: before.state === 'completed' ? p.steps : before.state === 'resumable' ? before.step : 0,
      };
    }),
    mode: options.progress ?? 'auto',
    ...(options.stream !== undefined ? { stream: options.stream } : {}),
  });
  let executor: RunExecutor;
  if (options.queue !== undefined) {
    const { QueueExecutor } = await import('./queue-coordinator.js');
    executor = await QueueExecutor.connect({
      url: options.queue,
      queueName: options.queueName ?? 'llmdpd-compare',
      transfer: options.transfer ?? 'redis',
      outDir,
      onProgress: (p) => progress.update(p),
    });
  } else {
    executor = new RunPool({
      threads: options.threads ?? availableParallelism(),
      ...(options.execArgv !== undefined ? { execArgv: options.execArgv } : {}),
      onProgress: (p) => progress.update(p),
    });
  }
  const onAbort = () => executor.stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted === true) executor.stop();
  let outcomes: RunOutcome[];
  try {
    outcomes = await Promise.all(
      pending.map(async (plan) => {
        const outcome = await executor.run(plan, join(outDir, 'runs', plan.id));
        progress.finish(outcome);
        return outcome;
      }),
    );
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await executor.close();
    progress.done();
  }
  const byId = new Map(outcomes.map((o) => [o.id, o]));
  const stopped = outcomes.some((o) => o.state === 'stopped');
  const report = !stopped && options.report !== false ? writeReport(outDir) : null;
  return {
    outDir,
    runs: plans.map((plan) => ({
      plan,
      ...inspections.get(plan.id)!,
      outcome: byId.get(plan.id) ?? null,
    })),
    stopped,
    report,
    seconds: (performance.now() - started) / 1000,
  };
}
