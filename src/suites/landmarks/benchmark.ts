/**
 * What the generalisation benchmark and the demo need on top of a landmark suite: the oracle
 * task features of the upper-bound baseline, the test-time prompt perturbations that show which
 * prompt channel a policy reads, and an evaluation that spreads each task's episodes over its
 * trajectory prompts. Design and reading of the results: `docs/suites/pointmass-landmarks.md`,
 * "The generalisation benchmark".
 *
 * @module
 */
import { ConfigError } from '../../core/errors.js';
import type { Trajectory } from '../../core/types.js';
import { evaluatePolicy } from '../../eval/index.js';
import type { LandmarkSuiteSpec, LandmarkTask } from './family.js';
import type { LandmarkSuite, LandmarkSuiteTask } from './suite.js';

/**
 * The oracle features of every task of a spec, by task name: the rule as a one-hot over the
 * spec's rule names (in order of first appearance), then the actuation map's matrix, row-major.
 * Everything that defines a task, given as numbers: what a prompt-conditioned agent would have
 * to read from its prompts, and no more (the markers are in the observation).
 */
export function landmarkOracleFeatures(spec: LandmarkSuiteSpec): Record<string, number[]> {
  const rules = [...new Set(spec.tasks.map((t) => t.ruleName))];
  return Object.fromEntries(
    spec.tasks.map((t) => [
      t.name,
      [...rules.map((r) => (r === t.ruleName ? 1 : 0)), ...t.map.matrix[0], ...t.map.matrix[1]],
    ]),
  );
}

/**
 * Test-time prompt perturbations:
 * - `clean`: the task's own text and trajectory prompts;
 * - `other-trajectory`: the task's text with the trajectory prompts of the same rule under a
 *   different actuation map (only what the trajectory shows changes);
 * - `other-text`: the task's trajectory prompts with the text of a different rule, in the same
 *   wording (only what the text says changes);
 * - `truncated-trajectory`: the task's text and its trajectory prompts cut to their first steps.
 */
export const LANDMARK_PERTURBATIONS = Object.freeze([
  'clean',
  'other-trajectory',
  'other-text',
  'truncated-trajectory',
] as const);

/** One of {@link LANDMARK_PERTURBATIONS}. */
export type LandmarkPerturbation = (typeof LANDMARK_PERTURBATIONS)[number];

/** Steps a `truncated-trajectory` prompt keeps by default (a tenth of an episode). */
export const DEFAULT_TRUNCATED_STEPS = 5;

/** The prompts an agent is given under a perturbation, and where they came from. */
export interface PerturbedPrompt {
  /** The text prompt. */
  readonly textPrompt: string;
  /** The trajectory prompt. */
  readonly trajectoryPrompt: Trajectory;
  /** The task whose text was used. */
  readonly textFrom: string;
  /** The task whose trajectory prompt was used, and its index. */
  readonly trajectoryFrom: string;
}

function truncate(trajectory: Trajectory, steps: number): Trajectory {
  const n = Math.min(steps, trajectory.length);
  return Object.freeze({
    length: n,
    observationDim: trajectory.observationDim,
    actionDim: trajectory.actionDim,
    observations: trajectory.observations.slice(0, n * trajectory.observationDim),
    actions: trajectory.actions.slice(0, n * trajectory.actionDim),
    rewards: trajectory.rewards.slice(0, n),
  });
}

const wording = (t: LandmarkTask) => (t.group === 'unseen-paraphrase' ? 'paraphrase' : 'canonical');

/**
 * The prompts of `task`'s prompt number `prompt` under `perturbation`. The replacement is chosen
 * deterministically and cycles with `prompt` over the candidates, so a task's episodes meet
 * several of them.
 * @throws {@link ConfigError} when the suite has no task to take a replacement from, or on a bad
 *   prompt index or step count.
 */
