/**
 * {@link PointMassEnv}: the robot of the built-in suite `pointmass-reach`, a planar point mass
 * on the MuJoCo WebAssembly runtime, and its registration as {@link POINT_MASS_ENV_ID}.
 *
 * **Model** (`assets/mujoco/suite-pointmass.xml`). A unit mass on two slide joints `x` and `y`
 * with viscous damping 2 and soft limits at ±1.2 (the arena walls), driven by two motors of gear
 * 2 with controls in [-1, 1]: full control gives a terminal speed of 1 unit/s with a time
 * constant of 0.5 s. Physics time step 0.05 s, {@link POINT_MASS_FRAME_SKIP} physics steps per
 * env step, so one env step is 0.1 s and an episode of {@link POINT_MASS_EPISODE_STEPS} steps
 * lasts 5 s.
 *
 * **Observation** `[x, y, vx, vy]` (float32). The goal is deliberately *not* in it: every task
 * of the suite shares this observation, so a policy that is not told the task (by a text or a
 * trajectory prompt) can only average the tasks' behaviours.
 *
 * **Action** `[fx, fy]` in [-1, 1]; values outside are clipped before use.
 *
 * **Reward** `-‖p - goal‖ - ctrlCostWeight · ‖a‖²` after the step (dense; the clipped action is
 * charged).
 *
 * **Success** (`info.success`): the mass has been within `tolerance` of the goal *and* slower
 * than `maxSpeed` for `holdSteps` consecutive steps, that is, it stopped on the target. It stays
 * true while the mass remains there. Episodes never terminate; the registry's `TimeLimit`
 * truncates them after {@link POINT_MASS_EPISODE_STEPS} steps.
 *
 * **Memory.** The compiled model is shared by all point-mass envs (reference-counted, deleted
 * with the last one); each env owns one `MjData`, deleted by `close()`.
 *
 * @module
 */
