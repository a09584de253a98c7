/**
 * The run folder: what one training run leaves on disk, so that a lost process can still be
 * plotted, compared and resumed. The types and file names here are shared by the writer
 * (`fit(..., { logDir })`), the reader ({@link readRunFolder}), the CLI and the comparison
 * tools; the layout and its choices are described in `docs/formats.md` ("Run folders").
 *
 * ```text
 * run/
 *   params.json          what was trained, on what, with which library and engine
 *   metrics.jsonl/.csv   one row per log interval, appended as training goes
 *   evaluations.jsonl/.csv   one row per evaluation (`eval/<name>` columns)
 *   checkpoint/          the latest resumable checkpoint
 *   best/                the best checkpoint, when the agent keeps one
 *   status.json          running | completed | stopped | failed (written atomically)
 * ```
 *
 * @module
 */
import { join } from 'node:path';

/** The `format` field of every `params.json`. */
export const RUN_FOLDER_FORMAT = 'llmdpd-run';
/** The run folder version this code writes and reads. */
export const RUN_FOLDER_VERSION = 1;

/** A JSON object, as stored in `params.json`. */
export type JsonObject = Readonly<Record<string, unknown>>;

/** Contents of `params.json`: everything needed to say what a run was, written once at its start. */
export interface RunParams {
  /** Always {@link RUN_FOLDER_FORMAT}. */
  readonly format: typeof RUN_FOLDER_FORMAT;
  /** Always {@link RUN_FOLDER_VERSION} for folders this code writes. */
  readonly version: number;
  /** The agent's name, e.g. `DiffusionQLAgent`. */
  readonly agent: string;
  /** The agent's resolved configuration. */
  readonly config: JsonObject;
  /** The agent's seed, or `null` when its config has none. */
  readonly seed: number | null;
  /** A description of the training data (its class, size and dimensions, or the file it came from). */
  readonly data: JsonObject;
  /** The options of the `fit` call that created the folder (steps, stepsPerEpoch, logEvery, evaluators, ...). */
  readonly fit: JsonObject;
  /** The library that wrote the folder. */
  readonly library: LibraryInfo;
  /** `git rev-parse HEAD` of the working directory when the run started, or `null` outside a git checkout. */
  readonly commit: string | null;
  /** The engine the run trained on (backend, kernels, threads, tfjs version), or `null` when unknown. */
  readonly engine: JsonObject | null;
  /** ISO 8601 time the folder was created. */
  readonly createdAt: string;
  /** Later `fit` calls that continued this run: the step each started from and when. */
  readonly resumes?: readonly RunResume[];
}

/** The library that wrote a run folder. */
export interface LibraryInfo {
  /** Package name (`llmdpd`). */
  readonly name: string;
  /** Package version. */
  readonly version: string;
}

/** A later `fit` call that continued a run. */
export interface RunResume {
  /** The agent's step when it continued. */
  readonly step: number;
  /** ISO 8601 time it continued. */
  readonly at: string;
}

/** The state of a run; only `completed` means it reached its target. */
export type RunState = 'running' | 'completed' | 'stopped' | 'failed';

/** Contents of `status.json`, rewritten atomically after every epoch and at the end. */
export interface RunStatus {
  /** `running` while training, then `completed`, `stopped` (aborted or stopped by a callback) or `failed`. */
  readonly state: RunState;
  /** The agent's total gradient steps when the status was written. */
  readonly step: number;
  /** The total step count the run aims for. */
  readonly targetSteps: number;
  /** The step of the checkpoint in `checkpoint/`, or `null` before the first one. */
  readonly checkpointStep: number | null;
  /** ISO 8601 time the run (or its latest resume) started. */
  readonly startedAt: string;
  /** ISO 8601 time of this status. */
  readonly updatedAt: string;
  /** Why the run stopped or failed. */
  readonly error?: string;
}

/**
 * One row of `metrics.jsonl` or `evaluations.jsonl`. On disk a row is flat
 * (`{"step":100,"epoch":1,"seconds":2.5,"loss/critic":0.41}`); non-finite values are written as
 * `null` in JSONL and as `NaN`, `inf` or `-inf` in CSV, and read back as `NaN` (or ±Infinity from CSV).
 */
export interface LogRow {
  /** The agent's total gradient steps at this row. */
  readonly step: number;
  /** The epoch the row belongs to (1-based, counted over the whole run, resumes included). */
  readonly epoch: number;
  /** Wall-clock seconds since the run started (resumes continue the count). */
  readonly seconds: number;
  /** Namespaced values: `loss/critic`, `value/qMean`, `eval/return`, ... */
  readonly values: Readonly<Record<string, number>>;
}

/** The files of a run folder. */
export interface RunFolderPaths {
  /** The folder itself. */
  readonly dir: string;
  /** `params.json`. */
  readonly params: string;
  /** `status.json`. */
  readonly status: string;
  /** `metrics.jsonl`. */
  readonly metricsJsonl: string;
  /** `metrics.csv`. */
  readonly metricsCsv: string;
  /** `evaluations.jsonl`. */
  readonly evaluationsJsonl: string;
  /** `evaluations.csv`. */
  readonly evaluationsCsv: string;
  /** `checkpoint/`, the latest resumable checkpoint. */
  readonly checkpoint: string;
  /** `best/`, the best checkpoint (when kept). */
  readonly best: string;
}

/** The paths of the files of the run folder `dir`. */
export function runFolderPaths(dir: string): RunFolderPaths {
  return {
    dir,
    params: join(dir, 'params.json'),
    status: join(dir, 'status.json'),
    metricsJsonl: join(dir, 'metrics.jsonl'),
    metricsCsv: join(dir, 'metrics.csv'),
    evaluationsJsonl: join(dir, 'evaluations.jsonl'),
    evaluationsCsv: join(dir, 'evaluations.csv'),
    checkpoint: join(dir, 'checkpoint'),
    best: join(dir, 'best'),
  };
}
