/**
 * Scripted behaviour policies of graded quality for the point-mass suites. They know the goal
 * (they are the data-collecting "demonstrators"), unlike the policies trained on their data.
 *
 * | kind | what it does | success (measured, default tasks) |
 * |---|---|---|
 * | `expert` | PD control to the goal, `a = clip(4 (goal - p) - 1.5 v)`, plus N(0, 0.1²) action noise (none when
 * deterministic) | 100% |
 * | `medium` | the same PD control aimed at a goal shifted by N(0, 0.15²) per axis, drawn once per episode, plus N(0,
 * 0.3²) action noise | 10–50% per task, about 28% on average |
 * | `random` | uniform actions in [-1, 1] | 0–4% |
 *
 * (Success rates measured by `test/suites/behaviours.test.ts` on the 24 tasks of `pointmass-reach`.)
 *
 * @module
 */
import { ConfigError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { Policy, PolicyContext } from '../eval/policy.js';

/** The behaviour policies, best first. */
export const BEHAVIOUR_KINDS = Object.freeze(['expert', 'medium', 'random'] as const);

/** One of {@link BEHAVIOUR_KINDS}. */
export type BehaviourKind = (typeof BEHAVIOUR_KINDS)[number];

/** Gains and noise of a PD behaviour. */
export interface PdBehaviourSettings {
  /** Proportional gain on the goal error. */
  readonly kp: number;
  /** Derivative gain on the velocity. */
  readonly kd: number;
  /** Standard deviation of the Gaussian action noise (not applied when deterministic). */
  readonly actionNoise: number;
  /** Standard deviation, per axis, of the goal offset drawn once per episode. */
  readonly goalNoise: number;
}

/** Settings of the PD behaviours (the random behaviour has none). */
export const BEHAVIOUR_SETTINGS: Readonly<Record<'expert' | 'medium', PdBehaviourSettings>> = Object.freeze({
  expert: Object.freeze({ kp: 4, kd: 1.5, actionNoise: 0.1, goalNoise: 0 }),
  medium: Object.freeze({ kp: 4, kd: 1.5, actionNoise: 0.3, goalNoise: 0.15 }),
});

/** The goal a scripted behaviour steers to. */
export interface BehaviourGoal {
  /** Goal x coordinate. */
  readonly goalX: number;
  /** Goal y coordinate. */
  readonly goalY: number;
}

function checkKind(kind: unknown, where: string): BehaviourKind {
  if (typeof kind !== 'string' || !(BEHAVIOUR_KINDS as readonly string[]).includes(kind)) {
    throw new ConfigError(
      `${where}: behaviour kind must be one of ${BEHAVIOUR_KINDS.join(', ')}, got ${JSON.stringify(kind) ?? typeof kind}.`,
    );
  }
  return kind as BehaviourKind;
}

function clip1(x: number): number {
  return x > 1 ? 1 : x < -1 ? -1 : x;
}

/**
 * A scripted behaviour for one goal, with per-episode state (the medium behaviour's goal
 * offset). Allocation-free: data generators call {@link ScriptedController.act} in their loop.
 */
export class ScriptedController {
  /** The behaviour. */
  readonly kind: BehaviourKind;
  private readonly goalX: number;
  private readonly goalY: number;
  private aimX: number;
  private aimY: number;

  /**
   * @param kind - which behaviour.
   * @param goal - the task's goal.
   * @throws {@link ConfigError} on an unknown kind or a non-finite goal.
   */
  constructor(kind: BehaviourKind, goal: BehaviourGoal) {
    this.kind = checkKind(kind, 'ScriptedController');
    if (!Number.isFinite(goal?.goalX) || !Number.isFinite(goal?.goalY)) {
      throw new ConfigError(
        `ScriptedController: goal must be { goalX, goalY } with finite numbers, e.g. a task's params.`,
      );
    }
    this.goalX = this.aimX = goal.goalX;
    this.goalY = this.aimY = goal.goalY;
  }

  /** Starts an episode: the medium behaviour draws its goal offset from `rng`. */
  beginEpisode(rng: Rng): void {
    if (this.kind === 'medium') {
      const s = BEHAVIOUR_SETTINGS.medium.goalNoise;
      this.aimX = this.goalX + s * rng.normal();
      this.aimY = this.goalY + s * rng.normal();
    } else {
      this.aimX = this.goalX;
      this.aimY = this.goalY;
    }
  }

  /**
   * Writes the action for observation `[x, y, vx, vy]` into `out` (2 values) and returns it.
   * @param rng - the noise stream; `null` acts deterministically (no action noise; the random
   * behaviour then returns zeros).
   */
  act(obs: ArrayLike<number>, rng: Rng | null, out: Float32Array): Float32Array {
    if (this.kind === 'random') {
      out[0] = rng === null ? 0 : rng.uniform(-1, 1);
      out[1] = rng === null ? 0 : rng.uniform(-1, 1);
      return out;
    }
    const s = BEHAVIOUR_SETTINGS[this.kind];
    let ax = s.kp * (this.aimX - obs[0]) - s.kd * obs[2];
    let ay = s.kp * (this.aimY - obs[1]) - s.kd * obs[3];
    if (rng !== null && s.actionNoise > 0) {
      ax += s.actionNoise * rng.normal();
      ay += s.actionNoise * rng.normal();
    }
    out[0] = clip1(ax);
    out[1] = clip1(ay);
    return out;
  }
}

/**
 * A scripted behaviour as an eval {@link Policy}, for `evaluatePolicy` and `collectDataset`.
 * Noise comes from the episode's stream `context.rng`; with `context.deterministic` the PD
 * behaviours add no action noise (the medium goal offset is still drawn per episode), and the
 * random behaviour stays random (it has no deterministic form worth evaluating).
 *
 * @example
 * ```ts
 * const task = suite.task('reach-north-far');
 * const result = await evaluatePolicy(scriptedPolicy('expert', task.params), task.makeEnv, { episodes: 20, seed: 1 });
 * ```
 * @throws {@link ConfigError} on an unknown kind or a goal without finite coordinates.
 */
export function scriptedPolicy(kind: BehaviourKind, goal: BehaviourGoal): Policy<Float32Array, Float32Array> {
  const controllers = new Map<number, ScriptedController>();
  const template = new ScriptedController(kind, goal);
  return (obs: Float32Array, context: PolicyContext): Float32Array => {
    let c = controllers.get(context.episode);
    if (c === undefined || context.step === 0) {
      c = new ScriptedController(template.kind, goal);
      c.beginEpisode(context.rng);
      controllers.set(context.episode, c);
      // Keep the map small under long runs: episodes only move forward.
      if (controllers.size > 64) controllers.delete(controllers.keys().next().value!);
    }
    const noisy = kind === 'random' || !context.deterministic;
    return c.act(obs, noisy ? context.rng : null, new Float32Array(2));
  };
}
