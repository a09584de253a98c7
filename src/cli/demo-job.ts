/**
 * One run of the demo: build the built-in suite, train one agent (LLMDPD or Diffusion-QL) with
 * one seed on the seen tasks, and evaluate it on every seen and unseen task. Runs in the main
 * thread or in a worker thread (see `demo-worker.ts`), so two runs can use two cores.
 *
 * @module
 */
import { DiffusionQLAgent, type DiffusionQLOptions } from '../agents/diffusion-ql.js';
import { LLMDPDAgent, type LLMDPDOptions } from '../agents/llmdpd.js';
import type { BoundPolicy } from '../agents/agent.js';
import { initEngine } from '../engine/index.js';
import { evaluatePolicy } from '../eval/index.js';
import { makeSuite } from '../suites/index.js';

/** The agents the demo compares. */
export type DemoAgentKind = 'LLMDPD' | 'Diffusion-QL';

/** What one run needs. */
export interface DemoJob {
  /** Which agent. */
  readonly agent: DemoAgentKind;
  /** Training seed (agent initialisation, sampling, noise). */
  readonly seed: number;
  /** Gradient steps. */
  readonly steps: number;
  /** Evaluation episodes per task. */
  readonly evalEpisodes: number;
  /** Transitions per seen task in the suite's datasets. */
  readonly transitionsPerTask: number;
  /** Seed of the suite's data and prompts (the same for every run). */
  readonly suiteSeed: number;
}

/** One task's evaluation. */
export interface TaskScore {
  /** Task name. */
  readonly task: string;
  /** Seen or unseen. */
  readonly role: 'seen' | 'unseen';
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
 * Network sizes of the demo: Diffusion-QL's architecture scaled to the 4-dim point mass
 * (3×64 Mish instead of 3×256), K = 5, and a 1-block trajectory transformer, so that six runs
 * fit in a few minutes on two cores. Learning rates are raised to 1e-3 for the short budget.
 */
export const DEMO_AGENT_CONFIG: Omit<DiffusionQLOptions, 'seed'> = Object.freeze({
  observationDim: 4,
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

/** LLMDPD's prompt-branch sizes in the demo. */
export const DEMO_LLMDPD_PROMPT_CONFIG: Partial<LLMDPDOptions> = Object.freeze({
  textHeadHiddenDims: [64],
  textOutputDim: 16,
  trajectoryOutputDim: 16,
  trajectoryWidth: 32,
  trajectoryLayers: 1,
  trajectoryFeedForwardDim: 64,
  trajectoryPromptLength: 10,
});

/**
 * Runs one job. `onSteps` receives the number of newly finished gradient steps now and then.
 */
export async function runDemoJob(job: DemoJob, onSteps: (steps: number) => void = () => {}): Promise<DemoJobResult> {
  await initEngine();
  const suite = await makeSuite('pointmass-reach', { seed: job.suiteSeed, transitionsPerTask: job.transitionsPerTask });
  const reportEvery = Math.max(1, Math.floor(job.steps / 20));
  const fitOptions = {
    steps: job.steps,
    stepsPerEpoch: reportEvery,
    logEvery: reportEvery,
    progress: 'off' as const,
    onEpoch: () => onSteps(reportEvery),
  };
  const started = performance.now();
  let policyFor: (task: (typeof suite.tasks)[number]) => Promise<BoundPolicy>;
  let finalMetrics: Record<string, number>;
  let dispose: () => void;
  if (job.agent === 'LLMDPD') {
    const agent = new LLMDPDAgent({ ...DEMO_AGENT_CONFIG, ...DEMO_LLMDPD_PROMPT_CONFIG, seed: job.seed });
    const report = await agent.fit(suite.dataset, fitOptions);
    finalMetrics = { ...(report.history.at(-1)?.metrics ?? {}) };
    policyFor = (task) => agent.policy({ textPrompt: task.textPrompt, trajectoryPrompt: task.trajectoryPrompt });
    dispose = () => agent.dispose();
  } else {
    const agent = new DiffusionQLAgent({ ...DEMO_AGENT_CONFIG, seed: job.seed });
    const report = await agent.fit(suite.dataset, fitOptions);
    finalMetrics = { ...(report.history.at(-1)?.metrics ?? {}) };
    policyFor = () => agent.policy();
    dispose = () => agent.dispose();
  }
  const trainSeconds = (performance.now() - started) / 1000;
  const evalStart = performance.now();
  const tasks: TaskScore[] = [];
  for (const task of suite.tasks) {
    const policy = await policyFor(task);
    const result = await evaluatePolicy(
      { batched: (obs: Float32Array) => policy.actBatch(obs) },
      () => task.makeEnv(),
      {
        episodes: job.evalEpisodes,
        seed: 1000 + job.seed,
        vectorized: true,
        numEnvs: job.evalEpisodes,
      },
    );
    tasks.push({
      task: task.name,
      role: task.role,
      successRate: result.successRate ?? 0,
      meanReturn: result.meanReturn,
    });
  }
  dispose();
  return { job, tasks, trainSeconds, evalSeconds: (performance.now() - evalStart) / 1000, finalMetrics };
}
