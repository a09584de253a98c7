/**
 * {@link BoxCloseEnv}: Meta-World's `box-close-v3`: grasp the lid by its handle and put it on the
 * box. Model `sawyer_xyz/sawyer_box.xml`.
 *
 * - Draw: lid start `x ∈ [-0.05, 0.05]`, `y ∈ [0.5, 0.55]`; box (goal) `x ∈ [-0.1, 0.1]`,
 *   `y ∈ [0.7, 0.8]`, `z = 0.133`; redrawn until lid and box are at least 0.25 apart in x-y.
 * - Reset: the box body moves under the goal, 5 physics steps, the lid's free joint is set to the
 *   start (its orientation is kept).
 * - Object: the lid body `top_link` (position, `xquat` w x y z).
 * - Reward ("v2"): `2·H(grab, ready) + 8·lifted`, 10 on success, all times the lid-upright factor
 *   `max(1 − ‖q − (0.707, 0, 0, 0.707)‖ / 0.2, 0)`. `grab` is the gripper command mapped to
 *   [0, 1]; `ready` combines staying above a log funnel around the handle with reaching it;
 *   `lifted` pays 0.2 for raising the lid above 4 cm and 0.8 for nearness to the goal (z weighted
 *   3×).
 * - Success: lid within 0.08 of the goal.
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

/** The fixed facts of box-close (Meta-World v3). */
export const BOX_CLOSE: SawyerTaskDefinition = Object.freeze<SawyerTaskDefinition>({
  name: 'box-close',
  modelFile: 'sawyer_xyz/sawyer_box.xml',
  handLow: [-0.5, 0.4, 0.05],
  handHigh: [0.5, 1, 0.5],
  objLow: [-0.05, 0.5, 0.02],
  objHigh: [0.05, 0.55, 0.02],
  goalLow: [-0.1, 0.7, 0.133],
  goalHigh: [0.1, 0.8, 0.133],
  handInitPos: float32Vec([0, 0.6, 0.2]),
});

/** The lid's start height (Meta-World keeps it as float32). */
const LID_START_Z = Math.fround(0.02);
const UPRIGHT = [0.707, 0, 0, 0.707] as const;

/** Meta-World's box-close (v3 semantics; `-v2` is an alias). */
export class BoxCloseEnv extends SawyerEnv {
  private readonly boxId: number;
  private readonly lidId: number;
  private readonly boxHeight: number;

  /**
   * @throws {@link ConfigError} on a bad option; {@link MetaWorldAssetsError} when the asset
   *   folder is not named or not loaded (`await loadMetaWorldAssets()` first).
   */
  constructor(options: MetaWorldOptions = {}) {
    super(BOX_CLOSE, options);
    this.boxId = this.elementId('body', 'boxbody');
    this.lidId = this.elementId('body', 'top_link');
    this.boxHeight = this.bodyPosition(this.boxId)[2]!;
  }

  /** Lid and box at least 0.25 apart in x-y. */
  protected acceptDraw(vec: Float64Array): boolean {
    return Math.hypot(vec[0] - vec[3], vec[1] - vec[4]) >= 0.25;
  }

  /** The box stands under the goal. */
  protected placeFixtures(vec: Float64Array): void {
    this.setFixture(this.boxId, [vec[3], vec[4], this.boxHeight]);
  }

  /** Box under the goal, 5 physics steps, lid to its start. */
  protected resetTask(vec: Float64Array): void {
    this.objInitPos.set([vec[0], vec[1], LID_START_Z]);
    this.targetPos.set(vec.subarray(3, 6));
    this.placeFixtures(vec);
    this.physics(this.frameSkip);
    this.setObjectPosition(this.objInitPos);
  }

  /** The lid: `top_link` position and `xquat`. */
  protected objectPose(out: Float64Array, at: number): void {
    this.bodyPosition(this.lidId, out.subarray(at, at + 3));
    this.bodyQuaternion(this.lidId, out, at + 3);
  }

  /** Meta-World's box-close "v2" reward. */
  protected evaluate(obs: Float64Array, action: Float32Array): TaskEvaluation {
    const grab = (Math.min(1, Math.max(-1, action[3])) + 1) / 2;
    const quatError = Math.hypot(obs[7] - UPRIGHT[0], obs[8] - UPRIGHT[1], obs[9] - UPRIGHT[2], obs[10] - UPRIGHT[3]);
    const upright = Math.max(1 - quatError / 0.2, 0);
    const hx = obs[0];
    const hy = obs[1];
    const hz = obs[2];
    const lx = obs[4];
    const ly = obs[5];
    const lz = obs[6] + 0.02;
    const radius = Math.hypot(hx - lx, hy - ly);
    const floor = radius <= 0.02 ? 0 : 0.04 * Math.log(radius - 0.02) + 0.4;
    const aboveFloor = hz >= floor ? 1 : tolerance(floor - hz, 0, 0.01, floor / 2);
    const inPlace = tolerance(Math.hypot(hx - lx, hy - ly, hz - lz), 0, 0.02, 0.5);
    const ready = hamacherProduct(aboveFloor, inPlace);
    const t = this.targetPos;
    const error = Math.hypot(t[0] - lx, t[1] - ly, 3 * (t[2] - lz));
    const lifted = 0.2 * (lz > 0.04 ? 1 : 0) + 0.8 * tolerance(error, 0, 0.05, 0.25);
    let reward = 2 * hamacherProduct(grab, ready) + 8 * lifted;
    const success = Math.hypot(obs[4] - t[0], obs[5] - t[1], obs[6] - t[2]) < 0.08;
    if (success) reward = 10;
    reward *= upright;
    const info: Info = {
      success: success ? 1 : 0,
      near_object: ready,
      grasp_success: grab >= 0.5 ? 1 : 0,
      grasp_reward: grab,
      in_place_reward: lifted,
      obj_to_target: 0,
      unscaled_reward: reward,
    };
    return { reward, info };
  }
}
