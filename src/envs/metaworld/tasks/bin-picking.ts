/**
 * {@link BinPickingEnv}: Meta-World's `bin-picking-v3`: pick the cube out of the left bin and
 * drop it into the right bin. Model `sawyer_xyz/sawyer_bin_picking.xml`; the hand stays above
 * z = 0.07.
 *
 * - Draw: cube `x ∈ [-0.21, -0.03]`, `y ∈ [0.65, 0.75]` (its height is where it settled); the
 *   goal is the right bin's body position, (0.12, 0.7, 0); no redraws.
 * - Object: body `obj` position and `xquat` (w x y z).
 * - Reward ("v2"): `H(grasped, inPlace)`, plus `1 + 5·H(aboveFloor, inPlace)` while the cube is
 *   held (hand within 0.04, lifted 2 cm, gripper not pinched shut), 10 on success. `aboveFloor`
 *   keeps the hand above two log funnels around the start and the goal (the bins' walls);
 *   `grasped` is the shared caging term (radius 0.015, pads 0.05, x-z 0.01, effort 0.7, averaged
 *   with the caging term); `inPlace`'s margin is the first step's distance.
 * - Success: cube within 0.05 of the goal.
 *
 * @module
 */
import type { Info } from '../../env.js';
import { hamacherProduct, tolerance } from '../reward-utils.js';
import { SawyerEnv, type MetaWorldOptions, type SawyerTaskDefinition, type TaskEvaluation } from '../sawyer-env.js';

/** The fixed facts of bin-picking (Meta-World v3). */
export const BIN_PICKING: SawyerTaskDefinition = Object.freeze<SawyerTaskDefinition>({
  name: 'bin-picking',
  modelFile: 'sawyer_xyz/sawyer_bin_picking.xml',
  handLow: [-0.5, 0.4, 0.07],
  handHigh: [0.5, 1, 0.5],
  objLow: [-0.21, 0.65, 0.02],
  objHigh: [-0.03, 0.75, 0.02],
  goalLow: [0.1199, 0.699, -0.001],
  goalHigh: [0.1201, 0.701, 0.001],
  handInitPos: [0, 0.6, 0.2],
});

const TARGET_RADIUS = 0.05;

/** Meta-World's bin-picking (v3 semantics; `-v2` is an alias). */
export class BinPickingEnv extends SawyerEnv {
  private readonly objId: number;
  private readonly binGoalId: number;
  private readonly obj = new Float64Array(3);
  private targetToObjInit: number | null = null;

  /**
   * @throws {@link ConfigError} on a bad option; {@link MetaWorldAssetsError} when the asset
   *   folder is not named or not loaded (`await loadMetaWorldAssets()` first).
   */
  constructor(options: MetaWorldOptions = {}) {
    super(BIN_PICKING, options);
    this.objId = this.elementId('body', 'obj');
    this.binGoalId = this.elementId('body', 'bin_goal');
  }

  /** Every draw is accepted. */
  protected acceptDraw(): boolean {
    return true;
  }

  /** No fixtures move. */
  protected placeFixtures(): void {}

  /** Cube to the drawn x-y at its settled height; goal at the right bin. */
  protected resetTask(vec: Float64Array): void {
    const settledZ = this.bodyPosition(this.objId)[2];
    this.objInitPos.set([vec[0], vec[1], settledZ]);
    this.setObjectPosition(this.objInitPos);
    this.bodyPosition(this.binGoalId, this.targetPos);
    this.targetToObjInit = null;
  }

  /** The cube: body `obj` position and `xquat`. */
  protected objectPose(out: Float64Array, at: number): void {
    this.bodyPosition(this.objId, out.subarray(at, at + 3));
    this.bodyQuaternion(this.objId, out, at + 3);
  }

  /** Meta-World's bin-picking "v2" reward. */
  protected evaluate(obs: Float64Array, action: Float32Array): TaskEvaluation {
    const obj = this.obj;
    obj.set(obs.subarray(4, 7));
    const hx = obs[0];
    const hy = obs[1];
    const hz = obs[2];
    const t = this.targetPos;
    const init = this.objInitPos;
    const targetToObj = Math.hypot(obj[0] - t[0], obj[1] - t[1], obj[2] - t[2]);
    this.targetToObjInit ??= targetToObj;
    const inPlace = tolerance(targetToObj, 0, TARGET_RADIUS, this.targetToObjInit);
    const funnel = (r: number): number => (r > 0.03 ? 0.02 * Math.log(r - 0.03) + 0.2 : 0);
    const floor = Math.min(funnel(Math.hypot(hx - init[0], hy - init[1])), funnel(Math.hypot(hx - t[0], hy - t[1])));
    const aboveFloor = hz >= floor ? 1 : tolerance(Math.max(floor - hz, 0), 0, 0.01, 0.05);
    const grasped = this.gripperCagingReward(action, obj, {
      objRadius: 0.015,
      padSuccessThresh: 0.05,
      objectReachRadius: 0.01,
      xzThresh: 0.01,
      desiredGripperEffort: 0.7,
      highDensity: true,
    });
    let reward = hamacherProduct(grasped, inPlace);
    const nearObject = Math.hypot(obj[0] - hx, obj[1] - hy, obj[2] - hz) < 0.04;
    const pinchedWithoutObject = obs[3] < 0.43;
    const lifted = obj[2] - 0.02 > init[2];
    const graspSuccess = nearObject && lifted && !pinchedWithoutObject;
    if (graspSuccess) reward += 1 + 5 * hamacherProduct(aboveFloor, inPlace);
    if (targetToObj < TARGET_RADIUS) reward = 10;
    const info: Info = {
      success: targetToObj <= 0.05 ? 1 : 0,
      near_object: nearObject ? 1 : 0,
      grasp_success: graspSuccess ? 1 : 0,
      grasp_reward: grasped,
      in_place_reward: inPlace,
      obj_to_target: targetToObj,
      unscaled_reward: reward,
    };
    return { reward, info };
  }
}
