/**
 * {@link MujocoSimulation}: one `MjData` on a shared `MjModel`, with cached views of the state
 * arrays and copy-out readers. The locomotion envs own one each; it is the only place that
 * touches WASM handles.
 *
 * **Views.** `data.qpos` and friends are typed arrays over the WASM heap, and the binding builds
 * a new one on every property read (about 100 ns each). The simulation reads them once and
 * reuses them. When the heap grows (another env allocates its `MjData`), WebAssembly detaches
 * the old buffer and every view over it reads as length 0; {@link MujocoSimulation.views}
 * notices that and reads fresh views, so a cached view is never used stale. Views never leave
 * this module's callers: whatever is handed to users is a copy.
 *
 * @module
 */
import type { MjData, MjModel } from '@mujoco/mujoco';
import { ConfigError, EnvError } from '../../core/errors.js';
import {
  acquireMujocoModel,
  createMujocoData,
  deleteMujocoData,
  releaseMujocoModel,
  requireMujocoRuntime,
  type MujocoAsset,
  type MujocoRuntime,
} from './runtime.js';

/** `MjData` arrays that {@link MujocoSimulation.copyDataArray} can copy out (all float64). */
export type MujocoDataField =
  | 'qpos'
  | 'qvel'
  | 'qacc'
  | 'ctrl'
  | 'act'
  | 'xpos'
  | 'xquat'
  | 'xmat'
  | 'xipos'
  | 'ximat'
  | 'geom_xpos'
  | 'geom_xmat'
  | 'subtree_com'
  | 'cvel'
  | 'cinert'
  | 'qfrc_actuator'
  | 'qfrc_constraint'
  | 'qfrc_passive'
  | 'actuator_force'
  | 'sensordata'
  | 'cacc'
  | 'cfrc_int'
  | 'cfrc_ext';

/** `MjModel` numeric arrays that {@link MujocoSimulation.copyModelArray} can copy out. */
export type MujocoModelField =
  | 'body_mass'
  | 'body_inertia'
  | 'body_pos'
  | 'body_ipos'
  | 'geom_size'
  | 'geom_friction'
  | 'geom_pos'
  | 'geom_type'
  | 'geom_contype'
  | 'geom_conaffinity'
  | 'geom_condim'
  | 'jnt_type'
  | 'jnt_range'
  | 'jnt_stiffness'
  | 'dof_damping'
  | 'dof_armature'
  | 'actuator_gear'
  | 'actuator_ctrlrange'
  | 'qpos0';

const DATA_FIELDS: ReadonlySet<string> = new Set<MujocoDataField>([
  'qpos',
  'qvel',
  'qacc',
  'ctrl',
  'act',
  'xpos',
  'xquat',
  'xmat',
  'xipos',
  'ximat',
  'geom_xpos',
  'geom_xmat',
  'subtree_com',
  'cvel',
  'cinert',
  'qfrc_actuator',
  'qfrc_constraint',
  'qfrc_passive',
  'actuator_force',
  'sensordata',
  'cacc',
  'cfrc_int',
  'cfrc_ext',
]);
/** Fields that `mj_step` leaves stale; `mj_rnePostConstraint` fills them (Gymnasium calls it after every step). */
const RNE_POST_FIELDS: ReadonlySet<string> = new Set(['cacc', 'cfrc_int', 'cfrc_ext']);
const MODEL_FIELDS: ReadonlySet<string> = new Set<MujocoModelField>([
  'body_mass',
  'body_inertia',
  'body_pos',
  'body_ipos',
  'geom_size',
  'geom_friction',
  'geom_pos',
  'geom_type',
  'geom_contype',
  'geom_conaffinity',
  'geom_condim',
  'jnt_type',
  'jnt_range',
  'jnt_stiffness',
  'dof_damping',
  'dof_armature',
  'actuator_gear',
  'actuator_ctrlrange',
  'qpos0',
]);

/** Live views of the state arrays of one `MjData`. Valid until the next WASM allocation. */
export interface MujocoViews {
  /** Generalised positions (length nq). */
  readonly qpos: Float64Array;
  /** Generalised velocities (length nv). */
  readonly qvel: Float64Array;
  /** Actuator controls (length nu). */
  readonly ctrl: Float64Array;
}

/**
 * One simulation: a shared compiled model and an owned `MjData`.
 *
 * @remarks The low-level layer under the locomotion envs, exported for writing new MuJoCo envs on
 * the same runtime. It hands out live views ({@link MujocoSimulation.views}); keep them inside
 * the env and give callers copies. All methods throw an {@link EnvError} after
 * {@link MujocoSimulation.close}.
 */
export class MujocoSimulation {
  /** The model file this simulation runs. */
  readonly asset: MujocoAsset;
  /** Number of generalised coordinates. */
  readonly nq: number;
  /** Number of degrees of freedom. */
  readonly nv: number;
  /** Number of actuators. */
  readonly nu: number;
  /** The model's physics time step in seconds (`opt.timestep`). */
  readonly timestep: number;
  /** The model's integrator enum value (`opt.integrator`: 0 Euler, 1 RK4, ...). */
  readonly integrator: number;
  /** The reference configuration `qpos0` (a copy). */
  readonly qpos0: Float64Array;
  /** Lower control limits (`actuator_ctrlrange[:, 0]`). */
  readonly ctrlLow: Float64Array;
  /** Upper control limits (`actuator_ctrlrange[:, 1]`). */
  readonly ctrlHigh: Float64Array;
  private readonly envId: string;
  private readonly rt: MujocoRuntime;
  private model: MjModel | undefined;
  private data: MjData | undefined;
  private cached: MujocoViews | undefined;
  private rnePostStale = true;