import type { MjData, MjModel, MjSpec } from '@mujoco/mujoco';
import { ConfigError, EnvError, ShapeError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { Box } from '../core/spaces.js';
import type { Env, EnvMetadata, Info, ResetOptions, ResetResult, StepResult } from '../envs/env.js';
import { registerEnv } from '../envs/registry.js';
import { resolveResetRng } from '../envs/seeding.js';
import {
  createMujocoData,
  deleteMujocoData,
  loadMujocoRuntime,
  readModelText,
  requireMujocoRuntime,
  type MujocoRuntime,
} from '../envs/mujoco/runtime.js';

/** Registered id of the point-mass env; make it with `makeEnvAsync(POINT_MASS_ENV_ID, { goalX, goalY })`. */
export const POINT_MASS_ENV_ID = 'llmdpd/PointMassReach-v0';

/** Steps per episode (the registered `maxEpisodeSteps`): 5 s of simulated time. */
export const POINT_MASS_EPISODE_STEPS = 50;

/** Physics steps of 0.05 s per env step, so one env step is 0.1 s. */
export const POINT_MASS_FRAME_SKIP = 2;

/** Half-width of the square arena: the joint limits (walls) are at ±this on both axes. */
export const POINT_MASS_ARENA_HALF_WIDTH = 1.2;

/** Largest goal distance from the centre along either axis, keeping goals clear of the walls. */
export const POINT_MASS_MAX_GOAL_COORDINATE = 1.0;

/** Bytes of the arena of each `MjData`; the model needs a few KiB of it. */
const ARENA_BYTES = 1 << 18;

/** File name of the model in `assets/mujoco/`. */
export const POINT_MASS_MODEL_FILE = 'suite-pointmass.xml';

/** Default success and reward settings of {@link PointMassOptions}. */
export const POINT_MASS_DEFAULTS = Object.freeze({
  /** Success radius around the goal. */
  tolerance: 0.1,
  /** Speed below which the mass counts as stopped. */
  maxSpeed: 0.2,
  /** Consecutive steps on the target (within tolerance, below maxSpeed) for success. */
  holdSteps: 5,
  /** Weight of the control cost. */
  ctrlCostWeight: 0.1,
  /** Half-width of the uniform reset noise on position and velocity. */
  resetNoiseScale: 0.05,
});

/** Options of {@link PointMassEnv} (and of `makeEnv(POINT_MASS_ENV_ID, options)`). */
export interface PointMassOptions {
  /** Goal x (east) coordinate, within ±{@link POINT_MASS_MAX_GOAL_COORDINATE}. @defaultValue 0 */
  readonly goalX?: number;
  /** Goal y (north) coordinate, within ±{@link POINT_MASS_MAX_GOAL_COORDINATE}. @defaultValue 0 */
  readonly goalY?: number;
  /** Success radius around the goal, > 0. @defaultValue 0.1 */
  readonly tolerance?: number;
  /** Speed (units/s) below which the mass counts as stopped, > 0. @defaultValue 0.2 */
  readonly maxSpeed?: number;
  /** Consecutive steps on the target needed for success, a positive integer. @defaultValue 5 (0.5 s) */
  readonly holdSteps?: number;
  /** Weight of the control cost `‖a‖²` in the reward, >= 0. @defaultValue 0.1 */
  readonly ctrlCostWeight?: number;
  /** Half-width of the uniform noise added to the start position and velocity, >= 0. @defaultValue 0.05 */
  readonly resetNoiseScale?: number;
}

const OPTION_KEYS: readonly (keyof PointMassOptions)[] = [
  'goalX',
  'goalY',
  'tolerance',
  'maxSpeed',
  'holdSteps',
  'ctrlCostWeight',
  'resetNoiseScale',
];

// ---------------------------------------------------------------------------------------------
// Model file and shared compiled model
// ---------------------------------------------------------------------------------------------

const DEFAULT_MODEL_URL = new URL(`../../assets/mujoco/${POINT_MASS_MODEL_FILE}`, import.meta.url);

let modelXml: string | undefined;
let loadingXml: Promise<string> | undefined;
let sharedModel: { model: MjModel; refs: number } | undefined;
let liveEnvs = 0;

/** Options of {@link loadPointMassRuntime}. */
export interface LoadPointMassRuntimeOptions {
  /**
   * URL of the point-mass model file, when a bundler moved the package's `assets/mujoco/`.
   * Only the first successful load's value takes effect.
   * @defaultValue the package's `assets/mujoco/suite-pointmass.xml`, resolved from this module
   */
  readonly modelUrl?: string | URL;
}

/**
 * Loads the MuJoCo WebAssembly runtime (`loadMujocoRuntime`) and reads the point-mass model
 * file. Await it once before constructing a {@link PointMassEnv} or calling `makeEnv` on
 * {@link POINT_MASS_ENV_ID}; `makeEnvAsync` and `makeSuite` call it for you. Repeated and
 * concurrent calls share one load; a failed load can be retried.
 *
 * @throws {@link EnvError} (as a rejection) when the runtime or the model file cannot be loaded.
 */
export async function loadPointMassRuntime(options: LoadPointMassRuntimeOptions = {}): Promise<void> {
  await loadMujocoRuntime();
  if (modelXml !== undefined) return;
  const url = options.modelUrl === undefined ? DEFAULT_MODEL_URL : new URL(String(options.modelUrl));
  loadingXml ??= readModelText(url).then(
    (text) => (modelXml = text),
    (cause: unknown) => {
      loadingXml = undefined;
      throw new EnvError(
        `Could not read the point-mass model file ${url.href}: ${String(cause)}. It ships in the package's assets/mujoco/ folder; ` +
          'if a bundler moved it, pass loadPointMassRuntime({ modelUrl }) pointing at its new place.',
        { cause },
      );
    },
  );
  await loadingXml;
}

/** Whether {@link loadPointMassRuntime} has finished, so point-mass envs can be made synchronously. */
export function isPointMassRuntimeLoaded(): boolean {
  if (modelXml === undefined) return false;
  try {
    requireMujocoRuntime(POINT_MASS_ENV_ID);
    return true;
  } catch {
    return false;
  }
}

/** Live WASM handles of the point-mass envs, from {@link pointMassMemoryStats}. */
export interface PointMassMemoryStats {
  /** 1 while a compiled point-mass model is alive (shared by all open envs), else 0. */
  readonly liveModels: number;
  /** Open point-mass envs, each owning one `MjData`. */
  readonly liveEnvs: number;
}

/** The point-mass handles alive now; both return to 0 once every env is closed (leak checks). */
export function pointMassMemoryStats(): PointMassMemoryStats {
  return { liveModels: sharedModel === undefined ? 0 : 1, liveEnvs };
}

function acquireModel(rt: MujocoRuntime): MjModel {
  if (sharedModel !== undefined) {
    sharedModel.refs++;
    return sharedModel.model;
  }
  if (modelXml === undefined) {
    throw new EnvError(
      `${POINT_MASS_ENV_ID} needs its model file, which is read asynchronously and is not loaded yet. ` +
        `Call \`await loadPointMassRuntime()\` (from 'llmdpd/suites') once first, or make the env with \`await makeEnvAsync(${JSON.stringify(POINT_MASS_ENV_ID)})\`.`,
    );
  }
  let spec: MjSpec | undefined;
  let model: MjModel;
  try {
    spec = rt.mujoco.parseXMLString(modelXml);
    spec.memory = ARENA_BYTES;
    const compiled = rt.mujoco.mj_compile(spec);
    if (compiled === null || compiled === undefined) throw new Error('mj_compile returned no model');
    model = compiled;
  } catch (cause) {
    throw new EnvError(
      `The point-mass model ${POINT_MASS_MODEL_FILE} failed to compile: ${String(cause)}. The file in assets/mujoco/ may have been edited; reinstall the package.`,
      { cause },
    );
  } finally {
    spec?.delete();
  }
  if (model.nq !== 2 || model.nv !== 2 || model.nu !== 2) {
    model.delete();
    throw new EnvError(
      `The point-mass model ${POINT_MASS_MODEL_FILE} has nq=${model.nq}, nv=${model.nv}, nu=${model.nu}; expected 2, 2, 2. Reinstall the package.`,
    );
  }
  sharedModel = { model, refs: 1 };
  return model;
}

function releaseModel(): void {
  if (sharedModel === undefined) return;
  sharedModel.refs--;
  if (sharedModel.refs <= 0) {
    const { model } = sharedModel;
    sharedModel = undefined;
    model.delete();
  }
}

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

function readOption(
  options: Record<string, unknown>,
  key: keyof PointMassOptions,
  fallback: number,
  check: (v: number) => boolean,
  rule: string,
): number {
  const v = options[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) {
    throw new ConfigError(
      `${POINT_MASS_ENV_ID} option ${key} must be ${rule}, got ${typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? typeof v)}. Pass e.g. { ${key}: ${fallback} }.`,
    );
  }
  return v;
}

/** The options of a {@link PointMassEnv} after validation, with defaults filled in. */
export interface ResolvedPointMassOptions {
  /** Goal x coordinate. */
  readonly goalX: number;
  /** Goal y coordinate. */
  readonly goalY: number;
  /** Success radius. */
  readonly tolerance: number;
  /** Stop speed. */
  readonly maxSpeed: number;
  /** Steps to hold. */
  readonly holdSteps: number;
  /** Control cost weight. */
  readonly ctrlCostWeight: number;
  /** Reset noise half-width. */
  readonly resetNoiseScale: number;
}

/**
 * Checks point-mass options and fills in the defaults ({@link POINT_MASS_DEFAULTS}).
 * @throws {@link ConfigError} naming the option on an unknown key or a bad value.
 */
export function resolvePointMassOptions(
  options: PointMassOptions | Record<string, unknown> = {},
): ResolvedPointMassOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError(
      `${POINT_MASS_ENV_ID} options must be an object such as { goalX: 0.4, goalY: 0 }, got ${Array.isArray(options) ? 'an array' : typeof options}.`,
    );
  }
  const o = options as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !(OPTION_KEYS as readonly string[]).includes(k) && o[k] !== undefined);
  if (unknown.length > 0) {
    throw new ConfigError(
      `${POINT_MASS_ENV_ID} has no option ${unknown.map((k) => JSON.stringify(k)).join(', ')}; its options are ${OPTION_KEYS.join(', ')}.`,
    );
  }
  const g = POINT_MASS_MAX_GOAL_COORDINATE;
  const d = POINT_MASS_DEFAULTS;
  return Object.freeze({
    goalX: readOption(o, 'goalX', 0, (v) => Math.abs(v) <= g, `a number in [-${g}, ${g}] (inside the arena)`),
    goalY: readOption(o, 'goalY', 0, (v) => Math.abs(v) <= g, `a number in [-${g}, ${g}] (inside the arena)`),
    tolerance: readOption(o, 'tolerance', d.tolerance, (v) => v > 0, 'a positive number'),
    maxSpeed: readOption(o, 'maxSpeed', d.maxSpeed, (v) => v > 0, 'a positive number'),
    holdSteps: readOption(o, 'holdSteps', d.holdSteps, (v) => Number.isInteger(v) && v >= 1, 'a positive integer'),
    ctrlCostWeight: readOption(o, 'ctrlCostWeight', d.ctrlCostWeight, (v) => v >= 0, 'a number >= 0'),
    resetNoiseScale: readOption(
      o,
      'resetNoiseScale',
      d.resetNoiseScale,
      (v) => v >= 0 && v <= 0.5,
      'a number in [0, 0.5]',
    ),
  });
}

