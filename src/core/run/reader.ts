/**
 * Reading run folders back: {@link readRunFolder} for one, {@link findRunFolders} to collect
 * the runs under a folder. A folder left by a killed process is still read (its status says
 * `running` and a cut-off last log line is reported in `warnings`); a folder that is not a run
 * or whose files are damaged beyond that raises a typed error that names the file and line.
 * Every file is read through `../safe-files.ts`: a FIFO or a device in place of a file is refused
 * at once, and `params.json`, `status.json` and the logs are read with a size limit
 * ({@link RUN_JSON_MAX_BYTES}, {@link RUN_LOG_MAX_BYTES}).
 *
 * @module
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FILE } from '../column-store.js';
import { DatasetError, NotFoundError } from '../errors.js';
import { JSON_DOCUMENT_MAX_BYTES, MANIFEST_MAX_BYTES, readRegularTextSync } from '../safe-files.js';
import {
  RUN_FOLDER_FORMAT,
  RUN_FOLDER_VERSION,
  runFolderPaths,
  type LogRow,
  type RunFolderPaths,
  type RunParams,
  type RunState,
  type RunStatus,
} from './format.js';

/** Everything a run folder holds, as {@link readRunFolder} returns it. */
export interface RunFolderContents {
  /** The folder's file paths. */
  readonly paths: RunFolderPaths;
  /** `params.json`. */
  readonly params: RunParams;
  /** `status.json`, or `null` when it is missing (see `warnings`). */
  readonly status: RunStatus | null;
  /** The status's state, or `'unknown'` without a status file. */
  readonly state: RunState | 'unknown';
  /** True only when the run reached its target (`state === 'completed'`). */
  readonly finished: boolean;
  /** Rows of `metrics.jsonl`, in file order. */
  readonly metrics: readonly LogRow[];
  /** Rows of `evaluations.jsonl`, in file order. */
  readonly evaluations: readonly LogRow[];
  /** True when `checkpoint/` holds a checkpoint manifest. */
  readonly hasCheckpoint: boolean;
  /** Problems that did not stop the read: a cut-off last line, a missing status or log file. */
  readonly warnings: readonly string[];
}

/** Byte limit of `params.json` and `status.json`. */
export const RUN_JSON_MAX_BYTES = MANIFEST_MAX_BYTES;

/**
 * Byte limit of `metrics.jsonl` and `evaluations.jsonl`: 256 MB, about 1.5 million rows of ten
 * metrics (a run logging every step for a million steps fits).
 */
export const RUN_LOG_MAX_BYTES = JSON_DOCUMENT_MAX_BYTES;

const STATES: readonly RunState[] = ['running', 'completed', 'stopped', 'failed'];

/** Reads a whole file of a run folder through safe-files (regular files only, at most `maxBytes`). */
function readRunFile(path: string, what: string, maxBytes: number): string {
  return readRegularTextSync(path, {
    what,
    context: 'readRunFolder',
    maxBytes,
    missing: (p) => new DatasetError(`readRunFolder: ${what} ${p} is missing; the run folder is incomplete.`),
  });
}

function parseJsonFile(path: string, what: string): unknown {
  const text = readRunFile(path, what, RUN_JSON_MAX_BYTES);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new DatasetError(
      `${what} ${path} is not valid JSON (${(error as Error).message}); the file is damaged: restore it or start the run again.`,
      { cause: error },
    );
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function checkParams(value: unknown, path: string): RunParams {
  if (!isObject(value) || value['format'] !== RUN_FOLDER_FORMAT) {
    throw new DatasetError(
      `${path} is not the params file of an llmdpd run folder (expected "format": "${RUN_FOLDER_FORMAT}", got ${isObject(value) ? JSON.stringify(value['format']) : typeof value}).`,
    );
  }
  const version = value['version'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1 || version > RUN_FOLDER_VERSION) {
    throw new DatasetError(
      `${path} has run folder version ${JSON.stringify(version)}; this llmdpd reads versions 1 to ${RUN_FOLDER_VERSION}. Upgrade llmdpd to read it.`,
    );
  }
  for (const key of ['agent', 'createdAt'] as const) {
    if (typeof value[key] !== 'string') throw new DatasetError(`${path}: "${key}" must be a string.`);
  }
  if (!isObject(value['config'])) throw new DatasetError(`${path}: "config" must be an object.`);
  return value as unknown as RunParams;
}

function checkStatus(value: unknown, path: string): RunStatus {
  if (!isObject(value) || !STATES.includes(value['state'] as RunState)) {
    throw new DatasetError(
      `${path}: "state" must be one of ${STATES.join(', ')}, got ${isObject(value) ? JSON.stringify(value['state']) : typeof value}.`,
    );
  }
  for (const key of ['step', 'targetSteps'] as const) {
    if (typeof value[key] !== 'number') throw new DatasetError(`${path}: "${key}" must be a number.`);
  }
  return { checkpointStep: null, ...value } as unknown as RunStatus;
}

/** Parses one JSON line of a log into a row; `null` values read as NaN. */
function parseRow(line: string, where: string): LogRow {
  let value: unknown;
  try {
    value = JSON.parse(line) as unknown;
  } catch (error) {
    throw new DatasetError(`${where} is not valid JSON (${(error as Error).message}).`, { cause: error });
  }
  if (!isObject(value)) throw new DatasetError(`${where} is not a JSON object.`);
  const values: Record<string, number> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null) values[k] = NaN;
    else if (typeof v === 'number') values[k] = v;
    else
      throw new DatasetError(`${where}: "${k}" is ${JSON.stringify(v)}; every value of a log row is a number or null.`);
  }
  const { step, epoch, seconds, ...rest } = values;
  if (step === undefined || !Number.isFinite(step))
    throw new DatasetError(`${where} has no finite "step"; every log row has step, epoch and seconds.`);
  return { step, epoch: epoch ?? NaN, seconds: seconds ?? NaN, values: rest };
}

