/**
 * Writing a run folder ({@link RunFolderWriter}): `params.json` once, the metric and evaluation
 * logs row by row, `status.json` atomically after every epoch and at the end. The training loop
 * (`fit(..., { logDir })`) drives it; the checkpoints go to its `checkpoint/` folder.
 *
 * A folder that already holds a run is never overwritten: it is continued when the agent
 * resumes it (same agent and configuration, loaded from the folder's checkpoint), and refused
 * otherwise. Continuing drops the log rows written after the checkpoint the agent resumed from,
 * since that training is replayed.
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../atomic-file.js';
import { ConfigError } from '../errors.js';
import {
  RUN_FOLDER_FORMAT,
  RUN_FOLDER_VERSION,
  runFolderPaths,
  type JsonObject,
  type LibraryInfo,
  type LogRow,
  type RunFolderPaths,
  type RunParams,
  type RunState,
  type RunStatus,
} from './format.js';
import { CsvLogger, JsonlLogger, type EpochSummary, type TrainingLogger } from './loggers.js';
import { readRunFolder } from './reader.js';

/** What {@link RunFolderWriter.open} records about a run. */
export interface RunFolderInit {
  /** The agent's name, e.g. `DiffusionQLAgent`. */
  readonly agent: string;
  /** The agent's resolved configuration. */
  readonly config: JsonObject;
  /** The agent's seed, or `null`. */
  readonly seed: number | null;
  /** A description of the training data. */
  readonly data: JsonObject;
  /** The `fit` options (steps, stepsPerEpoch, logEvery, evaluator names, ...). */
  readonly fit: JsonObject;
  /** The engine the run trains on, or `null`. */
  readonly engine: JsonObject | null;
  /** The agent's step count when this `fit` call starts (0 for a new agent). */
  readonly startStep: number;
  /** The step count this `fit` call ends at. */
  readonly targetSteps: number;
}

/** The name and version of this library, from its package.json (three folders above this module in src/ and dist/). */
export function libraryInfo(): LibraryInfo {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      name?: unknown;
      version?: unknown;
    };
    return {
      name: typeof pkg.name === 'string' ? pkg.name : 'llmdpd',
      version: typeof pkg.version === 'string' ? pkg.version : 'unknown',
    };
  } catch {
    return { name: 'llmdpd', version: 'unknown' };
  }
}

/** `git rev-parse HEAD` in the working directory, or `null` when git or a checkout is missing. */
export function gitCommit(cwd: string = process.cwd()): string | null {
  try {
    const out = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    }).trim();
    return /^[0-9a-f]{40,64}$/.test(out) ? out : null;
  } catch {
    return null;
  }
}

/** JSON with object keys sorted, so two configs compare equal whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/**
 * Writes one run folder. Create it with {@link RunFolderWriter.open}; it is a
 * {@link TrainingLogger}, so the loop hands it its rows and epoch summaries, and it ends with
 * {@link RunFolderWriter.finish}.
 */
export class RunFolderWriter implements TrainingLogger {
  /** The folder's file paths; checkpoints go to `paths.checkpoint`. */
  readonly paths: RunFolderPaths;
  /** True when an existing run is being continued. */
  readonly resumed: boolean;
  /** Epochs logged before this `fit` call (epoch numbers continue from it). */
  readonly epochOffset: number;
  /** Seconds logged before this `fit` call (the `seconds` column continues from it). */
  readonly secondsOffset: number;
  private readonly jsonl: JsonlLogger;
  private readonly csv: CsvLogger;
  private readonly startedAt: string;
  private readonly targetSteps: number;
  private checkpointStep: number | null;
  private step: number;
  private closed = false;

  private constructor(
    paths: RunFolderPaths,
    init: RunFolderInit,
    continued: { metrics: LogRow[]; evaluations: LogRow[]; checkpointStep: number | null } | null,
  ) {
    this.paths = paths;
    this.resumed = continued !== null;
    const kept = continued ?? { metrics: [], evaluations: [], checkpointStep: null };
    const last = [...kept.metrics, ...kept.evaluations].reduce<LogRow | null>(
      (a, r) => (a === null || r.step >= a.step ? r : a),
      null,
    );
    this.epochOffset = last === null || !Number.isFinite(last.epoch) ? 0 : last.epoch;
    this.secondsOffset = last === null || !Number.isFinite(last.seconds) ? 0 : last.seconds;
    this.jsonl = new JsonlLogger(paths.dir, continued === null ? undefined : kept);
    this.csv = new CsvLogger(paths.dir, continued === null ? undefined : kept);
    this.startedAt = new Date().toISOString();
    this.targetSteps = init.targetSteps;
    this.step = init.startStep;
    this.checkpointStep = kept.checkpointStep;
    this.writeStatus('running');
  }