// ---------------------------------------------------------------------------------------------
// The env
// ---------------------------------------------------------------------------------------------

/** A copy of the simulation state, from {@link PointMassEnv.getState}. */
export interface PointMassState {
  /** Positions `[x, y]`. */
  readonly qpos: Float64Array;
  /** Velocities `[vx, vy]`. */
  readonly qvel: Float64Array;
}

/** What {@link PointMassEnv.stepInto} reports besides the observation it writes. */
export interface PointMassStepInfo {
  /** The step's reward. */
  reward: number;
  /** Whether the mass has stopped on the target (see the module notes). */
  success: boolean;
  /** Distance to the goal after the step. */
  distance: number;
  /** Speed after the step. */
  speed: number;
}

/**
 * A planar point mass that must reach and stop on a goal it cannot observe. See the module
 * notes for the model, observation, reward and success.
 *
 * @example
 * ```ts
 * await loadPointMassRuntime();
 * const env = new PointMassEnv({ goalX: 0.8, goalY: 0 });
 * let [obs] = env.reset({ seed: 0 });
 * const [next, reward, , , info] = env.step(Float32Array.of(1, 0));
 * env.close();
 * ```
 */
export class PointMassEnv implements Env<Float32Array, Float32Array> {
  /** `Box(-inf, inf, [4])`, float32: `[x, y, vx, vy]`. */
  readonly observationSpace: Box<'float32'>;
  /** `Box(-1, 1, [2])`, float32: forces along x and y. */
  readonly actionSpace: Box<'float32'>;
  /** No rendering; `renderFps` is `1 / dt`. */
  readonly metadata: EnvMetadata;
  /** The validated options. */
  readonly options: ResolvedPointMassOptions;
  /** Seconds per env step (0.1). */
  readonly dt: number;
  private readonly rt: MujocoRuntime;
  private model: MjModel | undefined;
  private data: MjData | undefined;
  private qpos: Float64Array = new Float64Array(0);
  private qvel: Float64Array = new Float64Array(0);
  private ctrl: Float64Array = new Float64Array(0);
  private rng: Rng | undefined;
  private hasState = false;
  private hold = 0;
  private readonly scratchInfo: PointMassStepInfo = { reward: 0, success: false, distance: 0, speed: 0 };

