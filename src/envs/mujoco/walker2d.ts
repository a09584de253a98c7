/**
 * {@link Walker2dEnv}: Gymnasium's `Walker2d-v4` and `Walker2d-v5`, a planar two-legged robot
 * that is rewarded for walking forward without falling.
 *
 * Semantics (gymnasium/envs/mujoco/walker2d_v4.py and walker2d_v5.py):
 * - Models `assets/mujoco/walker2d.xml` (v4: right foot friction 0.9, left 1.9) and
 *   `walker2d_v5.xml` (v5: both feet 1.9): nq = nv = 9, nu = 6, timestep 0.002 s (RK4), frame
 *   skip 4, so dt = 0.008 s. Total mass 23.677 kg. `qpos[1]` is the absolute torso height.
 * - Observation (17): `qpos[1:9]` (height, torso angle, right thigh/leg/foot, left
 *   thigh/leg/foot) then `clip(qvel, -10, 10)`; 18 with `excludeCurrentPositionsFromObservation: false`.
 * - Action: 6 motor controls in [-1, 1] (gear 100), right leg first.
 * - Reward: `forwardRewardWeight · x_velocity + healthy_reward − ctrlCostWeight · Σ a²`
 *   (defaults 1, 1 and 0.001).
 * - Healthy (strict): `qpos[1]` in `healthyZRange` (0.8, 2.0) and `qpos[2]` in
 *   `healthyAngleRange` (-1, 1); no state-range check. `terminated = !healthy` (with
 *   `terminateWhenUnhealthy`).
 * - **v4 vs v5**: v4 pays `healthyReward` when healthy *or* `terminateWhenUnhealthy` (also on
 *   the final step); v5 only when healthy. v5 also uses the equal-friction feet.
 * - Reset: `qpos = [0, 1.25, 0 × 7] + U(-0.005, 0.005)`, `qvel = U(-0.005, 0.005)`.
 * - Info v4: `x_position`, `x_velocity`. v5 adds `z_distance_from_origin`, `reward_forward`,
 *   `reward_ctrl` (= −cost) and `reward_survive`. Reset info: `{}` in v4,
 *   `{ x_position, z_distance_from_origin }` in v5.
 *
 * @see https://gymnasium.farama.org/environments/mujoco/walker2d/
 * @module
 */
import type { Info, StepResult } from '../env.js';
import {
  MujocoLocomotionEnv,
  openLocomotionOptions,
  type LocomotionDefinition,
  type LocomotionOptions,
} from './locomotion-env.js';
import type { RangeOption } from './options.js';
import { uprightResetInfo, uprightStepResult } from './upright-reward.js';

/** The fixed facts of Walker2d. */
export const WALKER2D: LocomotionDefinition = Object.freeze({
  name: 'Walker2d',
  assets: Object.freeze({ 4: 'walker2d', 5: 'walker2d_v5' }),
  frameSkip: 4,
  ctrlCostWeight: 1e-3,
  resetNoiseScale: 5e-3,
  velocityNoise: 'uniform',
  velocityClip: 10,
});

/** Options of {@link Walker2dEnv} (Gymnasium's arguments in camelCase). */
export interface Walker2dOptions extends LocomotionOptions {
  /** Reward per step for staying healthy (`healthy_reward`). @defaultValue 1 */
  readonly healthyReward?: number;
  /** End the episode (terminated) when unhealthy (`terminate_when_unhealthy`). @defaultValue true */
  readonly terminateWhenUnhealthy?: boolean;
  /** Open interval for the torso height `qpos[1]` (`healthy_z_range`). @defaultValue [0.8, 2.0] */
  readonly healthyZRange?: RangeOption;
  /** Open interval for the torso angle `qpos[2]` (`healthy_angle_range`). @defaultValue [-1, 1] */
  readonly healthyAngleRange?: RangeOption;
}

const WALKER2D_KEYS = ['healthyReward', 'terminateWhenUnhealthy', 'healthyZRange', 'healthyAngleRange'];

/**
 * Walker2d (Gymnasium v4/v5 semantics). Load the runtime first:
 *
 * @example
 * ```ts
 * await loadMujocoRuntime();
 * const env = new Walker2dEnv({ version: 4 });
 * const [obs] = env.reset({ seed: 0 });            // Float32Array(17)
 * env.close();
 * ```
 */
export class Walker2dEnv extends MujocoLocomotionEnv {
  /** Reward for a healthy step. */
  readonly healthyReward: number;
  /** Whether an unhealthy state terminates the episode. */
  readonly terminateWhenUnhealthy: boolean;
  /** Open interval for the torso height. */
  readonly healthyZRange: RangeOption;
  /** Open interval for the torso angle. */
  readonly healthyAngleRange: RangeOption;

  /**
   * @throws {@link ConfigError} on an unknown option or a bad value; {@link EnvError} when the
   * MuJoCo runtime is not loaded (`await loadMujocoRuntime()` first).
   */
  constructor(options: Walker2dOptions = {}) {
    const opened = openLocomotionOptions(WALKER2D, options, WALKER2D_KEYS);
    const r = opened.reader;
    const healthyReward = r.number('healthyReward', 1.0);
    const terminateWhenUnhealthy = r.boolean('terminateWhenUnhealthy', true);
    const healthyZRange = r.range('healthyZRange', [0.8, 2.0]);
    const healthyAngleRange = r.range('healthyAngleRange', [-1.0, 1.0]);
    super(WALKER2D, opened);
    this.healthyReward = healthyReward;
    this.terminateWhenUnhealthy = terminateWhenUnhealthy;
    this.healthyZRange = healthyZRange;
    this.healthyAngleRange = healthyAngleRange;
  }

  /** Whether the current state is healthy (strict inequalities; NaN is unhealthy). */
  get isHealthy(): boolean {
    const qpos = this.sim.views().qpos;
    const z = qpos[1];
    const angle = qpos[2];
    return (
      this.healthyZRange[0] < z &&
      z < this.healthyZRange[1] &&
      this.healthyAngleRange[0] < angle &&
      angle < this.healthyAngleRange[1]
    );
  }

  /** Forward reward plus healthy reward minus control cost; terminates when unhealthy. */
  protected finishStep(xPosition: number, xVelocity: number, ctrlCost: number): StepResult<Float32Array> {
    return uprightStepResult({
      version: this.version,
      healthy: this.isHealthy,
      terminateWhenUnhealthy: this.terminateWhenUnhealthy,
      healthyReward: this.healthyReward,
      forwardRewardWeight: this.forwardRewardWeight,
      xPosition,
      xVelocity,
      ctrlCost,
      zDistanceFromOrigin: this.sim.views().qpos[1] - this.sim.qpos0[1],
      observation: this.observation(),
    });
  }

  /** `{}` in v4, `{ x_position, z_distance_from_origin }` in v5. */
  protected resetInfo(): Info {
    const qpos = this.sim.views().qpos;
    return uprightResetInfo(this.version, qpos[0], qpos[1] - this.sim.qpos0[1]);
  }
}
