/**
 * {@link PendulumEnv}: Gymnasium's classic-control `Pendulum-v1`, swing a pendulum up and keep
 * it upright with a bounded torque.
 *
 * Port of `gymnasium/envs/classic_control/pendulum.py` (Gymnasium v1.x): the same constants,
 * the same semi-implicit Euler step, reward and reset distribution. Differences: the random
 * stream is the library's xoshiro128** {@link Rng}, not NumPy's PCG64, so a given seed does not
 * reproduce Gymnasium's initial states; arithmetic is float64 throughout (Gymnasium mixes in
 * float32 for the torque term, a difference below 1e-6); and there is no rendering.
 *
 * @see https://gymnasium.farama.org/environments/classic_control/pendulum/
 * @module
 */
import { ConfigError, EnvError, ShapeError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import { Box } from '../../core/spaces.js';
import type { Env, EnvMetadata, ResetOptions, ResetResult, StepResult } from '../env.js';
import { resolveResetRng } from '../seeding.js';

/** Default half-width of the initial angle distribution, in radians (Gymnasium's `DEFAULT_X`). */
export const PENDULUM_DEFAULT_X_INIT = Math.PI;
/** Default half-width of the initial angular velocity distribution (Gymnasium's `DEFAULT_Y`). */
export const PENDULUM_DEFAULT_Y_INIT = 1.0;

/** Constructor options of {@link PendulumEnv}. */
export interface PendulumOptions {
  /** Gravitational acceleration g. @defaultValue 10.0 */
  readonly g?: number;
}

/**
 * Wraps an angle into [-pi, pi) with a floored modulo, as Python's `%` does:
 * `((x + pi) mod 2pi) - pi`.
 */
export function angleNormalize(x: number): number {
  const twoPi = 2 * Math.PI;
  const shifted = x + Math.PI;
  return shifted - twoPi * Math.floor(shifted / twoPi) - Math.PI;
}

/**
 * The inverted pendulum swing-up (Gymnasium `Pendulum-v1`).
 *
 * - State: angle θ (0 = upright) and angular velocity θ̇.
 * - Observation: `Float32Array [cos θ, sin θ, θ̇]`, in `Box([-1, -1, -8], [1, 1, 8])`.
 * - Action: torque `u` as `Float32Array [u]` in `Box(-2, 2)`; it is clipped to ±2.
 * - Reward: `-(angleNormalize(θ)² + 0.1 θ̇² + 0.001 u²)`, computed from the state *before*
 *   the step, in [-16.27, 0].
 * - Dynamics (dt = 0.05, m = 1, l = 1, max speed 8):
 *   `θ̇' = clip(θ̇ + (3g / 2l · sin θ + 3 / (m l²) · u) · dt, -8, 8)`, `θ' = θ + θ̇' · dt`.
 * - Reset: θ ~ U(-xInit, xInit), θ̇ ~ U(-yInit, yInit), defaults π and 1; pass
 *   `reset({ options: { xInit, yInit } })` to change them (Gymnasium's `x_init`/`y_init`).
 * - Never terminates; the registry adds a 200-step `TimeLimit` truncation.
 */
export class PendulumEnv implements Env<Float32Array, Float32Array> {
  /** Largest |θ̇|. */
  readonly maxSpeed = 8;
  /** Largest |u|. */
  readonly maxTorque = 2.0;
  /** Integration time step in seconds. */
  readonly dt = 0.05;
  /** Gravitational acceleration. */
  readonly g: number;
  /** Mass of the pendulum. */
  readonly m = 1.0;
  /** Length of the pendulum. */
  readonly l = 1.0;
  /** `Box([-1, -1, -8], [1, 1, 8])`, float32. */
  readonly observationSpace: Box<'float32'>;
  /** `Box(-2, 2, [1])`, float32. */
  readonly actionSpace: Box<'float32'>;
  /** No rendering; Gymnasium's render rate is kept for reference. */
  readonly metadata: EnvMetadata = Object.freeze({ renderModes: [], renderFps: 30 });
  private rng: Rng | undefined;
  private theta = Number.NaN;
  private thetaDot = Number.NaN;
  private hasState = false;

  /** @throws {@link ConfigError} when `g` is not a finite number or an unknown option is given. */
  constructor(options: PendulumOptions = {}) {
    const unknown = Object.keys(options ?? {}).filter((k) => k !== 'g');
    if (unknown.length > 0)
      throw new ConfigError(
        `Pendulum has no option ${unknown.map((k) => JSON.stringify(k)).join(', ')}; the only option is g (gravity), e.g. { g: 9.81 }.`,
      );
    const g = options?.g ?? 10.0;
    if (typeof g !== 'number' || !Number.isFinite(g))
      throw new ConfigError(`Pendulum g must be a finite number, got ${String(g)}. Pass e.g. { g: 9.81 }.`);
    this.g = g;
    this.observationSpace = new Box({ low: [-1, -1, -this.maxSpeed], high: [1, 1, this.maxSpeed], dtype: 'float32' });
    this.actionSpace = new Box({ low: -this.maxTorque, high: this.maxTorque, shape: [1], dtype: 'float32' });
  }

  /** The current state `[θ, θ̇]` (θ is not wrapped), or `undefined` before the first reset. */
  get state(): readonly [theta: number, thetaDot: number] | undefined {
    return this.hasState ? [this.theta, this.thetaDot] : undefined;
  }

  /**
   * Sets the state directly, for tests and scripted starts (Gymnasium code assigns
   * `env.unwrapped.state`). Counts as a reset for the purpose of stepping.
   * @throws {@link ConfigError} when either value is not finite.
   */
  setState(theta: number, thetaDot: number): void {
    if (!Number.isFinite(theta) || !Number.isFinite(thetaDot))
      throw new ConfigError(`Pendulum state must be two finite numbers, got θ = ${theta}, θ̇ = ${thetaDot}.`);
    this.theta = theta;
    this.thetaDot = thetaDot;
    this.hasState = true;
  }

  /**
   * Samples θ ~ U(-xInit, xInit) and θ̇ ~ U(-yInit, yInit) and returns the observation and `{}`.
   * @throws {@link ConfigError} on a bad seed or non-numeric `xInit`/`yInit`.
   */
  reset(options: ResetOptions = {}): ResetResult<Float32Array> {
    this.rng = resolveResetRng(this.rng, options.seed);
    const xInit = readInit(options.options, 'xInit', PENDULUM_DEFAULT_X_INIT);
    const yInit = readInit(options.options, 'yInit', PENDULUM_DEFAULT_Y_INIT);
    // Gymnasium draws np_random.uniform(low=[-x, -y], high=[x, y]): angle first, then velocity.
    this.theta = this.rng.uniform(-xInit, xInit);
    this.thetaDot = this.rng.uniform(-yInit, yInit);
    this.hasState = true;
    return [this.observation(), {}];
  }

  /**
   * Applies torque `action[0]` (clipped to ±maxTorque) for one time step.
   * @throws {@link EnvError} before the first reset; {@link ShapeError} when the action is not
   * one number; {@link EnvError} when it is NaN.
   */
  step(action: Float32Array): StepResult<Float32Array> {
    if (!this.hasState)
      throw new EnvError('Pendulum step() was called before reset(); call env.reset({ seed }) first.');
    if (action === null || typeof action !== 'object' || (action as ArrayLike<number>).length !== 1) {
      throw new ShapeError(
        `Pendulum action must be a Float32Array of length 1 (the torque), got ${action === null || typeof action !== 'object' ? String(action) : `length ${(action as ArrayLike<number>).length}`}.`,
      );
    }
    const raw = Number(action[0]);
    if (Number.isNaN(raw))
      throw new EnvError('Pendulum action is NaN; check the policy output for NaNs before stepping.');
    const u = Math.min(this.maxTorque, Math.max(-this.maxTorque, raw));
    const th = this.theta;
    const thdot = this.thetaDot;
    const costs = angleNormalize(th) ** 2 + 0.1 * thdot ** 2 + 0.001 * u ** 2;
    let newThdot =
      thdot + (((3 * this.g) / (2 * this.l)) * Math.sin(th) + (3.0 / (this.m * this.l ** 2)) * u) * this.dt;
    newThdot = Math.min(this.maxSpeed, Math.max(-this.maxSpeed, newThdot));
    this.theta = th + newThdot * this.dt;
    this.thetaDot = newThdot;
    return [this.observation(), -costs, false, false, {}];
  }

  /** Nothing to release. */
  close(): void {}

  private observation(): Float32Array {
    return Float32Array.of(Math.cos(this.theta), Math.sin(this.theta), this.thetaDot);
  }
}

function readInit(options: Record<string, unknown> | undefined, key: 'xInit' | 'yInit', fallback: number): number {
  if (options === undefined || options === null || !(key in options)) return fallback;
  const v = options[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ConfigError(
      `Pendulum reset option ${key} must be a finite number, got ${typeof v === 'number' ? v : typeof v}. Pass e.g. { options: { ${key}: 0.5 } }.`,
    );
  }
  return v;
}