  /**
   * @param options - goal and success settings ({@link PointMassOptions}).
   * @throws {@link ConfigError} on a bad option; {@link EnvError} when
   * {@link loadPointMassRuntime} has not finished.
   */
  constructor(options: PointMassOptions = {}) {
    this.options = resolvePointMassOptions(options);
    // Every option is checked; only now allocate WASM memory.
    this.rt = requireMujocoRuntime(POINT_MASS_ENV_ID);
    const model = acquireModel(this.rt);
    try {
      this.data = createMujocoData(this.rt, model);
    } catch (cause) {
      releaseModel();
      throw new EnvError(
        `${POINT_MASS_ENV_ID}: could not allocate MjData on the WASM heap (${String(cause)}). Close envs you no longer use.`,
        { cause },
      );
    }
    this.model = model;
    liveEnvs++;
    const opt = model.opt; // a new handle on every read: delete it
    try {
      this.dt = opt.timestep * POINT_MASS_FRAME_SKIP;
    } finally {
      opt.delete();
    }
    this.observationSpace = new Box({ low: -Infinity, high: Infinity, shape: [4], dtype: 'float32' });
    this.actionSpace = new Box({ low: -1, high: 1, shape: [2], dtype: 'float32' });
    this.metadata = Object.freeze({ renderModes: [], renderFps: Math.round(1 / this.dt) });
  }

