/**
 * {@link HopperEnv}: Gymnasium's `Hopper-v4` and `Hopper-v5`, a planar one-legged robot that is
 * rewarded for hopping forward without falling.
 *
 * Semantics (gymnasium/envs/mujoco/hopper_v4.py and hopper_v5.py):
 * - Model `assets/mujoco/hopper.xml`: nq = nv = 6, nu = 3, timestep 0.002 s (RK4), frame skip
 *   4, so dt = 0.008 s. Total mass 15.82 kg. `qpos[1]` is the absolute torso height (rootz has
 *   ref 1.25).
 * - Observation (11): `qpos[1:6]` (height, torso angle, thigh, leg, foot) then
 *   `clip(qvel, -10, 10)`; 12 with `excludeCurrentPositionsFromObservation: false`.
 * - Action: 3 motor controls in [-1, 1] (gear 200).
 * - Reward: `forwardRewardWeight · x_velocity + healthy_reward − ctrlCostWeight · Σ a²`
 *   (defaults 1, 1 and 0.001).
 * - Healthy (strict, on the post-step state): every element of `qpos[2:]` and of the raw `qvel`
 *   in `healthyStateRange` (-100, 100), `qpos[1]` in `healthyZRange` (0.7, inf) and `qpos[2]` in
 *   `healthyAngleRange` (-0.2, 0.2). `terminated = !healthy` (with `terminateWhenUnhealthy`).
 * - **v4 vs v5**: v4 pays `healthyReward` when healthy *or* `terminateWhenUnhealthy`, so also on
 *   the final, unhealthy step; v5 pays it only when healthy (the terminal reward is 1 lower).
 * - Reset: `qpos = [0, 1.25, 0, 0, 0, 0] + U(-0.005, 0.005)`, `qvel = U(-0.005, 0.005)`.
 * - Info v4: `x_position`, `x_velocity`. v5 adds `z_distance_from_origin` (`qpos[1] − 1.25`),
 *   `reward_forward`, `reward_ctrl` (= −cost) and `reward_survive`. Reset info: `{}` in v4,
 *   `{ x_position, z_distance_from_origin }` in v5.
 *
 * @see https://gymnasium.farama.org/environments/mujoco/hopper/
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

/** The fixed facts of Hopper. */
export const HOPPER: LocomotionDefinition = Object.freeze({
  name: 'Hopper',
  assets: Object.freeze({ 4: 'hopper', 5: 'hopper' }),
  frameSkip: 4,
  ctrlCostWeight: 1e-3,
  resetNoiseScale: 5e-3,
  velocityNoise: 'uniform',
  velocityClip: 10,
});

/** Options of {@link HopperEnv} (Gymnasium's arguments in camelCase). */
export interface HopperOptions extends LocomotionOptions {
  /** Reward per step for staying healthy (`healthy_reward`). @defaultValue 1 */
  readonly healthyReward?: number;
  /** End the episode (terminated) when unhealthy (`terminate_when_unhealthy`). @defaultValue true */
  readonly terminateWhenUnhealthy?: boolean;
  /** Open interval for `qpos[2:]` and every `qvel` (`healthy_state_range`). @defaultValue [-100, 100] */
  readonly healthyStateRange?: RangeOption;
  /** Open interval for the torso height `qpos[1]` (`healthy_z_range`). @defaultValue [0.7, Infinity] */
  readonly healthyZRange?: RangeOption;
  /** Open interval for the torso angle `qpos[2]` (`healthy_angle_range`). @defaultValue [-0.2, 0.2] */
  readonly healthyAngleRange?: RangeOption;
}

const HOPPER_KEYS = [
  'healthyReward',
  'terminateWhenUnhealthy',
  'healthyStateRange',
  'healthyZRange',
  'healthyAngleRange',
];

/**
 * Hopper (Gymnasium v4/v5 semantics). Load the runtime first:
 *
 * @example
 * ```ts
 * await loadMujocoRuntime();
 * const env = new HopperEnv({ version: 4 });
 * let [obs] = env.reset({ seed: 0 });              // Float32Array(11)
 * const [next, reward, terminated] = env.step(Float32Array.of(0, 0, 0));
 * env.close();
 * ```
 */
export class HopperEnv extends MujocoLocomotionEnv {
  /** Reward for a healthy step. */
  readonly healthyReward: number;
  /** Whether an unhealthy state terminates the episode. */
  readonly terminateWhenUnhealthy: boolean;
  /** Open interval for `qpos[2:]` and `qvel`. */
  readonly healthyStateRange: RangeOption;
  /** Open interval for the torso height. */
  readonly healthyZRange: RangeOption;
  /** Open interval for the torso angle. */
  readonly healthyAngleRange: RangeOption;

  /**
   * @throws {@link ConfigError} on an unknown option or a bad value; {@link EnvError} when the
   * MuJoCo runtime is not loaded (`await loadMujocoRuntime()` first).
   */
  constructor(options: HopperOptions = {}) {
    const opened = openLocomotionOptions(HOPPER, options, HOPPER_KEYS);
    const r = opened.reader;
    const healthyReward = r.number('healthyReward', 1.0);
    const terminateWhenUnhealthy = r.boolean('terminateWhenUnhealthy', true);
    const healthyStateRange = r.range('healthyStateRange', [-100.0, 100.0]);
    const healthyZRange = r.range('healthyZRange', [0.7, Infinity]);
    const healthyAngleRange = r.range('healthyAngleRange', [-0.2, 0.2]);
    super(HOPPER, opened);
    this.healthyReward = healthyReward;
    this.terminateWhenUnhealthy = terminateWhenUnhealthy;
    this.healthyStateRange = healthyStateRange;
    this.healthyZRange = healthyZRange;
    this.healthyAngleRange = healthyAngleRange;
  }

  /** Whether the current state is healthy (strict inequalities; NaN is unhealthy). */
  get isHealthy(): boolean {
    const { qpos, qvel } = this.sim.views();
    const [lo, hi] = this.healthyStateRange;
    for (let i = 2; i < qpos.length; i++) if (!(lo < qpos[i] && qpos[i] < hi)) return false;
    for (let i = 0; i < qvel.length; i++) if (!(lo < qvel[i] && qvel[i] < hi)) return false;
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
