/**
 * The coordinator side of queue mode (`llmdpd compare spec.json --queue redis://HOST:PORT`):
 * enqueues each pending run as a BullMQ job whose id is the run's identity hash (enqueuing the
 * same spec twice adds nothing), follows the jobs' progress, and when a job completes fetches
 * its run folder (from Redis, or nothing to fetch when workers share the output folder) so the
 * report is written exactly as after a local run. A run folder interrupted earlier is handed to
 * the job as its starting state, so the worker resumes it. Stopping the coordinator stops only
 * the waiting: the jobs stay queued or running on the workers, and running the same command
 * again collects them.
 *
 * @module
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { packFolder, unpackFolder } from './bundle.js';
import type { RunOutcome, RunProgress } from './execute-run.js';
import type { RunPlan } from './plan.js';
import { loadQueueModules } from './queue-modules.js';
import {
  bundleKey,
  checkRedisUrl,
  jobIdOf,
  type RunJobData,
  type RunJobProgress,
  type RunJobResult,
} from './queue-common.js';
import type { RunExecutor } from './runner.js';

/** Options of {@link QueueExecutor.connect}. */
export interface QueueExecutorOptions {
  /** Redis URL. */
  readonly url: string;
  /** BullMQ queue name. */
  readonly queueName: string;
  /** How run folders come back. */
  readonly transfer: 'redis' | 'shared';
  /** The comparison's output folder. */
  readonly outDir: string;
  /** Attempts per run before it counts as failed (a retry resumes from the last checkpoint). @defaultValue 3 */
  readonly attempts?: number;
  /** Progress of any run. */
  readonly onProgress?: (progress: RunProgress) => void;
}

function outcomeOf(plan: RunPlan, state: RunOutcome['state'], error?: string): RunOutcome {
  return {
    id: plan.id,
    state,
    step: 0,
    resumedFrom: null,
    seconds: { total: 0, training: 0, evaluation: 0 },
    threadId: -1,
    ...(error !== undefined ? { error } : {}),
  };
}

/** Runs a comparison's runs through a BullMQ queue. */
export class QueueExecutor implements RunExecutor {
  private stopRequested: () => void = () => {};
  private readonly stopped: Promise<'stopped'>;
  private isStopped = false;

  private constructor(
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly redis: Redis,
    private readonly eventsRedis: Redis,
    private readonly options: QueueExecutorOptions,
  ) {
    this.stopped = new Promise((resolve) => {
      this.stopRequested = () => resolve('stopped');
    });
    events.on('progress', ({ data }) => {
      const p = data as unknown as RunJobProgress;
      if (p !== null && typeof p === 'object' && typeof p.id === 'string') options.onProgress?.(p);
    });
  }

  /**
   * Connects to Redis and opens the queue.
   * @throws {@link ConfigError} for a bad URL or when bullmq / ioredis are not installed.
   */
  static async connect(options: QueueExecutorOptions): Promise<QueueExecutor> {
    checkRedisUrl(options.url);
    const { bullmq, Redis } = await loadQueueModules();
    const redis = new Redis(options.url, { maxRetriesPerRequest: null });
    const queue = new bullmq.Queue(options.queueName, { connection: redis });
    const eventsRedis = redis.duplicate();
    const events = new bullmq.QueueEvents(options.queueName, { connection: eventsRedis });
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    return new QueueExecutor(queue, events, redis, eventsRedis, options);
  }

  /** Enqueues `plan` (once), waits for its job, and brings its folder to `dir`. */
  async run(plan: RunPlan, dir: string): Promise<RunOutcome> {
    if (this.isStopped) return outcomeOf(plan, 'stopped');
    const jobId = jobIdOf(plan);
    const key = bundleKey(this.options.queueName, jobId);
    let job: Job | undefined = await this.queue.getJob(jobId);
    if (job !== undefined) {
      const state = await job.getState();
      if (state === 'failed') await job.retry('failed');
      else if (state === 'completed' && this.options.transfer === 'redis' && (await this.redis.exists(key)) === 0) {
        // Its folder expired from Redis: run it again.
        await job.remove();
        job = undefined;
      }
    }
    if (job === undefined) {
      if (
        this.options.transfer === 'redis' &&
        existsSync(join(dir, 'checkpoint')) &&
        readdirSync(join(dir, 'checkpoint')).length > 0
      )
        await this.redis.set(key, packFolder(dir), 'NX');
      const data: RunJobData = { format: 'llmdpd-compare-job', version: 1, plan, dir, transfer: this.options.transfer };
      await this.queue.add('run', data, {
        jobId,
        attempts: this.options.attempts ?? 3,
        backoff: { type: 'fixed', delay: 1000 },
        removeOnComplete: false,
        removeOnFail: false,
      });
      job = (await this.queue.getJob(jobId))!;
    }
    try {
      const result = await Promise.race([job.waitUntilFinished(this.events) as Promise<RunJobResult>, this.stopped]);
      if (result === 'stopped') return outcomeOf(plan, 'stopped');
      if (this.options.transfer === 'redis') {
        const bundle = await this.redis.getBuffer(key);
        if (bundle === null)
          return outcomeOf(
            plan,
            'failed',
            `The job of ${plan.id} completed, but its run folder is not in Redis (${key}).`,
          );
        unpackFolder(bundle, dir);
      }
      return { ...result.outcome, id: plan.id };
    } catch (error) {
      if (this.isStopped) return outcomeOf(plan, 'stopped');
      return outcomeOf(plan, 'failed', `The queue job ${jobId} failed: ${(error as Error).message}`);
    }
  }

  /** Stops waiting (the jobs stay with the workers; run the command again to collect them). */
  stop(): void {
    this.isStopped = true;
    this.stopRequested();
  }

  /** Closes the queue and the connections. */
  async close(): Promise<void> {
    await this.events.close();
    await this.queue.close();
    // QUIT waits for the server to close the connections, so the process can exit at once.
    await Promise.all([this.eventsRedis.quit().catch(() => undefined), this.redis.quit().catch(() => undefined)]);
  }
}
