/**
 * The reward, termination and info of the "stay upright and move forward" envs (Hopper and
 * Walker2d share them exactly; only their health rule differs): `docs/envs/locomotion.md`, "Rewards and termination".
 *
 * @module
 */
import type { Info, StepResult } from '../env.js';

/** What one step's result is computed from. */
export interface UprightStep {
  /** Gymnasium version of the env (4 or 5). */
  readonly version: number;
  /** The health rule's verdict after the step. */
  readonly healthy: boolean;
  /** Whether an unhealthy state ends the episode. */
  readonly terminateWhenUnhealthy: boolean;
  /** Reward for staying healthy. */
  readonly healthyReward: number;
  /** Weight of the forward velocity. */
  readonly forwardRewardWeight: number;
  /** x of the torso after the step. */
  readonly xPosition: number;
  /** Forward velocity over the step. */
  readonly xVelocity: number;
  /** Control cost of the step's action. */
  readonly ctrlCost: number;
  /** z of the torso minus its initial z (reported in v5). */
  readonly zDistanceFromOrigin: number;
  /** The observation after the step. */
  readonly observation: Float32Array;
}

/**
 * Forward reward plus healthy reward minus control cost; terminated when unhealthy (with
 * `terminateWhenUnhealthy`). v4 pays the healthy reward when healthy *or* when
 * `terminateWhenUnhealthy` is set (so also on the terminal step), v5 only when healthy.
 */
export function uprightStepResult(step: UprightStep): StepResult<Float32Array> {
  const paid = step.version === 4 ? step.healthy || step.terminateWhenUnhealthy : step.healthy;
  const survive = paid ? step.healthyReward : 0;
  const forward = step.forwardRewardWeight * step.xVelocity;
  const terminated = step.terminateWhenUnhealthy && !step.healthy;
  const info: Info =
    step.version === 4
      ? { x_position: step.xPosition, x_velocity: step.xVelocity }
      : {
          x_position: step.xPosition,
          z_distance_from_origin: step.zDistanceFromOrigin,
          x_velocity: step.xVelocity,
          reward_forward: forward,
          reward_ctrl: -step.ctrlCost,
          reward_survive: survive,
        };
  return [step.observation, forward + survive - step.ctrlCost, terminated, false, info];
}

/** Reset info: `{}` in v4, `{ x_position, z_distance_from_origin }` in v5. */
export function uprightResetInfo(version: number, xPosition: number, zDistanceFromOrigin: number): Info {
  return version === 4 ? {} : { x_position: xPosition, z_distance_from_origin: zDistanceFromOrigin };
}