  /** The goal `[x, y]` (not observable by the policy). */
  get goal(): readonly [number, number] {
    return [this.options.goalX, this.options.goalY];
  }

  /** Whether `close()` has run. */
  get closed(): boolean {
    return this.data === undefined;
  }

  /**
   * Starts an episode: `mj_resetData`, then position and velocity drawn uniformly from
   * ±`resetNoiseScale` (from the env's {@link Rng}, re-seeded when `seed` is given), then
   * `mj_forward`. Returns a fresh observation and `{ success: false, distance, speed }`.
   * @throws {@link ConfigError} on a bad seed; {@link EnvError} after `close()`.
   */
  reset(options: ResetOptions = {}): ResetResult<Float32Array> {
    const obs = new Float32Array(4);
    this.resetInto(options?.seed, obs);
    const s = this.measure();
    return [obs, { success: false, distance: s.distance, speed: s.speed }];
  }

  /**
   * {@link PointMassEnv.reset} without allocation, for data generators: writes the first
   * observation into `out` (4 values).
   * @throws as {@link PointMassEnv.reset}.
   */
  resetInto(seed: number | undefined, out: Float32Array): void {
    this.rng = resolveResetRng(this.rng, seed);
    const data = this.live();
    const mujoco = this.rt.mujoco;
    mujoco.mj_resetData(this.model!, data);
    this.views();
    const rng = this.rng;
    const s = this.options.resetNoiseScale;
    for (let i = 0; i < 2; i++) this.qpos[i] = rng.uniform(-s, s);
    for (let i = 0; i < 2; i++) this.qvel[i] = rng.uniform(-s, s);
    mujoco.mj_forward(this.model!, data);
    this.hold = 0;
    this.hasState = true;
    this.observeInto(out);
  }

  /**
   * Applies `action` (clipped to [-1, 1]) for {@link POINT_MASS_FRAME_SKIP} physics steps and
   * returns a fresh observation, the reward, `terminated` (always false), `truncated` (always
   * false; the registry's `TimeLimit` truncates) and `{ success, distance, speed }`.
   * @throws {@link EnvError} before `reset()`, after `close()` or on a non-finite action;
   * {@link ShapeError} when the action does not have 2 values.
   */
  step(action: Float32Array): StepResult<Float32Array> {
    const obs = new Float32Array(4);
    const r = this.stepInto(action, obs);
    return [obs, r.reward, false, false, { success: r.success, distance: r.distance, speed: r.speed } satisfies Info];
  }

