/**
 * A pool of worker threads that execute comparison runs, one run per thread at a time (a run
 * stays pinned to the thread that started it), with progress and checkpoint callbacks and a
 * clean stop. With `threads: 0` runs execute one by one in the calling thread instead.
 *
 * @module
 */
import { Worker } from 'node:worker_threads';
import { ConfigError } from '../core/errors.js';
import { DataCache } from './data-sources.js';
import { executeRun, type RunOutcome, type RunProgress } from './execute-run.js';
import type { RunPlan } from './plan.js';
import type { FromRunThread, ToRunThread } from './worker-thread.js';
import { engineWorkerEnv } from '../engine/worker-kernels.js';

/** Options of {@link RunPool}. */
export interface RunPoolOptions {
  /** Worker threads; 0 runs everything in the calling thread. */
  readonly threads: number;
  /**
   * Node flags for the worker threads, e.g. `['--import', loader]` to run from TypeScript
   * sources (needed when this module itself is a `.ts` file). When absent the threads inherit
   * the process's options, V8 flags such as `--single-threaded-gc` or `--max-old-space-size`
   * included (Node refuses those in an explicit `execArgv`).
   * @defaultValue the process's own options
   */
  readonly execArgv?: readonly string[];
  /** Progress of any run. */
  readonly onProgress?: (progress: RunProgress) => void;
  /** Called after a run's checkpoint is on disk; the run continues when it resolves. */
  readonly onCheckpoint?: (plan: RunPlan, dir: string, step: number) => void | Promise<void>;
}

interface Task {
  readonly plan: RunPlan;
  readonly dir: string;
  readonly resolve: (outcome: RunOutcome) => void;
}

interface Slot {
  readonly worker: Worker;
  task: Task | null;
}

function stoppedBeforeStart(plan: RunPlan): RunOutcome {
  return {
    id: plan.id,
    state: 'stopped',
    step: 0,
    resumedFrom: null,
    seconds: { total: 0, training: 0, evaluation: 0 },
    threadId: -1,
  };
}

/** Executes runs on worker threads. */
export class RunPool {
  private readonly queue: Task[] = [];
  private readonly slots: Slot[] = [];
  private readonly inline: DataCache | null;
  private inlineBusy = false;
  private inlineController: AbortController | null = null;
  private inlineRunning: string | null = null;
  private stopped = false;
  private readonly workerUrl: URL;
  private readonly execArgv: readonly string[] | undefined;

  /** @throws {@link ConfigError} for a bad thread count, or `.ts` sources without `execArgv`. */
  constructor(private readonly options: RunPoolOptions) {
    if (!Number.isInteger(options.threads) || options.threads < 0)
      throw new ConfigError(`threads must be an integer >= 0, got ${String(options.threads)}.`);
    const fromSources = import.meta.url.endsWith('.ts');
    this.workerUrl = new URL(fromSources ? './worker-thread.ts' : './worker-thread.js', import.meta.url);
    this.execArgv = options.execArgv === undefined ? undefined : [...options.execArgv];
    const loads = (flag: string) => /^--(import|loader|experimental-loader|experimental-strip-types)/.test(flag);
    if (fromSources && options.threads > 0 && !(this.execArgv ?? process.execArgv).some(loads))
      throw new ConfigError(
        'The comparison runner is running from TypeScript sources, so its worker threads need a TypeScript loader: pass execArgv (e.g. ["--import", "./test/support/ts-register.mjs"]), use the compiled build, or pass threads: 0.',
      );
    this.inline = options.threads === 0 ? new DataCache() : null;
  }

  /** Executes `plan` in `dir` when a thread is free; resolves with its outcome (never rejects). */
  run(plan: RunPlan, dir: string): Promise<RunOutcome> {
    if (this.stopped) return Promise.resolve(stoppedBeforeStart(plan));
    return new Promise((resolve) => {
      this.queue.push({ plan, dir, resolve });
      this.dispatch();
    });
  }

