/**
 * {@link SawyerEnv}: what every Meta-World task shares, following Meta-World v3's `SawyerXYZEnv`
 * (the Sawyer arm driven through a mocap body, on MuJoCo):
 *
 * - **Action** (4, in [-1, 1]): `(dx, dy, dz, grip)`. The mocap target moves by
 *   `clip(a[:3], -1, 1) / 100` (at most 1 cm per step and axis), clipped to the task's hand box,
 *   with orientation fixed at (1, 0, 1, 0); the fingers' position actuators get `(grip, -grip)`
 *   (MuJoCo clamps them to ±1). Then 5 physics steps of 2.5 ms (dt = 12.5 ms, 80 Hz) and a
 *   `mj_forward`.
 * - **Observation** (39, float32): hand position (3), gripper opening (distance between the claws
 *   / 0.1, clipped to [0, 1]), object 1 position (3) and quaternion (4), object 2 (7, zeros for the
 *   six tasks here), then the same 18 values of the previous step, then the goal (3; zeros when
 *   `partiallyObservable`). After a step it is clipped to {@link SawyerEnv.observationSpace}; the
 *   reset observation is not, and its previous-step part is a copy of the current one.
 * - **Episode**: 500 steps; the 500th step returns `truncated: true`, stepping on raises. Never
 *   `terminated`. `info.success` is 1 while the task's success test holds (count an episode as
 *   solved if it is 1 at any step, as Meta-World's evaluation does).
 * - **Reset**: as Meta-World's `reset()`, which runs the task's `reset_model` twice around
 *   `mj_resetData`: the fixtures a task moves (box, coffee machine, peg) are first placed for one
 *   random draw, the state is reset, the hand is driven to its start (50 × 5 physics steps with
 *   the gripper open), then a second draw places objects, fixtures and the goal. Only the second
 *   draw's values are kept; the first only decides where the fixtures stood while the hand moved.
 * - **Goals**: `goals: 'random'` draws each reset's object and goal positions uniformly within the
 *   task's ranges from the reset seed's stream; `goals: 'mt'` is Meta-World's MT setting, a fixed
 *   set of `numGoals` (50) draws made once from `taskSeed`, one of which each reset uses (picked
 *   at random, or `goalIndex`).
 *
 * The compiled model is shared by every env of the same task and folder; the fixtures a task moves
 * are written into it by each env before each of its physics calls, so envs with different goals
 * can step in turn. Rewards are Meta-World's "v2" functions, computed in float64 on the clipped
 * float64 observation. Randomness comes from the library's {@link Rng}: a seed reproduces our
 * episodes, not NumPy's. Details and differences: `docs/envs/metaworld.md`.
 *
 * @module
 */
