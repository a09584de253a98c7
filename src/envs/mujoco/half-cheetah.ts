/**
 * {@link HalfCheetahEnv}: Gymnasium's `HalfCheetah-v4` and `HalfCheetah-v5`, a planar
 * two-legged cat that is rewarded for running forward.
 *
 * Semantics (gymnasium/envs/mujoco/half_cheetah_v4.py and half_cheetah_v5.py):
 * - Model `assets/mujoco/half_cheetah.xml`: nq = nv = 9, nu = 6, timestep 0.01 s (Euler),
 *   frame skip 5, so dt = 0.05 s. Total mass 14 kg.
 * - Observation (17): `qpos[1:9]` (rootz, rooty, six joint angles) then `qvel[0:9]`, not clipped;
 *   18 with `excludeCurrentPositionsFromObservation: false`.
 * - Action: 6 motor controls in [-1, 1] (gears 120, 90, 60, 120, 60, 30).
 * - Reward: `forwardRewardWeight · x_velocity − ctrlCostWeight · Σ a²` (defaults 1 and 0.1).
 * - Never terminates; the registry truncates at 1000 steps.
 * - Reset: `qpos = U(-0.1, 0.1)`, `qvel = 0.1 · N(0, 1)`.
 * - Info: `x_position`, `x_velocity`, `reward_ctrl` (= −cost) and the forward term, named
 *   `reward_run` in v4 and `reward_forward` in v5. Reset info: `{}` in v4, `{ x_position }` in v5.
 *
 * v4 and v5 have the same dynamics and numbers; v5 renames `reward_run` and accepts `frameSkip`.
 *
 * @see https://gymnasium.farama.org/environments/mujoco/half_cheetah/
 * @module
 */
import type { Info, StepResult } from '../env.js';
import {
  MujocoLocomotionEnv,
  openLocomotionOptions,
  type LocomotionDefinition,
  type LocomotionOptions,
} from './locomotion-env.js';

/** The fixed facts of HalfCheetah. */
export const HALF_CHEETAH: LocomotionDefinition = Object.freeze({
  name: 'HalfCheetah',
  assets: Object.freeze({ 4: 'half_cheetah', 5: 'half_cheetah' }),
  frameSkip: 5,
  ctrlCostWeight: 0.1,
  resetNoiseScale: 0.1,
  velocityNoise: 'normal',
  velocityClip: undefined,
});

/**
 * Options of {@link HalfCheetahEnv}: the common locomotion options (defaults `ctrlCostWeight` 0.1, `resetNoiseScale`
 * 0.1).
 */
export type HalfCheetahOptions = LocomotionOptions;

/**
 * HalfCheetah (Gymnasium v4/v5 semantics). Load the runtime first:
 *
 * @example
 * ```ts
 * await loadMujocoRuntime();
 * const env = new HalfCheetahEnv({ version: 4 });
 * const [obs] = env.reset({ seed: 0 });            // Float32Array(17)
 * const [next, reward, terminated, truncated, info] = env.step(new Float32Array(6));
 * env.close();
 * ```
 */
export class HalfCheetahEnv extends MujocoLocomotionEnv {
  /**
   * @throws {@link ConfigError} on an unknown option or a bad value; {@link EnvError} when the
   * MuJoCo runtime is not loaded (`await loadMujocoRuntime()` first).
   */
  constructor(options: HalfCheetahOptions = {}) {
    super(HALF_CHEETAH, openLocomotionOptions(HALF_CHEETAH, options, []));
  }

  /** Forward reward minus control cost; never terminates. */
  protected finishStep(xPosition: number, xVelocity: number, ctrlCost: number): StepResult<Float32Array> {
    const forward = this.forwardRewardWeight * xVelocity;
    const info: Info =
      this.version === 4
        ? { x_position: xPosition, x_velocity: xVelocity, reward_run: forward, reward_ctrl: -ctrlCost }
        : { x_position: xPosition, x_velocity: xVelocity, reward_forward: forward, reward_ctrl: -ctrlCost };
    return [this.observation(), forward - ctrlCost, false, false, info];
  }

  /** `{}` in v4, `{ x_position }` in v5. */
  protected resetInfo(): Info {
    return this.version === 4 ? {} : { x_position: this.sim.views().qpos[0] };
  }
}
