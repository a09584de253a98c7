/**
 * Worker-thread entry of the comparison runner: executes the runs it is sent, one at a time
 * (a run stays on the thread that started it), and posts progress, checkpoints and outcomes
 * back. Each thread has its own tfjs engine, so N threads train N runs on N cores. Opened data
 * sources are kept for the thread's later runs.
 *
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { DataCache } from './data-sources.js';
import { executeRun, type RunOutcome, type RunProgress } from './execute-run.js';
import type { RunPlan } from './plan.js';

/** Messages the runner sends to a worker thread. */
export type ToRunThread =
  | { readonly type: 'run'; readonly plan: RunPlan; readonly dir: string }
  | { readonly type: 'stop' }
  | { readonly type: 'checkpoint-saved'; readonly step: number };

/** Messages a worker thread posts. */
export type FromRunThread =
  | { readonly type: 'progress'; readonly progress: RunProgress }
  | { readonly type: 'checkpoint'; readonly id: string; readonly step: number }
  | { readonly type: 'done'; readonly outcome: RunOutcome };

if (parentPort !== null) {
  const port = parentPort;
  const cache = new DataCache();
  let controller: AbortController | null = null;
  let checkpointAck: (() => void) | null = null;
  const post = (message: FromRunThread) => port.postMessage(message);
  port.on('message', (message: ToRunThread) => {
    if (message.type === 'stop') controller?.abort(new Error('The comparison was stopped.'));
    else if (message.type === 'checkpoint-saved') {
      checkpointAck?.();
      checkpointAck = null;
    } else {
      controller = new AbortController();
      const { plan, dir } = message;
      void executeRun(plan, dir, {
        signal: controller.signal,
        cache,
        onProgress: (progress) => post({ type: 'progress', progress }),
        // The runner may copy the folder (queue mode): training waits until it says so.
        onCheckpoint: (step) =>
          new Promise<void>((resolve) => {
            checkpointAck = resolve;
            post({ type: 'checkpoint', id: plan.id, step });
          }),
      }).then((outcome) => {
        controller = null;
        post({ type: 'done', outcome });
      });
    }
  });
}
