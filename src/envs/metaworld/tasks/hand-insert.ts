/**
 * {@link HandInsertEnv}: Meta-World's `hand-insert-v3`: grasp the block and put it into the hole
 * in the table. Model `sawyer_xyz/sawyer_table_with_hole.xml`; the hand may go below the table
 * top here (hand box z from -0.15).
 *
 * - Draw: block `x ∈ [-0.1, 0.1]`, `y ∈ [0.6, 0.7]`, `z = 0.05`; goal `x ∈ [-0.04, 0.04]`,
 *   `y ∈ [0.8, 0.88]`, `z ≈ -0.02` (in the hole); redrawn until at least 0.15 apart in x-y.
 * - Object: body `obj` position and `xquat` (w x y z).
 * - Reward ("v2"): `H(grasped, inPlace)`, plus `1 + 7·inPlace` while the open gripper is within
 *   0.02 of the block, 10 on success. `grasped` is the shared caging term (radius 0.015, pads
 *   0.05, x-z 0.005, averaged with the caging term).
 * - Success: block within 0.05 of the goal.
 *
 * @module
 */
import type { Info } from '../../env.js';
import { hamacherProduct, tolerance } from '../reward-utils.js';
import {
  SawyerEnv,
  float32Vec,
  type MetaWorldOptions,
  type SawyerTaskDefinition,
  type TaskEvaluation,
} from '../sawyer-env.js';

/** The fixed facts of hand-insert (Meta-World v3). */
export const HAND_INSERT: SawyerTaskDefinition = Object.freeze<SawyerTaskDefinition>({
  name: 'hand-insert',
  modelFile: 'sawyer_xyz/sawyer_table_with_hole.xml',
  handLow: [-0.5, 0.4, -0.15],
  handHigh: [0.5, 1, 0.5],
  objLow: [-0.1, 0.6, 0.05],
  objHigh: [0.1, 0.7, 0.05],
  goalLow: [-0.04, 0.8, -0.0201],
  goalHigh: [0.04, 0.88, -0.0199],
  handInitPos: float32Vec([0, 0.6, 0.2]),
});

const BLOCK_START_Z = 0.05;
const TARGET_RADIUS = 0.05;

/** Meta-World's hand-insert (v3 semantics; `-v2` is an alias). */
export class HandInsertEnv extends SawyerEnv {
  private readonly objId: number;
  private readonly objGeomId: number;
  private readonly obj = new Float64Array(3);
  private readonly tcp = new Float64Array(3);

  /**
   * @throws {@link ConfigError} on a bad option; {@link MetaWorldAssetsError} when the asset
   *   folder is not named or not loaded (`await loadMetaWorldAssets()` first).
   */
  constructor(options: MetaWorldOptions = {}) {
    super(HAND_INSERT, options);
    this.objId = this.elementId('body', 'obj');
    this.objGeomId = this.elementId('geom', 'objGeom');
  }

  /** Block at least 0.15 from the goal in x-y. */
  protected acceptDraw(vec: Float64Array): boolean {
    return Math.hypot(vec[0] - vec[3], vec[1] - vec[4]) >= 0.15;
  }

  /** No fixtures move. */
  protected placeFixtures(): void {}

  /** Block to its start, goal in the hole. */
  protected resetTask(vec: Float64Array): void {
    this.objInitPos.set([vec[0], vec[1], BLOCK_START_Z]);
    this.targetPos.set(vec.subarray(3, 6));
    this.setObjectPosition(this.objInitPos);
  }

  /** The block: body `obj` position and `xquat`. */
  protected objectPose(out: Float64Array, at: number): void {
    this.bodyPosition(this.objId, out.subarray(at, at + 3));
    this.bodyQuaternion(this.objId, out, at + 3);
  }

  /** Meta-World's hand-insert "v2" reward. */
  protected evaluate(obs: Float64Array, action: Float32Array): TaskEvaluation {
    const obj = this.obj;
    obj.set(obs.subarray(4, 7));
    const t = this.targetPos;
    const init = this.objInitPos;
    const objToTarget = Math.hypot(obj[0] - t[0], obj[1] - t[1], obj[2] - t[2]);
    const initToTarget = Math.hypot(init[0] - t[0], init[1] - t[1], init[2] - t[2]);
    const inPlace = tolerance(objToTarget, 0, TARGET_RADIUS, initToTarget);
    const grasped = this.gripperCagingReward(action, obj, {
      objectReachRadius: 0.01,
      objRadius: 0.015,
      padSuccessThresh: 0.05,
      xzThresh: 0.005,
      highDensity: true,
    });
    let reward = hamacherProduct(grasped, inPlace);
    const tcpOpened = obs[3];
    const tcp = this.tcpCenter(this.tcp);
    const tcpToObj = Math.hypot(obj[0] - tcp[0], obj[1] - tcp[1], obj[2] - tcp[2]);
    if (tcpToObj < 0.02 && tcpOpened > 0) reward += 1 + 7 * inPlace;
    if (objToTarget < TARGET_RADIUS) reward = 10;
    const lifted = obj[2] - 0.02 > init[2];
    const info: Info = {
      success: objToTarget <= 0.05 ? 1 : 0,
      near_object: tcpToObj <= 0.03 ? 1 : 0,
      grasp_success: tcpOpened > 0 && lifted && this.touching(this.objGeomId) ? 1 : 0,
      grasp_reward: grasped,
      in_place_reward: inPlace,
      obj_to_target: objToTarget,
      unscaled_reward: reward,
    };
    return { reward, info };
  }
}