  /**
   * {@link PointMassEnv.step} without allocation, for data generators: writes the next
   * observation into `out` (4 values) and returns the step's figures in an object that is
   * reused by the next call (copy what you keep).
   * @throws as {@link PointMassEnv.step}.
   */
  stepInto(action: ArrayLike<number>, out: Float32Array): PointMassStepInfo {
    if (!this.hasState)
      throw new EnvError(`${POINT_MASS_ENV_ID} step() was called before reset(); call env.reset({ seed }) first.`);
    const data = this.live();
    if (action === null || typeof action !== 'object' || action.length !== 2) {
      throw new ShapeError(
        `${POINT_MASS_ENV_ID} action must be a Float32Array of 2 forces in [-1, 1], got ${action === null || typeof action !== 'object' ? String(action) : `length ${action.length}`}.`,
      );
    }
    this.views();
    let cost = 0;
    for (let i = 0; i < 2; i++) {
      let a = +action[i];
      if (!Number.isFinite(a))
        throw new EnvError(
          `${POINT_MASS_ENV_ID} action[${i}] is ${a}; check the policy output for NaN/Infinity before stepping.`,
        );
      a = a > 1 ? 1 : a < -1 ? -1 : a;
      this.ctrl[i] = a;
      cost += a * a;
    }
    const mujoco = this.rt.mujoco;
    const model = this.model!;
    for (let k = 0; k < POINT_MASS_FRAME_SKIP; k++) mujoco.mj_step(model, data);
    this.views();
    const s = this.measure();
    const o = this.options;
    this.hold = s.distance < o.tolerance && s.speed < o.maxSpeed ? this.hold + 1 : 0;
    const info = this.scratchInfo;
    info.distance = s.distance;
    info.speed = s.speed;
    info.success = this.hold >= o.holdSteps;
    info.reward = -s.distance - o.ctrlCostWeight * cost;
    this.observeInto(out);
    return info;
  }

  /** Deletes the `MjData` and releases the shared model. Safe to call more than once. */
  close(): void {
    const data = this.data;
    if (data === undefined) return;
    this.data = undefined;
    this.model = undefined;
    this.qpos = this.qvel = this.ctrl = new Float64Array(0);
    deleteMujocoData(data);
    liveEnvs--;
    releaseModel();
  }

  /** Copies of `qpos` `[x, y]` and `qvel` `[vx, vy]` (float64). @throws {@link EnvError} after `close()`. */
  getState(): PointMassState {
    this.live();
    this.views();
    return { qpos: Float64Array.from(this.qpos), qvel: Float64Array.from(this.qvel) };
  }

  private measure(): { distance: number; speed: number } {
    const dx = this.qpos[0] - this.options.goalX;
    const dy = this.qpos[1] - this.options.goalY;
    return { distance: Math.sqrt(dx * dx + dy * dy), speed: Math.sqrt(this.qvel[0] ** 2 + this.qvel[1] ** 2) };
  }

  private observeInto(out: Float32Array): void {
    out[0] = this.qpos[0]!;
    out[1] = this.qpos[1]!;
    out[2] = this.qvel[0]!;
    out[3] = this.qvel[1]!;
  }

  /** Refreshes the cached heap views when a heap growth detached them. */
  private views(): void {
    if (this.qpos.byteLength !== 0) return;
    const data = this.live();
    this.qpos = data.qpos as Float64Array;
    this.qvel = data.qvel as Float64Array;
    this.ctrl = data.ctrl as Float64Array;
  }

  private live(): MjData {
    const data = this.data;
    if (data === undefined)
      throw new EnvError(`${POINT_MASS_ENV_ID} is closed: its MuJoCo data was released by close(). Make a new env.`);
    return data;
  }
}

/**
 * Registers {@link POINT_MASS_ENV_ID} with the env registry (step limit
 * {@link POINT_MASS_EPISODE_STEPS}, async prerequisite {@link loadPointMassRuntime}), so
 * `makeEnvAsync(POINT_MASS_ENV_ID, { goalX, goalY })` works. Idempotent (re-registers with
 * `override`); `makeSuite` calls it.
 */
export function registerSuiteEnvs(): void {
  registerEnv<Float32Array, Float32Array>(POINT_MASS_ENV_ID, (options) => new PointMassEnv(options), {
    maxEpisodeSteps: POINT_MASS_EPISODE_STEPS,
    prepare: () => loadPointMassRuntime(),
    override: true,
  });
}
