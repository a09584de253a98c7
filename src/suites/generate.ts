/**
 * Offline data for the point-mass suites: {@link generateTaskDataset} rolls out the scripted
 * behaviours ({@link ScriptedController}) of one task in a medium-replay-like mix, and
 * {@link generateTrajectoryPrompt} records the task's trajectory prompt, one expert episode with
 * its own seed.
 *
 * **The mix** ({@link DEFAULT_BEHAVIOUR_MIX}). Like D4RL's medium-replay, which is the replay
 * buffer of an agent trained up to medium level, the episodes come in the order of a learning
 * run: first 25% random episodes, then 50% medium episodes, then 25% expert episodes (the
 * expert with its small action noise). Counts are rounded to whole episodes; every episode runs
 * the full {@link POINT_MASS_EPISODE_STEPS} steps and ends with a time-out (the tasks never
 * terminate). Each episode's behaviour, reset seed, return and success are recorded.
 *
 * **Seeds.** A task's randomness depends only on the suite seed and the task's name (not on its
 * position or on the split): `root = new Rng(fnv1a32("<seed>/<task name>"))`, then
 * `data = root.split()` and `prompt = root.split()`. Data episode i is reset with `data.seed()`
 * and acts with the stream `data.split()`; the prompt episode is reset with `prompt.seed()`
 * (redrawn if it equals a reset seed of the task's data, so the prompt is never a copy of a
 * training episode) and acts with `prompt.split()`.
 *
 * **Speed.** The generators step the same {@link PointMassEnv} class that evaluation uses,
 * through its allocation-free `resetInto`/`stepInto`, and write straight into the buffer's
 * column arrays.
 *
 * @module
 */
