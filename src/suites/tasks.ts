/**
 * The tasks of the point-mass suites: their parameters, their structured text descriptions, the
 * built-in suite `pointmass-reach` with its default split, and the JSON spec for user-defined
 * tasks and splits ({@link parseSuiteSpec}).
 *
 * **Task family.** Every task runs the same robot ({@link PointMassEnv}) with the same
 * observation and action; only the goal differs: a *direction* from the centre (eight compass
 * directions, or any angle) and a *distance* (near 0.4, middle 0.6, far 0.8 units, or any value
 * up to 1). Success means stopping on the goal.
 *
 * **Text.** Each description follows the paper's Figure 1 (`Task:` / `Objective:` /
 * `Constraints:`) and names the direction and the distance in words, composed so that unseen
 * tasks reuse the words of seen ones: a diagonal is two cardinal words (`north-east`), and the
 * middle distance is `between near and far`. So even a bag-of-words or n-gram text encoder sees
 * an unseen task as a mixture of seen ones, and an LLM reads the same words plus the numbers.
 *
 * @module
 */
import { ConfigError, NotFoundError } from '../core/errors.js';
import {
  POINT_MASS_DEFAULTS,
  POINT_MASS_EPISODE_STEPS,
  POINT_MASS_FRAME_SKIP,
  POINT_MASS_MAX_GOAL_COORDINATE,
} from './point-mass-env.js';

/** The eight compass directions, counter-clockwise from east (north is +y, east is +x). */
export const COMPASS_DIRECTIONS = Object.freeze([
  'east',
  'north-east',
  'north',
  'north-west',
  'west',
  'south-west',
  'south',
  'south-east',
] as const);

/** One of {@link COMPASS_DIRECTIONS}. */
export type CompassDirection = (typeof COMPASS_DIRECTIONS)[number];

/** The named goal distances: near 0.4, middle 0.6, far 0.8 units from the centre. */
export const DISTANCES = Object.freeze({
  /** 0.4 units. */
  near: 0.4,
  /** 0.6 units, described as "between near and far". */
  middle: 0.6,
  /** 0.8 units. */
  far: 0.8,
} as const);

/** A named goal distance, a key of {@link DISTANCES}. */
export type DistanceName = keyof typeof DISTANCES;

/** Name of the built-in suite. */
export const POINTMASS_REACH = 'pointmass-reach';

/**
 * A task's parameters after validation: what the env and the scripted policies need, plus the
 * words the description uses. Plain JSON, stored with datasets.
 */
export interface ReachTaskParams {
  /** Task kind; only `'reach'` (reach the goal and stop on it) exists so far. */
  readonly kind: 'reach';
  /** The compass direction, or `null` when the task was given by `angleDegrees` off the compass. */
  readonly direction: CompassDirection | null;
  /** Direction of the goal in degrees, counter-clockwise from east. */
  readonly angleDegrees: number;
  /** Distance of the goal from the centre (units). */
  readonly distance: number;
  /** Goal x (east) coordinate: `distance · cos(angle)`, rounded to 1e-6. */
  readonly goalX: number;
  /** Goal y (north) coordinate: `distance · sin(angle)`, rounded to 1e-6. */
  readonly goalY: number;
  /** Success radius (units). */
  readonly tolerance: number;
  /** Speed (units/s) below which the mass counts as stopped. */
  readonly maxSpeed: number;
  /** Consecutive steps on the target needed for success. */
  readonly holdSteps: number;
}

/** A task description in the structured form of the paper's Figure 1. */
export interface StructuredDescription {
  /** The `Task:` line: the task's name in words. */
  readonly task: string;
  /** The `Objective:` line: what to achieve. */
  readonly objective: string;
  /** The `Constraints:` line, one entry per clause (joined with `"; "`). */
  readonly constraints: readonly string[];
}

/** A task of a suite spec: its name, parameters and text. */
export interface SuiteTaskSpec {
  /** Unique task name, e.g. `reach-north-far`. */
  readonly name: string;
  /** Validated parameters. */
  readonly params: ReachTaskParams;
  /** The structured description, when the task has one (built-in and generated texts do). */
  readonly description: StructuredDescription | null;
  /** The text prompt: the rendered description, or the user's own text. */
  readonly textPrompt: string;
}

