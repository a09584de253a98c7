/**
 * `llmdpd train`: trains one algorithm on one dataset for one or more seeds, each into its own
 * run folder (params, metrics, evaluations, checkpoint, status), with an evaluation at the end
 * of every epoch: the env's return (or D4RL normalised score) for single-task data, the mean
 * success rate over the unseen tasks for a suite. Ctrl-C stops cleanly: the status says
 * `stopped` and `--resume` continues from the last checkpoint.
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { Evaluator, KeepBestOptions } from '../agents/agent.js';
import type { ProgressOptions } from '../core/progress.js';
import { formatMetric } from '../core/progress.js';
import { isRunFolder, readRunFolder } from '../core/run/reader.js';
import { referenceScores } from '../datasets/scores.js';
import { initEngine, type BackendRequest } from '../engine/index.js';
import { listEnvs } from '../envs/registry.js';
import { environmentEvaluator } from '../eval/environment-evaluator.js';
import { evaluatePolicy } from '../eval/evaluate.js';
import { algorithmByName, type CliAgent, type CliAlgorithm } from './algorithms.js';
import { loadTrainingData, type EvalTask, type TrainingData } from './data.js';
import { checkOutputFolder, UsageError } from './options.js';

/** Options of {@link runTrain}. */
export interface TrainOptions {
  /** Algorithm name (see `llmdpd train --help`). */
  readonly algorithm: string;
  /** `--data`: a D4RL file, a Minari folder or id, a suite folder or a built-in suite name. */
  readonly data: string;
  /** Total gradient steps of each run. */
  readonly steps: number;
  /** Steps per epoch (evaluation and checkpoint interval). */
  readonly stepsPerEpoch?: number;
  /** Metric rows every this many steps. */
  readonly logEvery?: number;
  /** Seeds, one run each. */
  readonly seeds: readonly number[];
  /** Output folder (a run folder, or a folder of `seed<N>` run folders with several seeds). */
  readonly out?: string;
  /** JSON text or a JSON file of agent config fields. */
  readonly config?: string;
  /** A per-dataset preset of the algorithm (its values first, then `config`'s fields). */
  readonly preset?: string;
  /** Env id to evaluate single-task data on (default: the dataset's env, when registered). */
  readonly evalEnv?: string;
  /** Episodes per evaluation (per task for a suite); 0 turns evaluation off. */
  readonly evalEpisodes: number;
  /** Continue the runs in `out` from their checkpoints. */
  readonly resume: boolean;
  /**
   * Keep the checkpoint of the best epoch in each run folder's `best/` (Diffusion-QL's online
   * model selection). Single-task data ranks epochs by the env evaluation; a suite ranks them by
   * the success rate on its seen tasks (an extra `seenSuccess` evaluation), never on the unseen
   * tasks, so the unseen-task numbers stay a held-out measurement.
   */
  readonly keepBest?: boolean;
  /** Backend request. */
  readonly backend?: BackendRequest;
  /** Progress display. */
  readonly progress: NonNullable<ProgressOptions['mode']>;
  /** Where results go. */
  readonly stdout: { write(text: string): unknown };
  /** Cancels training (Ctrl-C). */
  readonly signal?: AbortSignal;
}

/** What one run ended with. */
export interface TrainRunResult {
  /** The run folder. */
  readonly dir: string;
  /** The seed. */
  readonly seed: number;
  /** The agent's step count at the end. */
  readonly step: number;
  /** The last evaluation (`eval/<name>` → value). */
  readonly evaluation: Readonly<Record<string, number>>;
}

function timestamp(): string {
  return new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '');
}

/** The default output folder: `runs/<algorithm>-<data name>-<time>`. */
export function defaultOutDir(algorithm: string, data: string): string {
  const name = basename(data, extname(data)).replace(/[^A-Za-z0-9._-]+/g, '-');
  return join('runs', `${algorithm}-${name}-${timestamp()}`);
}

/** The run folder of each seed: `out` itself for one seed, `out/seed<N>` for several. */
export function runDirs(out: string, seeds: readonly number[]): string[] {
  return seeds.length === 1 ? [out] : seeds.map((s) => join(out, `seed${s}`));
}

