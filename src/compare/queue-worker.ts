/**
 * The worker side of queue mode (`llmdpd worker --queue redis://HOST:PORT`): a BullMQ worker
 * that takes comparison runs from the queue and executes them on its own worker threads (one
 * run per thread; the process's event loop stays free to renew the jobs' locks), reports their
 * progress, and returns their folders.
 *
 * With the `redis` transfer, a run's folder travels through Redis as a bundle: the worker
 * starts from the job's latest bundle (the checkpoint of an earlier attempt, or of an
 * interrupted local run), uploads the folder after every checkpoint and at the end. Uploads
 * are fenced by the job's lock (a Lua script writes only while this worker's token holds it),
 * so a worker that lost a job can never overwrite the state of the one that took it over. A
 * worker killed mid-run loses its lock; BullMQ's stalled-job check moves the job back to the
 * queue and another worker resumes it from the last uploaded checkpoint, so no step is
 * counted twice. Stopping a worker (SIGINT/SIGTERM) stops its runs at the next step and puts
 * their jobs back in the queue.
 *
 * @module
 */
import { rmSync } from 'node:fs';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from 'bullmq';
import { ConfigError } from '../core/errors.js';
import { packFolder, unpackFolder } from './bundle.js';
import { loadQueueModules } from './queue-modules.js';
import {
  BUNDLE_TTL_SECONDS,
  bundleKey,
  checkRedisUrl,
  lockKey,
  type RunJobData,
  type RunJobProgress,
  type RunJobResult,
} from './queue-common.js';
import { RunPool } from './run-pool.js';

/** Options of {@link runQueueWorker}. */
export interface QueueWorkerOptions {
  /** Redis URL. */
  readonly url: string;
  /** BullMQ queue name. @defaultValue `llmdpd-compare` */
  readonly queueName?: string;
  /** Runs executed at once, each on its own worker thread. @defaultValue one per core */
  readonly threads?: number;
  /** Folder for run folders in `redis` transfer mode. @defaultValue `<tmp>/llmdpd-worker-<pid>` */
  readonly workDir?: string;
  /** Worker name recorded on jobs. @defaultValue `<host>:<pid>` */
  readonly name?: string;
  /** Stops the worker: runs stop at their next step and their jobs go back to the queue. */
  readonly signal?: AbortSignal;
  /** Node flags for the worker threads (e.g. a TypeScript loader when running from sources). */
  readonly execArgv?: readonly string[];
  /** BullMQ lock duration in ms (a dead worker's jobs return to the queue after about this long). @defaultValue 30000 */
  readonly lockDuration?: number;
  /** BullMQ stalled-job check interval in ms. @defaultValue 30000 */
  readonly stalledInterval?: number;
  /** Times a job may be recovered from a dead worker before it fails. @defaultValue 5 */
  readonly maxStalledCount?: number;
  /** Log lines (job started, finished, failed). @defaultValue none */
  readonly log?: (line: string) => void;
}

/** What a worker did before it stopped. */
export interface QueueWorkerSummary {
  /** Runs completed. */
  readonly completed: number;
  /** Run attempts that failed. */
  readonly failed: number;
}

// SET the bundle only while KEYS[1] (the job's lock) holds ARGV[1] (this worker's token);
// ARGV[3] > 0 also gives the key a time to live.
const FENCED_SET = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  if tonumber(ARGV[3]) > 0 then
    redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
  else
    redis.call('SET', KEYS[2], ARGV[2])
  end
  return 1
