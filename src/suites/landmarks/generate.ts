/**
 * Offline data and trajectory prompts of the landmark family.
 *
 * **Data** ({@link generateLandmarkDataset}): whole episodes of the `random`, `medium` and
 * `expert` behaviours in the reach family's medium-replay-like mix and order, every episode with
 * fresh markers; the buffer stores the 10-number observations, so the markers of every step are
 * in the data.
 *
 * **Prompts** ({@link generateLandmarkPrompts}): `count` episodes of the `probe` behaviour under
 * the task's actuation map, each reset with its own seed from the task's prompt stream (never a
 * seed of the task's data). They show how the controls act; their markers and end states are
 * unrelated to any evaluation episode.
 *
 * **Seeds** follow the reach family's scheme (`taskStreams(seed, key)`), keyed by
 * `<rule>/<map>`: the seen-wording and paraphrased copies of an unseen task share their prompts.
 *
 * @module
 */
import { ReplayBuffer } from '../../buffers/replay-buffer.js';
import { ConfigError } from '../../core/errors.js';
import type { Trajectory } from '../../core/types.js';
import {
  behaviourSchedule,
  checkBehaviourMix,
  DEFAULT_BEHAVIOUR_MIX,
  type BehaviourMix,
  type TaskDataset,
  taskStreams,
} from '../generate.js';
import type { BehaviourKind } from '../policies.js';
import { LandmarkController } from './behaviours.js';
import { LandmarkEnv } from './env.js';
import { LANDMARK_OBSERVATION_DIM, type LandmarkTask } from './family.js';

/** The key of a task's random streams: its rule and map, without the text variant. */
export function landmarkStreamKey(task: Pick<LandmarkTask, 'ruleName' | 'map'>): string {
  return `landmarks/${task.ruleName}/${task.map.name}`;
}

/** Options of {@link generateLandmarkDataset}. */
export interface LandmarkDatasetOptions {
  /** Suite seed, a non-negative integer. */
  readonly seed: number;
  /** Transitions to generate, rounded up to whole episodes. */
  readonly transitions: number;
  /** Steps per episode. */
  readonly episodeSteps: number;
  /** Behaviour fractions. @defaultValue 25% random, 50% medium, 25% expert */
  readonly mix?: BehaviourMix;
}

function checkSeed(where: string, seed: number, steps: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new ConfigError(`${where}: seed must be a non-negative integer, got ${String(seed)}.`);
  if (!Number.isInteger(steps) || steps < 1)
    throw new ConfigError(`${where}: episodeSteps must be a positive integer, got ${String(steps)}.`);
}

/**
 * Generates one task's offline data. Needs the point-mass runtime (`await loadPointMassRuntime()`).
 * @throws {@link ConfigError} on bad options.
 */
