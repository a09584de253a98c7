/**
 * {@link LandmarkEnv}: the point mass of the built-in suites with three observed markers drawn
 * anew every episode, a hidden rule that places the goal relative to them, and a hidden
 * actuation map between the action and the motors (see `family.ts` for why).
 *
 * The physics are {@link PointMassEnv}'s (the same MuJoCo model, step and reset noise); this env
 * adds the markers to the observation, maps the action through the task's matrix before the
 * motors, and measures distance, reward and success against the episode's goal.
 *
 * **Observation** `[x, y, vx, vy, red x, red y, green x, green y, blue x, blue y]` (float32).
 * **Action** `[a0, a1]` in [-1, 1] (clipped); the motors receive `clip(M a)`.
 * **Reward** `-‖p - goal‖ - ctrlCostWeight · ‖a‖²` after the step, charged on the clipped action.
 * **Success** as in {@link PointMassEnv}: within `tolerance` of the goal and slower than
 * `maxSpeed` for `holdSteps` consecutive steps. `info` also carries the goal, for analysis only.
 *
 * @module
 */
import { ConfigError, EnvError, ShapeError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import { Box } from '../../core/spaces.js';
import type { Env, EnvMetadata, Info, ResetOptions, ResetResult, StepResult } from '../../envs/env.js';
import { registerEnv } from '../../envs/registry.js';
import { resolveResetRng } from '../../envs/seeding.js';
import {
  loadPointMassRuntime,
  POINT_MASS_DEFAULTS,
  POINT_MASS_EPISODE_STEPS,
  PointMassEnv,
} from '../point-mass-env.js';
import {
  type ActuationMap,
  LANDMARK_COLOURS,
  LANDMARK_MIN_SEPARATION,
  LANDMARK_OBSERVATION_DIM,
  LANDMARK_RANGE,
  type LandmarkRule,
  parseActuationMap,
  parseLandmarkRule,
  ruleGoal,
} from './family.js';

/** Registered id of the landmark env: `makeEnvAsync(LANDMARK_ENV_ID, { rule, map })`. */
export const LANDMARK_ENV_ID = 'llmdpd/PointMassLandmarks-v0';

/** Options of {@link LandmarkEnv}. */
export interface LandmarkEnvOptions {
  /** Where to stop relative to the markers. */
  readonly rule: LandmarkRule;
  /** The hidden actuation map. @defaultValue the identity */
  readonly map?: ActuationMap;
  /** Success radius around the goal, in (0, 0.5]. @defaultValue 0.1 */
  readonly tolerance?: number;
  /** Speed below which the mass counts as stopped, > 0. @defaultValue 0.2 */
  readonly maxSpeed?: number;
  /** Consecutive steps on the goal needed for success, a positive integer. @defaultValue 5 */
  readonly holdSteps?: number;
  /** Weight of the control cost, >= 0. @defaultValue 0.1 */
  readonly ctrlCostWeight?: number;
}

const IDENTITY: ActuationMap = Object.freeze({
  name: 'identity',
  matrix: [
    [1, 0],
    [0, 1],
  ] as const,
});

function positive(value: unknown, fallback: number, where: string, ok: (v: number) => boolean, rule: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value))
    throw new ConfigError(
      `${LANDMARK_ENV_ID} option ${where} must be ${rule}, got ${JSON.stringify(value) ?? typeof value}.`,
    );
  return value;
}

/**
 * Draws three markers uniformly in `[-LANDMARK_RANGE, LANDMARK_RANGE]²`, at least
 * {@link LANDMARK_MIN_SEPARATION} apart, into `out` (6 values: red, green, blue).
 */
export function drawLandmarks(rng: Rng, out: Float64Array): void {
  for (let i = 0; i < LANDMARK_COLOURS.length; i++) {
    for (;;) {
      const x = rng.uniform(-LANDMARK_RANGE, LANDMARK_RANGE);
      const y = rng.uniform(-LANDMARK_RANGE, LANDMARK_RANGE);
      let clear = true;
      for (let j = 0; j < i && clear; j++)
        clear = Math.hypot(x - out[2 * j], y - out[2 * j + 1]) >= LANDMARK_MIN_SEPARATION;
      if (!clear) continue;
      out[2 * i] = x;
      out[2 * i + 1] = y;
      break;
    }
  }
}

