/**
 * {@link CoffeePushEnv}: Meta-World's `coffee-push-v3`: push the mug under the coffee machine's
 * spout. Model `sawyer_xyz/sawyer_coffee.xml`.
 *
 * - Draw: mug `x ∈ [-0.1, 0.1]`, `y ∈ [0.55, 0.65]`, `z ∈ [-0.001, 0.001]`; goal
 *   `x ∈ [-0.05, 0.05]`, `y ∈ [0.7, 0.75]`, `z ∈ [-0.001, 0.001]`; redrawn until at least 0.15
 *   apart in x-y. The machine stands 0.22 behind the goal (+y).
 * - Reset: the mug's free joint (the first joint of this model, `qpos[0:3]`) is set to its start,
 *   then the machine moves.
 * - Object: body `obj` (the mug) position; orientation of geom `mug` as SciPy's (x, y, z, w).
 * - Reward ("v2"): `H(grasped, inPlace)`, plus `1 + 5·inPlace` while the gripper is open within
 *   0.04 of the mug, 10 once the mug is within 0.05 of the goal (x-y errors weighted 2×).
 *   `grasped` is the shared caging term (radius 0.02, pads 0.05, x-z 0.05, effort 0.7, with a
 *   reach term).
 * - Success: mug within 0.07 of the goal.
 *
 * @module
 */
import type { Info } from '../../env.js';
import { hamacherProduct, tolerance } from '../reward-utils.js';
import { matrixToQuatXyzw } from '../rotation.js';
import { SawyerEnv, type MetaWorldOptions, type SawyerTaskDefinition, type TaskEvaluation } from '../sawyer-env.js';

/** The fixed facts of coffee-push (Meta-World v3). */
export const COFFEE_PUSH: SawyerTaskDefinition = Object.freeze<SawyerTaskDefinition>({
  name: 'coffee-push',
  modelFile: 'sawyer_xyz/sawyer_coffee.xml',
  handLow: [-0.5, 0.4, 0.05],
  handHigh: [0.5, 1, 0.5],
  objLow: [-0.1, 0.55, -0.001],
  objHigh: [0.1, 0.65, 0.001],
  goalLow: [-0.05, 0.7, -0.001],
  goalHigh: [0.05, 0.75, 0.001],
  handInitPos: [0, 0.4, 0.2],
});

/** The machine's offset from the goal. */
const MACHINE_OFFSET_Y = 0.22;

/** Meta-World's coffee-push (v3 semantics; `-v2` is an alias). */
export class CoffeePushEnv extends SawyerEnv {
  private readonly mugId: number;
  private readonly mugGeomId: number;
  private readonly machineId: number;
  private readonly obj = new Float64Array(3);
  private readonly tcp = new Float64Array(3);

  /**
   * @throws {@link ConfigError} on a bad option; {@link MetaWorldAssetsError} when the asset
   *   folder is not named or not loaded (`await loadMetaWorldAssets()` first).
   */
  constructor(options: MetaWorldOptions = {}) {
    super(COFFEE_PUSH, options);
    this.mugId = this.elementId('body', 'obj');
    this.mugGeomId = this.elementId('geom', 'mug');
    this.machineId = this.elementId('body', 'coffee_machine');
  }

  /** Mug at least 0.15 from the goal in x-y. */
  protected acceptDraw(vec: Float64Array): boolean {
    return Math.hypot(vec[0] - vec[3], vec[1] - vec[4]) >= 0.15;
  }

  /** The machine stands 0.22 behind the goal. */
  protected placeFixtures(vec: Float64Array): void {
    this.setFixture(this.machineId, [vec[3], vec[4] + MACHINE_OFFSET_Y, vec[5]]);
  }

  /** Mug to its start, then machine behind the goal. */
  protected resetTask(vec: Float64Array): void {
    this.setObjectPosition(vec.subarray(0, 3), 0);
    this.objInitPos.set(vec.subarray(0, 3));
    this.placeFixtures(vec);
    this.targetPos.set(vec.subarray(3, 6));
  }

  /** The mug: body `obj` position, geom `mug` orientation as (x, y, z, w). */
  protected objectPose(out: Float64Array, at: number): void {
    this.bodyPosition(this.mugId, out.subarray(at, at + 3));
    matrixToQuatXyzw(this.sim.dataView('geom_xmat'), 9 * this.mugGeomId, out, at + 3);
  }

  /** Meta-World's coffee-push "v2" reward. */
  protected evaluate(obs: Float64Array, action: Float32Array): TaskEvaluation {
    const obj = this.obj;
    obj.set(obs.subarray(4, 7));
    const t = this.targetPos;
    const init = this.objInitPos;
    const scaledToTarget = Math.hypot(2 * (obj[0] - t[0]), 2 * (obj[1] - t[1]), obj[2] - t[2]);
    const scaledInitToTarget = Math.hypot(2 * (init[0] - t[0]), 2 * (init[1] - t[1]), init[2] - t[2]);
    const inPlace = tolerance(scaledToTarget, 0, 0.05, scaledInitToTarget);
    const tcpOpened = obs[3];
    const tcp = this.tcpCenter(this.tcp);
    const tcpToObj = Math.hypot(obj[0] - tcp[0], obj[1] - tcp[1], obj[2] - tcp[2]);
    const grasped = this.gripperCagingReward(action, obj, {
      objectReachRadius: 0.04,
      objRadius: 0.02,
      padSuccessThresh: 0.05,
      xzThresh: 0.05,
      desiredGripperEffort: 0.7,
      mediumDensity: true,
    });
    let reward = hamacherProduct(grasped, inPlace);
    if (tcpToObj < 0.04 && tcpOpened > 0) reward += 1 + 5 * inPlace;
    if (scaledToTarget < 0.05) reward = 10;
    const objToTarget = Math.hypot(obj[0] - t[0], obj[1] - t[1], obj[2] - t[2]);
    const info: Info = {
      success: objToTarget <= 0.07 ? 1 : 0,
      near_object: tcpToObj <= 0.03 ? 1 : 0,
      grasp_success: tcpOpened > 0 && this.touching(this.mugGeomId) ? 1 : 0,
      grasp_reward: grasped,
      in_place_reward: inPlace,
      obj_to_target: objToTarget,
      unscaled_reward: reward,
    };
    return { reward, info };
  }
}
