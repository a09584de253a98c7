/**
 * Scripted experts for the six Meta-World tasks, written from each task's goal and geometry, and
 * the behaviours built on them for offline data ({@link metaWorldBehaviour}).
 *
 * Every expert is a function of the observation alone (no memory), so it can take over any state,
 * noisy or not: it reads the hand, the gripper opening, the object's pose and the goal, decides
 * which phase the task is in (reach above the object, descend, close, carry, place, withdraw), and
 * returns a proportional move `clip(10 · (target − hand), −1, 1)` towards that phase's target with
 * the gripper open (−1) or closed (+1). The goal must be in the observation (the default,
 * `partiallyObservable: false`); sweep-into and bin-picking have fixed goals and do not need it.
 *
 * Geometry the experts rely on (from the models): the point between the fingertips is 4.5 cm below
 * the hand; the open pads stand 4.4 cm either side of the hand in y and close along y; the
 * wrench's handle can only be held across its width, so a wrench that the reset left turned is
 * first pushed round the peg until its handle lies along x; the start bin's walls stand at
 * y = 0.605 and 0.795, so the hand keeps the open pads off them.
 *
 * Success over 100 seeded episodes is measured by `bench/metaworld-experts.js`.
 *
 * @module
 */
import { ConfigError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import { METAWORLD_TASKS, type MetaWorldTaskName } from './sawyer-env.js';

/** Height of the hand above the point between the fingertips. */
const TCP_OFFSET = 0.045;
/** Gain of the proportional moves. */
const GAIN = 10;
const OPEN = -1;
const CLOSE = 1;

/** A deterministic scripted expert: the action for an observation. */
export type MetaWorldExpert = (observation: ArrayLike<number>) => Float32Array;

/** The behaviours of graded quality, best first. */
export const METAWORLD_BEHAVIOURS = Object.freeze(['expert', 'medium', 'random'] as const);

/** One of {@link METAWORLD_BEHAVIOURS}. */
export type MetaWorldBehaviourKind = (typeof METAWORLD_BEHAVIOURS)[number];

/** How a behaviour perturbs the expert. */
export interface MetaWorldBehaviourSettings {
  /** Standard deviation of the Gaussian noise added to every action component (then clipped). */
  readonly actionNoise: number;
  /** Probability, per step, of a uniform random action instead of the expert's. */
  readonly randomActionProbability: number;
}

/**
 * The settings of the `expert` and `medium` behaviours (`random` draws uniform actions). Success
 * rates they give are measured by `bench/metaworld-experts.js` and listed in
 * `docs/envs/metaworld.md`.
 */
export const METAWORLD_BEHAVIOUR_SETTINGS: Readonly<Record<'expert' | 'medium', MetaWorldBehaviourSettings>> =
  Object.freeze({
    expert: Object.freeze({ actionNoise: 0.1, randomActionProbability: 0 }),
    medium: Object.freeze({ actionNoise: 0.5, randomActionProbability: 0.15 }),
  });

/** What a behaviour receives besides the observation (a subset of the eval module's policy context). */
export interface MetaWorldBehaviourContext {
  /** The episode's random stream. */
  readonly rng: Rng;
  /** Act without noise (the expert alone); random stays random. @defaultValue false */
  readonly deterministic?: boolean;
}

/** A behaviour: the action for an observation, drawing its noise from the context's stream. */
export type MetaWorldBehaviour = (observation: ArrayLike<number>, context: MetaWorldBehaviourContext) => Float32Array;

// ----- small geometry helpers ----------------------------------------------------------------

type V3 = [number, number, number];

function clip1(x: number): number {
  return x > 1 ? 1 : x < -1 ? -1 : x;
}

function planar(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

/** The action that moves the hand towards `target` with gripper command `grip`. */
function moveTo(hand: V3, target: V3, grip: number): Float32Array {
  return Float32Array.of(
    clip1(GAIN * (target[0] - hand[0])),
    clip1(GAIN * (target[1] - hand[1])),
    clip1(GAIN * (target[2] - hand[2])),
    grip,
  );
}

interface Reading {
  readonly hand: V3;
  readonly grip: number;
  readonly obj: V3;
  readonly goal: V3;
  /** Height of the point between the fingertips. */
  readonly tcpZ: number;
}

function read(o: ArrayLike<number>): Reading {
  return {
    hand: [o[0], o[1], o[2]],
    grip: o[3],
    obj: [o[4], o[5], o[6]],
    goal: [o[36], o[37], o[38]],
    tcpZ: o[2] - TCP_OFFSET,
  };
}

/** Target for the hand so that the fingertips are at height `z` over (x, y). */
function tcpAt(x: number, y: number, z: number): V3 {
  return [x, y, z + TCP_OFFSET];
}

/**
 * Reach a grasp point from above with the gripper open, then close on it: above it at
 * `approachZ`, down, close. Returns the action of whichever of those steps applies.
 */
function reachAndClose(r: Reading, grasp: V3, approachZ: number, alignTolerance = 0.012): Float32Array {
  const { hand } = r;
  if (planar(hand, grasp) > alignTolerance) {
    return moveTo(hand, [grasp[0], grasp[1], Math.max(hand[2], approachZ)], OPEN);
  }
  if (r.tcpZ - grasp[2] > 0.005) return moveTo(hand, tcpAt(grasp[0], grasp[1], grasp[2]), OPEN);
  return moveTo(hand, tcpAt(grasp[0], grasp[1], grasp[2]), CLOSE);
}

/** Whether the fingertips are around `grasp` (within `xy` in the plane and `z` in height) with the gripper closing. */
function holding(r: Reading, grasp: V3, xy: number, z: number): boolean {
  return r.grip < 0.95 && planar(r.hand, grasp) < xy && Math.abs(r.tcpZ - grasp[2]) < z;
}

// ----- the experts -----------------------------------------------------------------------------

/** sweep-into: pick the puck up, carry it over the hole, lower it in, withdraw. */
function sweepInto(o: ArrayLike<number>): Float32Array {
  const r = read(o);
  const { hand, obj, goal } = r;
  if (planar(obj, goal) < 0.045 && obj[2] < 0.04) return moveTo(hand, [hand[0], hand[1], 0.17], OPEN);
  const grasp: V3 = [obj[0], obj[1], obj[2]];
  if (holding(r, grasp, 0.03, 0.03)) {
    if (r.grip > 0.6 && obj[2] < 0.08) return moveTo(hand, tcpAt(grasp[0], grasp[1], grasp[2]), CLOSE);
    const offsetX = hand[0] - obj[0];
    const offsetY = hand[1] - obj[1];
    if (planar(obj, goal) > 0.015) {
      if (hand[2] < 0.07 && planar(obj, goal) > 0.05) return moveTo(hand, [hand[0], hand[1], 0.12], CLOSE);
      return moveTo(hand, [goal[0] + offsetX, goal[1] + offsetY, 0.12], CLOSE);
    }
    return moveTo(hand, [goal[0] + offsetX, goal[1] + offsetY, 0.05 + TCP_OFFSET], CLOSE);
  }
  return reachAndClose(r, grasp, grasp[2] + TCP_OFFSET + 0.06);
}

/** coffee-push: close the gripper round the mug's body and slide it to the spot under the machine. */
function coffeePush(o: ArrayLike<number>): Float32Array {
  const r = read(o);
  const { hand, obj, goal } = r;
  if (planar(obj, goal) < 0.02) return moveTo(hand, [hand[0], hand[1], 0.25], OPEN);
  const grasp: V3 = [obj[0], obj[1], obj[2] + 0.03];
  if (holding(r, grasp, 0.03, 0.03)) {
    if (r.grip > 0.7 && planar(obj, goal) > 0.05) return moveTo(hand, tcpAt(grasp[0], grasp[1], grasp[2]), CLOSE);
    return moveTo(hand, tcpAt(goal[0] + hand[0] - obj[0], goal[1] + hand[1] - obj[1], grasp[2]), CLOSE);
  }
  return reachAndClose(r, grasp, grasp[2] + TCP_OFFSET + 0.08);
}

/**
 * disassemble: grasp the wrench's handle across its width and lift the ring off the peg; if the
 * handle does not lie along x, first push it sideways (gripper closed, fingertips at its height)
 * to turn the wrench about the peg.
 */
function disassemble(o: ArrayLike<number>): Float32Array {
  const r = read(o);
  const { hand, obj, goal } = r;
  const [w, x, y, z] = [o[7], o[8], o[9], o[10]];
  // The handle points along the nut frame's -y axis.
  const dx = -2 * (x * y - w * z);
  const dy = -(1 - 2 * (x * x + z * z));
  const n = Math.hypot(dx, dy) || 1;
  const ux = dx / n;
  const uy = dy / n;
  const safeZ = obj[2] + TCP_OFFSET + 0.08;
  if (obj[2] <= 0.04 && Math.abs(uy) > 0.4) {
    const sense = ux * uy > 0 ? -1 : 1; // turn towards the nearer of +x and -x
    const px = sense * -uy;
    const py = sense * ux;
    const behind: V3 = [obj[0] - px * 0.05, obj[1] - py * 0.05, safeZ];
    const toX = obj[0] - hand[0];
    const toY = obj[1] - hand[1];
    const along = toX * px + toY * py;
    const across = Math.abs(toX * py - toY * px);
    if (r.tcpZ < obj[2] + 0.02 && along > -0.01 && across < 0.03) {
      return moveTo(hand, tcpAt(obj[0] + px * 0.03, obj[1] + py * 0.03, obj[2]), CLOSE);
    }
    if (planar(hand, behind) > 0.01) {
      if (hand[2] < safeZ - 0.02) return moveTo(hand, [hand[0], hand[1], safeZ], CLOSE);
      return moveTo(hand, behind, CLOSE);
    }
    return moveTo(hand, tcpAt(behind[0], behind[1], obj[2]), CLOSE);
  }
  const grasp: V3 = [obj[0], obj[1], obj[2] - 0.01];
  if (r.grip < 0.95 && planar(hand, obj) < 0.03 && r.tcpZ - grasp[2] < 0.03) {
    if (r.grip > 0.7 && obj[2] < 0.04) return moveTo(hand, tcpAt(grasp[0], grasp[1], grasp[2]), CLOSE);
    return moveTo(hand, tcpAt(hand[0], hand[1], goal[2] + 0.1), CLOSE);
  }
  if (planar(hand, obj) > 0.01 && planar(hand, obj) > 0.03 && hand[2] < safeZ - 0.02) {
    return moveTo(hand, [hand[0], hand[1], safeZ], OPEN);
  }
  return reachAndClose(r, grasp, safeZ, 0.01);
}

/** box-close: grasp the lid's handle bar, lift, carry over the box, lower the lid onto it. */
function boxClose(o: ArrayLike<number>): Float32Array {
  const r = read(o);
  const { hand, obj, goal } = r;
  // The bar sits 8.2 cm above the lid's origin; the fingertips go 1.5 cm below it so the pads cover it.
  const grasp: V3 = [obj[0], obj[1], obj[2] + 0.082 - 0.015];
  if (holding(r, grasp, 0.03, 0.03)) {
    if (r.grip > 0.5 && obj[2] < 0.03) return moveTo(hand, tcpAt(grasp[0], grasp[1], grasp[2]), CLOSE);
    const carryZ = 0.3;
    if (planar(obj, goal) > 0.015) {
      if (hand[2] < carryZ - 0.05) return moveTo(hand, [hand[0], hand[1], carryZ], CLOSE);
      return moveTo(hand, [goal[0], goal[1], carryZ], CLOSE);
    }
    return moveTo(hand, tcpAt(goal[0], goal[1], goal[2] + 0.082 - 0.015), CLOSE);
  }
  return reachAndClose(r, grasp, grasp[2] + 0.015 + TCP_OFFSET + 0.05);
}

/** hand-insert: pick the block up, carry it over the goal, lower it into the hole and hold it there. */
function handInsert(o: ArrayLike<number>): Float32Array {
  const r = read(o);
  const { hand, obj, goal } = r;
  const grasp: V3 = [obj[0], obj[1], obj[2]];
  const held = holding(r, grasp, 0.03, 0.03);
  if (planar(obj, goal) < 0.02 && obj[2] < 0.03) {
    // In the hole at the goal: keep holding it there; if it was let go, withdraw.
    return held ? moveTo(hand, hand, CLOSE) : moveTo(hand, [hand[0], hand[1], 0.2], OPEN);
  }
  if (held) {
    if (r.grip > 0.6 && obj[2] < 0.08) return moveTo(hand, tcpAt(grasp[0], grasp[1], grasp[2]), CLOSE);
    const offsetX = hand[0] - obj[0];
    const offsetY = hand[1] - obj[1];
    if (planar(obj, goal) > 0.015) {
      if (hand[2] < 0.1 && planar(obj, goal) > 0.05) return moveTo(hand, [hand[0], hand[1], 0.15], CLOSE);
      return moveTo(hand, [goal[0] + offsetX, goal[1] + offsetY, 0.15], CLOSE);
    }
    return moveTo(hand, [goal[0] + offsetX, goal[1] + offsetY, 0.02 + TCP_OFFSET], CLOSE);
  }
  return reachAndClose(r, grasp, grasp[2] + TCP_OFFSET + 0.06);
}

/** Inner faces of the start bin's walls along y. */
const BIN_WALL_Y = [0.605, 0.795] as const;

/** bin-picking: pick the cube out of the left bin, carry it over the right bin, drop it. */
function binPicking(o: ArrayLike<number>): Float32Array {
  const r = read(o);
  const { hand, obj, goal } = r;
  if (planar(obj, goal) < 0.03 && obj[2] < 0.05) return moveTo(hand, [hand[0], hand[1], 0.25], OPEN);
  const held = r.grip < 0.6 && Math.abs(r.tcpZ - obj[2]) < 0.03 && planar(hand, obj) < 0.03;
  if (held) {
    const over = planar(obj, goal) <= 0.02;
    if (obj[2] <= 0.045 || (!over && hand[2] < 0.18)) return moveTo(hand, [hand[0], hand[1], 0.25], CLOSE);
    const offsetX = hand[0] - obj[0];
    const offsetY = hand[1] - obj[1];
    if (!over) return moveTo(hand, [goal[0] + offsetX, goal[1] + offsetY, 0.25], CLOSE);
    return moveTo(hand, [goal[0] + offsetX, goal[1] + offsetY, 0.1], hand[2] < 0.13 ? OPEN : CLOSE);
  }
  // Keep the open pads (4.7 cm either side of the hand) clear of the walls.
  const y = Math.min(BIN_WALL_Y[1] - 0.05, Math.max(BIN_WALL_Y[0] + 0.05, obj[1]));
  const grasp: V3 = [obj[0], y, obj[2]];
  if (planar(hand, grasp) > 0.012) return moveTo(hand, [grasp[0], grasp[1], Math.max(hand[2], 0.15)], OPEN);
  if (r.tcpZ - obj[2] > 0.01) return moveTo(hand, tcpAt(grasp[0], grasp[1], obj[2] - 0.005), OPEN);
  return moveTo(hand, tcpAt(grasp[0], grasp[1], obj[2]), CLOSE);
}

const EXPERTS: Readonly<Record<MetaWorldTaskName, MetaWorldExpert>> = Object.freeze({
  'sweep-into': sweepInto,
  'coffee-push': coffeePush,
  disassemble,
  'box-close': boxClose,
  'hand-insert': handInsert,
  'bin-picking': binPicking,
});

function checkTask(task: unknown, where: string): MetaWorldTaskName {
  if (typeof task !== 'string' || !(METAWORLD_TASKS as readonly string[]).includes(task)) {
    throw new ConfigError(
      `${where}: task must be one of ${METAWORLD_TASKS.join(', ')}, got ${JSON.stringify(task) ?? typeof task}.`,
    );
  }
  return task as MetaWorldTaskName;
}

/**
 * The scripted expert of a task: a deterministic function from a 39-value observation to an
 * action (a fresh `Float32Array` of 4).
 *
 * @example
 * ```ts
 * const expert = metaWorldExpert('box-close');
 * const [obs] = await env.reset({ seed: 0 });
 * const [next, reward, , , info] = await env.step(expert(obs));
 * ```
 * @throws {@link ConfigError} for a task that has no expert.
 */
export function metaWorldExpert(task: MetaWorldTaskName): MetaWorldExpert {
  return EXPERTS[checkTask(task, 'metaWorldExpert')];
}

/**
 * A behaviour of graded quality for a task, usable as a policy of `collectDataset` (it takes the
 * episode's random stream from the policy context):
 *
 * - `expert`: the scripted expert plus N(0, 0.1²) action noise (none when `deterministic`);
 * - `medium`: the expert with N(0, 0.5²) noise and, on 15% of steps, a uniform random action;
 * - `random`: uniform actions in [-1, 1].
 *
 * @param settings - replaces the noise of `expert` or `medium`.
 * @throws {@link ConfigError} for an unknown task or kind, or negative / out-of-range settings.
 */
export function metaWorldBehaviour(
  task: MetaWorldTaskName,
  kind: MetaWorldBehaviourKind,
  settings?: MetaWorldBehaviourSettings,
): MetaWorldBehaviour {
  const expert = EXPERTS[checkTask(task, 'metaWorldBehaviour')];
  if (!(METAWORLD_BEHAVIOURS as readonly string[]).includes(kind)) {
    throw new ConfigError(
      `metaWorldBehaviour: kind must be one of ${METAWORLD_BEHAVIOURS.join(', ')}, got ${JSON.stringify(kind) ?? typeof kind}.`,
    );
  }
  if (kind === 'random') {
    return (_observation, { rng }) =>
      Float32Array.of(rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1));
  }
  const s = settings ?? METAWORLD_BEHAVIOUR_SETTINGS[kind];
  if (!(s.actionNoise >= 0) || !(s.randomActionProbability >= 0 && s.randomActionProbability <= 1)) {
    throw new ConfigError(
      `metaWorldBehaviour: actionNoise must be >= 0 and randomActionProbability in [0, 1], got ${s.actionNoise} and ${s.randomActionProbability}.`,
    );
  }
  return (observation, { rng, deterministic }) => {
    const action = expert(observation);
    if (deterministic === true) return action;
    if (s.randomActionProbability > 0 && rng.float() < s.randomActionProbability) {
      for (let i = 0; i < 4; i++) action[i] = rng.uniform(-1, 1);
      return action;
    }
    if (s.actionNoise > 0) for (let i = 0; i < 4; i++) action[i] = clip1(action[i] + s.actionNoise * rng.normal());
    return action;
  };
}
