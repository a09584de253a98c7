/**
 * {@link MujocoLocomotionEnv}: what HalfCheetah, Hopper and Walker2d share, following
 * Gymnasium's `MujocoEnv` (gymnasium/envs/mujoco/mujoco_env.py):
 *
 * - `step(a)`: `x_before = qpos[0]`; `ctrl = a` **unclipped** (the actuators are ctrllimited, so
 *   MuJoCo clamps the force, but the control cost sees the raw action); `mj_step` × frameSkip;
 *   `x_velocity = (qpos[0] - x_before) / dt` with `dt = timestep × frameSkip`; the observation is
 *   read after the step.
 * - `reset()`: `mj_resetData`, then `qpos = qpos0 + U(-s, s)` and `qvel = U(-s, s)` (HalfCheetah:
 *   `qvel = s · N(0, 1)`), then `mj_forward`.
 * - Observation: `qpos[1:]` (or all of `qpos` with `excludeCurrentPositionsFromObservation:
 *   false`) followed by `qvel`, clipped to ±10 for Hopper and Walker2d.
 *
 * Gymnasium also calls `mj_rnePostConstraint` after the frames; it only fills `cacc`, `cfrc_int`
 * and `cfrc_ext`, which these observations do not use, so it runs lazily, when
 * {@link MujocoLocomotionEnv.copyDataArray} asks for one of those fields.
 *
 * **Observation dtype.** Gymnasium returns float64; these envs return a fresh `Float32Array`
 * every call. Replay buffers, D4RL files and agents all hold float32, so a float64 observation
 * would be converted on every step anyway. The simulation itself stays float64, and the exact
 * state is available from {@link MujocoLocomotionEnv.getState}. Rewards and info values are
 * computed in float64.
 *
 * **Randomness.** Reset noise comes from the library's {@link Rng} (xoshiro128**), seeded by
 * `reset({ seed })`, so a seed reproduces our trajectories but not NumPy's.
 *
 * @module
 */