export function perturbedLandmarkPrompt(
  suite: LandmarkSuite,
  task: LandmarkSuiteTask,
  perturbation: LandmarkPerturbation,
  prompt: number,
  options: { readonly truncatedSteps?: number } = {},
): PerturbedPrompt {
  if (!Number.isInteger(prompt) || prompt < 0 || prompt >= task.trajectoryPrompts.length)
    throw new ConfigError(
      `perturbedLandmarkPrompt: prompt must be an index below ${task.trajectoryPrompts.length} (the task's prompts), got ${prompt}.`,
    );
  const own = `${task.name}#${prompt}`;
  switch (perturbation) {
    case 'clean':
      return {
        textPrompt: task.text,
        trajectoryPrompt: task.trajectoryPrompts[prompt],
        textFrom: task.name,
        trajectoryFrom: own,
      };
    case 'other-trajectory': {
      // Same rule, another map; one task per map (the paraphrased copies share their prompts).
      const byMap = new Map<string, LandmarkSuiteTask>();
      for (const t of suite.tasks)
        if (t.ruleName === task.ruleName && t.map.name !== task.map.name && !byMap.has(t.map.name))
          byMap.set(t.map.name, t);
      const others = [...byMap.values()];
      if (others.length === 0)
        throw new ConfigError(
          `perturbedLandmarkPrompt: no task of suite ${suite.name} has rule ${task.ruleName} with another map than ${task.map.name}; other-trajectory needs one.`,
        );
      const from = others[prompt % others.length];
      const index = prompt % from.trajectoryPrompts.length;
      return {
        textPrompt: task.text,
        trajectoryPrompt: from.trajectoryPrompts[index],
        textFrom: task.name,
        trajectoryFrom: `${from.name}#${index}`,
      };
    }
    case 'other-text': {
      // Another rule, the same wording; one task per rule.
      const byRule = new Map<string, LandmarkSuiteTask>();
      for (const t of suite.tasks)
        if (t.ruleName !== task.ruleName && wording(t) === wording(task) && !byRule.has(t.ruleName))
          byRule.set(t.ruleName, t);
      const others = [...byRule.values()];
      if (others.length === 0)
        throw new ConfigError(
          `perturbedLandmarkPrompt: suite ${suite.name} has no other rule than ${task.ruleName} in the same wording; other-text needs one.`,
        );
      const from = others[prompt % others.length];
      return {
        textPrompt: from.text,
        trajectoryPrompt: task.trajectoryPrompts[prompt],
        textFrom: from.name,
        trajectoryFrom: own,
      };
    }
    case 'truncated-trajectory': {
      const steps = options.truncatedSteps ?? DEFAULT_TRUNCATED_STEPS;
      if (!Number.isInteger(steps) || steps < 1)
        throw new ConfigError(`perturbedLandmarkPrompt: truncatedSteps must be a positive integer, got ${steps}.`);
      return {
        textPrompt: task.text,
        trajectoryPrompt: truncate(task.trajectoryPrompts[prompt], steps),
        textFrom: task.name,
        trajectoryFrom: `${own}[0:${steps}]`,
      };
    }
    default:
      throw new ConfigError(
        `perturbedLandmarkPrompt: unknown perturbation ${JSON.stringify(perturbation)}; use one of ${LANDMARK_PERTURBATIONS.join(', ')}.`,
      );
  }
}

/** What a policy is given for one prompt: the prompts and the task's name. */
export interface LandmarkPolicyContext {
  /** The text prompt. */
  readonly textPrompt: string;
  /** The trajectory prompt. */
  readonly trajectoryPrompt: Trajectory;
  /** The task's name (for task-id or feature conditioners). */
  readonly task: string;
}

/** A policy that acts on N observations at once. */
export interface BatchedLandmarkPolicy {
  /** Actions for `N * observationDim` observations, row-major. */
  actBatch(observations: Float32Array): Float32Array;
}

/** Options of {@link evaluateLandmarkTask}. */
export interface LandmarkEvaluationOptions {
  /** Episodes, spread evenly over the task's prompts (prompt p runs episodes p, p + P, ...). */
  readonly episodes: number;
  /** Base reset seed: prompt p's episodes use `seed + p`. */
  readonly seed: number;
  /** The prompts' perturbation. @defaultValue `'clean'` */
  readonly perturbation?: LandmarkPerturbation;
  /** Steps a truncated prompt keeps. @defaultValue {@link DEFAULT_TRUNCATED_STEPS} */
  readonly truncatedSteps?: number;
  /** Cut episodes after this many steps. @defaultValue the task's */
  readonly maxEpisodeSteps?: number;
}

/** Success rate and mean return of one task's episodes. */
export interface LandmarkTaskEvaluation {
  /** Fraction of successful episodes. */
  readonly successRate: number;
  /** Mean episode return. */
  readonly meanReturn: number;
}

/**
 * Evaluates one task, its episodes spread over its trajectory prompts (each one perturbed as
 * asked), all of a prompt's episodes run at once.
 * @throws {@link ConfigError} on a bad episode count; the perturbation's errors.
 */
export async function evaluateLandmarkTask(
  suite: LandmarkSuite,
  task: LandmarkSuiteTask,
  policyFor: (context: LandmarkPolicyContext) => Promise<BatchedLandmarkPolicy> | BatchedLandmarkPolicy,
  options: LandmarkEvaluationOptions,
): Promise<LandmarkTaskEvaluation> {
  if (!Number.isInteger(options.episodes) || options.episodes < 1)
    throw new ConfigError(`evaluateLandmarkTask: episodes must be a positive integer, got ${options.episodes}.`);
  const prompts = task.trajectoryPrompts.length;
  let successes = 0;
  let returns = 0;
  for (let p = 0; p < prompts; p++) {
    const episodes = Math.floor(options.episodes / prompts) + (p < options.episodes % prompts ? 1 : 0);
    if (episodes === 0) continue;
    const prompt = perturbedLandmarkPrompt(suite, task, options.perturbation ?? 'clean', p, options);
    const policy = await policyFor({
      textPrompt: prompt.textPrompt,
      trajectoryPrompt: prompt.trajectoryPrompt,
      task: task.name,
    });
    const result = await evaluatePolicy(
      { batched: (obs: Float32Array) => policy.actBatch(obs) },
      () => task.makeEnv(),
      {
        episodes,
        seed: options.seed + p,
        vectorized: true,
        numEnvs: episodes,
        ...(options.maxEpisodeSteps === undefined ? {} : { maxEpisodeSteps: options.maxEpisodeSteps }),
      },
    );
    successes += (result.successRate ?? 0) * episodes;
    returns += result.meanReturn * episodes;
  }
  return { successRate: successes / options.episodes, meanReturn: returns / options.episodes };
}