import { ReplayBuffer } from '../buffers/replay-buffer.js';
import { ConfigError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { describeValue } from '../core/spaces.js';
import type { Trajectory } from '../core/types.js';
import { PointMassEnv, type PointMassOptions } from './point-mass-env.js';
import { BEHAVIOUR_KINDS, ScriptedController, type BehaviourKind } from './policies.js';
import type { ReachTaskParams } from './tasks.js';

/** Fractions of episodes per behaviour; they must be >= 0 and sum to 1 (within 1e-6). */
export interface BehaviourMix {
  /** Fraction of random episodes (collected first). */
  readonly random: number;
  /** Fraction of medium episodes (collected second). */
  readonly medium: number;
  /** Fraction of expert episodes (collected last). */
  readonly expert: number;
}

/** The default medium-replay-like mix: 25% random, 50% medium, 25% expert episodes, in that order. */
export const DEFAULT_BEHAVIOUR_MIX: BehaviourMix = Object.freeze({ random: 0.25, medium: 0.5, expert: 0.25 });

/** Transitions generated per seen task unless told otherwise. */
export const DEFAULT_TRANSITIONS_PER_TASK = 20_000;

/** One task's generated offline data. Per-episode arrays are in episode (= buffer) order. */
export interface TaskDataset {
  /** The transitions: whole episodes, each ended by a time-out. */
  readonly buffer: ReplayBuffer;
  /** The reset seed of each episode. */
  readonly episodeSeeds: readonly number[];
  /** The behaviour that acted in each episode. */
  readonly episodeBehaviours: readonly BehaviourKind[];
  /** The undiscounted return of each episode (float32-rounded rewards, as stored). */
  readonly episodeReturns: readonly number[];
  /** Whether each episode reported `info.success` at some step. */
  readonly episodeSuccesses: readonly boolean[];
}

/** A task's trajectory prompt and where it came from. */
export interface TrajectoryPromptRecord {
  /** The episode's observations, actions and rewards. */
  readonly trajectory: Trajectory;
  /** The observation after the episode's last step (the trajectory holds those before each action). */
  readonly finalObservation: Float32Array;
  /** The episode's reset seed; never a reset seed of the task's training data. */
  readonly seed: number;
  /** The behaviour that acted: always `'expert'`. */
  readonly behaviour: 'expert';
  /** The episode's return. */
  readonly return: number;
  /** Whether the episode reported success. */
  readonly success: boolean;
}

/** Options shared by {@link generateTaskDataset} and {@link generateTrajectoryPrompt}. */
export interface TaskGenerationOptions {
  /** The suite seed, a non-negative integer. */
  readonly seed: number;
  /** The task's name (it seeds the task's streams, with `seed`). */
  readonly taskName: string;
  /** Steps per episode. */
  readonly episodeSteps: number;
}

/** Options of {@link generateTaskDataset}. */
export interface TaskDatasetOptions extends TaskGenerationOptions {
  /** At least this many transitions (rounded up to whole episodes). */
  readonly transitions: number;
  /** Behaviour fractions. @defaultValue {@link DEFAULT_BEHAVIOUR_MIX} */
  readonly mix?: BehaviourMix;
}

/** Options of {@link generateTrajectoryPrompt}. */
export interface TrajectoryPromptOptions extends TaskGenerationOptions {
  /** Reset seeds the prompt must not use (the task's data episodes). @defaultValue none */
  readonly avoidSeeds?: ReadonlySet<number>;
}

/** 32-bit FNV-1a hash of a string's UTF-16 code units. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The task's data and prompt streams (see the module notes). */
export function taskStreams(seed: number, taskName: string): { data: Rng; prompt: Rng } {
  const root = new Rng(fnv1a32(`${seed}/${taskName}`));
  const data = root.split();
  const prompt = root.split();
  return { data, prompt };
}

/** Checks generation options shared by both generators. */
function checkCommon(where: string, o: TaskGenerationOptions): void {
  if (!Number.isSafeInteger(o?.seed) || o.seed < 0)
    throw new ConfigError(
      `${where}: seed must be a non-negative integer, got ${String(o?.seed)}. Pass e.g. { seed: 0 }.`,
    );
  if (typeof o.taskName !== 'string' || o.taskName === '')
    throw new ConfigError(`${where}: taskName must be the task's non-empty name, got ${JSON.stringify(o.taskName)}.`);
  if (!Number.isInteger(o.episodeSteps) || o.episodeSteps < 1)
    throw new ConfigError(`${where}: episodeSteps must be a positive integer, got ${String(o.episodeSteps)}.`);
}

/**
 * Checks a behaviour mix: the three fractions present, finite, >= 0 and summing to 1.
 * @param where - the field path for messages, e.g. `makeSuite options.mix`.
 * @throws {@link ConfigError} naming the field.
 */
export function checkBehaviourMix(mix: unknown, where = 'mix'): BehaviourMix {
  if (mix === null || typeof mix !== 'object' || Array.isArray(mix)) {
    throw new ConfigError(
      `${where} must be an object { random, medium, expert } of fractions summing to 1, e.g. ${JSON.stringify(DEFAULT_BEHAVIOUR_MIX)}.`,
    );
  }
  const m = mix as Record<string, unknown>;
  const extra = Object.keys(m).filter((k) => !(BEHAVIOUR_KINDS as readonly string[]).includes(k));
  if (extra.length > 0)
    throw new ConfigError(
      `${where} has no field ${extra.map((k) => JSON.stringify(k)).join(', ')}; its fields are ${BEHAVIOUR_KINDS.join(', ')}.`,
    );
  let sum = 0;
  for (const k of BEHAVIOUR_KINDS) {
    const v = m[k] ?? 0;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new ConfigError(
        `${where}.${k} must be a fraction >= 0, got ${typeof v === 'number' ? v : describeValue(v)}.`,
      );
    sum += v;
  }
  if (Math.abs(sum - 1) > 1e-6)
    throw new ConfigError(
      `${where} fractions sum to ${sum}; they must sum to 1, e.g. ${JSON.stringify(DEFAULT_BEHAVIOUR_MIX)}.`,
    );
  return Object.freeze({
    random: (m.random as number | undefined) ?? 0,
    medium: (m.medium as number | undefined) ?? 0,
    expert: (m.expert as number | undefined) ?? 0,
  });
}

/**
 * The behaviour of each of `episodes` episodes under `mix`, in collection order (random, then
 * medium, then expert). The random and expert counts are `round(fraction · episodes)`; medium
 * takes the rest.
 */
export function behaviourSchedule(episodes: number, mix: BehaviourMix): BehaviourKind[] {
  const random = Math.min(episodes, Math.round(mix.random * episodes));
  const expert = Math.min(episodes - random, Math.round(mix.expert * episodes));
  const medium = episodes - random - expert;
  return [
    ...Array<BehaviourKind>(random).fill('random'),
    ...Array<BehaviourKind>(medium).fill('medium'),
    ...Array<BehaviourKind>(expert).fill('expert'),
  ];
}

/** Env options of a task. */
export function taskEnvOptions(params: ReachTaskParams): PointMassOptions {
  return Object.freeze({
    goalX: params.goalX,
    goalY: params.goalY,
    tolerance: params.tolerance,
    maxSpeed: params.maxSpeed,
    holdSteps: params.holdSteps,
  });
}

/**
 * Generates one task's offline data (see the module notes for the mix and the seeds). Needs the
 * runtime: `await loadPointMassRuntime()` first (`makeSuite` does).
 *
 * @throws {@link ConfigError} on bad options; {@link EnvError} when the runtime is not loaded.
 */
export function generateTaskDataset(params: ReachTaskParams, options: TaskDatasetOptions): TaskDataset {
  const where = 'generateTaskDataset';
  checkCommon(where, options);
  if (!Number.isSafeInteger(options.transitions) || options.transitions < 1) {
    throw new ConfigError(
      `${where}: transitions must be a positive integer, got ${String(options.transitions)}. Pass e.g. { transitions: 20000 }.`,
    );
  }
  const mix = checkBehaviourMix(options.mix ?? DEFAULT_BEHAVIOUR_MIX, `${where} options.mix`);
  const T = options.episodeSteps;
  const episodes = Math.ceil(options.transitions / T);
  const schedule = behaviourSchedule(episodes, mix);
  const n = episodes * T;
  const observations = new Float32Array(n * 4);
  const actions = new Float32Array(n * 2);
  const rewards = new Float32Array(n);
  const nextObservations = new Float32Array(n * 4);
  const terminals = new Uint8Array(n);
  const timeouts = new Uint8Array(n);
  const episodeEnds = new Uint8Array(n);
  const taskIndices = new Int32Array(n);
  const controllers = {
    expert: new ScriptedController('expert', params),
    medium: new ScriptedController('medium', params),
    random: new ScriptedController('random', params),
  };
  const { data } = taskStreams(options.seed, options.taskName);
  const episodeSeeds: number[] = [];
  const episodeReturns: number[] = [];
  const episodeSuccesses: boolean[] = [];
  const env = new PointMassEnv(taskEnvOptions(params));
  const obs = new Float32Array(4);
  const next = new Float32Array(4);
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
        observations.set(obs, row * 4);
        actions.set(act, row * 2);
        nextObservations.set(next, row * 4);
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
    observationDim: 4,
    actionDim: 2,
    size: n,
    observations,
    actions,
    rewards,
    nextObservations,
    terminals,
    timeouts,
    episodeEnds,
    taskIndices,
  });
  return Object.freeze({
    buffer,
    episodeSeeds: Object.freeze(episodeSeeds),
    episodeBehaviours: Object.freeze(schedule),
    episodeReturns: Object.freeze(episodeReturns),
    episodeSuccesses: Object.freeze(episodeSuccesses),
  });
}