export function generateLandmarkDataset(task: LandmarkTask, options: LandmarkDatasetOptions): TaskDataset {
  const where = 'generateLandmarkDataset';
  checkSeed(where, options.seed, options.episodeSteps);
  if (!Number.isSafeInteger(options.transitions) || options.transitions < 1)
    throw new ConfigError(`${where}: transitions must be a positive integer, got ${String(options.transitions)}.`);
  const mix = checkBehaviourMix(options.mix ?? DEFAULT_BEHAVIOUR_MIX, `${where} options.mix`);
  const T = options.episodeSteps;
  const episodes = Math.ceil(options.transitions / T);
  const schedule = behaviourSchedule(episodes, mix);
  const D = LANDMARK_OBSERVATION_DIM;
  const n = episodes * T;
  const observations = new Float32Array(n * D);
  const actions = new Float32Array(n * 2);
  const rewards = new Float32Array(n);
  const nextObservations = new Float32Array(n * D);
  const timeouts = new Uint8Array(n);
  const episodeEnds = new Uint8Array(n);
  const controllers: Record<BehaviourKind, LandmarkController> = {
    expert: new LandmarkController('expert', task),
    medium: new LandmarkController('medium', task),
    random: new LandmarkController('random', task),
  };
  const { data } = taskStreams(options.seed, landmarkStreamKey(task));
  const episodeSeeds: number[] = [];
  const episodeReturns: number[] = [];
  const episodeSuccesses: boolean[] = [];
  const env = new LandmarkEnv({ rule: task.rule, map: task.map, ...task.success });
  const obs = new Float32Array(D);
  const next = new Float32Array(D);
  const act = new Float32Array(2);
  try {
    let row = 0;
    for (let e = 0; e < episodes; e++) {
      const resetSeed = data.seed();
      const rng = data.split();
      const controller = controllers[schedule[e]];
      controller.beginEpisode(rng);
      env.resetInto(resetSeed, obs);
      let ret = 0;
      let success = false;
      for (let t = 0; t < T; t++, row++) {
        controller.act(obs, rng, act);
        const r = env.stepInto(act, next);
        observations.set(obs, row * D);
        actions.set(act, row * 2);
        nextObservations.set(next, row * D);
        const reward = Math.fround(r.reward);
        rewards[row] = reward;
        ret += reward;
        if (r.success) success = true;
        obs.set(next);
      }
      timeouts[row - 1] = 1;
      episodeEnds[row - 1] = 1;
      episodeSeeds.push(resetSeed);
      episodeReturns.push(ret);
      episodeSuccesses.push(success);
    }
  } finally {
    env.close();
  }
  const buffer = ReplayBuffer.fromColumns({
    observationDim: D,
    actionDim: 2,
    size: n,
    observations,
    actions,
    rewards,
    nextObservations,
    terminals: new Uint8Array(n),
    timeouts,
    episodeEnds,
    taskIndices: new Int32Array(n),
  });
  return Object.freeze({
    buffer,
    episodeSeeds: Object.freeze(episodeSeeds),
    episodeBehaviours: Object.freeze(schedule),
    episodeReturns: Object.freeze(episodeReturns),
    episodeSuccesses: Object.freeze(episodeSuccesses),
  });
}

/** Options of {@link generateLandmarkPrompts}. */
export interface LandmarkPromptOptions {
  /** Suite seed, a non-negative integer. */
  readonly seed: number;
  /** Steps per prompt episode. */
  readonly episodeSteps: number;
  /** Number of prompts. @defaultValue 4 */
  readonly count?: number;
  /** Reset seeds the prompts must not use (the task's data episodes). */
  readonly avoidSeeds?: ReadonlySet<number>;
}

/** A trajectory prompt of the landmark family with its reset seed. */
export interface LandmarkPromptRecord {
  /** The probe episode. */
  readonly trajectory: Trajectory;
  /** Its reset seed. */
  readonly seed: number;
}

/**
 * Records a task's trajectory prompts: `count` probe episodes under the task's actuation map.
 * The same suite seed, rule and map give the same prompts whether the task is seen or unseen.
 * @throws {@link ConfigError} on bad options.
 */
export function generateLandmarkPrompts(task: LandmarkTask, options: LandmarkPromptOptions): LandmarkPromptRecord[] {
  const where = 'generateLandmarkPrompts';
  checkSeed(where, options.seed, options.episodeSteps);
  const count = options.count ?? 4;
  if (!Number.isSafeInteger(count) || count < 1)
    throw new ConfigError(`${where}: count must be a positive integer, got ${String(count)}.`);
  const T = options.episodeSteps;
  const D = LANDMARK_OBSERVATION_DIM;
  const { prompt } = taskStreams(options.seed, landmarkStreamKey(task));
  const env = new LandmarkEnv({ rule: task.rule, map: task.map, ...task.success });
  const controller = new LandmarkController('probe', task);
  const records: LandmarkPromptRecord[] = [];
  const obs = new Float32Array(D);
  const act = new Float32Array(2);
  try {
    for (let p = 0; p < count; p++) {
      let seed = prompt.seed();
      while (options.avoidSeeds?.has(seed) === true) seed = prompt.seed();
      const rng = prompt.split();
      controller.beginEpisode(rng);
      const observations = new Float32Array(T * D);
      const actions = new Float32Array(T * 2);
      const rewards = new Float32Array(T);
      env.resetInto(seed, obs);
      for (let t = 0; t < T; t++) {
        observations.set(obs, t * D);
        controller.act(obs, rng, act);
        actions.set(act, t * 2);
        rewards[t] = env.stepInto(act, obs).reward;
      }
      records.push(
        Object.freeze({
          trajectory: Object.freeze({ length: T, observationDim: D, actionDim: 2, observations, actions, rewards }),
          seed,
        }),
      );
    }
  } finally {
    env.close();
  }
  return records;
}