end
return 0`;

interface Active {
  readonly job: Job<RunJobData>;
  readonly token: string;
  lostLock: boolean;
}

/**
 * Takes runs from the queue until `signal` aborts.
 *
 * @example
 * ```ts
 * const controller = new AbortController();                 // abort it to stop (e.g. on SIGTERM)
 * const summary = await runQueueWorker({ url: 'redis://10.0.0.5:6379', threads: 2, signal: controller.signal });
 * console.log(summary.completed);
 * ```
 * @throws {@link ConfigError} for a bad URL or options, or when bullmq / ioredis are not installed.
 */
export async function runQueueWorker(options: QueueWorkerOptions): Promise<QueueWorkerSummary> {
  checkRedisUrl(options.url);
  const threads = options.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1)
    throw new ConfigError(`A queue worker needs threads >= 1, got ${String(options.threads)}.`);
  const queueName = options.queueName ?? 'llmdpd-compare';
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const workDir = options.workDir ?? join(tmpdir(), `llmdpd-worker-${process.pid}`);
  const log = options.log ?? (() => {});
  const { bullmq, Redis } = await loadQueueModules();
  const redis = new Redis(options.url, { maxRetriesPerRequest: null });
  const active = new Map<string, Active>();
  let completed = 0;
  let failed = 0;

  const upload = async (entry: Active, dir: string, final: boolean): Promise<boolean> => {
    const id = entry.job.id!;
    const written = (await redis.eval(
      FENCED_SET,
      2,
      lockKey(queueName, id),
      bundleKey(queueName, id),
      entry.token,
      packFolder(dir),
      final ? BUNDLE_TTL_SECONDS : 0,
    )) as number;
    return written === 1;
  };

  const pool = new RunPool({
    threads,
    ...(options.execArgv !== undefined ? { execArgv: options.execArgv } : {}),
    onProgress: (p) => {
      const entry = active.get(p.id);
      if (entry !== undefined)
        void entry.job
          .updateProgress({
            id: p.id,
            step: p.step,
            targetSteps: p.targetSteps,
            phase: p.phase,
          } satisfies RunJobProgress)
          .catch(() => undefined);
    },
    onCheckpoint: async (plan, dir) => {
      const entry = active.get(plan.id);
      if (entry === undefined || entry.job.data.transfer !== 'redis') return;
      if (!(await upload(entry, dir, false))) {
        entry.lostLock = true;
        log(`${plan.id}: lost the job's lock (another worker took it over); stopping this copy`);
        pool.stopRun(plan.id);
      }
    },
  });

  const processor = async (job: Job<RunJobData>, token?: string): Promise<RunJobResult> => {
    const data = job.data;
    if (data?.format !== 'llmdpd-compare-job' || data.version !== 1)
      throw new bullmq.UnrecoverableError(
        `Job ${job.id} is not an llmdpd comparison run (format ${String(data?.format)}).`,
      );
    if (token === undefined) throw new Error(`Job ${job.id} came without a lock token.`);
    const plan = data.plan;
    const dir = data.transfer === 'shared' ? data.dir : join(workDir, job.id!);
    if (data.transfer === 'redis') {
      rmSync(dir, { recursive: true, force: true });
      const bundle = await redis.getBuffer(bundleKey(queueName, job.id!));
      if (bundle !== null) unpackFolder(bundle, dir);
    }
    const entry: Active = { job, token, lostLock: false };
    active.set(plan.id, entry);
    log(`${plan.id}: started (attempt ${job.attemptsMade + 1}, ${job.stalledCounter} stalls so far)`);
    try {
      const outcome = await pool.run(plan, dir);
      if (entry.lostLock) throw new Error(`${plan.id}: this worker lost the job's lock.`);
      if (outcome.state === 'stopped') {
        // Back to the queue at once (moveToDelayed + DelayedError exist in every BullMQ 5 and 6).
        await job.moveToDelayed(Date.now(), token);
        log(`${plan.id}: stopped at step ${outcome.step}; back in the queue`);
        throw new bullmq.DelayedError();
      }
      if (outcome.state === 'failed') {
        failed++;
        log(`${plan.id}: failed: ${outcome.error ?? 'unknown error'}`);
        throw new Error(outcome.error ?? `Run ${plan.id} failed.`);
      }
      if (data.transfer === 'redis') {
        if (!(await upload(entry, dir, true))) throw new Error(`${plan.id}: this worker lost the job's lock.`);
        rmSync(dir, { recursive: true, force: true });
      }
      completed++;
      log(
        `${plan.id}: completed (${outcome.seconds.total.toFixed(1)} s${outcome.resumedFrom !== null ? `, resumed from step ${outcome.resumedFrom}` : ''})`,
      );
      return { outcome, bundle: data.transfer === 'redis', worker: name };
    } finally {
      active.delete(plan.id);
    }
  };

  const worker = new bullmq.Worker<RunJobData, RunJobResult>(queueName, processor, {
    connection: redis,
    concurrency: threads,
    name,
    lockDuration: options.lockDuration ?? 30_000,
    stalledInterval: options.stalledInterval ?? 30_000,
    maxStalledCount: options.maxStalledCount ?? 5,
    autorun: false,
  });
  worker.on('error', (error) => log(`queue error: ${error.message}`));
  const stoppedBySignal = new Promise<void>((resolve) => {
    if (options.signal?.aborted === true) resolve();
    options.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  const running = worker.run();
  await worker.waitUntilReady();
  log(`worker ${name}: ${threads} thread(s) on queue ${queueName} at ${options.url}`);
  await stoppedBySignal;
  log(`worker ${name}: stopping (runs in flight stop at their next step and go back to the queue)`);
  pool.stop();
  await worker.close();
  await running.catch(() => undefined);
  await pool.close();
  await redis.quit().catch(() => undefined);
  rmSync(workDir, { recursive: true, force: true });
  return { completed, failed };
}