/** Seen and unseen task names of a suite. */
export interface SuiteSplit {
  /** Tasks with offline training data (at least one). */
  readonly seen: readonly string[];
  /** Tasks held out for zero-shot evaluation: prompts only, no training data (may be empty). */
  readonly unseen: readonly string[];
}

/** A validated suite: tasks, default split and episode length. */
export interface SuiteSpec {
  /** The suite's name. */
  readonly name: string;
  /** Every task of the suite, in a fixed order. */
  readonly tasks: readonly SuiteTaskSpec[];
  /** The default split. */
  readonly split: SuiteSplit;
  /** Steps per episode (the time limit of evaluation envs and the length of generated episodes). */
  readonly episodeSteps: number;
}

/** Rounds to 6 decimals, so goals print cleanly and compare exactly. */
function round6(x: number): number {
  const r = Math.round(x * 1e6) / 1e6;
  return r === 0 ? 0 : r;
}

/** Formats a number for text: at most 3 decimals, no trailing zeros. */
function num(x: number): string {
  return String(Math.round(x * 1000) / 1000);
}

const DIRECTION_ANGLES: Readonly<Record<CompassDirection, number>> = Object.freeze({
  east: 0,
  'north-east': 45,
  north: 90,
  'north-west': 135,
  west: 180,
  'south-west': 225,
  south: 270,
  'south-east': 315,
});

/** The words for a distance: `near`, `far`, or `between near and far` (the middle band). */
export function distanceWords(distance: number): string {
  if (distance <= 0.45) return 'near';
  if (distance >= 0.75) return 'far';
  return 'between near and far';
}

/** The name fragment for a distance: `near`, `middle`, `far`, or the number (`d0.55`). */
function distanceSlug(distance: number): string {
  for (const [name, d] of Object.entries(DISTANCES)) if (Math.abs(d - distance) < 1e-9) return name;
  return `d${num(distance)}`;
}

/**
 * The default name of a reach task: `reach-<direction>-<near|middle|far>`, with
 * `a<degrees>` for an off-compass angle and `d<distance>` for an unnamed distance.
 */
export function reachTaskName(params: Pick<ReachTaskParams, 'direction' | 'angleDegrees' | 'distance'>): string {
  return `reach-${params.direction ?? `a${num(params.angleDegrees)}`}-${distanceSlug(params.distance)}`;
}

/**
 * The structured description of a reach task, in words that unseen tasks share with seen ones
 * (see the module notes).
 *
 * @example
 * ```ts
 * formatDescription(describeReachTask(reachParams({ direction: 'north-east', distance: 'far' })));
 * // Task: Point-mass reach north-east far.
 * // Objective: Move the point mass to a far target north-east of the centre and stop on it.
 * // Constraints: The target is 0.8 units north-east of the centre; ...
 * ```
 */
export function describeReachTask(params: ReachTaskParams): StructuredDescription {
  const dir = params.direction ?? `at ${num(params.angleDegrees)} degrees counter-clockwise from east`;
  const words = distanceWords(params.distance);
  const target = words === 'near' || words === 'far' ? `a ${words} target` : `a target ${words},`;
  const where = params.direction === null ? `${dir} from the centre` : `${dir} of the centre`;
  return Object.freeze({
    task: `Point-mass reach ${dir} ${words}`,
    objective: `Move the point mass to ${target} ${where} and stop on it`,
    constraints: Object.freeze([
      `The target is ${num(params.distance)} units ${where}`,
      'the target is not observed, only position and velocity are',
      'forces between -1 and 1 on each axis',
      `stop within ${num(params.tolerance)} units of the target, slower than ${num(params.maxSpeed)} units per second, for ${params.holdSteps} steps`,
    ]),
  });
}

