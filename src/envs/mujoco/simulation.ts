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
  type MujocoModelRef,
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

/**
 * `MjData` arrays that {@link MujocoSimulation.dataView} hands out as live views (float64): the
 * state, the mocap targets, and the positions and frames that envs read on every step.
 */
export type MujocoLiveDataField =
  | 'qpos'
  | 'qvel'
  | 'ctrl'
  | 'mocap_pos'
  | 'mocap_quat'
  | 'xpos'
  | 'xquat'
  | 'xmat'
  | 'site_xpos'
  | 'geom_xpos'
  | 'geom_xmat'
  | 'efc_force';

/**
 * `MjModel` arrays that {@link MujocoSimulation.modelView} hands out as live, writable views:
 * the poses of bodies and sites (moved by tasks that place fixtures per episode) and the
 * equality-constraint data (mocap welds).
 */
export type MujocoLiveModelField = 'body_pos' | 'body_quat' | 'site_pos' | 'eq_data' | 'geom_size';

/** The kinds of named element {@link MujocoSimulation.nameToId} looks up. */
export type MujocoElementKind = 'body' | 'joint' | 'geom' | 'site' | 'actuator';

/** One active contact of {@link MujocoSimulation.contacts}. */
export interface MujocoContact {
  /** The first geom's id. */
  readonly geom1: number;
  /** The second geom's id. */
  readonly geom2: number;
  /** Index of the contact's first constraint row in `efc_force` (its normal force), or -1 when excluded. */
  readonly efcAddress: number;
}

const LIVE_DATA_FIELDS: ReadonlySet<string> = new Set<MujocoLiveDataField>([
  'qpos',
  'qvel',
  'ctrl',
  'mocap_pos',
  'mocap_quat',
  'xpos',
  'xquat',
  'xmat',
  'site_xpos',
  'geom_xpos',
  'geom_xmat',
  'efc_force',
]);
const LIVE_MODEL_FIELDS: ReadonlySet<string> = new Set<MujocoLiveModelField>([
  'body_pos',
  'body_quat',
  'site_pos',
  'eq_data',
  'geom_size',
]);
/** `mjtObj` values of the element kinds. */
const OBJECT_TYPES: Readonly<Record<MujocoElementKind, number>> = Object.freeze({
  body: 1,
  joint: 3,
  geom: 5,
  site: 6,
  actuator: 19,
});

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
  /** The model this simulation runs: a package asset name or a {@link MujocoModelSource}. */
  readonly asset: MujocoModelRef;
  /** Number of mocap bodies (`nmocap`). */
  readonly nmocap: number;
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
  private readonly liveData = new Map<string, Float64Array>();
  private readonly liveModel = new Map<string, Float64Array>();
  private rnePostStale = true;

  /**
   * @param asset - which model to run: a package asset name, or a {@link MujocoModelSource}
   *   (e.g. from `mujocoModelFromFolder`); envs on equal sources share one compiled model.
   * @param envId - the env's id, for error messages.
   * @throws {@link EnvError} when the runtime is not loaded ({@link loadMujocoRuntime}).
   */
  constructor(asset: MujocoModelRef, envId: string) {
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
    this.nmocap = model.nmocap;
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

  /**
   * A live view of an `MjData` array, cached like {@link MujocoSimulation.views} and re-read
   * after a heap growth. `efc_force` changes length with the number of constraints, so it is
   * read fresh on every call.
   * @throws {@link ConfigError} for a field that is not a {@link MujocoLiveDataField}.
   */
  dataView(field: MujocoLiveDataField): Float64Array {
    if (!LIVE_DATA_FIELDS.has(field)) {
      throw new ConfigError(
        `${this.envId}: no live view of MjData field ${JSON.stringify(field)}; live fields are ${[...LIVE_DATA_FIELDS].join(', ')}.`,
      );
    }
    const data = this.live();
    if (field === 'efc_force') return (data as unknown as Record<string, Float64Array>)[field];
    const cached = this.liveData.get(field);
    if (cached !== undefined && cached.buffer.byteLength !== 0) return cached;
    const view = (data as unknown as Record<string, Float64Array>)[field];
    this.liveData.set(field, view);
    return view;
  }

  /**
   * A live, writable view of an `MjModel` array. The model is shared by every simulation of the
   * same source: a task that moves a fixture writes its own values before each physics call
   * (see `docs/envs/metaworld.md`).
   * @throws {@link ConfigError} for a field that is not a {@link MujocoLiveModelField}.
   */
  modelView(field: MujocoLiveModelField): Float64Array {
    if (!LIVE_MODEL_FIELDS.has(field)) {
      throw new ConfigError(
        `${this.envId}: no live view of MjModel field ${JSON.stringify(field)}; live fields are ${[...LIVE_MODEL_FIELDS].join(', ')}.`,
      );
    }
    this.live();
    const cached = this.liveModel.get(field);
    if (cached !== undefined && cached.buffer.byteLength !== 0) return cached;
    const view = (this.model as unknown as Record<string, Float64Array>)[field];
    this.liveModel.set(field, view);
    return view;
  }

  /**
   * The id of a named element (`mj_name2id`).
   * @throws {@link EnvError} when the model has no element of that kind and name.
   */
  nameToId(kind: MujocoElementKind, name: string): number {
    this.live();
    const id = this.rt.mujoco.mj_name2id(this.model!, OBJECT_TYPES[kind], name);
    if (id < 0) {
      throw new EnvError(
        `${this.envId}: the model has no ${kind} named ${JSON.stringify(name)}. The model files may be from another version; use the files this env was written for.`,
      );
    }
    return id;
  }

  /** The active contacts after the last physics call (`data.contact[0 .. ncon)`), copied out. */
  contacts(): MujocoContact[] {
    const data = this.live();
    const n = data.ncon;
    if (n === 0) return [];
    const vec = data.contact;
    const out: MujocoContact[] = [];
    try {
      for (let i = 0; i < n; i++) {
        const c = vec.get(i);
        if (c === undefined) break;
        try {
          out.push({ geom1: c.geom1, geom2: c.geom2, efcAddress: c.exclude === 0 ? c.efc_address : -1 });
        } finally {
          c.delete();
        }
      }
    } finally {
      vec.delete();
    }
    return out;
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
    const mujoco = this.rt.mujoco;
    for (let k = 0; k < frames; k++) mujoco.mj_step(model, data);
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
    this.liveData.clear();
    this.liveModel.clear();
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