/** What {@link LandmarkEnv.stepInto} reports besides the observation. Reused between calls. */
export interface LandmarkStepInfo {
  /** The step's reward. */
  reward: number;
  /** Whether the mass has stopped on the goal. */
  success: boolean;
  /** Distance to the goal after the step. */
  distance: number;
  /** Speed after the step. */
  speed: number;
}

/**
 * A point mass that must stop where a hidden rule says, relative to three observed markers,
 * through a hidden actuation map. See the module notes.
 *
 * @example
 * ```ts
 * await loadPointMassRuntime();
 * const env = new LandmarkEnv({ rule: { kind: 'on', landmark: 'red' } });
 * const [observation] = env.reset({ seed: 0 });
 * env.step(Float32Array.of(1, 0));
 * env.close();
 * ```
 */
export class LandmarkEnv implements Env<Float32Array, Float32Array> {
  /** `Box(-inf, inf, [10])`, float32. */
  readonly observationSpace = new Box({
    low: -Infinity,
    high: Infinity,
    shape: [LANDMARK_OBSERVATION_DIM],
    dtype: 'float32',
  });
  /** `Box(-1, 1, [2])`, float32. */
  readonly actionSpace = new Box({ low: -1, high: 1, shape: [2], dtype: 'float32' });
  /** No rendering. */
  readonly metadata: EnvMetadata;
  /** The rule. */
  readonly rule: LandmarkRule;
  /** The actuation map. */
  readonly map: ActuationMap;
  private readonly tolerance: number;
  private readonly maxSpeed: number;
  private readonly holdSteps: number;
  private readonly ctrlCostWeight: number;
  private readonly body: PointMassEnv;
  private rng: Rng | undefined;
  private readonly landmarks = new Float64Array(6);
  private readonly goalXY = new Float64Array(2);
  private readonly state = new Float32Array(4);
  private readonly force = new Float32Array(2);
  private hold = 0;
  private hasState = false;
  private readonly info: LandmarkStepInfo = { reward: 0, success: false, distance: 0, speed: 0 };

  /**
   * @throws {@link ConfigError} on a bad option; {@link EnvError} when the point-mass runtime is
   * not loaded (`await loadPointMassRuntime()` first, or use `makeEnvAsync`).
   */
  constructor(options: LandmarkEnvOptions) {
    if (options === null || typeof options !== 'object')
      throw new ConfigError(`${LANDMARK_ENV_ID} needs options { rule, map }, got ${String(options)}.`);
    const known = ['rule', 'map', 'tolerance', 'maxSpeed', 'holdSteps', 'ctrlCostWeight'];
    const extra = Object.keys(options).filter(
      (k) => !known.includes(k) && (options as unknown as Record<string, unknown>)[k] !== undefined,
    );
    if (extra.length > 0)
      throw new ConfigError(
        `${LANDMARK_ENV_ID} has no option ${extra.join(', ')}; its options are ${known.join(', ')}.`,
      );
    this.rule = parseLandmarkRule(options.rule, `${LANDMARK_ENV_ID} option rule`);
    this.map = options.map === undefined ? IDENTITY : parseActuationMap(options.map, `${LANDMARK_ENV_ID} option map`);
    this.tolerance = positive(
      options.tolerance,
      POINT_MASS_DEFAULTS.tolerance,
      'tolerance',
      (v) => v > 0 && v <= 0.5,
      'in (0, 0.5]',
    );
    this.maxSpeed = positive(options.maxSpeed, POINT_MASS_DEFAULTS.maxSpeed, 'maxSpeed', (v) => v > 0, '> 0');
    this.holdSteps = positive(
      options.holdSteps,
      POINT_MASS_DEFAULTS.holdSteps,
      'holdSteps',
      (v) => Number.isInteger(v) && v >= 1,
      'a positive integer',
    );
    this.ctrlCostWeight = positive(
      options.ctrlCostWeight,
      POINT_MASS_DEFAULTS.ctrlCostWeight,
      'ctrlCostWeight',
      (v) => v >= 0,
      '>= 0',
    );
    this.body = new PointMassEnv({ goalX: 0, goalY: 0 });
    this.metadata = Object.freeze({ renderModes: [], renderFps: this.body.metadata.renderFps });
  }

  /** The current episode's goal `[x, y]` (hidden from the policy; for analysis and tests). */
  get goal(): readonly [number, number] {
    return [this.goalXY[0], this.goalXY[1]];
  }

