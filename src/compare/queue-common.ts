/**
 * What the queue coordinator (`llmdpd compare --queue`) and queue workers (`llmdpd worker`)
 * share: the job format, idempotent job ids, and the Redis keys of run bundles. Semantics:
 * `docs/compare.md`, "Queue mode".
 *
 * @module
 */
import { ConfigError } from '../core/errors.js';
import type { RunOutcome } from './execute-run.js';
import type { RunPlan } from './plan.js';

/**
 * Checks a Redis URL (`redis://HOST:PORT`, `rediss://` for TLS, optional user, password and
 * database number).
 * @throws {@link ConfigError} for anything else.
 */
export function checkRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`--queue must be a Redis URL such as redis://127.0.0.1:6379, got ${JSON.stringify(url)}.`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new ConfigError(
      `--queue must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379), got ${JSON.stringify(url)}.`,
    );
  return url;
}

/** The data of a queued run. */
export interface RunJobData {
  /** Always `llmdpd-compare-job`. */
  readonly format: 'llmdpd-compare-job';
  /** Job format version. */
  readonly version: 1;
  /** The run. */
  readonly plan: RunPlan;
  /** The run folder on the coordinator (workers write there directly in `shared` mode). */
  readonly dir: string;
  /** How the folder travels: `redis` bundles, or a `shared` folder. */
  readonly transfer: 'redis' | 'shared';
}

/** What a worker returns for a finished run. */
export interface RunJobResult {
  /** The run's outcome (on the worker that finished it). */
  readonly outcome: RunOutcome;
  /** True when the finished folder was uploaded as a bundle. */
  readonly bundle: boolean;
  /** The worker that finished it. */
  readonly worker: string;
}

/** Progress a worker reports for a job. */
export interface RunJobProgress {
  /** Run id. */
  readonly id: string;
  /** Steps done. */
  readonly step: number;
  /** Target steps. */
  readonly targetSteps: number;
  /** Phase. */
  readonly phase: 'loading' | 'training' | 'evaluating';
}

/** The job id of a run: its identity hash, so enqueuing the same run twice adds one job. */
export function jobIdOf(plan: RunPlan): string {
  return `run-${plan.key}`;
}

/** The Redis key of a job's latest run-folder bundle. */
export function bundleKey(queueName: string, jobId: string): string {
  return `llmdpd:${queueName}:bundle:${jobId}`;
}

/** BullMQ's key of a job's lock (its value is the token of the worker holding it). */
export function lockKey(queueName: string, jobId: string): string {
  return `bull:${queueName}:${jobId}:lock`;
}

/** Seconds a finished run's bundle stays in Redis for coordinators that collect it later. */
export const BUNDLE_TTL_SECONDS = 7 * 24 * 3600;