/** Renders a structured description as the paper's text prompt: `Task: …\nObjective: …\nConstraints: …`. */
export function formatDescription(d: StructuredDescription): string {
  const sentence = (t: string): string => {
    const s = t.trim();
    return /[.!?]$/.test(s) ? s : `${s}.`;
  };
  const lines = [`Task: ${sentence(d.task)}`, `Objective: ${sentence(d.objective)}`];
  const kept = d.constraints.map((c) => c.trim().replace(/[.;]$/, '')).filter((c) => c !== '');
  if (kept.length > 0) lines.push(`Constraints: ${sentence(kept.join('; '))}`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Parameters from JSON
// ---------------------------------------------------------------------------------------------

/**
 * Task parameters as written in a JSON spec. Give the direction either as `direction` (a
 * compass word) or as `angleDegrees`, and the distance as a number or a name.
 */
export interface ReachTaskParamsInput {
  /** `'reach'` (the default and only kind). */
  readonly kind?: 'reach';
  /** A compass direction such as `north-east`; or give `angleDegrees` (`null` counts as absent). */
  readonly direction?: CompassDirection | null;
  /** Direction in degrees counter-clockwise from east; or give `direction`. */
  readonly angleDegrees?: number;
  /** Distance from the centre, in (0, 1], or `near` / `middle` / `far`. */
  readonly distance: number | DistanceName;
  /** Success radius, in (0, 0.5]. @defaultValue 0.1 */
  readonly tolerance?: number;
  /** Stop speed, > 0. @defaultValue 0.2 */
  readonly maxSpeed?: number;
  /** Steps to hold, a positive integer. @defaultValue 5 */
  readonly holdSteps?: number;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return 'an array';
  return JSON.stringify(v) ?? typeof v;
}

const PARAM_KEYS = [
  'kind',
  'direction',
  'angleDegrees',
  'distance',
  'tolerance',
  'maxSpeed',
  'holdSteps',
  'goalX',
  'goalY',
];

/**
 * Validates task parameters (from JSON or code) and derives the goal. Derived fields (`goalX`,
 * `goalY`) may be present, as in params read back from a dataset, and must then agree.
 *
 * @param where - the field path for messages, e.g. `tasks[2].params`.
 * @throws {@link ConfigError} naming the field (`tasks[2].params.distance`) and a valid value.
 */
export function reachParams(input: unknown, where = 'params'): ReachTaskParams {
  if (!isPlainObject(input))
    throw new ConfigError(
      `${where} must be an object such as { "direction": "north", "distance": "far" }, got ${show(input)}.`,
    );
  const unknown = Object.keys(input).filter((k) => !PARAM_KEYS.includes(k));
  if (unknown.length > 0) {
    throw new ConfigError(
      `${where} has no field ${unknown.map((k) => JSON.stringify(k)).join(', ')}; its fields are kind, direction or angleDegrees, distance, tolerance, maxSpeed, holdSteps.`,
    );
  }
  if (input.kind !== undefined && input.kind !== 'reach')
    throw new ConfigError(`${where}.kind must be "reach" (the only task kind), got ${show(input.kind)}.`);
  let direction: CompassDirection | null = null;
  let angle: number;
  if (input.direction !== undefined && input.direction !== null) {
    if (typeof input.direction !== 'string' || !(COMPASS_DIRECTIONS as readonly string[]).includes(input.direction)) {
      throw new ConfigError(
        `${where}.direction must be one of ${COMPASS_DIRECTIONS.join(', ')}, got ${show(input.direction)}. For another direction give angleDegrees instead.`,
      );
    }
    direction = input.direction as CompassDirection;
    angle = DIRECTION_ANGLES[direction];
    if (
      input.angleDegrees !== undefined &&
      (typeof input.angleDegrees !== 'number' || Math.abs(normalizeAngle(input.angleDegrees) - angle) > 1e-9)
    ) {
      throw new ConfigError(
        `${where}: give either direction or angleDegrees, not both (direction ${direction} is ${angle} degrees, angleDegrees is ${show(input.angleDegrees)}).`,
      );
    }
  } else if (input.angleDegrees !== undefined) {
    if (typeof input.angleDegrees !== 'number' || !Number.isFinite(input.angleDegrees)) {
      throw new ConfigError(
        `${where}.angleDegrees must be a finite number of degrees counter-clockwise from east, got ${show(input.angleDegrees)}. Pass e.g. { "angleDegrees": 30 }.`,
      );
    }
    angle = normalizeAngle(input.angleDegrees);
    const compass = COMPASS_DIRECTIONS.find((d) => DIRECTION_ANGLES[d] === angle);
    if (compass !== undefined) direction = compass;
  } else {
    throw new ConfigError(
      `${where}.direction is missing: give a compass direction (${COMPASS_DIRECTIONS.join(', ')}) or angleDegrees.`,
    );
  }
  let distance: number;
  const d = input.distance;
  if (typeof d === 'string' && Object.hasOwn(DISTANCES, d)) distance = DISTANCES[d as DistanceName];
  else if (typeof d === 'number' && Number.isFinite(d) && d > 0 && d <= POINT_MASS_MAX_GOAL_COORDINATE) distance = d;
  else {
    throw new ConfigError(
      `${where}.distance must be a number in (0, ${POINT_MASS_MAX_GOAL_COORDINATE}] or one of near, middle, far, got ${show(d)}. Pass e.g. { "distance": 0.6 }.`,
    );
  }
  const numberField = (key: string, fallback: number, ok: (v: number) => boolean, rule: string): number => {
    const v = input[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v))
      throw new ConfigError(`${where}.${key} must be ${rule}, got ${show(v)}. Pass e.g. { "${key}": ${fallback} }.`);
    return v;
  };
  const tolerance = numberField(
    'tolerance',
    POINT_MASS_DEFAULTS.tolerance,
    (v) => v > 0 && v <= 0.5,
    'a number in (0, 0.5]',
  );
  const maxSpeed = numberField('maxSpeed', POINT_MASS_DEFAULTS.maxSpeed, (v) => v > 0, 'a positive number');
  const holdSteps = numberField(
    'holdSteps',
    POINT_MASS_DEFAULTS.holdSteps,
    (v) => Number.isInteger(v) && v >= 1,
    'a positive integer',
  );
  const rad = (angle * Math.PI) / 180;
  const goalX = round6(distance * Math.cos(rad));
  const goalY = round6(distance * Math.sin(rad));
  for (const [key, value] of [
    ['goalX', goalX],
    ['goalY', goalY],
  ] as const) {
    const given = input[key];
    if (given !== undefined && (typeof given !== 'number' || Math.abs(given - value) > 1e-6)) {
      throw new ConfigError(
        `${where}.${key} is ${show(given)} but direction and distance give ${value}; drop ${key} (it is derived).`,
      );
    }
  }
  return Object.freeze({
    kind: 'reach',
    direction,
    angleDegrees: angle,
    distance,
    goalX,
    goalY,
    tolerance,
    maxSpeed,
    holdSteps,
  });
}

function normalizeAngle(deg: number): number {
  const a = ((deg % 360) + 360) % 360;
  return round6(a);
}

// ---------------------------------------------------------------------------------------------
// Feasibility
// ---------------------------------------------------------------------------------------------

/** Seconds per env step: {@link POINT_MASS_FRAME_SKIP} physics steps of 0.05 s (assets/mujoco/suite-pointmass.xml). */
const STEP_SECONDS = POINT_MASS_FRAME_SKIP * 0.05;

/**
 * An upper bound on the speed along one axis, units/s. Full control settles at 1 unit/s (gear 2
 * over damping 2, and the implicit Euler update never overshoots it); the bound allows 50% more
 * for pushes off the arena walls, so the feasibility check below never refuses a task that
 * some policy could succeed at.
 */
const SPEED_BOUND_PER_AXIS = 1.5;

/**
 * A lower bound on the first step (1-based) at which `info.success` can be true for a task:
 * the mass starts within the reset noise of the centre, needs at least
 * `(distance - tolerance - noise·√2) / (bound·√2·dt)` steps to come within the tolerance, and then
 * `holdSteps` consecutive steps there. A task whose bound exceeds the episode length cannot be
 * succeeded at by any policy.
 */
export function earliestSuccessStep(params: ReachTaskParams): number {
  const startOffset = POINT_MASS_DEFAULTS.resetNoiseScale * Math.SQRT2;
  const perStep = SPEED_BOUND_PER_AXIS * Math.SQRT2 * STEP_SECONDS;
  const gap = params.distance - params.tolerance - startOffset;
  const firstOnTarget = gap <= 0 ? 1 : Math.floor(gap / perStep) + 1;
  return firstOnTarget + params.holdSteps - 1;
}

/**
 * Throws unless some policy could succeed at the task within `episodeSteps` (see
 * {@link earliestSuccessStep}).
 * @param where - the task's field path, e.g. `tasks[2]`.
 * @throws {@link ConfigError} naming the task, the bound and what to change.
 */
export function checkTaskFeasible(params: ReachTaskParams, episodeSteps: number, where: string): void {
  const earliest = earliestSuccessStep(params);
  if (earliest <= episodeSteps) return;
  const travel = earliest - params.holdSteps + 1;
  throw new ConfigError(
    `${where}: no policy can succeed at this task within episodeSteps ${episodeSteps}: reaching the goal (distance ${num(params.distance)}, tolerance ${num(params.tolerance)}) takes at least ${travel} step(s) ` +
      `and success then needs ${params.holdSteps} consecutive step(s) on it (holdSteps), so the earliest success is step ${earliest}. ` +
      'Fix: lower params.holdSteps, raise episodeSteps (up to 1000), or move the goal closer.',
  );
}

// ---------------------------------------------------------------------------------------------
// The built-in suite
// ---------------------------------------------------------------------------------------------

function builtinTask(direction: CompassDirection, distance: DistanceName): SuiteTaskSpec {
  const params = reachParams({ direction, distance });
  const description = describeReachTask(params);
  return Object.freeze({
    name: reachTaskName(params),
    params,
    description,
    textPrompt: formatDescription(description),
  });
}

/**
 * The default split of `pointmass-reach`.
 *
 * - Seen (12): the four cardinal directions near and far, and four diagonals at one distance
 *   each (north-east and south-west near, south-east and north-west far).
 * - Unseen (6): the same diagonals at the other distance (new combinations of a seen direction
 *   and a seen distance), and north and south-west at the middle distance (between the seen
 *   near and far).
 *
 * The other six middle-distance tasks belong to the suite but to neither list; user splits can
 * use them.
 */
export const POINTMASS_REACH_DEFAULT_SPLIT: SuiteSplit = Object.freeze({
  seen: Object.freeze([
    'reach-north-near',
    'reach-north-far',
    'reach-east-near',
    'reach-east-far',
    'reach-south-near',
    'reach-south-far',
    'reach-west-near',
    'reach-west-far',
    'reach-north-east-near',
    'reach-south-west-near',
    'reach-south-east-far',
    'reach-north-west-far',
  ]),
  unseen: Object.freeze([
    'reach-north-east-far',
    'reach-south-west-far',
    'reach-south-east-near',
    'reach-north-west-near',
    'reach-north-middle',
    'reach-south-west-middle',
  ]),
});

let builtin: SuiteSpec | undefined;

/** Specs made by {@link builtinSuiteSpec} and {@link parseSuiteSpec}: already validated. */
const validated = new WeakSet<object>();

/** Whether `x` is a spec returned by {@link builtinSuiteSpec} or {@link parseSuiteSpec} (validated, frozen). */
export function isSuiteSpec(x: unknown): x is SuiteSpec {
  return x !== null && typeof x === 'object' && validated.has(x);
}

/** Names of the built-in suites. */
export function listSuites(): string[] {
  return [POINTMASS_REACH];
}

/**
 * A built-in suite's spec: `pointmass-reach` has 24 tasks (8 directions × near, middle, far)
 * and the default split {@link POINTMASS_REACH_DEFAULT_SPLIT}.
 * @throws {@link NotFoundError} for an unknown name.
 */
export function builtinSuiteSpec(name: string): SuiteSpec {
  if (name !== POINTMASS_REACH) {
    throw new NotFoundError(
      `No built-in suite is named ${JSON.stringify(name)}; the built-in suites are ${listSuites().join(', ')}. Define your own with a JSON spec (parseSuiteSpec).`,
    );
  }
  if (builtin === undefined) {
    const tasks: SuiteTaskSpec[] = [];
    for (const distance of ['near', 'middle', 'far'] as const)
      for (const direction of COMPASS_DIRECTIONS) tasks.push(builtinTask(direction, distance));
    builtin = Object.freeze({
      name: POINTMASS_REACH,
      tasks: Object.freeze(tasks),
      split: POINTMASS_REACH_DEFAULT_SPLIT,
      episodeSteps: POINT_MASS_EPISODE_STEPS,
    });
    validated.add(builtin);
  }
  return builtin;
}

// ---------------------------------------------------------------------------------------------
// JSON specs
// ---------------------------------------------------------------------------------------------

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Checks a split against a spec's tasks: known names, no repeats, no task in both lists, at
 * least one seen task.
 * @param where - the field path for messages, e.g. `split`.
 * @throws {@link ConfigError} naming the field (`split.unseen[1]`).
 */
export function parseSplit(input: unknown, taskNames: readonly string[], where = 'split'): SuiteSplit {
  if (!isPlainObject(input))
    throw new ConfigError(
      `${where} must be an object { "seen": [task names], "unseen": [task names] }, got ${show(input)}.`,
    );
  const extra = Object.keys(input).filter((k) => k !== 'seen' && k !== 'unseen');
  if (extra.length > 0)
    throw new ConfigError(
      `${where} has no field ${extra.map((k) => JSON.stringify(k)).join(', ')}; a split has seen and unseen.`,
    );
  const known = new Set(taskNames);
  const used = new Map<string, string>();
  const list = (key: 'seen' | 'unseen'): string[] => {
    const v = input[key] ?? (key === 'unseen' ? [] : undefined);
    if (!Array.isArray(v)) throw new ConfigError(`${where}.${key} must be an array of task names, got ${show(v)}.`);
    return v.map((name: unknown, i: number) => {
      const at = `${where}.${key}[${i}]`;
      if (typeof name !== 'string') throw new ConfigError(`${at} must be a task name (string), got ${show(name)}.`);
      if (!known.has(name)) {
        const close = taskNames.filter((t) => t.includes(name) || name.includes(t)).slice(0, 3);
        throw new ConfigError(
          `${at} is ${JSON.stringify(name)}, which is not a task of the suite.${close.length > 0 ? ` Did you mean ${close.map((c) => JSON.stringify(c)).join(' or ')}?` : ''} Tasks: ${taskNames.join(', ')}.`,
        );
      }
      const before = used.get(name);
      if (before !== undefined)
        throw new ConfigError(
          `${at} repeats ${JSON.stringify(name)}, already listed at ${before}; a task is either seen or unseen, once.`,
        );
      used.set(name, at);
      return name;
    });
  };
  const seen = list('seen');
  const unseen = list('unseen');
  if (seen.length === 0)
    throw new ConfigError(`${where}.seen is empty; a split needs at least one seen task to train on.`);
  return Object.freeze({ seen: Object.freeze(seen), unseen: Object.freeze(unseen) });
}

/**
 * The JSON form of a suite spec, as users write it.
 *
 * @example
 * ```json
 * {
 *   "name": "my-reach",
 *   "tasks": [
 *     { "name": "north", "params": { "direction": "north", "distance": "far" } },
 *     { "name": "east", "params": { "direction": "east", "distance": 0.7 },
 *       "description": { "task": "Reach east", "objective": "Stop 0.7 units east of the centre" } },
 *     { "name": "north-east", "params": { "angleDegrees": 45, "distance": 0.75 } }
 *   ],
 *   "split": { "seen": ["north", "east"], "unseen": ["north-east"] }
 * }
 * ```
 */
export interface SuiteSpecInput {
  /** Suite name (letters, digits, `_ . -`). */
  readonly name: string;
  /** The tasks; at least one. */
  readonly tasks: readonly SuiteTaskInput[];
  /** The default split; when absent, every task is seen. */
  readonly split?: SuiteSplitInput;
  /** Steps per episode, 10 to 1000. @defaultValue {@link POINT_MASS_EPISODE_STEPS} */
  readonly episodeSteps?: number;
}

/** A split as written in JSON. */
export interface SuiteSplitInput {
  /** Names of the tasks with training data (at least one). */
  readonly seen: readonly string[];
  /** Names of the held-out tasks. @defaultValue `[]` */
  readonly unseen?: readonly string[];
}

/** A structured description as written in JSON (see {@link StructuredDescription}). */
export interface StructuredDescriptionInput {
  /** The `Task:` line. */
  readonly task: string;
  /** The `Objective:` line. */
  readonly objective: string;
  /** The `Constraints:` line: one clause or several. @defaultValue none */
  readonly constraints?: string | readonly string[];
}

/** One task of a {@link SuiteSpecInput}. */
export interface SuiteTaskInput {
  /** Unique task name; defaults to {@link reachTaskName} of the params. */
  readonly name?: string;
  /** The task parameters. */
  readonly params: ReachTaskParamsInput;
  /**
   * The text prompt: a string used verbatim, or a structured description rendered as
   * `Task: … / Objective: … / Constraints: …`. Defaults to {@link describeReachTask} of the params.
   */
  readonly description?: string | StructuredDescriptionInput;
}

function parseDescription(
  input: unknown,
  params: ReachTaskParams,
  where: string,
): { description: StructuredDescription | null; textPrompt: string } {
  if (input === undefined) {
    const description = describeReachTask(params);
    return { description, textPrompt: formatDescription(description) };
  }
  if (typeof input === 'string') {
    if (input.trim() === '')
      throw new ConfigError(
        `${where} is empty; give a text such as "Task: Reach north far.\\nObjective: ..." or leave it out to use the generated one.`,
      );
    return { description: null, textPrompt: input.trim() };
  }
  if (!isPlainObject(input))
    throw new ConfigError(`${where} must be a string or { "task", "objective", "constraints" }, got ${show(input)}.`);
  const extra = Object.keys(input).filter((k) => !['task', 'objective', 'constraints'].includes(k));
  if (extra.length > 0)
    throw new ConfigError(
      `${where} has no field ${extra.map((k) => JSON.stringify(k)).join(', ')}; a structured description has task, objective and constraints.`,
    );
  for (const key of ['task', 'objective'] as const) {
    const v = input[key];
    if (typeof v !== 'string' || v.trim() === '')
      throw new ConfigError(`${where}.${key} must be a non-empty string, got ${show(v)}.`);
  }
  const c = input.constraints ?? [];
  const constraints = typeof c === 'string' ? [c] : c;
  if (!Array.isArray(constraints) || !constraints.every((x) => typeof x === 'string')) {
    throw new ConfigError(`${where}.constraints must be a string or an array of strings, got ${show(c)}.`);
  }
  const description: StructuredDescription = Object.freeze({
    task: input.task as string,
    objective: input.objective as string,
    constraints: Object.freeze([...constraints]),
  });
  return { description, textPrompt: formatDescription(description) };
}

/**
 * Validates a suite spec given as JSON (a parsed object or a JSON string) and resolves every
 * task's parameters and text. See {@link SuiteSpecInput} for the format.
 *
 * @throws {@link ConfigError} naming the offending field (`tasks[1].params.distance`,
 * `split.unseen[0]`, ...) and what would be valid, or a task that no policy could succeed at
 * within `episodeSteps` ({@link checkTaskFeasible}).
 */
export function parseSuiteSpec(input: unknown): SuiteSpec {
  let raw = input;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw) as unknown;
    } catch (cause) {
      throw new ConfigError(`Suite spec is not valid JSON: ${String(cause)}.`, { cause });
    }
  }
  if (!isPlainObject(raw))
    throw new ConfigError(`A suite spec must be an object { "name", "tasks", "split" }, got ${show(raw)}.`);
  const extra = Object.keys(raw).filter((k) => !['name', 'tasks', 'split', 'episodeSteps'].includes(k));
  if (extra.length > 0)
    throw new ConfigError(
      `Suite spec has no field ${extra.map((k) => JSON.stringify(k)).join(', ')}; its fields are name, tasks, split, episodeSteps.`,
    );
  if (typeof raw.name !== 'string' || !NAME_PATTERN.test(raw.name)) {
    throw new ConfigError(
      `Suite spec name must be a non-empty string of letters, digits, _ . - (e.g. "my-reach"), got ${show(raw.name)}.`,
    );
  }
  if (!Array.isArray(raw.tasks) || raw.tasks.length === 0)
    throw new ConfigError(
      `Suite spec tasks must be a non-empty array of { "name", "params", "description" }, got ${show(raw.tasks)}.`,
    );
  const tasks: SuiteTaskSpec[] = [];
  const names = new Map<string, number>();
  raw.tasks.forEach((t: unknown, i: number) => {
    const at = `tasks[${i}]`;
    if (!isPlainObject(t))
      throw new ConfigError(`${at} must be an object { "name", "params", "description" }, got ${show(t)}.`);
    const extraKeys = Object.keys(t).filter((k) => !['name', 'params', 'description'].includes(k));
    if (extraKeys.length > 0)
      throw new ConfigError(
        `${at} has no field ${extraKeys.map((k) => JSON.stringify(k)).join(', ')}; a task has name, params and description.`,
      );
    if (t.params === undefined)
      throw new ConfigError(`${at}.params is missing; give e.g. { "direction": "north", "distance": "far" }.`);
    const params = reachParams(t.params, `${at}.params`);
    const name = t.name === undefined ? reachTaskName(params) : t.name;
    if (typeof name !== 'string' || !NAME_PATTERN.test(name))
      throw new ConfigError(
        `${at}.name must be a string of letters, digits, _ . - (e.g. "reach-north-far"), got ${show(t.name)}.`,
      );
    const before = names.get(name);
    if (before !== undefined)
      throw new ConfigError(
        `${at}.name ${JSON.stringify(name)} repeats tasks[${before}].name; task names must be unique.`,
      );
    names.set(name, i);
    const { description, textPrompt } = parseDescription(t.description, params, `${at}.description`);
    tasks.push(Object.freeze({ name, params, description, textPrompt }));
  });
  const taskNames = tasks.map((t) => t.name);
  const split =
    raw.split === undefined
      ? Object.freeze({ seen: Object.freeze(taskNames), unseen: Object.freeze([]) })
      : parseSplit(raw.split, taskNames, 'split');
  const steps = raw.episodeSteps ?? POINT_MASS_EPISODE_STEPS;
  if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 10 || steps > 1000) {
    throw new ConfigError(
      `Suite spec episodeSteps must be an integer from 10 to 1000, got ${show(raw.episodeSteps)}. Leave it out for ${POINT_MASS_EPISODE_STEPS}.`,
    );
  }
  tasks.forEach((t, i) => checkTaskFeasible(t.params, steps, `tasks[${i}] (${t.name})`));
  const spec: SuiteSpec = Object.freeze({ name: raw.name, tasks: Object.freeze(tasks), split, episodeSteps: steps });
  validated.add(spec);
  return spec;
}

/**
 * The JSON form of a validated spec (task params without derived fields), which {@link parseSuiteSpec} reads back to an
 * equal spec.
 */
export function suiteSpecToJson(spec: SuiteSpec): SuiteSpecInput {
  return {
    name: spec.name,
    episodeSteps: spec.episodeSteps,
    split: { seen: [...spec.split.seen], unseen: [...spec.split.unseen] },
    tasks: spec.tasks.map((t) => ({
      name: t.name,
      params: {
        kind: 'reach',
        ...(t.params.direction === null ? { angleDegrees: t.params.angleDegrees } : { direction: t.params.direction }),
        distance: t.params.distance,
        tolerance: t.params.tolerance,
        maxSpeed: t.params.maxSpeed,
        holdSteps: t.params.holdSteps,
      },
      description:
        t.description === null
          ? t.textPrompt
          : {
              task: t.description.task,
              objective: t.description.objective,
              constraints: [...t.description.constraints],
            },
    })),
  };
}
