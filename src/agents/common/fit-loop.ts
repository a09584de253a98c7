/**
 * The training loop shared by every agent's `fit`: sampling into one reused batch, metric
 * reads every `logEvery` steps, epochs with evaluators and a stop-capable callback, progress,
 * cancellation through an `AbortSignal`, atomic checkpoints, and the run folder and loggers
 * (`logDir`, `loggers`). Agents supply only the update.
 *
 * Divergence stops training: a metric read that is NaN or infinite is a {@link DivergenceError}
 * naming the step and the metric, raised before anything else sees the row, and a checkpoint
 * whose weights are not finite is refused by the checkpoint writer (checked only when one is
 * due, on the host copy it writes; the same for `keepBest`'s best checkpoint), so the last good
 * checkpoint stays on disk. With a run folder
 * the run is marked `failed` with the reason.
 *
 * @module
 */
import { ConfigError, DivergenceError } from '../../core/errors.js';
import { Progress } from '../../core/progress.js';
import type { Rng } from '../../core/rng.js';
import type { JsonObject, LogRow } from '../../core/run/format.js';
import { formatEpochLine, type EpochSummary, type TrainingLogger } from '../../core/run/loggers.js';
import { RunFolderWriter } from '../../core/run/writer.js';
import type { Batch, TransitionSource } from '../../core/types.js';
import { engineInfo } from '../../engine/index.js';
import type { BestEpoch, EpochReport, FinalEpoch, FitOptions, FitReport, Metrics } from '../agent.js';

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

/** The default `data` entry of params.json: the source's class, size and dimensions. */
function describeData(data: TransitionSource): JsonObject {
  const d = data as TransitionSource & { size?: unknown; numTasks?: unknown };
  return {
    kind: (data as object).constructor?.name ?? 'unknown',
    observationDim: data.observationDim,
    actionDim: data.actionDim,
    ...(typeof d.size === 'number' ? { size: d.size } : {}),
    ...(typeof d.numTasks === 'number' ? { numTasks: d.numTasks } : {}),
  };
}

/** Opens the run folder of `options.logDir`, or returns null without one. */
function openRunFolder<A>(
  host: FitHost<A>,
  data: TransitionSource,
  options: FitOptions<A>,
  fit: JsonObject,
  steps: number,
): RunFolderWriter | null {
  if (options.logDir === undefined) return null;
  if (typeof options.logDir !== 'string' || options.logDir === '')
    throw new ConfigError(`fit option logDir must be a folder path, got ${JSON.stringify(options.logDir)}.`);
  const config = ((host.agent as { config?: unknown }).config ?? {}) as JsonObject;
  const seed = config['seed'];
  const engine = engineInfo();
  return RunFolderWriter.open(options.logDir, {
    agent: (host.agent as object).constructor?.name ?? host.label,
    config,
    seed: typeof seed === 'number' ? seed : null,
    data: options.dataInfo ?? describeData(data),
    fit,
    engine: engine === null ? null : { ...engine },
    startStep: host.step,
    targetSteps: host.step + steps,
  });
}

/**
 * Checks the metrics of one read.
 * @throws {@link DivergenceError} naming the first metric that is NaN or infinite.
 */
function checkMetrics(metrics: Metrics, step: number, lastCheckpoint: () => string): void {
  for (const [name, value] of Object.entries(metrics)) {
    // value - value is 0 for every finite number, NaN for NaN and ±Infinity.
    if (value - value !== 0)
      throw new DivergenceError(
        `Training diverged: metric '${name}' is ${String(value)} at step ${step}. fit stopped; ${lastCheckpoint()} Fix: lower the learning rates, clip gradients (gradientClipNorm), or check the data's scale (rewards, observations), then resume from the last checkpoint.`,
        step,
        name,
      );
  }
}

function messageOf(reason: unknown): string {
  return reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
}

/**
 * Runs `options.steps` gradient steps on `data`.
 * @throws {@link ConfigError} on invalid options; rejects with `signal.reason` when aborted.
 */
