/**
 * {@link SweepIntoEnv}: Meta-World's `sweep-into-v3` (the "sweep into goal" task): push the puck
 * (a 4 cm cube) across the table into the hole. Model `sawyer_xyz/sawyer_table_with_hole.xml`.
 *
 * - Draw: puck `x ∈ [-0.1, 0.1]`, `y ∈ [0.6, 0.7]` (its height is where it settled); the goal is
 *   always the hole at (0, 0.84, 0.02) (the drawn goal only has to lie within ±0.001 of it); the
 *   puck is redrawn until at least 0.15 from the hole in x-y.
 * - Object: body `obj` position; orientation of geom `objGeom` as SciPy's (x, y, z, w).
 * - Reward ("v2"): `2·grasped + 6·H(grasped, inPlace)`, 10 once the puck is within 0.05 of the
 *   hole in x-y. `grasped` is this task's own caging term (pads around the puck along y, gripper
 *   over it in x-z); `inPlace` the long-tail nearness to the hole.
 * - Success: puck within 0.05 of the hole (measured at the puck's own height).
 *
 * @module
 */
import type { Info } from '../../env.js';
import { hamacherProduct, tolerance } from '../reward-utils.js';
import { matrixToQuatXyzw } from '../rotation.js';
import { SawyerEnv, type MetaWorldOptions, type SawyerTaskDefinition, type TaskEvaluation } from '../sawyer-env.js';

/** The fixed facts of sweep-into (Meta-World v3). */
export const SWEEP_INTO: SawyerTaskDefinition = Object.freeze<SawyerTaskDefinition>({
  name: 'sweep-into',
  modelFile: 'sawyer_xyz/sawyer_table_with_hole.xml',
  handLow: [-0.5, 0.4, 0.05],
  handHigh: [0.5, 1, 0.5],
  objLow: [-0.1, 0.6, 0.02],
  objHigh: [0.1, 0.7, 0.02],
  goalLow: [-0.001, 0.8399, 0.0199],
  goalHigh: [0.001, 0.8401, 0.0201],
  handInitPos: [0, 0.6, 0.2],
});

/** The hole (Meta-World's fixed `goal`). */
const HOLE = [0, 0.84, 0.02] as const;
const OBJ_RADIUS = 0.02;

/** Meta-World's sweep-into (v3 semantics; `-v2` is an alias). */
export class SweepIntoEnv extends SawyerEnv {
  private readonly objId: number;
  private readonly objGeomId: number;
  private readonly obj = new Float64Array(3);
  private readonly tcp = new Float64Array(3);
  private readonly pad = new Float64Array(3);

  /**
   * @throws {@link ConfigError} on a bad option; {@link MetaWorldAssetsError} when the asset
   *   folder is not named or not loaded (`await loadMetaWorldAssets()` first).
   */
  constructor(options: MetaWorldOptions = {}) {
    super(SWEEP_INTO, options);
    this.objId = this.elementId('body', 'obj');
    this.objGeomId = this.elementId('geom', 'objGeom');
  }

  /** Puck at least 0.15 from the hole in x-y. */
  protected acceptDraw(vec: Float64Array): boolean {
    return Math.hypot(vec[0] - HOLE[0], vec[1] - HOLE[1]) >= 0.15;
  }

  /** No fixtures move. */
  protected placeFixtures(): void {}

  /** Goal at the hole, puck to the drawn x-y at its settled height. */
  protected resetTask(vec: Float64Array): void {
    this.targetPos.set(HOLE);
    const settledZ = this.bodyPosition(this.objId)[2];
    this.objInitPos.set([vec[0], vec[1], settledZ]);
    this.setObjectPosition(this.objInitPos);
  }

  /** The puck: body `obj` position, geom `objGeom` orientation as (x, y, z, w). */
  protected objectPose(out: Float64Array, at: number): void {
    this.bodyPosition(this.objId, out.subarray(at, at + 3));
    matrixToQuatXyzw(this.sim.dataView('geom_xmat'), 9 * this.objGeomId, out, at + 3);
  }

  /** Meta-World's sweep-into "v2" reward. */
  protected evaluate(obs: Float64Array): TaskEvaluation {
    const tcp = this.tcpCenter(this.tcp);
    const obj = this.obj;
    obj.set(obs.subarray(4, 7));
    const tcpOpened = obs[3];
    const tx = this.targetPos[0];
    const ty = this.targetPos[1];
    const objToTarget = Math.hypot(obj[0] - tx, obj[1] - ty);
    const tcpToObj = Math.hypot(obj[0] - tcp[0], obj[1] - tcp[1], obj[2] - tcp[2]);
    const init = this.objInitPos;
    const inPlaceMargin = Math.hypot(init[0] - tx, init[1] - ty, init[2] - obj[2]);
    const inPlace = tolerance(objToTarget, 0, 0.05, inPlaceMargin);
    const grasped = this.sweepCaging(obj, tcp);
    let reward = 2 * grasped + 6 * hamacherProduct(grasped, inPlace);
    if (objToTarget < 0.05) reward = 10;
    const info: Info = {
      success: objToTarget <= 0.05 ? 1 : 0,
      near_object: tcpToObj <= 0.03 ? 1 : 0,
      grasp_reward: grasped,
      grasp_success: tcpOpened > 0 && this.touching(this.objGeomId) ? 1 : 0,
      in_place_reward: inPlace,
      obj_to_target: objToTarget,
      unscaled_reward: reward,
    };
    return { reward, info };
  }

  /** sweep-into's own `_gripper_caging_reward` (pads measured against their reference pose). */
  private sweepCaging(obj: Float64Array, tcp: Float64Array): number {
    const padSuccessMargin = 0.05;
    const gripSuccessMargin = OBJ_RADIUS + 0.005;
    const xzSuccessMargin = 0.01;
    const leftY = this.leftPad(this.pad)[1];
    const rightY = this.rightPad(this.pad)[1];
    const toLeft = leftY - obj[1];
    const toRight = obj[1] - rightY;
    const rightMargin = Math.abs(Math.abs(obj[1] - this.initRightPad[1]) - padSuccessMargin);
    const leftMargin = Math.abs(Math.abs(obj[1] - this.initLeftPad[1]) - padSuccessMargin);
    const rightCaging = tolerance(toRight, OBJ_RADIUS, padSuccessMargin, rightMargin);
    const leftCaging = tolerance(toLeft, OBJ_RADIUS, padSuccessMargin, leftMargin);
    const rightGripping = tolerance(toRight, OBJ_RADIUS, gripSuccessMargin, rightMargin);
    const leftGripping = tolerance(toLeft, OBJ_RADIUS, gripSuccessMargin, leftMargin);
    const yCaging = hamacherProduct(rightCaging, leftCaging);
    const yGripping = hamacherProduct(rightGripping, leftGripping);
    const init = this.objInitPos;
    const xzMargin = Math.hypot(init[0] - this.initTcp[0], init[2] - this.initTcp[2]) - xzSuccessMargin;
    const xzCaging = tolerance(Math.hypot(tcp[0] - obj[0], tcp[2] - obj[2]), 0, xzSuccessMargin, xzMargin);
    const caging = hamacherProduct(yCaging, xzCaging);
    const gripping = caging > 0.95 ? yGripping : 0;
    return (caging + gripping) / 2;
  }
}