  /** Stops: queued runs resolve as stopped without starting; running ones stop at their next step. */
  stop(): void {
    this.stopped = true;
    for (const task of this.queue.splice(0)) task.resolve(stoppedBeforeStart(task.plan));
    for (const slot of this.slots)
      if (slot.task !== null) slot.worker.postMessage({ type: 'stop' } satisfies ToRunThread);
    this.inlineController?.abort(new Error('The comparison was stopped.'));
  }

  /** Stops one run: dropped if queued, stopped at its next step if running. */
  stopRun(id: string): void {
    const queued = this.queue.findIndex((t) => t.plan.id === id);
    if (queued >= 0) {
      const [task] = this.queue.splice(queued, 1);
      task.resolve(stoppedBeforeStart(task.plan));
    }
    for (const slot of this.slots)
      if (slot.task?.plan.id === id) slot.worker.postMessage({ type: 'stop' } satisfies ToRunThread);
    if (this.inlineController !== null && this.inlineRunning === id)
      this.inlineController.abort(new Error('The run was stopped.'));
  }

  /** Ends the worker threads (after the runs in flight). */
  async close(): Promise<void> {
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    if (this.inline !== null) {
      void this.dispatchInline();
      return;
    }
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.task === null);
      if (slot === undefined && this.slots.length < this.options.threads) slot = this.spawn();
      if (slot === undefined) return;
      const task = this.queue.shift()!;
      slot.task = task;
      slot.worker.postMessage({ type: 'run', plan: task.plan, dir: task.dir } satisfies ToRunThread);
    }
  }

  private async dispatchInline(): Promise<void> {
    if (this.inlineBusy) return;
    this.inlineBusy = true;
    try {
      for (let task = this.queue.shift(); task !== undefined; task = this.queue.shift()) {
        const current = task;
        this.inlineController = new AbortController();
        this.inlineRunning = current.plan.id;
        const outcome = await executeRun(current.plan, current.dir, {
          signal: this.inlineController.signal,
          cache: this.inline!,
          ...(this.options.onProgress !== undefined ? { onProgress: this.options.onProgress } : {}),
          onCheckpoint: (step) => this.options.onCheckpoint?.(current.plan, current.dir, step),
        });
        this.inlineController = null;
        this.inlineRunning = null;
        current.resolve(outcome);
      }
    } finally {
      this.inlineBusy = false;
    }
  }

  private spawn(): Slot {
    const worker = new Worker(this.workerUrl, {
      ...(this.execArgv !== undefined ? { execArgv: [...this.execArgv] } : {}),
      env: engineWorkerEnv(this.options.threads),
    });
    const slot: Slot = { worker, task: null };
    this.slots.push(slot);
    worker.on('message', (message: FromRunThread) => {
      if (message.type === 'progress') this.options.onProgress?.(message.progress);
      else if (message.type === 'checkpoint') {
        const task = slot.task;
        void Promise.resolve(task !== null ? this.options.onCheckpoint?.(task.plan, task.dir, message.step) : undefined)
          .catch(() => undefined)
          .then(() => worker.postMessage({ type: 'checkpoint-saved', step: message.step } satisfies ToRunThread));
      } else {
        const task = slot.task;
        slot.task = null;
        task?.resolve(message.outcome);
        this.dispatch();
      }
    });
    const crashed = (why: string) => {
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      const task = slot.task;
      slot.task = null;
      task?.resolve({
        id: task.plan.id,
        state: 'failed',
        step: 0,
        resumedFrom: null,
        seconds: { total: 0, training: 0, evaluation: 0 },
        threadId: slot.worker.threadId,
        error: `The worker thread running it ended: ${why}`,
      });
      this.dispatch();
    };
    worker.on('error', (error) => crashed(error.stack ?? error.message));
    worker.on('exit', (code) => {
      if (this.slots.includes(slot)) crashed(`exit code ${code}`);
    });
    return slot;
  }
}
