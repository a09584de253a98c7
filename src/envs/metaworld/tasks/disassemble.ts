/**
 * {@link DisassembleEnv}: Meta-World's `disassemble-v3` (the "nut disassemble" task): grasp the
 * wrench by its handle and lift its ring off the peg. Model `sawyer_xyz/sawyer_assembly_peg.xml`.
 *
 * - Draw: wrench `x ∈ [0, 0.1]`, `y ∈ [0.6, 0.75]`, `z ∈ [0.025, 0.02501]`; the drawn goal
 *   (`x ∈ [-0.1, 0.1]`, `y ∈ [0.6, 0.75]`) only has to be at least 0.1 away in x-y. The peg
 *   stands 0.03 above the wrench's start; the goal is 0.15 above the start.
 * - Object: site `RoundNut-8` (the handle's end) position; body `RoundNut` `xquat` (w x y z).
 * - Reward ("v2"): `(2·grab + 6·inPlace) · flat`, 10 on success. `grab` is the shared caging term
 *   on the handle (its x snapped to the hand's within 1 cm; radius 0.015, pads 0.02, x-z 0.01,
 *   averaged with the caging term); `inPlace` pays 0.1 for lifting the ring above 2 cm and 0.9 for
 *   nearness to 0.1 above the goal; `flat` is `max(1 − ‖q − (0.707, 0, 0, 0.707)‖ / 0.4, 0)`.
 * - Success: the handle's height above the goal height (`obs[6] > goal z`).
 *
 * @module
 */
import type { Info } from '../../env.js';
import { tolerance } from '../reward-utils.js';
import {
  SawyerEnv,
  float32Vec,
  type MetaWorldOptions,
  type SawyerTaskDefinition,
  type TaskEvaluation,
} from '../sawyer-env.js';

/** The fixed facts of disassemble (Meta-World v3). */
export const DISASSEMBLE: SawyerTaskDefinition = Object.freeze<SawyerTaskDefinition>({
  name: 'disassemble',
  modelFile: 'sawyer_xyz/sawyer_assembly_peg.xml',
  handLow: [-0.5, 0.4, 0.05],
  handHigh: [0.5, 1, 0.5],
  objLow: [0, 0.6, 0.025],
  objHigh: [0.1, 0.75, 0.02501],
  goalLow: [-0.1, 0.6, 0.1699],
  goalHigh: [0.1, 0.75, 0.1701],
  goalSpaceLow: [-0.1, 0.6, 0.1749],
  goalSpaceHigh: [0.1, 0.75, 0.1751],
  handInitPos: float32Vec([0, 0.4, 0.2]),
});

const WRENCH_HANDLE_LENGTH = 0.02;
const FLAT = [0.707, 0, 0, 0.707] as const;

/** Meta-World's disassemble (v3 semantics; `-v2` is an alias). */
export class DisassembleEnv extends SawyerEnv {
  private readonly nutId: number;
  private readonly pegId: number;
  private readonly handleSiteId: number;
  private readonly ringSiteId: number;
  private readonly wrench = new Float64Array(3);
  private readonly ring = new Float64Array(3);

  /**
   * @throws {@link ConfigError} on a bad option; {@link MetaWorldAssetsError} when the asset
   *   folder is not named or not loaded (`await loadMetaWorldAssets()` first).
   */
  constructor(options: MetaWorldOptions = {}) {
    super(DISASSEMBLE, options);
    this.nutId = this.elementId('body', 'RoundNut');
    this.pegId = this.elementId('body', 'peg');
    this.handleSiteId = this.elementId('site', 'RoundNut-8');
    this.ringSiteId = this.elementId('site', 'RoundNut');
  }

  /** Wrench and drawn goal at least 0.1 apart in x-y. */
  protected acceptDraw(vec: Float64Array): boolean {
    return Math.hypot(vec[0] - vec[3], vec[1] - vec[4]) >= 0.1;
  }

  /** The peg stands 0.03 above the wrench's start. */
  protected placeFixtures(vec: Float64Array): void {
    this.setFixture(this.pegId, [vec[0], vec[1], vec[2] + 0.03]);
  }

  /** Peg under the wrench's start, goal 0.15 above it, wrench to its start. */
  protected resetTask(vec: Float64Array): void {
    this.objInitPos.set(vec.subarray(0, 3));
    this.targetPos.set([vec[0], vec[1], vec[2] + 0.15]);
    this.placeFixtures(vec);
    this.forward();
    this.setObjectPosition(this.objInitPos);
  }

  /** The wrench: site `RoundNut-8` position, body `RoundNut` `xquat`. */
  protected objectPose(out: Float64Array, at: number): void {
    this.sitePosition(this.handleSiteId, out.subarray(at, at + 3));
    this.bodyQuaternion(this.nutId, out, at + 3);
  }

  /** Meta-World's disassemble "v2" reward. */
  protected evaluate(obs: Float64Array, action: Float32Array): TaskEvaluation {
    const wrench = this.wrench;
    wrench.set(obs.subarray(4, 7));
    if (Math.abs(wrench[0] - obs[0]) < WRENCH_HANDLE_LENGTH / 2) wrench[0] = obs[0]!;
    const quatError = Math.hypot(obs[7] - FLAT[0], obs[8] - FLAT[1], obs[9] - FLAT[2], obs[10] - FLAT[3]);
    const flat = Math.max(1 - quatError / 0.4, 0);
    const grab = this.gripperCagingReward(action, wrench, {
      objectReachRadius: 0.01,
      objRadius: 0.015,
      padSuccessThresh: 0.02,
      xzThresh: 0.01,
      highDensity: true,
    });
    const ring = this.sitePosition(this.ringSiteId, this.ring);
    const t = this.targetPos;
    const error = Math.hypot(t[0] - ring[0], t[1] - ring[1], t[2] + 0.1 - ring[2]);
    const inPlace = 0.1 * (ring[2] > 0.02 ? 1 : 0) + 0.9 * tolerance(error, 0, 0.02, 0.2);
    let reward = (2 * grab + 6 * inPlace) * flat;
    const success = obs[6] > t[2];
    if (success) reward = 10;
    const info: Info = {
      success: success ? 1 : 0,
      near_object: flat,
      grasp_success: grab >= 0.5 ? 1 : 0,
      grasp_reward: grab,
      in_place_reward: inPlace,
      obj_to_target: 0,
      unscaled_reward: reward,
    };
    return { reward, info };
  }
}