/**
 * Records a task's trajectory prompt: one full expert episode (with the expert's action noise)
 * reset with the task's own prompt seed (see the module notes). The same suite seed and task
 * give the same prompt whether the task is seen or unseen.
 *
 * @throws {@link ConfigError} on bad options; {@link EnvError} when the runtime is not loaded.
 */
export function generateTrajectoryPrompt(
  params: ReachTaskParams,
  options: TrajectoryPromptOptions,
): TrajectoryPromptRecord {
  checkCommon('generateTrajectoryPrompt', options);
  const T = options.episodeSteps;
  const { prompt } = taskStreams(options.seed, options.taskName);
  let seed = prompt.seed();
  while (options.avoidSeeds?.has(seed) === true) seed = prompt.seed();
  const rng = prompt.split();
  const controller = new ScriptedController('expert', params);
  controller.beginEpisode(rng);
  const observations = new Float32Array(T * 4);
  const actions = new Float32Array(T * 2);
  const rewards = new Float32Array(T);
  const env = new PointMassEnv(taskEnvOptions(params));
  const obs = new Float32Array(4);
  const act = new Float32Array(2);
  let ret = 0;
  let success = false;
  try {
    env.resetInto(seed, obs);
    for (let t = 0; t < T; t++) {
      observations.set(obs, t * 4);
      controller.act(obs, rng, act);
      actions.set(act, t * 2);
      const r = env.stepInto(act, obs);
      rewards[t] = r.reward;
      ret += rewards[t];
      if (r.success) success = true;
    }
  } finally {
    env.close();
  }
  return Object.freeze({
    trajectory: Object.freeze({ length: T, observationDim: 4, actionDim: 2, observations, actions, rewards }),
    finalObservation: obs,
    seed,
    behaviour: 'expert',
    return: ret,
    success,
  });
}