/**
 * Reads a JSON Lines log. A last line without its newline that does not parse was cut off by a
 * stopped process: it is dropped with a warning. Any other bad line is an error.
 */
function readRows(path: string, name: string, warnings: string[]): LogRow[] {
  if (!existsSync(path)) {
    warnings.push(`${name} is missing; no rows read.`);
    return [];
  }
  const text = readRunFile(path, name, RUN_LOG_MAX_BYTES);
  const lines = text.split('\n');
  const complete = text.endsWith('\n') || text === '';
  const rows: LogRow[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const last = i === lines.length - 1;
    try {
      rows.push(parseRow(line, `${name} line ${i + 1}`));
    } catch (error) {
      if (last && !complete) {
        warnings.push(
          `The last line of ${name} (line ${i + 1}) was cut off, most likely by a process stopped while writing it; ${rows.length} rows read.`,
        );
        break;
      }
      throw new DatasetError(`${(error as Error).message} File: ${path}; the log is damaged.`, { cause: error });
    }
  }
  return rows;
}

/**
 * Reads a run folder written by `fit(..., { logDir })` or `llmdpd train`.
 *
 * @example
 * ```ts
 * const run = readRunFolder('runs/hopper');
 * console.log(run.state, run.params.agent, run.evaluations.at(-1)?.values['eval/return']);
 * ```
 * @throws {@link NotFoundError} when `dir` does not exist.
 * @throws {@link DatasetError} when it holds no `params.json` (not a run folder), a params or
 * status file is damaged or of a newer version, or a log line other than a cut-off last one is bad.
 */
export function readRunFolder(dir: string): RunFolderContents {
  if (!existsSync(dir)) throw new NotFoundError(`Run folder ${dir} does not exist; check the path.`);
  const paths = runFolderPaths(dir);
  if (!existsSync(paths.params)) {
    throw new DatasetError(
      `${dir} is not an llmdpd run folder: it has no params.json. Run folders are written by fit(data, { logDir }) and \`llmdpd train\`.`,
    );
  }
  const params = checkParams(parseJsonFile(paths.params, 'Run params file'), paths.params);
  const warnings: string[] = [];
  let status: RunStatus | null = null;
  if (existsSync(paths.status)) status = checkStatus(parseJsonFile(paths.status, 'Run status file'), paths.status);
  else warnings.push('status.json is missing: the run stopped before its first status was written.');
  const metrics = readRows(paths.metricsJsonl, 'metrics.jsonl', warnings);
  const evaluations = readRows(paths.evaluationsJsonl, 'evaluations.jsonl', warnings);
  const state = status?.state ?? 'unknown';
  return {
    paths,
    params,
    status,
    state,
    finished: state === 'completed',
    metrics,
    evaluations,
    hasCheckpoint: existsSync(join(paths.checkpoint, MANIFEST_FILE)),
    warnings,
  };
}

/** True when `dir` holds a `params.json` (it may still be damaged; {@link readRunFolder} says). */
export function isRunFolder(dir: string): boolean {
  return existsSync(join(dir, 'params.json'));
}

/**
 * The run folders at `dir`: `[dir]` when it is one, otherwise its sub-folders that are (one
 * level down, sorted by name), so `runs/` with `runs/seed0`, `runs/seed1` gives both.
 * @throws {@link NotFoundError} when `dir` does not exist or holds no run folder.
 */
export function findRunFolders(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new NotFoundError(`${dir} is not a folder; pass a run folder or a folder of run folders.`);
  if (isRunFolder(dir)) return [dir];
  const found = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && isRunFolder(join(dir, e.name)))
    .map((e) => join(dir, e.name))
    .sort();
  if (found.length === 0)
    throw new NotFoundError(
      `${dir} holds no run folder (a folder with params.json), neither itself nor one level down.`,
    );
  return found;
}
