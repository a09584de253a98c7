/**
 * Scripted behaviours of the landmark family: the demonstrators that collect the offline data,
 * the probe that records trajectory prompts, and the one-channel oracles of the leak probes.
 *
 * | behaviour | knows | acts |
 * |---|---|---|
 * | `expert` | rule and map | PD control to the goal through the inverse map, `a = clip(M⁻¹ clip(4 (g − p) − 1.5 v))`, plus N(0, 0.1²) noise |
 * | `medium` | rule and map | the same, aimed at a goal shifted by N(0, 0.15²) per axis (drawn per episode), noise N(0, 0.3²) |
 * | `random` | nothing | uniform actions in [-1, 1] |
 * | `probe` | nothing | smooth random pushes, `a_t = clip(0.7 a_{t−1} + 0.5 ε_t)`: the trajectory prompts |
 * | `text-oracle` | the rule only | the expert's control, assuming the identity map |
 * | `trajectory-oracle` | the map only | the expert's control aimed at the markers' centroid (the mean goal over rules) |
 *
 * The probe is the same for every task, so a trajectory prompt shows the task's actuation map
 * (how velocity answers the pushes) and nothing about its rule.
 *
 * @module
 */
import { ConfigError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import type { Policy, PolicyContext } from '../../eval/policy.js';
import { type ActuationMap, invertActuation, type LandmarkRule, ruleGoal } from './family.js';

/** The behaviours of the landmark family. */
export const LANDMARK_BEHAVIOURS = Object.freeze([
  'expert',
  'medium',
  'random',
  'probe',
  'text-oracle',
  'trajectory-oracle',
] as const);

/** One of {@link LANDMARK_BEHAVIOURS}. */
export type LandmarkBehaviour = (typeof LANDMARK_BEHAVIOURS)[number];

/** Gains of the PD behaviours (as in the reach family's scripted policies). */
const KP = 4;
const KD = 1.5;

function clip1(x: number): number {
  return x > 1 ? 1 : x < -1 ? -1 : x;
}

/**
 * One behaviour for one task, with per-episode state. Allocation-free in {@link act}.
 */
export class LandmarkController {
  /** The behaviour. */
  readonly kind: LandmarkBehaviour;
  private readonly rule: LandmarkRule;
  private readonly inverse: [[number, number], [number, number]];
  private readonly goal = new Float64Array(2);
  private offsetX = 0;
  private offsetY = 0;
  private previous0 = 0;
  private previous1 = 0;

  /**
   * @param kind - the behaviour.
   * @param task - the task's rule and actuation map (what the behaviour may use of them is in
   *   the module notes).
   * @throws {@link ConfigError} for an unknown behaviour.
   */
  constructor(kind: LandmarkBehaviour, task: { readonly rule: LandmarkRule; readonly map: ActuationMap }) {
    if (!(LANDMARK_BEHAVIOURS as readonly string[]).includes(kind))
      throw new ConfigError(
        `Landmark behaviour must be one of ${LANDMARK_BEHAVIOURS.join(', ')}, got ${String(kind)}.`,
      );
    this.kind = kind;
    this.rule = task.rule;
    this.inverse =
      kind === 'text-oracle'
        ? [
            [1, 0],
            [0, 1],
          ]
        : invertActuation(task.map);
  }

  /** Starts an episode: draws the medium behaviour's goal shift and clears the probe's memory. */
  beginEpisode(rng: Rng): void {
    this.offsetX = this.kind === 'medium' ? 0.15 * rng.normal() : 0;
    this.offsetY = this.kind === 'medium' ? 0.15 * rng.normal() : 0;
    this.previous0 = 0;
    this.previous1 = 0;
  }

  /** Writes the action for `observation` into `out` (2 values), drawing noise from `rng`. */
  act(observation: ArrayLike<number>, rng: Rng, out: Float32Array, deterministic = false): void {
    switch (this.kind) {
      case 'random':
        out[0] = rng.uniform(-1, 1);
        out[1] = rng.uniform(-1, 1);
        return;
      case 'probe':
        this.previous0 = clip1(0.7 * this.previous0 + 0.5 * rng.normal());
        this.previous1 = clip1(0.7 * this.previous1 + 0.5 * rng.normal());
        out[0] = this.previous0;
        out[1] = this.previous1;
        return;
      case 'trajectory-oracle':
        this.goal[0] = (observation[4] + observation[6] + observation[8]) / 3;
        this.goal[1] = (observation[5] + observation[7] + observation[9]) / 3;
        break;
      default:
        ruleGoal(this.rule, observation, this.goal);
    }
    const fx = clip1(KP * (this.goal[0] + this.offsetX - observation[0]) - KD * observation[2]);
    const fy = clip1(KP * (this.goal[1] + this.offsetY - observation[1]) - KD * observation[3]);
    const [[i00, i01], [i10, i11]] = this.inverse;
    const noise = deterministic ? 0 : this.kind === 'medium' ? 0.3 : 0.1;
    out[0] = clip1(i00 * fx + i01 * fy + (noise === 0 ? 0 : noise * rng.normal()));
    out[1] = clip1(i10 * fx + i11 * fy + (noise === 0 ? 0 : noise * rng.normal()));
  }
}

/**
 * A behaviour as an evaluation {@link Policy} (for `evaluatePolicy`): a fresh controller per
 * episode stream, noise from the episode's stream.
 */
export function landmarkPolicy(
  kind: LandmarkBehaviour,
  task: { readonly rule: LandmarkRule; readonly map: ActuationMap },
): Policy<Float32Array, Float32Array> {
  const controllers = new Map<number, LandmarkController>();
  return (observation: Float32Array, context: PolicyContext): Float32Array => {
    let controller = controllers.get(context.episode);
    if (controller === undefined || context.step === 0) {
      controller = new LandmarkController(kind, task);
      controller.beginEpisode(context.rng);
      controllers.set(context.episode, controller);
    }
    const out = new Float32Array(2);
    controller.act(observation, context.rng, out, context.deterministic);
    return out;
  };
}