import { ConfigError, EnvError, ShapeError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import { Box } from '../../core/spaces.js';
import type { Env, EnvMetadata, Info, ResetOptions, ResetResult, StepResult } from '../env.js';
import { resolveResetRng } from '../seeding.js';
import { OptionReader } from './options.js';
import type { MujocoAsset } from './runtime.js';
import { MujocoSimulation, type MujocoDataField, type MujocoModelField } from './simulation.js';

/** Gymnasium versions implemented by the locomotion envs. */
export type LocomotionVersion = 4 | 5;

/** Options every locomotion env accepts (Gymnasium's constructor arguments, in camelCase). */
export interface LocomotionOptions {
  /**
   * Which Gymnasium version's semantics to follow. The registry sets it from the id
   * (`Hopper-v4` → 4) and rejects it as an option there. @defaultValue 5
   */
  readonly version?: LocomotionVersion;
  /** Weight w_f of the forward reward `w_f · x_velocity` (`forward_reward_weight`). @defaultValue 1 */
  readonly forwardRewardWeight?: number;
  /** Weight w_c of the control cost `w_c · Σ a²` (`ctrl_cost_weight`); env-specific default. */
  readonly ctrlCostWeight?: number;
  /**
   * Half-width (or, for HalfCheetah's velocities, standard deviation) of the reset noise (`reset_noise_scale`);
   * env-specific default.
   */
  readonly resetNoiseScale?: number;
  /**
   * Leave `qpos[0]` (the x position) out of the observation, so the policy cannot see how far it
   * went (`exclude_current_positions_from_observation`). @defaultValue true
   */
  readonly excludeCurrentPositionsFromObservation?: boolean;
  /** Physics steps per env step (`frame_skip`); only `-v5` accepts it. Changes `dt`. */
  readonly frameSkip?: number;
}

/** The fixed facts of one locomotion env, given by each subclass. */
export interface LocomotionDefinition {
  /** Gymnasium's name without version, e.g. `Hopper`. */
  readonly name: string;
  /** Model file by version. */
  readonly assets: Readonly<Record<LocomotionVersion, MujocoAsset>>;
  /** Default frame skip (HalfCheetah 5, the others 4). */
  readonly frameSkip: number;
  /** Default `ctrlCostWeight`. */
  readonly ctrlCostWeight: number;
  /** Default `resetNoiseScale`. */
  readonly resetNoiseScale: number;
  /** How velocities are perturbed at reset: `uniform` U(-s, s) or `normal` s · N(0, 1). */
  readonly velocityNoise: 'uniform' | 'normal';
  /** Velocities in the observation are clipped to ±this; `undefined` for no clipping. */
  readonly velocityClip: number | undefined;
}

/** The options {@link LocomotionOptions} holds, as keys, for {@link OptionReader}. */
export const LOCOMOTION_OPTION_KEYS: readonly string[] = Object.freeze([
  'version',
  'forwardRewardWeight',
  'ctrlCostWeight',
  'resetNoiseScale',
  'excludeCurrentPositionsFromObservation',
  'frameSkip',
]);

/** An env's options after the version and the set of keys were checked: see {@link openLocomotionOptions}. */
export interface OpenedLocomotionOptions {
  /** The id these semantics follow, e.g. `Hopper-v4`. */
  readonly id: string;
  /** The Gymnasium version. */
  readonly version: LocomotionVersion;
  /** Reader over the caller's options. */
  readonly reader: OptionReader;
}

/**
 * Checks `options.version` and that every key is one the env knows, and returns a reader for
 * the values. Subclass constructors call it before `super` to read their own options.
 * @param extraOptionKeys - the subclass's keys besides {@link LOCOMOTION_OPTION_KEYS}.
 * @throws {@link ConfigError} on a bad version or an unknown key.
 */
export function openLocomotionOptions(
  definition: LocomotionDefinition,
  options: LocomotionOptions | undefined,
  extraOptionKeys: readonly string[],
): OpenedLocomotionOptions {
  const version = options?.version ?? 5;
  if (version !== 4 && version !== 5) {
    throw new ConfigError(
      `${definition.name} version must be 4 or 5, got ${String(version)}. Use makeEnv('${definition.name}-v4') or makeEnv('${definition.name}-v5').`,
    );
  }
  const id = `${definition.name}-v${version}`;
  return { id, version, reader: new OptionReader(id, options, [...LOCOMOTION_OPTION_KEYS, ...extraOptionKeys]) };
}

/** A copy of the simulation state, as Gymnasium's `(data.qpos, data.qvel)`. */
export interface MujocoState {
  /** Generalised positions (nq). */
  readonly qpos: Float64Array;
  /** Generalised velocities (nv). */
  readonly qvel: Float64Array;
}

/**
 * Base class of the MuJoCo locomotion envs. Subclasses supply the reward, termination and info
 * of a step ({@link MujocoLocomotionEnv.finishStep}) and the reset info, and read their own
 * options through {@link openLocomotionOptions} before calling `super`.
 *
 * Lifetime: the constructor allocates an `MjData` on the WASM heap (about 1 MiB) and takes a
 * reference to the shared compiled model; {@link MujocoLocomotionEnv.close} frees both. An env
 * that is dropped without `close()` leaks them until the process ends.
 */
export abstract class MujocoLocomotionEnv implements Env<Float32Array, Float32Array> {
  /** The Gymnasium id these semantics follow, e.g. `Hopper-v4`. */
  readonly id: string;
  /** The Gymnasium version followed. */
  readonly version: LocomotionVersion;
  /** `Box(-inf, inf, [obsDim])`, float32 (see the module notes on dtype). */
  readonly observationSpace: Box<'float32'>;
  /** `Box(ctrlLow, ctrlHigh, [nu])`, float32: the actuators' control range, `[-1, 1]` here. */
  readonly actionSpace: Box<'float32'>;
  /** No rendering; `renderFps` is `1 / dt` as in Gymnasium. */
  readonly metadata: EnvMetadata;
  /** Physics steps per env step. */
  readonly frameSkip: number;
  /** Seconds per env step: `timestep × frameSkip`. */
  readonly dt: number;
  /** Weight of the forward reward. */
  readonly forwardRewardWeight: number;
  /** Weight of the control cost. */
  readonly ctrlCostWeight: number;
  /** Scale of the reset noise. */
  readonly resetNoiseScale: number;
  /** Whether `qpos[0]` is left out of the observation. */
  readonly excludeCurrentPositionsFromObservation: boolean;
  /** The simulation; subclasses read the state through its views. */
  protected readonly sim: MujocoSimulation;
  private readonly definition: LocomotionDefinition;
  private readonly positionStart: number;
  private rng: Rng | undefined;
  private hasState = false;

  /**
   * @param definition - the env's fixed facts.
   * @param opened - the caller's options, opened with {@link openLocomotionOptions} (the
   * subclass reads its own options from it first, so a bad option throws before any WASM memory
   * is allocated).
   * @throws {@link ConfigError} on a bad common option; {@link EnvError} when the MuJoCo runtime
   * is not loaded yet (call `await loadMujocoRuntime()` first).
   */
  protected constructor(definition: LocomotionDefinition, opened: OpenedLocomotionOptions) {
    const { id, version, reader } = opened;
    if (version === 4 && reader.has('frameSkip')) {
      throw new ConfigError(
        `${id} has a fixed frame skip of ${definition.frameSkip}, as in Gymnasium; frameSkip is a -v5 option. Use ${definition.name}-v5 to change it.`,
      );
    }
    this.id = id;
    this.version = version;
    this.definition = definition;
    this.forwardRewardWeight = reader.number('forwardRewardWeight', 1.0);
    this.ctrlCostWeight = reader.number('ctrlCostWeight', definition.ctrlCostWeight);
    this.resetNoiseScale = reader.number('resetNoiseScale', definition.resetNoiseScale, { min: 0 });
    this.excludeCurrentPositionsFromObservation = reader.boolean('excludeCurrentPositionsFromObservation', true);
    this.frameSkip = reader.number('frameSkip', definition.frameSkip, { min: 1, integer: true });
    // Every option has been checked; only now allocate WASM memory.
    this.sim = new MujocoSimulation(definition.assets[version], id);
    this.dt = this.sim.timestep * this.frameSkip;
    this.positionStart = this.excludeCurrentPositionsFromObservation ? 1 : 0;
    const obsDim = this.sim.nq - this.positionStart + this.sim.nv;
    this.observationSpace = new Box({ low: -Infinity, high: Infinity, shape: [obsDim], dtype: 'float32' });
    this.actionSpace = new Box({
      low: Array.from(this.sim.ctrlLow),
      high: Array.from(this.sim.ctrlHigh),
      dtype: 'float32',
    });
    this.metadata = Object.freeze({ renderModes: [], renderFps: Math.round(1 / this.dt) });
  }

  /**
   * Turns a finished physics step into Gymnasium's step result.
   * @param xPosition - `qpos[0]` after the step.
   * @param xVelocity - `(qpos[0] after - before) / dt`.
   * @param ctrlCost - `ctrlCostWeight · Σ a²` of the raw action.
   */
  protected abstract finishStep(xPosition: number, xVelocity: number, ctrlCost: number): StepResult<Float32Array>;

  /** The info object `reset` returns (`{}` in v4; v5 reports positions). */
  protected abstract resetInfo(): Info;

  /**
   * Starts an episode: `mj_resetData`, reset noise from the env's {@link Rng} (re-seeded when
   * `seed` is given), `mj_forward`. Returns the first observation (a fresh array) and the info.
   * @throws {@link ConfigError} on a bad seed; {@link EnvError} after `close()`.
   */
  reset(options: ResetOptions = {}): ResetResult<Float32Array> {
    this.rng = resolveResetRng(this.rng, options?.seed);
    const sim = this.sim;
    sim.resetData();
    const { qpos, qvel } = sim.views();
    const rng = this.rng;
    const s = this.resetNoiseScale;
    const qpos0 = sim.qpos0;
    for (let i = 0; i < sim.nq; i++) qpos[i] = qpos0[i] + rng.uniform(-s, s);
    if (this.definition.velocityNoise === 'normal') {
      for (let i = 0; i < sim.nv; i++) qvel[i] = s * rng.normal();
    } else {
      for (let i = 0; i < sim.nv; i++) qvel[i] = rng.uniform(-s, s);
    }
    sim.forward();
    this.hasState = true;
    return [this.observation(), this.resetInfo()];
  }

  /**
   * Applies `action` for `frameSkip` physics steps and returns the observation (a fresh array),
   * reward, `terminated`, `truncated` (always false; the registry's TimeLimit truncates) and info.
   * @throws {@link EnvError} before `reset()`, after `close()` or for a non-finite action;
   * {@link ShapeError} when the action does not have `nu` elements.
   */
  step(action: Float32Array): StepResult<Float32Array> {
    if (!this.hasState)
      throw new EnvError(`${this.id} step() was called before reset(); call env.reset({ seed }) first.`);
    const sim = this.sim;
    const nu = sim.nu;
    if (action === null || typeof action !== 'object' || (action as ArrayLike<number>).length !== nu) {
      throw new ShapeError(
        `${this.id} action must be a Float32Array of length ${nu} (one control per actuator, in [-1, 1]), got ${action === null || typeof action !== 'object' ? String(action) : `length ${(action as ArrayLike<number>).length}`}.`,
      );
    }
    const { qpos, ctrl } = sim.views();
    let sumSquares = 0;
    for (let i = 0; i < nu; i++) {
      const a = +action[i];
      if (!Number.isFinite(a))
        throw new EnvError(
          `${this.id} action[${i}] is ${a}; check the policy output for NaN/Infinity before stepping.`,
        );
      ctrl[i] = a;
      sumSquares += a * a;
    }
    const xBefore = qpos[0];
    sim.step(this.frameSkip);
    const xAfter = sim.views().qpos[0];
    return this.finishStep(xAfter, (xAfter - xBefore) / this.dt, this.ctrlCostWeight * sumSquares);
  }

  /** Frees the `MjData` and releases the shared model. Safe to call more than once. */
  close(): void {
    this.sim.close();
  }

  /** Whether `close()` has run. */
  get closed(): boolean {
    return this.sim.closed;
  }

  /** Copies of `qpos` and `qvel` (float64, exact). @throws {@link EnvError} after `close()`. */
  getState(): MujocoState {
    const { qpos, qvel } = this.sim.views();
    return { qpos: Float64Array.from(qpos), qvel: Float64Array.from(qvel) };
  }

  /**
   * Sets `qpos` and `qvel` and runs `mj_forward` (Gymnasium's `set_state`), e.g. to replay D4RL
   * `infos/qpos` and `infos/qvel`. Counts as a reset for the purpose of stepping; the time-step
   * counter of a `TimeLimit` wrapper is not touched.
   * @returns the observation of the new state (a fresh array).
   * @throws {@link ShapeError} on wrong lengths; {@link ConfigError} on non-finite values.
   */
  setState(qpos: ArrayLike<number>, qvel: ArrayLike<number>): Float32Array {
    const sim = this.sim;
    if (qpos?.length !== sim.nq || qvel?.length !== sim.nv) {
      throw new ShapeError(
        `${this.id} setState needs qpos of length ${sim.nq} and qvel of length ${sim.nv}, got ${qpos?.length} and ${qvel?.length}.`,
      );
    }
    for (const [name, arr] of [
      ['qpos', qpos],
      ['qvel', qvel],
    ] as const) {
      for (let i = 0; i < arr.length; i++)
        if (!Number.isFinite(arr[i]))
          throw new ConfigError(`${this.id} setState ${name}[${i}] is ${arr[i]}; every value must be finite.`);
    }
    const v = sim.views();
    v.qpos.set(qpos);
    v.qvel.set(qvel);
    sim.forward();
    this.hasState = true;
    return this.observation();
  }

  /** A fresh float64 copy of an `MjData` array (e.g. `xpos`, `cfrc_ext`). See {@link MujocoDataField}. */
  copyDataArray(field: MujocoDataField): Float64Array {
    return this.sim.copyDataArray(field);
  }

  /** A fresh float64 copy of a numeric `MjModel` array (e.g. `body_mass`). See {@link MujocoModelField}. */
  copyModelArray(field: MujocoModelField): Float64Array {
    return this.sim.copyModelArray(field);
  }

  /** The observation of the current state: a new `Float32Array` the caller owns. */
  protected observation(): Float32Array {
    const sim = this.sim;
    const { qpos, qvel } = sim.views();
    const start = this.positionStart;
    const nPos = sim.nq - start;
    const out = new Float32Array(nPos + sim.nv);
    for (let i = 0; i < nPos; i++) out[i] = qpos[start + i]!;
    const clip = this.definition.velocityClip;
    if (clip === undefined) {
      for (let i = 0; i < sim.nv; i++) out[nPos + i] = qvel[i]!;
    } else {
      for (let i = 0; i < sim.nv; i++) {
        const v = qvel[i];
        out[nPos + i] = v > clip ? clip : v < -clip ? -clip : v;
      }
    }
    return out;
  }
}