  /**
   * Starts an episode: draws the markers from the env's stream (re-seeded when `seed` is given),
   * places the goal by the rule, and resets the point mass with a seed drawn from the same stream.
   */
  reset(options: ResetOptions = {}): ResetResult<Float32Array> {
    const observation = new Float32Array(LANDMARK_OBSERVATION_DIM);
    this.resetInto(options?.seed, observation);
    const distance = Math.hypot(observation[0] - this.goalXY[0], observation[1] - this.goalXY[1]);
    return [
      observation,
      {
        success: false,
        distance,
        speed: Math.hypot(observation[2], observation[3]),
        goalX: this.goalXY[0],
        goalY: this.goalXY[1],
      },
    ];
  }

  /** {@link LandmarkEnv.reset} without allocation: writes the first observation into `out` (10 values). */
  resetInto(seed: number | undefined, out: Float32Array): void {
    this.rng = resolveResetRng(this.rng, seed);
    drawLandmarks(this.rng, this.landmarks);
    this.body.resetInto(this.rng.seed(), this.state);
    this.hold = 0;
    this.hasState = true;
    this.observeInto(out);
    ruleGoal(this.rule, out, this.goalXY);
  }

  /** Applies `clip(M · clip(action))` to the motors for one env step. */
  step(action: Float32Array): StepResult<Float32Array> {
    const observation = new Float32Array(LANDMARK_OBSERVATION_DIM);
    const r = this.stepInto(action, observation);
    const info: Info = {
      success: r.success,
      distance: r.distance,
      speed: r.speed,
      goalX: this.goalXY[0],
      goalY: this.goalXY[1],
    };
    return [observation, r.reward, false, false, info];
  }

  /**
   * {@link LandmarkEnv.step} without allocation: writes the next observation into `out` and
   * returns the step's figures in an object reused by the next call.
   */
  stepInto(action: ArrayLike<number>, out: Float32Array): LandmarkStepInfo {
    if (!this.hasState)
      throw new EnvError(`${LANDMARK_ENV_ID} step() was called before reset(); call env.reset({ seed }) first.`);
    if (action === null || typeof action !== 'object' || action.length !== 2)
      throw new ShapeError(
        `${LANDMARK_ENV_ID} action must be 2 numbers in [-1, 1], got ${action === null ? 'null' : typeof action === 'object' ? `length ${action.length}` : typeof action}.`,
      );
    const a0 = clip1(+action[0]);
    const a1 = clip1(+action[1]);
    if (!Number.isFinite(a0) || !Number.isFinite(a1))
      throw new EnvError(
        `${LANDMARK_ENV_ID} action is [${action[0]}, ${action[1]}]; check the policy output for NaN before stepping.`,
      );
    const [[m00, m01], [m10, m11]] = this.map.matrix;
    this.force[0] = clip1(m00 * a0 + m01 * a1);
    this.force[1] = clip1(m10 * a0 + m11 * a1);
    this.body.stepInto(this.force, this.state);
    const distance = Math.hypot(this.state[0] - this.goalXY[0], this.state[1] - this.goalXY[1]);
    const speed = Math.hypot(this.state[2], this.state[3]);
    this.hold = distance < this.tolerance && speed < this.maxSpeed ? this.hold + 1 : 0;
    const info = this.info;
    info.distance = distance;
    info.speed = speed;
    info.success = this.hold >= this.holdSteps;
    info.reward = -distance - this.ctrlCostWeight * (a0 * a0 + a1 * a1);
    this.observeInto(out);
    return info;
  }

  /** Releases the MuJoCo data. Safe to call more than once. */
  close(): void {
    this.body.close();
  }

  private observeInto(out: Float32Array): void {
    out.set(this.state, 0);
    for (let i = 0; i < 6; i++) out[4 + i] = this.landmarks[i]!;
  }
}

function clip1(x: number): number {
  return x > 1 ? 1 : x < -1 ? -1 : x;
}

/**
 * Registers {@link LANDMARK_ENV_ID} (time limit {@link POINT_MASS_EPISODE_STEPS} unless the
 * caller passes `maxEpisodeSteps`; needs the point-mass runtime). Idempotent.
 */
export function registerLandmarkEnv(): void {
  registerEnv<Float32Array, Float32Array>(
    LANDMARK_ENV_ID,
    (options) => new LandmarkEnv(options as unknown as LandmarkEnvOptions),
    {
      maxEpisodeSteps: POINT_MASS_EPISODE_STEPS,
      prepare: () => loadPointMassRuntime(),
      override: true,
    },
  );
}
