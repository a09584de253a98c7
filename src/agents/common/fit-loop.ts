/**
 * The training loop shared by every agent's `fit`: sampling into one reused batch, metric
 * reads every `logEvery` steps, epochs with evaluators and a stop-capable callback, progress,
 * cancellation through an `AbortSignal`, and atomic checkpoints. Agents supply only the update.
 *
 * @module
 */
import { ConfigError } from '../../core/errors.js';
import { Progress } from '../../core/progress.js';
import type { Rng } from '../../core/rng.js';
import type { Batch, TransitionSource } from '../../core/types.js';
import type { EpochReport, FitOptions, FitReport, Metrics } from '../agent.js';

/** What the loop needs from an agent. */
export interface FitHost<A> {
  /** The agent, handed to evaluators. */
  readonly agent: A;
  /** Total steps taken so far. */
  readonly step: number;
  /** Stream used to sample batches (saved in checkpoints, so resumed runs sample the same rows). */
  readonly samplerRng: Rng;
  /** A batch of the agent's size and dims, reused for every step. */
  readonly batch: Batch;
  /** Label of the progress display. */
  readonly label: string;
  /** One gradient step. */
  update(batch: Batch, readMetrics: boolean): Metrics | null;
  /** Writes a resumable checkpoint. */
  saveCheckpoint(dir: string): void;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new ConfigError(`fit option ${name} must be an integer >= 1, got ${String(value)}.`);
  return value;
}

/** Yields to the event loop so timers, I/O and abort signals can run between steps. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs `options.steps` gradient steps on `data`.
 * @throws {@link ConfigError} on invalid options; rejects with `signal.reason` when aborted.
 */
export async function runFit<A>(host: FitHost<A>, data: TransitionSource, options: FitOptions<A>): Promise<FitReport> {
  const steps = positiveInteger(options.steps, 'steps');
  const perEpoch = positiveInteger(options.stepsPerEpoch ?? Math.min(1000, steps), 'stepsPerEpoch');
  const logEvery = positiveInteger(options.logEvery ?? 100, 'logEvery');
  const checkpointEvery = options.checkpoint ? positiveInteger(options.checkpoint.every ?? 1, 'checkpoint.every') : 0;
  if (data.observationDim !== host.batch.observationDim || data.actionDim !== host.batch.actionDim) {
    throw new ConfigError(
      `The data has observationDim ${data.observationDim} and actionDim ${data.actionDim}, but the agent was built for ${host.batch.observationDim} and ${host.batch.actionDim}; build the agent with the data's dimensions.`,
    );
  }
  options.signal?.throwIfAborted();
  const progress = new Progress({ total: steps, label: host.label, mode: options.progress ?? 'auto' });
  const started = performance.now();
  const history: EpochReport[] = [];
  let done = 0;
  let stoppedBy: FitReport['stoppedBy'] = 'completed';
  const epochs = Math.ceil(steps / perEpoch);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const epochStart = performance.now();
    const sums: Record<string, number> = {};
    let reads = 0;
    const inEpoch = Math.min(perEpoch, steps - done);
    for (let i = 0; i < inEpoch; i++) {
      options.signal?.throwIfAborted();
      data.sampleInto(host.batch, host.samplerRng);
      const read = (host.step + 1) % logEvery === 0 || i === inEpoch - 1;
      const metrics = host.update(host.batch, read);
      done++;
      if (metrics !== null) {
        reads++;
        for (const [k, v] of Object.entries(metrics)) sums[k] = (sums[k] ?? 0) + v;
        progress.update(done, metrics);
      }
      await yieldToEventLoop();
    }
    const metrics: Metrics = {};
    for (const [k, v] of Object.entries(sums)) metrics[k] = v / Math.max(1, reads);
    const evaluation: Metrics = {};
    for (const [name, evaluate] of Object.entries(options.evaluators ?? {}))
      evaluation[name] = await evaluate(host.agent);
    const report: EpochReport = {
      epoch,
      step: host.step,
      metrics,
      evaluation,
      seconds: (performance.now() - epochStart) / 1000,
    };
    history.push(report);
    if (options.checkpoint && (epoch % checkpointEvery === 0 || epoch === epochs))
      host.saveCheckpoint(options.checkpoint.dir);
    const verdict = await options.onEpoch?.(report);
    if (verdict && typeof verdict === 'object' && verdict.stop) {
      stoppedBy = 'callback';
      if (options.checkpoint && epoch % checkpointEvery !== 0 && epoch !== epochs)
        host.saveCheckpoint(options.checkpoint.dir);
      break;
    }
  }
  progress.done();
  return {
    steps: done,
    totalSteps: host.step,
    epochs: history.length,
    stoppedBy,
    history,
    seconds: (performance.now() - started) / 1000,
  };
}