export async function runFit<A>(host: FitHost<A>, data: TransitionSource, options: FitOptions<A>): Promise<FitReport> {
  const steps = positiveInteger(options.steps, 'steps');
  const perEpoch = positiveInteger(options.stepsPerEpoch ?? Math.min(1000, steps), 'stepsPerEpoch');
  const logEvery = positiveInteger(options.logEvery ?? 100, 'logEvery');
  const checkpointEvery =
    options.checkpoint || options.logDir !== undefined
      ? positiveInteger(options.checkpoint?.every ?? 1, 'checkpoint.every')
      : 0;
  if (data.observationDim !== host.batch.observationDim || data.actionDim !== host.batch.actionDim) {
    throw new ConfigError(
      `The data has observationDim ${data.observationDim} and actionDim ${data.actionDim}, but the agent was built for ${host.batch.observationDim} and ${host.batch.actionDim}; build the agent with the data's dimensions.`,
    );
  }
  options.signal?.throwIfAborted();
  const evaluators = Object.entries(options.evaluators ?? {});
  const run = openRunFolder(
    host,
    data,
    options,
    { steps, stepsPerEpoch: perEpoch, logEvery, checkpointEvery, evaluators: evaluators.map(([name]) => name) },
    steps,
  );
  const checkpointDir = options.checkpoint?.dir ?? run?.paths.checkpoint;
  const loggers: TrainingLogger[] = [...(run === null ? [] : [run]), ...(options.loggers ?? [])];
  const epochOffset = run?.epochOffset ?? 0;
  const secondsOffset = run?.secondsOffset ?? 0;
  const progress = new Progress({ total: steps, label: host.label, mode: options.progress ?? 'auto' });
  const started = performance.now();
  const seconds = () => secondsOffset + (performance.now() - started) / 1000;
  const history: EpochReport[] = [];
  let done = 0;
  let stoppedBy: FitReport['stoppedBy'] = 'completed';
  const epochs = Math.ceil(steps / perEpoch);
  let lastEvaluation: Metrics = {};
  let lastCheckpointStep: number | null = null;
  const lastCheckpoint = () =>
    checkpointDir === undefined
      ? 'no checkpoint was being written.'
      : lastCheckpointStep === null
        ? `no checkpoint was written by this fit call (${checkpointDir} keeps what it held).`
        : `the last good checkpoint (step ${lastCheckpointStep}) stays in ${checkpointDir}.`;
  /** Saves into `dir`; the writer's refusal of non-finite weights becomes the run's divergence. */
  const save = (dir: string) => {
    try {
      host.saveCheckpoint(dir);
    } catch (error) {
      if (!(error instanceof DivergenceError)) throw error;
      const what = dir === checkpointDir ? 'no checkpoint was written' : `no best checkpoint was written to ${dir}`;
      throw new DivergenceError(
        `Training diverged: the weights are not finite at step ${host.step}, so ${what}; ${lastCheckpoint()} ${error.message}`,
        host.step,
        error.metric,
      );
    }
  };
  const checkpoint = () => {
    if (checkpointDir === undefined) return;
    save(checkpointDir);
    lastCheckpointStep = host.step;
    run?.checkpointed(host.step);
  };
  const keepBest = bestKeeper(options, evaluators, run?.paths.best);
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const epochStart = performance.now();
      // Per-key sums and counts: an agent may log a key only on some steps (TD3+BC's delayed actor).
      const sums: Record<string, number> = {};
      const reads: Record<string, number> = {};
      const inEpoch = Math.min(perEpoch, steps - done);
      for (let i = 0; i < inEpoch; i++) {
        options.signal?.throwIfAborted();
        data.sampleInto(host.batch, host.samplerRng);
        const read = (host.step + 1) % logEvery === 0 || i === inEpoch - 1;
        const metrics = host.update(host.batch, read);
        done++;
        if (metrics !== null) {
          checkMetrics(metrics, host.step, lastCheckpoint);
          for (const [k, v] of Object.entries(metrics)) {
            sums[k] = (sums[k] ?? 0) + v;
            reads[k] = (reads[k] ?? 0) + 1;
          }
          const row: LogRow = { step: host.step, epoch: epochOffset + epoch, seconds: seconds(), values: metrics };
          for (const logger of loggers) logger.metrics(row);
          if (progress.drawsBar) progress.update(done, { ...lastEvaluation, ...metrics });
        }
        await yieldToEventLoop();
      }
      const metrics: Metrics = {};
      for (const [k, v] of Object.entries(sums)) metrics[k] = v / reads[k];
      const evaluation: Metrics = {};
      for (const [name, evaluate] of evaluators) evaluation[name] = await evaluate(host.agent);
      const shownEvaluation: Metrics = {};
      for (const [name, v] of Object.entries(evaluation)) shownEvaluation[`eval/${name}`] = v;
      if (evaluators.length > 0) {
        lastEvaluation = shownEvaluation;
        // The bar redrawn under the epoch line shows the new evaluation.
        if (progress.drawsBar) progress.update(done, { ...lastEvaluation, ...metrics });
        const row: LogRow = {
          step: host.step,
          epoch: epochOffset + epoch,
          seconds: seconds(),
          values: shownEvaluation,
        };
        for (const logger of loggers) logger.evaluation(row);
      }
      const report: EpochReport = {
        epoch,
        step: host.step,
        metrics,
        evaluation,
        seconds: (performance.now() - epochStart) / 1000,
      };
      history.push(report);
      keepBest?.consider(report, save);
      if (epoch % checkpointEvery === 0 || epoch === epochs) checkpoint();
      const summary: EpochSummary = {
        label: host.label,
        epoch: epochOffset + epoch,
        epochs: epochOffset + epochs,
        step: host.step,
        targetSteps: host.step + steps - done,
        seconds: progress.elapsedSeconds,
        etaSeconds: progress.etaSeconds(done),
        values: { ...shownEvaluation, ...metrics },
      };
      for (const logger of loggers) logger.epoch?.(summary);
      progress.log(formatEpochLine(summary));
      const verdict = await options.onEpoch?.(report);
      if (verdict && typeof verdict === 'object' && verdict.stop) {
        stoppedBy = 'callback';
        if (epoch % checkpointEvery !== 0 && epoch !== epochs) checkpoint();
        break;
      }
    }
  } catch (error) {
    progress.done();
    const aborted = options.signal?.aborted === true && error === options.signal.reason;
    run?.finish(aborted ? 'stopped' : 'failed', host.step, `${aborted ? 'aborted: ' : ''}${messageOf(error)}`);
    for (const logger of loggers) logger.close?.();
    throw error;
  }
  progress.done();
  run?.finish(
    stoppedBy === 'completed' ? 'completed' : 'stopped',
    host.step,
    ...(stoppedBy === 'callback' ? ['stopped by the onEpoch callback'] : []),
  );
  for (const logger of loggers) logger.close?.();
  return {
    steps: done,
    totalSteps: host.step,
    epochs: history.length,
    stoppedBy,
    history,
    final: history.length === 0 ? null : finalOf(history[history.length - 1]),
    best: keepBest?.best ?? null,
    seconds: (performance.now() - started) / 1000,
  };
}