/** Agent config fields from `--config` (JSON text or a .json file). @throws {@link UsageError} */
export function parseConfig(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  const fromFile = !text.trim().startsWith('{');
  let value: unknown;
  try {
    value = JSON.parse(fromFile ? readFileSync(text, 'utf8') : text) as unknown;
  } catch (error) {
    throw new UsageError(
      `--config must be a JSON object or a .json file holding one; ${fromFile ? `reading ${text}` : 'parsing it'} failed: ${(error as Error).message}.`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError('--config must hold a JSON object of agent config fields, e.g. {"batchSize": 128}.');
  for (const key of ['observationDim', 'actionDim', 'seed'])
    if (key in value)
      throw new UsageError(`--config sets ${key}; the CLI takes it from the data (dims) and --seeds (seed).`);
  return value as Record<string, unknown>;
}

/** The evaluation `--keep-best` ranks a suite's epochs by: success on the seen tasks. */
const SEEN_SUCCESS = 'seenSuccess';

/** The evaluators of a run, by name (without the `eval/` prefix). */
function evaluatorsFor(
  loaded: TrainingData,
  options: TrainOptions,
  seed: number,
): Readonly<Record<string, Evaluator<CliAgent>>> {
  if (options.evalEpisodes === 0) return {};
  const episodes = options.evalEpisodes;
  if (loaded.tasks !== null) {
    const unseen = loaded.tasks.filter((t) => t.role === 'unseen');
    const tasks = unseen.length > 0 ? unseen : loaded.tasks;
    const name = unseen.length > 0 ? 'unseenSuccess' : 'success';
    const evaluators: Record<string, Evaluator<CliAgent>> = {
      [name]: (agent) => meanSuccess(agent, tasks, episodes, 1000 + seed),
    };
    if (options.keepBest === true && unseen.length > 0) {
      const seen = loaded.tasks.filter((t) => t.role === 'seen');
      evaluators[SEEN_SUCCESS] = (agent) => meanSuccess(agent, seen, episodes, 2000 + seed);
    }
    return evaluators;
  }
  const envId = options.evalEnv ?? loaded.envId;
  if (envId === undefined) return {};
  const metric = referenceScores(envId) === undefined ? 'return' : 'normalizedScore';
  return {
    [metric]: environmentEvaluator(envId, { episodes, seed: 1000 + seed, vectorized: true, metric }),
  };
}

/**
 * `fit`'s `keepBest` for `--keep-best`: the evaluator to rank by (the seen-task success for a
 * suite, the only evaluation otherwise) and, on resume, the best value logged so far to beat.
 */
function keepBestFor(
  evaluators: Readonly<Record<string, Evaluator<CliAgent>>>,
  dir: string,
  resume: boolean,
): KeepBestOptions | undefined {
  const names = Object.keys(evaluators);
  const evaluator = names.includes(SEEN_SUCCESS) ? SEEN_SUCCESS : names[0];
  if (evaluator === undefined) return undefined;
  if (!resume) return { evaluator };
  const logged = readRunFolder(dir)
    .evaluations.map((row) => row.values[`eval/${evaluator}`])
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return logged.length === 0 ? { evaluator } : { evaluator, toBeat: Math.max(...logged) };
}

async function meanSuccess(agent: CliAgent, tasks: readonly EvalTask[], episodes: number, seed: number) {
  let sum = 0;
  for (const task of tasks) {
    const context = { textPrompt: task.textPrompt, trajectoryPrompt: task.trajectoryPrompt };
    const result = await evaluatePolicy(agent, task.makeEnv, { context, episodes, seed, vectorized: true });
    sum += result.successRate ?? 0;
  }
  return sum / tasks.length;
}

/** Checks everything that can be checked before loading data. @returns the run folders. */
function preflight(options: TrainOptions, algorithm: CliAlgorithm): string[] {
  if (options.preset !== undefined && !algorithm.hasPresets)
    throw new UsageError(
      `--preset: ${algorithm.name} has no per-dataset presets; set its fields with --config instead.`,
    );
  if (options.keepBest === true && options.evalEpisodes === 0)
    throw new UsageError('--keep-best ranks epochs by their evaluation; give --eval-episodes at least 1.');
  if (options.preset !== undefined && options.resume)
    throw new UsageError('--preset builds a new agent; a resumed run keeps the config it was started with.');
  const out = options.out ?? defaultOutDir(algorithm.name, options.data);
  const dirs = runDirs(out, options.seeds);
  if (options.resume) {
    for (const dir of dirs)
      if (!isRunFolder(dir))
        throw new UsageError(
          `--resume: ${dir} is not a run folder; give the --out (and --seeds) of the run to continue.`,
        );
  } else {
    checkOutputFolder('--out', out);
  }
  if (options.evalEnv !== undefined && !options.evalEnv.includes('/') && !listEnvs().includes(options.evalEnv))
    throw new UsageError(
      `--eval-env ${options.evalEnv} is not a registered env; registered: ${listEnvs()
        .filter((id) => !id.includes('/'))
        .join(', ')}.`,
    );
  if (/\.(hdf5|h5)$/i.test(options.data) && !existsSync(options.data))
    throw new UsageError(`--data ${options.data} does not exist; give a D4RL HDF5 file, a Minari dataset or a suite.`);
  return dirs;
}

/**
 * Runs `llmdpd train`.
 * @throws {@link UsageError} on a bad option; the library's errors as they come.
 */
export async function runTrain(options: TrainOptions): Promise<TrainRunResult[]> {
  const algorithm = algorithmByName(options.algorithm);
  const config = parseConfig(options.config);
  const dirs = preflight(options, algorithm);
  const engine = await initEngine(options.backend === undefined ? {} : { backend: options.backend });
  const loaded = await loadTrainingData(options.data, 0);
  if (algorithm.multiTask && loaded.tasks === null)
    throw new UsageError(
      `${algorithm.name} trains on multi-task data with prompts; give --data a suite (${'pointmass-reach'} or a folder from \`llmdpd suite write\`).`,
    );
  options.stdout.write(
    `Training ${algorithm.name} on ${options.data} (${loaded.data.observationDim}-dim observations, ${loaded.data.actionDim}-dim actions) with ${engine.backend}${engine.kernels === 'tfjs' ? '' : ` + llmdpd ${engine.kernels} kernels`}\n`,
  );
  const results: TrainRunResult[] = [];
  for (const [i, seed] of options.seeds.entries()) {
    const dir = dirs[i];
    let agent: CliAgent;
    if (options.resume) {
      const run = readRunFolder(dir);
      if (!run.hasCheckpoint) throw new UsageError(`--resume: ${dir} has no checkpoint yet; start a new run instead.`);
      agent = algorithm.load(run.paths.checkpoint);
    } else {
      agent = algorithm.create(
        { ...config, observationDim: loaded.data.observationDim, actionDim: loaded.data.actionDim, seed },
        options.preset,
      );
    }
    try {
      const remaining = options.steps - agent.step;
      if (remaining <= 0) {
        options.stdout.write(`${dir}: already at step ${agent.step} of ${options.steps}; nothing to do.\n`);
        results.push({ dir, seed, step: agent.step, evaluation: {} });
        continue;
      }
      const evaluators = evaluatorsFor(loaded, options, seed);
      const keepBest = options.keepBest === true ? keepBestFor(evaluators, dir, options.resume) : undefined;
      if (options.keepBest === true && keepBest === undefined)
        throw new UsageError(
          `--keep-best: ${options.data} has no env to evaluate on; give --eval-env, or drop --keep-best.`,
        );
      const report = await agent.fit(loaded.data as never, {
        steps: remaining,
        ...(options.stepsPerEpoch === undefined ? {} : { stepsPerEpoch: options.stepsPerEpoch }),
        ...(options.logEvery === undefined ? {} : { logEvery: options.logEvery }),
        evaluators,
        ...(keepBest === undefined ? {} : { keepBest }),
        logDir: dir,
        dataInfo: options.evalEnv === undefined ? loaded.info : { ...loaded.info, evalEnv: options.evalEnv },
        progress: options.progress,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      const last = report.history.at(-1)?.evaluation ?? {};
      const evaluation = Object.fromEntries(Object.entries(last).map(([k, v]) => [`eval/${k}`, v]));
      results.push({ dir, seed, step: agent.step, evaluation });
      const shown = Object.entries(evaluation)
        .map(([k, v]) => ` ${k}=${formatMetric(v)}`)
        .join('');
      options.stdout.write(`Run folder ${dir}: completed at step ${agent.step}${shown}\n`);
      if (report.best !== null)
        options.stdout.write(
          `  best epoch by ${report.best.evaluator}: ${formatMetric(report.best.value)} at step ${report.best.step} (checkpoint ${report.best.dir})\n`,
        );
    } finally {
      agent.dispose();
    }
  }
  return results;
}