  /**
   * Opens `dir` for a run: creates it (and `params.json`) when it is missing or empty, or
   * continues the run it holds when `init` resumes it (same agent and config, `startStep` > 0
   * and not beyond the logged steps).
   * @throws {@link ConfigError} when `dir` holds another run, a run this agent does not continue,
   * or other files.
   * @throws {@link DatasetError} when the run it holds is damaged.
   */
  static open(dir: string, init: RunFolderInit): RunFolderWriter {
    const paths = runFolderPaths(dir);
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      if (!existsSync(paths.params)) {
        throw new ConfigError(
          `logDir ${dir} is not empty and is not a run folder (no params.json); pass a new or empty folder so that nothing in it is overwritten.`,
        );
      }
      const run = readRunFolder(dir);
      const loggedStep = run.status?.step ?? 0;
      const fix = `pass a new logDir, or continue the run by loading the agent from ${paths.checkpoint} and calling fit with the same logDir`;
      if (run.params.agent !== init.agent)
        throw new ConfigError(`logDir ${dir} holds a run of ${run.params.agent}, not ${init.agent}; ${fix}.`);
      if (init.startStep === 0)
        throw new ConfigError(
          `logDir ${dir} already holds a run (${run.state} at step ${loggedStep}) and this agent has not trained yet; ${fix}.`,
        );
      if (init.startStep > loggedStep)
        throw new ConfigError(
          `logDir ${dir} holds a run logged up to step ${loggedStep}, but the agent is at step ${init.startStep}; it is not the agent of this run. ${fix[0].toUpperCase()}${fix.slice(1)}.`,
        );
      if (canonicalJson(run.params.config) !== canonicalJson(init.config))
        throw new ConfigError(`logDir ${dir} holds a run with a different agent configuration; ${fix}.`);
      const at = new Date().toISOString();
      const params: RunParams = {
        ...run.params,
        resumes: [...(run.params.resumes ?? []), { step: init.startStep, at }],
      };
      writeFileAtomic(paths.params, `${JSON.stringify(params, null, 2)}\n`);
      const keep = (rows: readonly LogRow[]) => rows.filter((r) => r.step <= init.startStep);
      const checkpointStep = run.status?.checkpointStep ?? null;
      return new RunFolderWriter(paths, init, {
        metrics: keep(run.metrics),
        evaluations: keep(run.evaluations),
        checkpointStep: checkpointStep !== null && checkpointStep <= init.startStep ? checkpointStep : null,
      });
    }
    mkdirSync(dir, { recursive: true });
    const params: RunParams = {
      format: RUN_FOLDER_FORMAT,
      version: RUN_FOLDER_VERSION,
      agent: init.agent,
      config: init.config,
      seed: init.seed,
      data: init.data,
      fit: init.fit,
      library: libraryInfo(),
      commit: gitCommit(),
      engine: init.engine,
      createdAt: new Date().toISOString(),
    };
    writeFileAtomic(paths.params, `${JSON.stringify(params, null, 2)}\n`);
    return new RunFolderWriter(paths, init, null);
  }

  /** Appends a metrics row to `metrics.jsonl` and `metrics.csv`. */
  metrics(row: LogRow): void {
    this.step = Math.max(this.step, row.step);
    this.jsonl.metrics(row);
    this.csv.metrics(row);
  }

  /** Appends an evaluation row to `evaluations.jsonl` and `evaluations.csv`. */
  evaluation(row: LogRow): void {
    this.step = Math.max(this.step, row.step);
    this.jsonl.evaluation(row);
    this.csv.evaluation(row);
  }

  /** Rewrites `status.json` (still running) at the end of an epoch. */
  epoch(summary: EpochSummary): void {
    this.step = summary.step;
    this.writeStatus('running');
  }

  /** Records that `checkpoint/` now holds the agent at `step`. */
  checkpointed(step: number): void {
    this.checkpointStep = step;
    this.step = Math.max(this.step, step);
    this.writeStatus('running');
  }

  /**
   * Writes the final status. Call once; later calls are ignored.
   * @param error - why the run stopped or failed.
   */
  finish(state: Exclude<RunState, 'running'>, step: number, error?: string): void {
    if (this.closed) return;
    this.step = step;
    this.writeStatus(state, error);
    this.closed = true;
  }

  /** Same as `finish('failed', ...)` when the run was not finished (an error escaped the loop). */
  close(): void {
    if (!this.closed) this.finish('failed', this.step, 'the training loop ended without a final status');
  }

  private writeStatus(state: RunState, error?: string): void {
    const status: RunStatus = {
      state,
      step: this.step,
      targetSteps: this.targetSteps,
      checkpointStep: this.checkpointStep,
      startedAt: this.startedAt,
      updatedAt: new Date().toISOString(),
      ...(error === undefined ? {} : { error }),
    };
    writeFileAtomic(this.paths.status, `${JSON.stringify(status, null, 2)}\n`);
  }
}