  /**
   * @param asset - which model file to run.
   * @param envId - the env's id, for error messages.
   * @throws {@link EnvError} when the runtime is not loaded ({@link loadMujocoRuntime}).
   */
  constructor(asset: MujocoAsset, envId: string) {
    this.asset = asset;
    this.envId = envId;
    this.rt = requireMujocoRuntime(envId);
    const model = acquireMujocoModel(asset, envId);
    try {
      this.data = createMujocoData(this.rt, model);
    } catch (cause) {
      releaseMujocoModel(asset);
      throw new EnvError(
        `${envId}: could not allocate MjData on the WASM heap (${String(cause)}). Close envs you no longer use; each holds about 1 MiB.`,
        { cause },
      );
    }
    this.model = model;
    this.nq = model.nq;
    this.nv = model.nv;
    this.nu = model.nu;
    const opt = model.opt; // a new handle on every read: delete it
    try {
      this.timestep = opt.timestep;
      this.integrator = opt.integrator;
    } finally {
      opt.delete();
    }
    this.qpos0 = Float64Array.from(model.qpos0 as Float64Array);
    const range = model.actuator_ctrlrange as Float64Array;
    this.ctrlLow = new Float64Array(this.nu);
    this.ctrlHigh = new Float64Array(this.nu);
    for (let i = 0; i < this.nu; i++) {
      this.ctrlLow[i] = range[2 * i]!;
      this.ctrlHigh[i] = range[2 * i + 1]!;
    }
  }

  /** Whether {@link MujocoSimulation.close} has run. */
  get closed(): boolean {
    return this.data === undefined;
  }

  /**
   * The live state views, re-read when a heap growth detached the cached ones. Do not keep
   * them across calls that may allocate on the WASM heap (creating another env).
   */
  views(): MujocoViews {
    const v = this.cached;
    if (v !== undefined && v.qpos.byteLength !== 0) return v;
    const data = this.live();
    this.cached = { qpos: data.qpos as Float64Array, qvel: data.qvel as Float64Array, ctrl: data.ctrl as Float64Array };
    return this.cached;
  }

  /** `mj_resetData`: time 0, `qpos = qpos0`, zero velocities, controls and warm starts. */
  resetData(): void {
    this.rt.mujoco.mj_resetData(this.model!, this.live());
    this.rnePostStale = true;
  }

  /** `mj_forward`: recomputes positions, velocities and forces of the current state without integrating. */
  forward(): void {
    this.rt.mujoco.mj_forward(this.model!, this.live());
    this.rnePostStale = true;
  }

  /** Runs `mj_step` `frames` times with the controls already in `ctrl`. */
  step(frames: number): void {
    const data = this.live();
    const model = this.model!;
    const mjStep = this.rt.mujoco.mj_step;
    for (let k = 0; k < frames; k++) mjStep(model, data);
    this.rnePostStale = true;
  }

  /**
   * A fresh copy of an `MjData` array. `cacc`, `cfrc_int` and `cfrc_ext` are brought up to date
   * with `mj_rnePostConstraint` first (once per state), as Gymnasium does after each step.
   * @throws {@link ConfigError} for a field that is not a {@link MujocoDataField}.
   */
  copyDataArray(field: MujocoDataField): Float64Array {
    if (!DATA_FIELDS.has(field)) {
      throw new ConfigError(
        `${this.envId}: cannot copy MjData field ${JSON.stringify(field)}; readable fields are ${[...DATA_FIELDS].join(', ')}.`,
      );
    }
    const data = this.live();
    if (RNE_POST_FIELDS.has(field) && this.rnePostStale) {
      this.rt.mujoco.mj_rnePostConstraint(this.model!, data);
      this.rnePostStale = false;
    }
    return Float64Array.from((data as unknown as Record<string, Float64Array>)[field]);
  }

  /**
   * A copy of a numeric `MjModel` array as float64 (integer fields are converted). Boolean
   * arrays such as `jnt_limited` are not offered: the 3.14 binding throws on them; read
   * `jnt_range` and `actuator_ctrlrange` instead.
   * @throws {@link ConfigError} for a field that is not a {@link MujocoModelField}.
   */
  copyModelArray(field: MujocoModelField): Float64Array {
    if (!MODEL_FIELDS.has(field)) {
      throw new ConfigError(
        `${this.envId}: cannot copy MjModel field ${JSON.stringify(field)}; readable fields are ${[...MODEL_FIELDS].join(', ')}.`,
      );
    }
    this.live();
    return Float64Array.from((this.model as unknown as Record<string, ArrayLike<number>>)[field]);
  }

  /** Deletes the `MjData` and releases the shared model. Safe to call more than once. */
  close(): void {
    const data = this.data;
    if (data === undefined) return;
    this.data = undefined;
    this.model = undefined;
    this.cached = undefined;
    deleteMujocoData(data);
    releaseMujocoModel(this.asset);
  }

  private live(): MjData {
    const data = this.data;
    if (data === undefined)
      throw new EnvError(`${this.envId} is closed: its MuJoCo simulation was released by close(). Make a new env.`);
    return data;
  }
}
