/**
 * One run of the demo: build the built-in `pointmass-landmarks` suite, train one method with one
 * seed on its seen tasks, and evaluate it on every seen and unseen task. Runs in the main thread
 * or in a worker thread (see `demo-worker.ts`), so two runs can use two cores.
 *
 * The three methods get the same data and the same prompts (`docs/suites/pointmass-landmarks.md`):
 *
 * | method             | agent                                   | task input                         |
 * | ------------------ | --------------------------------------- | ---------------------------------- |
 * | LLMDPD             | Diffusion-QL + `prompts` conditioner     | text prompt and trajectory prompts |
 * | LLMDPD w/o prompts | Diffusion-QL, conditioner `none`         | nothing (the no-prompt ablation)   |
 * | BC + prompts       | BC (MSE) + `prompts` conditioner         | the same prompts, the same branches |
 *
 * BC + prompts is the information-matched baseline: the same conditioner, the same widths and
 * the same data, without critics or diffusion. Of BC's forms (deterministic or Gaussian, Mish or
 * ReLU), none was better than another on the seen tasks in a short measurement (`docs/benchmarks.md`,
 * "The demo"); the deterministic Mish form is the one with LLMDPD's network and the cheapest step.
 *
 * @module
 */
import { BCAgent, type BCOptions } from '../agents/bc.js';
import { DiffusionQLAgent, type DiffusionQLOptions } from '../agents/diffusion-ql.js';
import { LLMDPDAgent, type LLMDPDPromptOptions } from '../agents/llmdpd.js';
import type { BoundPolicy, TaskContext } from '../agents/agent.js';
import type { MultiTaskDataset } from '../buffers/multi-task-dataset.js';
import { initEngine } from '../engine/index.js';
import { evaluateLandmarkTask } from '../suites/landmarks/benchmark.js';
import type { LandmarkTaskGroup } from '../suites/landmarks/family.js';
import { type LandmarkSuite, makeLandmarkSuite } from '../suites/landmarks/suite.js';

/** The methods the demo compares. */
export type DemoAgentKind = 'LLMDPD' | 'LLMDPD w/o prompts' | 'BC + prompts';

/** The demo's methods, in report order. */
export const DEMO_AGENTS: readonly DemoAgentKind[] = Object.freeze(['LLMDPD', 'LLMDPD w/o prompts', 'BC + prompts']);

/** The built-in suite the demo runs on. */
export const DEMO_SUITE = 'pointmass-landmarks';

/** What one run needs. */
export interface DemoJob {
  /** Which method. */
  readonly agent: DemoAgentKind;
  /** Training seed (agent initialisation, sampling, noise). */
  readonly seed: number;
  /** Gradient steps. */
  readonly steps: number;
  /** Evaluation episodes per task, spread evenly over the task's trajectory prompts. */
  readonly evalEpisodes: number;
  /** Transitions per seen task in the suite's datasets. */
  readonly transitionsPerTask: number;
  /** Seed of the suite's data and prompts (the same for every run). */
  readonly suiteSeed: number;
  /** Trajectory prompts per task (the suite's default when absent). */
  readonly promptsPerTask?: number;
  /** Cut evaluation episodes after this many steps (the suite's 50 when absent; for quick checks). */
  readonly maxEpisodeSteps?: number;
}

/** One task's evaluation. */
export interface TaskScore {
  /** Task name. */
  readonly task: string;
  /** The task's group: seen, unseen combination, or unseen combination with a paraphrased text. */
  readonly group: LandmarkTaskGroup;
  /** Fraction of successful episodes. */
  readonly successRate: number;
  /** Mean episode return. */
  readonly meanReturn: number;
}

/** What one run measured. */
export interface DemoJobResult {
  /** The run. */
  readonly job: DemoJob;
  /** Per-task scores. */
  readonly tasks: readonly TaskScore[];
  /** Training wall time in seconds. */
  readonly trainSeconds: number;
  /** Evaluation wall time in seconds. */
  readonly evalSeconds: number;
  /** Mean training metrics of the last epoch. */
  readonly finalMetrics: Readonly<Record<string, number>>;
}

/**
 * Network sizes of the demo: Diffusion-QL's architecture scaled to the point mass (3×64 Mish
 * instead of 3×256), K = 5, so that nine runs fit in a few minutes on two cores. Learning rates
 * are raised to 1e-3 for the short budget.
 */
export const DEMO_AGENT_CONFIG: Omit<DiffusionQLOptions, 'seed'> = Object.freeze({
  observationDim: 10,
  actionDim: 2,
  batchSize: 64,
  hiddenDims: [64, 64, 64],
  criticHiddenDims: [64, 64, 64],
  actionCandidates: 10,
  emaStartStep: 200,
  actorLearningRate: 1e-3,
  criticLearningRate: 1e-3,
  eta: 1,
  gradientClipNorm: 1,
});