import { ConfigError, EnvError, ShapeError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { Box } from '../../core/spaces.js';
import type { Env, EnvMetadata, Info, ResetOptions, ResetResult, StepResult } from '../env.js';
import { mujocoModelFromFolder } from '../mujoco/model-folder.js';
import type { MujocoState } from '../mujoco/locomotion-env.js';
import { OptionReader } from '../mujoco/options.js';
import { MujocoSimulation } from '../mujoco/simulation.js';
import { resolveResetRng, validateSeed } from '../seeding.js';
import { requireMetaWorldAssets, resolveMetaWorldAssetsDir, type MetaWorldAssetsOptions } from './assets.js';
import { hamacherProduct, tolerance } from './reward-utils.js';

/** A point or vector in the world frame (metres). */
export type Vec3 = readonly [x: number, y: number, z: number];

/** The six Meta-World tasks implemented here (Meta-World's names without the version). */
export type MetaWorldTaskName =
  'sweep-into' | 'coffee-push' | 'disassemble' | 'box-close' | 'hand-insert' | 'bin-picking';

/** Every {@link MetaWorldTaskName}: the paper's seen tasks, then its unseen ones. */
export const METAWORLD_TASKS: readonly MetaWorldTaskName[] = Object.freeze([
  'sweep-into',
  'coffee-push',
  'disassemble',
  'box-close',
  'hand-insert',
  'bin-picking',
]);

/** How reset positions are chosen: fresh draws (`random`) or Meta-World's fixed MT goal set (`mt`). */
export type MetaWorldGoalMode = 'random' | 'mt';

/** Meta-World's episode length (`max_path_length`). */
export const METAWORLD_MAX_PATH_LENGTH = 500;

/** Goals per task in Meta-World's benchmarks (`_N_GOALS`). */
export const METAWORLD_NUM_GOALS = 50;

/** Physics steps per env step. */
export const METAWORLD_FRAME_SKIP = 5;

/** Mocap displacement per unit of action (1 cm). */
export const METAWORLD_ACTION_SCALE = 1 / 100;

/** Bytes of each env's MuJoCo arena; the models peak near 40 KiB, so 4 MiB leaves room for piles of contacts. */
export const METAWORLD_ARENA_BYTES = 4 << 20;

/** Options of every Meta-World env. */
export interface MetaWorldOptions extends MetaWorldAssetsOptions {
  /** The version in the id (`-v3`, or `-v2` as an alias with the same behaviour). @defaultValue 3 */
  readonly version?: 2 | 3;
  /** `random` (a new draw per reset) or `mt` (Meta-World's fixed goal set). @defaultValue 'random' */
  readonly goals?: MetaWorldGoalMode;
  /** Seed of the MT goal set (Meta-World's benchmark seed). Only with `goals: 'mt'`. @defaultValue 0 */
  readonly taskSeed?: number;
  /** Size of the MT goal set. Only with `goals: 'mt'`. @defaultValue 50 */
  readonly numGoals?: number;
  /**
   * Always use this goal of the MT set (Meta-World's `set_task(train_tasks[i])`); without it each
   * reset picks one at random. `reset({ options: { goalIndex } })` picks one for one episode.
   */
  readonly goalIndex?: number;
  /** Zero the goal in observations (Meta-World's ML setting). @defaultValue false */
  readonly partiallyObservable?: boolean;
  /** Steps after which the episode is truncated. @defaultValue 500 */
  readonly maxPathLength?: number;
}

/** The option keys {@link MetaWorldOptions} holds. */
export const METAWORLD_OPTION_KEYS: readonly string[] = Object.freeze([
  'assetsDir',
  'version',
  'goals',
  'taskSeed',
  'numGoals',
  'goalIndex',
  'partiallyObservable',
  'maxPathLength',
]);

/** The fixed facts of one task (ranges as in Meta-World v3's task file). */
export interface SawyerTaskDefinition {
  /** The task. */
  readonly name: MetaWorldTaskName;
  /** Model file in the asset folder. */
  readonly modelFile: string;
  /** Lower corner of the hand (and mocap) box. */
  readonly handLow: Vec3;
  /** Upper corner of the hand (and mocap) box. */
  readonly handHigh: Vec3;
  /** Lower corner of the object's random position. */
  readonly objLow: Vec3;
  /** Upper corner of the object's random position. */
  readonly objHigh: Vec3;
  /** Lower corner of the goal's random position. */
  readonly goalLow: Vec3;
  /** Upper corner of the goal's random position. */
  readonly goalHigh: Vec3;
  /** Lower corner of the goal in the observation space (the goal range unless a task shifts it). */
  readonly goalSpaceLow?: Vec3;
  /** Upper corner of the goal in the observation space. */
  readonly goalSpaceHigh?: Vec3;
  /** Where the hand is driven at reset. */
  readonly handInitPos: Vec3;
}

/** Parameters of {@link SawyerEnv.gripperCagingReward} (Meta-World's `_gripper_caging_reward`). */
export interface CagingParameters {
  /** Radius of the object's bounding sphere. */
  readonly objRadius: number;
  /** Pad-to-object distance that counts as caging. */
  readonly padSuccessThresh: number;
  /** Gripper-centre-to-object distance that counts as reached (medium density). */
  readonly objectReachRadius: number;
  /** Gripper-to-object distance in the x-z plane that counts as aligned. */
  readonly xzThresh: number;
  /** Gripper command that counts as fully closed. @defaultValue 1 */
  readonly desiredGripperEffort?: number;
  /** Average in the caging term. */
  readonly highDensity?: boolean;
  /** Average in a reach term. */
  readonly mediumDensity?: boolean;
}

/** What a task's reward function returns. */
export interface TaskEvaluation {
  /** The step's reward. */
  readonly reward: number;
  /** The info keys Meta-World reports for the task. */
  readonly info: Info;
}

const HAND_SPACE_LOW: Vec3 = [-0.525, 0.348, -0.0525];
const HAND_SPACE_HIGH: Vec3 = [0.525, 1.025, 0.7];
const MOCAP_QUAT = [1, 0, 1, 0] as const;
const CURRENT_DIM = 18;
/** Observation length: 18 current, 18 previous, 3 goal. */
export const METAWORLD_OBSERVATION_DIM = 39;

/** A float32 rounding of each coordinate, for positions Meta-World stores as float32. */
export function float32Vec(v: Vec3): Vec3 {
  return [Math.fround(v[0]), Math.fround(v[1]), Math.fround(v[2])];
}

/**
 * Base class of the Meta-World tasks. Subclasses give the task's facts, object pose, reset and
 * reward; the base class owns the simulation, the mocap control, observations, goals and the
 * episode bookkeeping.
 *
 * Lifetime: the constructor allocates an `MjData` (a few MiB of WASM memory) and takes a reference
 * to the task's shared compiled model; {@link SawyerEnv.close} frees both.
 */
export abstract class SawyerEnv implements Env<Float32Array, Float32Array> {
  /** The id these semantics follow, e.g. `MetaWorld/box-close-v3`. */
  readonly id: string;
  /** The task. */
  readonly task: MetaWorldTaskName;
  /** The version in the id. */
  readonly version: 2 | 3;
  /** 39 values, float32; bounds as Meta-World's (hand box, gripper [-1, 1], objects unbounded, goal range). */
  readonly observationSpace: Box<'float32'>;
  /** `Box(-1, 1, [4])`, float32. */
  readonly actionSpace: Box<'float32'>;
  /** No rendering; `renderFps` 80. */
  readonly metadata: EnvMetadata;
  /** Physics steps per env step (5). */
  readonly frameSkip = METAWORLD_FRAME_SKIP;
  /** Seconds per env step (0.0125). */
  readonly dt: number;
  /** Steps after which an episode is truncated. */
  readonly maxPathLength: number;
  /** How reset positions are chosen. */
  readonly goals: MetaWorldGoalMode;
  /** The MT goal set (each a 6-vector: object xyz, goal xyz), or `null` in `random` mode. */
  readonly goalSet: readonly Float64Array[] | null;
  /** The fixed MT goal, when `goalIndex` was given. */
  readonly goalIndex: number | undefined;
  /** Whether the goal is zeroed in observations. */
  readonly partiallyObservable: boolean;
  /** The asset folder the models came from. */
  readonly assetsDir: string;
  /** The task's fixed facts. */
  readonly definition: SawyerTaskDefinition;
  /** The simulation. */
  protected readonly sim: MujocoSimulation;
  /** The goal of the episode (`_target_pos`). */
  protected readonly targetPos = new Float64Array(3);
  /** The object's start position this episode (`obj_init_pos`). */
  protected readonly objInitPos = new Float64Array(3);
  /** The gripper centre after the hand reset (`init_tcp`). */
  protected readonly initTcp = new Float64Array(3);
  /** The left pad's position in the model's reference pose (`init_left_pad`). */
  protected readonly initLeftPad = new Float64Array(3);
  /** The right pad's position in the model's reference pose (`init_right_pad`). */
  protected readonly initRightPad = new Float64Array(3);
  /** The 6-vector of the episode's draw: object xyz, goal xyz. */
  protected readonly randVec = new Float64Array(6);
  private readonly handId: number;
  private readonly rightClawId: number;
  private readonly leftClawId: number;
  private readonly leftPadId: number;
  private readonly rightPadId: number;
  private readonly leftPadGeomId: number;
  private readonly rightPadGeomId: number;
  private readonly rightTipSiteId: number;
  private readonly leftTipSiteId: number;
  private readonly mocapLow: Float64Array;
  private readonly mocapHigh: Float64Array;
  private readonly obsLow: Float64Array;
  private readonly obsHigh: Float64Array;
  private readonly fixtures = new Map<number, Float64Array>();
  private readonly current = new Float64Array(CURRENT_DIM);
  private readonly previous = new Float64Array(CURRENT_DIM);
  private readonly obs64 = new Float64Array(METAWORLD_OBSERVATION_DIM);
  private rng: Rng | undefined;
  private pathLength = 0;
  private hasState = false;

  /**
   * @param definition - the task's facts.
   * @param options - the caller's options (see {@link MetaWorldOptions}).
   * @param extraOptionKeys - option keys a subclass reads itself.
   * @throws {@link ConfigError} on an unknown option or a bad value; {@link MetaWorldAssetsError}
   *   when no asset folder is named or it is not loaded yet (`await loadMetaWorldAssets()` first).
   */
  protected constructor(
    definition: SawyerTaskDefinition,
    options: MetaWorldOptions | undefined,
    extraOptionKeys: readonly string[] = [],
  ) {
    const version = options?.version ?? 3;
    if (version !== 2 && version !== 3) {
      throw new ConfigError(
        `MetaWorld/${definition.name} version must be 3 (or 2, an alias with the same behaviour), got ${String(version)}.`,
      );
    }
    const id = `MetaWorld/${definition.name}-v${version}`;
    const reader = new OptionReader(id, options, [...METAWORLD_OPTION_KEYS, ...extraOptionKeys]);
    const goals = (options?.goals ?? 'random') as unknown;
    if (goals !== 'random' && goals !== 'mt') {
      throw new ConfigError(`${id} option goals must be 'random' or 'mt', got ${JSON.stringify(goals)}.`);
    }
    this.maxPathLength = reader.number('maxPathLength', METAWORLD_MAX_PATH_LENGTH, { min: 1, integer: true });
    this.partiallyObservable = reader.boolean('partiallyObservable', false);
    const taskSeed = reader.number('taskSeed', 0, { min: 0, integer: true });
    const numGoals = reader.number('numGoals', METAWORLD_NUM_GOALS, { min: 1, integer: true });
    const goalIndex = reader.has('goalIndex') ? reader.number('goalIndex', 0, { min: 0, integer: true }) : undefined;
    if (goals === 'random' && (reader.has('taskSeed') || reader.has('numGoals') || goalIndex !== undefined)) {
      throw new ConfigError(
        `${id}: taskSeed, numGoals and goalIndex belong to the MT goal set; add { goals: 'mt' } or drop them.`,
      );
    }
    if (goalIndex !== undefined && goalIndex >= numGoals) {
      throw new ConfigError(
        `${id}: goalIndex ${goalIndex} is outside the MT goal set of ${numGoals} goals (0..${numGoals - 1}).`,
      );
    }
    this.id = id;
    this.task = definition.name;
    this.version = version;
    this.definition = definition;
    this.goals = goals;
    this.goalIndex = goalIndex;
    this.assetsDir = resolveMetaWorldAssetsDir(options, id);
    const folder = requireMetaWorldAssets(this.assetsDir, id);
    // Every option has been checked; only now allocate WASM memory.
    this.sim = new MujocoSimulation(
      mujocoModelFromFolder(folder, definition.modelFile, {
        arenaBytes: METAWORLD_ARENA_BYTES,
        variant: 'metaworld-weld',
        prepare: (model) => resetMocapWelds(model),
      }),
      id,
    );
    try {
      const sim = this.sim;
      this.handId = sim.nameToId('body', 'hand');
      this.rightClawId = sim.nameToId('body', 'rightclaw');
      this.leftClawId = sim.nameToId('body', 'leftclaw');
      this.leftPadId = sim.nameToId('body', 'leftpad');
      this.rightPadId = sim.nameToId('body', 'rightpad');
      this.leftPadGeomId = sim.nameToId('geom', 'leftpad_geom');
      this.rightPadGeomId = sim.nameToId('geom', 'rightpad_geom');
      this.rightTipSiteId = sim.nameToId('site', 'rightEndEffector');
      this.leftTipSiteId = sim.nameToId('site', 'leftEndEffector');
      if (sim.nmocap !== 1 || sim.nu !== 2) {
        throw new EnvError(
          `${id}: expected a Sawyer model with one mocap body and two finger actuators, found ${sim.nmocap} and ${sim.nu}. Use Meta-World's own asset folder.`,
        );
      }
      this.dt = sim.timestep * this.frameSkip;
      this.mocapLow = Float64Array.from(definition.handLow);
      this.mocapHigh = Float64Array.from(definition.handHigh);
      const goalLow = definition.goalSpaceLow ?? definition.goalLow;
      const goalHigh = definition.goalSpaceHigh ?? definition.goalHigh;
      const half = [...HAND_SPACE_LOW, -1, ...new Array<number>(14).fill(-Infinity)];
      const halfHigh = [...HAND_SPACE_HIGH, 1, ...new Array<number>(14).fill(Infinity)];
      this.obsLow = Float64Array.from([...half, ...half, ...(this.partiallyObservable ? [0, 0, 0] : goalLow)]);
      this.obsHigh = Float64Array.from([
        ...halfHigh,
        ...halfHigh,
        ...(this.partiallyObservable ? [0, 0, 0] : goalHigh),
      ]);
      this.observationSpace = new Box({ low: this.obsLow, high: this.obsHigh, dtype: 'float32' });
      this.actionSpace = new Box({ low: -1, high: 1, shape: [4], dtype: 'float32' });
      this.metadata = Object.freeze({ renderModes: [], renderFps: Math.round(1 / this.dt) });
      // The reference pose's pad positions (Meta-World reads them once, right after loading).
      sim.resetData();
      sim.forward();
      const xpos = sim.dataView('xpos');
      for (let k = 0; k < 3; k++) {
        this.initLeftPad[k] = xpos[3 * this.leftPadId + k]!;
        this.initRightPad[k] = xpos[3 * this.rightPadId + k]!;
      }
      this.goalSet = goals === 'mt' ? Object.freeze(this.makeGoalSet(taskSeed, numGoals)) : null;
    } catch (error) {
      this.sim.close();
      throw error;
    }
  }

  // ----- what a task supplies -------------------------------------------------------------

  /**
   * Whether a draw is acceptable (Meta-World redraws until it is, e.g. object far enough from the
   * goal). Called from the base constructor for the MT goal set: it must use only `vec` and
   * constants, not instance fields.
   */
  protected abstract acceptDraw(vec: Float64Array): boolean;

  /** Places the fixtures a draw decides (box, coffee machine, peg), without touching the state. */
  protected abstract placeFixtures(vec: Float64Array): void;

  /** The second half of reset, after the hand reset: objects, fixtures, goal, `objInitPos`. */
  protected abstract resetTask(vec: Float64Array): void;

  /** Writes object 1's position (3) and quaternion (4) to `out[at .. at + 7)`. */
  protected abstract objectPose(out: Float64Array, at: number): void;

  /** The task's reward and info for a step, from the clipped float64 observation and the action. */
  protected abstract evaluate(obs: Float64Array, action: Float32Array): TaskEvaluation;

  // ----- the Env contract -------------------------------------------------------------------

  /**
   * Starts an episode (see the module notes). `options.goalIndex` picks the MT goal for this
   * episode. Returns the first observation (a fresh array) and `{ goalIndex }` in MT mode.
   * @throws {@link ConfigError} on a bad seed or goal index; {@link EnvError} after `close()`.
   */
  reset(options: ResetOptions = {}): ResetResult<Float32Array> {
    const requested = options?.options?.['goalIndex'];
    let goalIndex: number | undefined;
    if (requested !== undefined) {
      if (this.goalSet === null) {
        throw new ConfigError(
          `${this.id}: reset option goalIndex needs the MT goal set; make the env with { goals: 'mt' }.`,
        );
      }
      if (
        typeof requested !== 'number' ||
        !Number.isInteger(requested) ||
        requested < 0 ||
        requested >= this.goalSet.length
      ) {
        throw new ConfigError(
          `${this.id}: reset option goalIndex must be an integer in 0..${this.goalSet.length - 1}, got ${JSON.stringify(requested)}.`,
        );
      }
      goalIndex = requested;
    }
    this.rng = resolveResetRng(this.rng, validateSeed(options?.seed));
    const rng = this.rng;
    if (this.goalSet !== null) goalIndex ??= this.goalIndex ?? rng.int(this.goalSet.length);
    const draw = (): Float64Array => {
      if (goalIndex !== undefined) return this.goalSet![goalIndex];
      return this.drawAccepted(rng);
    };
    this.pathLength = 0;
    // Meta-World's first reset_model pass: only the fixtures it places outlive the state reset.
    this.placeFixtures(draw());
    this.sim.resetData();
    this.resetHand();
    this.randVec.set(draw());
    this.resetTask(this.randVec);
    this.hasState = true;
    this.readCurrent(this.current);
    this.previous.set(this.current);
    this.assemble(this.obs64);
    const info: Info = goalIndex === undefined ? {} : { goalIndex };
    return [Float32Array.from(this.obs64), info];
  }

  /**
   * Applies `action` (see the module notes) and returns the observation (a fresh array), the
   * reward, `terminated` (always false), `truncated` (true on step {@link SawyerEnv.maxPathLength})
   * and the task's info.
   * @throws {@link EnvError} before `reset()`, after `close()`, past the step limit, or for a
   *   non-finite action; {@link ShapeError} when the action does not have 4 values.
   */
  step(action: Float32Array): StepResult<Float32Array> {
    if (!this.hasState)
      throw new EnvError(`${this.id} step() was called before reset(); call env.reset({ seed }) first.`);
    if (this.pathLength >= this.maxPathLength) {
      throw new EnvError(
        `${this.id}: the episode was truncated after ${this.maxPathLength} steps; call env.reset() before stepping again.`,
      );
    }
    if (action === null || typeof action !== 'object' || (action as ArrayLike<number>).length !== 4) {
      throw new ShapeError(
        `${this.id} action must be a Float32Array of 4 values (dx, dy, dz, gripper) in [-1, 1], got ${action === null || typeof action !== 'object' ? String(action) : `length ${(action as ArrayLike<number>).length}`}.`,
      );
    }
    for (let i = 0; i < 4; i++) {
      if (!Number.isFinite(action[i])) {
        throw new EnvError(
          `${this.id} action[${i}] is ${action[i]}; check the policy output for NaN/Infinity before stepping.`,
        );
      }
    }
    const sim = this.sim;
    const mocapPos = sim.dataView('mocap_pos');
    for (let k = 0; k < 3; k++) {
      const a = Math.min(1, Math.max(-1, action[k]));
      const target = mocapPos[k] + a * METAWORLD_ACTION_SCALE;
      mocapPos[k] = Math.min(this.mocapHigh[k], Math.max(this.mocapLow[k], target));
    }
    sim.dataView('mocap_quat').set(MOCAP_QUAT);
    const ctrl = sim.views().ctrl;
    ctrl[0] = action[3]!;
    ctrl[1] = -action[3];
    this.physics(this.frameSkip);
    this.pathLength++;
    this.forward();
    this.readCurrent(this.current);
    this.assemble(this.obs64);
    const obs = this.obs64;
    for (let i = 0; i < METAWORLD_OBSERVATION_DIM; i++) {
      const v = obs[i];
      obs[i] = v < this.obsLow[i] ? this.obsLow[i] : v > this.obsHigh[i] ? this.obsHigh[i] : v;
    }
    const { reward, info } = this.evaluate(obs, action);
    const truncated = this.pathLength === this.maxPathLength;
    return [Float32Array.from(obs), reward, false, truncated, info];
  }

  /** Frees the `MjData` and releases the shared model. Safe to call more than once. */
  close(): void {
    this.sim.close();
  }

  /** Whether `close()` has run. */
  get closed(): boolean {
    return this.sim.closed;
  }

  /** Steps taken in the current episode. */
  get elapsedSteps(): number {
    return this.pathLength;
  }

  /** The current goal (`_target_pos`), a copy. */
  get goal(): Float64Array {
    return Float64Array.from(this.targetPos);
  }

  /** The object's start position this episode (`obj_init_pos`), a copy. */
  get objectStart(): Float64Array {
    return Float64Array.from(this.objInitPos);
  }

  /** Copies of `qpos` and `qvel` (float64). @throws {@link EnvError} after `close()`. */
  getState(): MujocoState {
    const { qpos, qvel } = this.sim.views();
    return { qpos: Float64Array.from(qpos), qvel: Float64Array.from(qvel) };
  }

  // ----- helpers for tasks ------------------------------------------------------------------

  /** Body `id`'s world position (`xpos`, Gymnasium's `get_body_com`), written to `out` (or a new array). */
  protected bodyPosition(id: number, out: Float64Array = new Float64Array(3)): Float64Array {
    const xpos = this.sim.dataView('xpos');
    out[0] = xpos[3 * id]!;
    out[1] = xpos[3 * id + 1]!;
    out[2] = xpos[3 * id + 2]!;
    return out;
  }

  /** Site `id`'s world position, written to `out` (or a new array). */
  protected sitePosition(id: number, out: Float64Array = new Float64Array(3)): Float64Array {
    const xpos = this.sim.dataView('site_xpos');
    out[0] = xpos[3 * id]!;
    out[1] = xpos[3 * id + 1]!;
    out[2] = xpos[3 * id + 2]!;
    return out;
  }

  /** Body `id`'s orientation (`xquat`, w x y z) written to `out[at .. at + 4)`. */
  protected bodyQuaternion(id: number, out: Float64Array, at: number): void {
    const q = this.sim.dataView('xquat');
    for (let k = 0; k < 4; k++) out[at + k] = q[4 * id + k]!;
  }

  /** The point between the two fingertips (`tcp_center`). */
  protected tcpCenter(out: Float64Array = new Float64Array(3)): Float64Array {
    const xpos = this.sim.dataView('site_xpos');
    const r = 3 * this.rightTipSiteId;
    const l = 3 * this.leftTipSiteId;
    for (let k = 0; k < 3; k++) out[k] = (xpos[r + k] + xpos[l + k]) / 2;
    return out;
  }

  /** The left pad's position (`get_body_com("leftpad")`). */
  protected leftPad(out: Float64Array = new Float64Array(3)): Float64Array {
    return this.bodyPosition(this.leftPadId, out);
  }

  /** The right pad's position (`get_body_com("rightpad")`). */
  protected rightPad(out: Float64Array = new Float64Array(3)): Float64Array {
    return this.bodyPosition(this.rightPadId, out);
  }

  /**
   * Moves the fixed body `bodyId` to `pos` for this env (Meta-World's `model.body(name).pos = …`).
   * The position is written into the shared model before each of this env's physics calls.
   */
  protected setFixture(bodyId: number, pos: ArrayLike<number>): void {
    let slot = this.fixtures.get(bodyId);
    if (slot === undefined) {
      slot = new Float64Array(3);
      this.fixtures.set(bodyId, slot);
    }
    slot[0] = pos[0]!;
    slot[1] = pos[1]!;
    slot[2] = pos[2]!;
    this.applyFixtures();
  }

  /**
   * Meta-World's `_set_obj_xyz`: `qpos[at .. at + 3) = pos`, `qvel[9 .. 15) = 0`, then `mj_forward`.
   * (Meta-World zeroes `qvel[9:15]` whatever the object's joint is; so does this.)
   */
  protected setObjectPosition(pos: ArrayLike<number>, at = 9): void {
    const { qpos, qvel } = this.sim.views();
    qpos[at] = pos[0]!;
    qpos[at + 1] = pos[1]!;
    qpos[at + 2] = pos[2]!;
    for (let i = 9; i < 15; i++) qvel[i] = 0;
    this.forward();
  }

  /** Runs `frames` physics steps with the current controls (fixtures applied first). */
  protected physics(frames: number): void {
    this.applyFixtures();
    this.sim.step(frames);
  }

  /** `mj_forward` of the current state (fixtures applied first). */
  protected forward(): void {
    this.applyFixtures();
    this.sim.forward();
  }

  /**
   * Meta-World's `touching_object`: whether both finger pads press on geom `geomId` (the summed
   * normal force of their contacts with it is positive for each).
   */
  protected touching(geomId: number): boolean {
    const contacts = this.sim.contacts();
    if (contacts.length === 0) return false;
    const force = this.sim.dataView('efc_force');
    let left = 0;
    let right = 0;
    for (const c of contacts) {
      const withObject = c.geom1 === geomId || c.geom2 === geomId;
      if (!withObject || c.efcAddress < 0) continue;
      if (c.geom1 === this.leftPadGeomId || c.geom2 === this.leftPadGeomId) left += force[c.efcAddress];
      if (c.geom1 === this.rightPadGeomId || c.geom2 === this.rightPadGeomId) right += force[c.efcAddress];
    }
    return left > 0 && right > 0;
  }

  /** The id of a named element of the task's model. @throws {@link EnvError} when it is missing. */
  protected elementId(kind: 'body' | 'geom' | 'site', name: string): number {
    return this.sim.nameToId(kind, name);
  }

  /**
   * Meta-World's `_gripper_caging_reward`: how well the pads cage `objPos` along y, how close the
   * gripper centre is in x-z, and (once caged) how firmly the gripper closes, combined with
   * Hamacher products; optionally averaged with the caging term (`highDensity`) or a reach term
   * (`mediumDensity`).
   */
  protected gripperCagingReward(action: Float32Array, objPos: Float64Array, p: CagingParameters): number {
    const left = this.leftPad(scratchA);
    const right = this.rightPad(scratchB);
    const padY = [left[1], right[1]];
    const caging = [0, 0];
    for (let i = 0; i < 2; i++) {
      const toObj = Math.abs(padY[i] - objPos[1]);
      const toObjInit = Math.abs(padY[i] - this.objInitPos[1]);
      const margin = Math.abs(toObjInit - p.padSuccessThresh);
      caging[i] = tolerance(toObj, p.objRadius, p.padSuccessThresh, margin);
    }
    const cagingY = hamacherProduct(caging[0], caging[1]);
    const tcp = this.tcpCenter(scratchC);
    const xzMargin =
      Math.hypot(this.objInitPos[0] - this.initTcp[0], this.objInitPos[2] - this.initTcp[2]) - p.xzThresh;
    const cagingXz = tolerance(Math.hypot(tcp[0] - objPos[0], tcp[2] - objPos[2]), 0, p.xzThresh, xzMargin);
    const effort = p.desiredGripperEffort ?? 1;
    const gripperClosed = Math.min(Math.max(0, action[3]), effort) / effort;
    const cagingAll = hamacherProduct(cagingY, cagingXz);
    const gripping = cagingAll > 0.97 ? gripperClosed : 0;
    let result = hamacherProduct(cagingAll, gripping);
    if (p.highDensity === true) result = (result + cagingAll) / 2;
    if (p.mediumDensity === true) {
      const tcpToObj = Math.hypot(objPos[0] - tcp[0], objPos[1] - tcp[1], objPos[2] - tcp[2]);
      const tcpToObjInit = Math.hypot(
        this.objInitPos[0] - this.initTcp[0],
        this.objInitPos[1] - this.initTcp[1],
        this.objInitPos[2] - this.initTcp[2],
      );
      const reachMargin = Math.abs(tcpToObjInit - p.objectReachRadius);
      const reach = tolerance(tcpToObj, 0, p.objectReachRadius, reachMargin);
      result = (result + reach) / 2;
    }
    return result;
  }

  // ----- internals --------------------------------------------------------------------------

  private applyFixtures(): void {
    if (this.fixtures.size === 0) return;
    const bodyPos = this.sim.modelView('body_pos');
    for (const [id, pos] of this.fixtures) bodyPos.set(pos, 3 * id);
  }

  /** Meta-World's `_reset_hand`: 50 times, mocap to the start pose and 5 steps with the gripper open. */
  private resetHand(): void {
    const sim = this.sim;
    const hand = this.definition.handInitPos;
    for (let i = 0; i < 50; i++) {
      const mocapPos = sim.dataView('mocap_pos');
      mocapPos[0] = hand[0];
      mocapPos[1] = hand[1];
      mocapPos[2] = hand[2];
      sim.dataView('mocap_quat').set(MOCAP_QUAT);
      const ctrl = sim.views().ctrl;
      ctrl[0] = -1;
      ctrl[1] = 1;
      this.physics(this.frameSkip);
    }
    this.tcpCenter(this.initTcp);
  }

  private drawAccepted(rng: Rng): Float64Array {
    const d = this.definition;
    const vec = new Float64Array(6);
    for (let attempt = 0; attempt < 10_000; attempt++) {
      for (let k = 0; k < 3; k++) {
        vec[k] = rng.uniform(d.objLow[k], d.objHigh[k]);
        vec[3 + k] = rng.uniform(d.goalLow[k], d.goalHigh[k]);
      }
      if (this.acceptDraw(vec)) return vec;
    }
    throw new EnvError(
      `${this.id}: no acceptable object and goal positions in 10000 draws; the task's ranges are inconsistent.`,
    );
  }

  private makeGoalSet(taskSeed: number, numGoals: number): Float64Array[] {
    const rng = new Rng(taskSeed);
    const set: Float64Array[] = [];
    for (let i = 0; i < numGoals; i++) set.push(this.drawAccepted(rng));
    return set;
  }

  /** The 18 current values: hand, gripper opening, object pose padded to 14. */
  private readCurrent(out: Float64Array): void {
    const xpos = this.sim.dataView('xpos');
    const h = 3 * this.handId;
    out[0] = xpos[h]!;
    out[1] = xpos[h + 1]!;
    out[2] = xpos[h + 2]!;
    const r = 3 * this.rightClawId;
    const l = 3 * this.leftClawId;
    const apart = Math.hypot(xpos[r] - xpos[l], xpos[r + 1] - xpos[l + 1], xpos[r + 2] - xpos[l + 2]);
    out[3] = Math.min(1, Math.max(0, apart / 0.1));
    out.fill(0, 4);
    this.objectPose(out, 4);
  }

  /** `[current, previous, goal]`, then previous := current. */
  private assemble(out: Float64Array): void {
    out.set(this.current, 0);
    out.set(this.previous, CURRENT_DIM);
    if (this.partiallyObservable) out.fill(0, 2 * CURRENT_DIM);
    else out.set(this.targetPos, 2 * CURRENT_DIM);
    this.previous.set(this.current);
  }
}

const scratchA = new Float64Array(3);
const scratchB = new Float64Array(3);
const scratchC = new Float64Array(3);

/** Meta-World's `reset_mocap_welds`: every weld's data becomes relpose identity (w = -1) and torque scale 5. */
function resetMocapWelds(model: { neq: number; eq_type: Int32Array; eq_data: Float64Array }): void {
  const WELD = 1;
  const STRIDE = 11;
  const types = model.eq_type;
  const data = model.eq_data;
  for (let i = 0; i < model.neq; i++) {
    if (types[i] !== WELD) continue;
    data.fill(0, i * STRIDE, (i + 1) * STRIDE);
    data[i * STRIDE + 6] = -1;
    data[i * STRIDE + 10] = 5;
  }
}
