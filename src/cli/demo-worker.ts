/**
 * Worker-thread entry of the demo: runs the {@link DemoJob}s it is sent, one at a time, and
 * posts step counts and results back. Each worker has its own tfjs engine, so two workers use
 * two cores.
 *
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { type DemoJob, runDemoJob } from './demo-job.js';

/** Messages a demo worker posts. */
export type DemoWorkerMessage =
  | { readonly type: 'steps'; readonly steps: number }
  | { readonly type: 'result'; readonly result: Awaited<ReturnType<typeof runDemoJob>> }
  | { readonly type: 'error'; readonly message: string };

if (parentPort !== null) {
  const port = parentPort;
  port.on('message', (job: DemoJob) => {
    runDemoJob(job, (steps) => port.postMessage({ type: 'steps', steps } satisfies DemoWorkerMessage))
      .then((result) => port.postMessage({ type: 'result', result } satisfies DemoWorkerMessage))
      .catch((error: unknown) =>
        port.postMessage({
          type: 'error',
          message: error instanceof Error ? (error.stack ?? error.message) : String(error),
        } satisfies DemoWorkerMessage),
      );
  });
}