/**
 * The prompt branches' sizes in the demo, shared by LLMDPD and BC + prompts: a small text head on
 * the n-gram embedding and a 1-block trajectory transformer over the prompt's last 20 steps (the
 * library's default length).
 */
export const DEMO_LLMDPD_PROMPT_CONFIG: LLMDPDPromptOptions = Object.freeze({
  textHeadHiddenDims: [64],
  textOutputDim: 16,
  trajectoryOutputDim: 16,
  trajectoryWidth: 32,
  trajectoryLayers: 1,
  trajectoryFeedForwardDim: 64,
  trajectoryPromptLength: 20,
});

/** BC + prompts in the demo: the same widths, batch, learning rate, clip and prompt branches as LLMDPD. */
export const DEMO_BC_CONFIG: Omit<BCOptions, 'seed'> = Object.freeze({
  observationDim: 10,
  actionDim: 2,
  policy: 'deterministic',
  batchSize: 64,
  hiddenDims: [64, 64, 64],
  activation: 'mish',
  learningRate: 1e-3,
  gradientClipNorm: 1,
  conditioner: { kind: 'prompts' as const, ...DEMO_LLMDPD_PROMPT_CONFIG },
});

// One suite per (seed, size) and thread: the three methods of a worker share it.
const suites = new Map<string, Promise<LandmarkSuite>>();

function demoSuite(job: DemoJob): Promise<LandmarkSuite> {
  const key = `${job.suiteSeed}/${job.transitionsPerTask}/${job.promptsPerTask}`;
  let entry = suites.get(key);
  if (entry === undefined) {
    entry = makeLandmarkSuite(DEMO_SUITE, {
      seed: job.suiteSeed,
      transitionsPerTask: job.transitionsPerTask,
      ...(job.promptsPerTask === undefined ? {} : { promptsPerTask: job.promptsPerTask }),
    });
    suites.set(key, entry);
  }
  return entry;
}

interface TrainedMethod {
  readonly policyFor: (context: TaskContext) => Promise<BoundPolicy>;
  readonly finalMetrics: Record<string, number>;
  readonly dispose: () => void;
}

async function train(
  job: DemoJob,
  dataset: MultiTaskDataset,
  onSteps: (steps: number) => void,
): Promise<TrainedMethod> {
  const reportEvery = Math.max(1, Math.floor(job.steps / 20));
  const fitOptions = {
    steps: job.steps,
    stepsPerEpoch: reportEvery,
    logEvery: reportEvery,
    progress: 'off' as const,
    onEpoch: () => onSteps(reportEvery),
  };
  const agent =
    job.agent === 'LLMDPD'
      ? new LLMDPDAgent({ ...DEMO_AGENT_CONFIG, ...DEMO_LLMDPD_PROMPT_CONFIG, seed: job.seed })
      : job.agent === 'LLMDPD w/o prompts'
        ? new DiffusionQLAgent({ ...DEMO_AGENT_CONFIG, conditioner: { kind: 'none' }, seed: job.seed })
        : new BCAgent({ ...DEMO_BC_CONFIG, seed: job.seed });
  const report = await agent.fit(dataset, fitOptions);
  return {
    policyFor: (context) => agent.policy(job.agent === 'LLMDPD w/o prompts' ? {} : context),
    finalMetrics: { ...(report.history.at(-1)?.metrics ?? {}) },
    dispose: () => agent.dispose(),
  };
}

/**
 * Runs one job. `onSteps` receives the number of newly finished gradient steps now and then.
 */
export async function runDemoJob(job: DemoJob, onSteps: (steps: number) => void = () => {}): Promise<DemoJobResult> {
  await initEngine();
  const suite = await demoSuite(job);
  const started = performance.now();
  const method = await train(job, suite.dataset, onSteps);
  const trainSeconds = (performance.now() - started) / 1000;
  const evalStart = performance.now();
  const tasks: TaskScore[] = [];
  for (const task of suite.tasks) {
    const score = await evaluateLandmarkTask(suite, task, method.policyFor, {
      episodes: job.evalEpisodes,
      seed: 1000 + 100 * job.seed,
      ...(job.maxEpisodeSteps === undefined ? {} : { maxEpisodeSteps: job.maxEpisodeSteps }),
    });
    tasks.push({ task: task.name, group: task.group, ...score });
  }
  method.dispose();
  return {
    job,
    tasks,
    trainSeconds,
    evalSeconds: (performance.now() - evalStart) / 1000,
    finalMetrics: method.finalMetrics,
  };
}