function finalOf(report: EpochReport): FinalEpoch {
  return { epoch: report.epoch, step: report.step, evaluation: report.evaluation };
}

/** Keeps the best epoch's checkpoint by one evaluator (`FitOptions.keepBest`). */
interface BestKeeper {
  /** The best epoch so far. */
  readonly best: BestEpoch | null;
  /** Saves the agent through `save` when `report` beats the best so far. */
  consider(report: EpochReport, save: (dir: string) => void): void;
}

/**
 * Validates `keepBest` and returns its keeper, or null without one.
 * @throws {@link ConfigError} for an unknown evaluator, a bad mode, or no folder.
 */
function bestKeeper<A>(
  options: FitOptions<A>,
  evaluators: readonly (readonly [string, unknown])[],
  runBestDir: string | undefined,
): BestKeeper | null {
  const spec = options.keepBest;
  if (spec === undefined) return null;
  const names = evaluators.map(([name]) => name);
  if (!names.includes(spec.evaluator))
    throw new ConfigError(
      `fit option keepBest.evaluator is ${JSON.stringify(spec.evaluator)}, which is not among the evaluators (${names.length > 0 ? names.join(', ') : 'none given'}); name one of options.evaluators.`,
    );
  const mode = spec.mode ?? 'max';
  if (mode !== 'max' && mode !== 'min')
    throw new ConfigError(`fit option keepBest.mode must be 'max' or 'min', got ${JSON.stringify(mode)}.`);
  const dir = spec.dir ?? runBestDir;
  if (dir === undefined || dir === '')
    throw new ConfigError(
      'fit option keepBest needs a folder: keepBest.dir, or a run folder (logDir) whose best/ it uses.',
    );
  let best: BestEpoch | null = null;
  const beats = (value: number, than: number | undefined) =>
    than === undefined || (mode === 'max' ? value > than : value < than);
  return {
    get best() {
      return best;
    },
    consider(report, save) {
      const value = report.evaluation[spec.evaluator];
      if (value === undefined || !Number.isFinite(value) || !beats(value, best?.value ?? spec.toBeat)) return;
      save(dir);
      best = {
        evaluator: spec.evaluator,
        value,
        epoch: report.epoch,
        step: report.step,
        evaluation: report.evaluation,
        dir,
      };
    },
  };
}
