/**
 * The `pointmass-landmarks` task family: a benchmark of generalisation to unseen tasks in which
 * each prompt carries something the other cannot, and neither reveals the answer.
 *
 * **The instance is observed and re-drawn every episode.** Three markers (red, green, blue) sit
 * at random positions, drawn anew at every reset; the observation is the point mass's position
 * and velocity followed by the three markers' positions (10 numbers). The goal of an episode is
 * a function of the markers, so no episode can be copied from another.
 *
 * **The rule is hidden and stated only by the text.** A task's rule says where to stop relative
 * to the markers: on one marker, halfway between two, or at an offset from one. The rule is not
 * in the observation; the text prompt states it.
 *
 * **The dynamics are hidden and shown only by the trajectory prompt.** A task's actuation map is
 * a 2x2 matrix M applied to the action before the motors (`force = M a`): the identity, a
 * rotation, a mirror. Pushing "east" may move the mass north. The text never mentions M. The
 * trajectory prompts are episodes of a *probe* behaviour (smooth random pushes, the same for
 * every rule) under the task's M, from episodes of their own: they show how the controls act,
 * and their end states say nothing about where any rule's goal lies.
 *
 * **Splits.** The built-in suite crosses 6 rules with 4 actuation maps (24 tasks). 12 tasks are
 * seen (each rule with 2 maps, each map with 3 rules); the other 12 are unseen combinations of a
 * seen rule and a seen map, evaluated twice: with the seen tasks' wording
 * (`unseen-combination`) and with a paraphrase whose content words appear in no seen text
 * (`unseen-paraphrase`: crimson, emerald, azure, beacon, ...). A bag-of-n-grams text encoder
 * cannot read the paraphrases; an LLM encoder can. docs/suites/pointmass-landmarks.md gives the
 * reasoning and the leak probes that check the design.
 *
 * @module
 */
import { ConfigError } from '../../core/errors.js';
import { POINT_MASS_DEFAULTS, POINT_MASS_EPISODE_STEPS } from '../point-mass-env.js';
import { formatDescription, type StructuredDescription } from '../tasks.js';

/** Name of the built-in landmark suite. */
export const POINTMASS_LANDMARKS = 'pointmass-landmarks';

/** The markers, in observation order: red at `obs[4..5]`, green at `obs[6..7]`, blue at `obs[8..9]`. */
export const LANDMARK_COLOURS = Object.freeze(['red', 'green', 'blue'] as const);

/** One of {@link LANDMARK_COLOURS}. */
export type LandmarkColour = (typeof LANDMARK_COLOURS)[number];

/** Observation length: position, velocity, then the three markers' positions. */
export const LANDMARK_OBSERVATION_DIM = 10;

/** Largest marker coordinate: markers are drawn uniformly in `[-0.8, 0.8]²`. */
export const LANDMARK_RANGE = 0.8;

/** Smallest distance between two markers of an episode (rejection sampling). */
export const LANDMARK_MIN_SEPARATION = 0.4;

/** Largest offset of an `offset` rule, keeping every goal at least 0.1 inside the walls. */
export const LANDMARK_MAX_OFFSET = 0.3;

/** Compass directions an `offset` rule may use, with their unit vectors (north is +y). */
export const OFFSET_DIRECTIONS = Object.freeze({
  /** +y. */
  north: [0, 1],
  /** -y. */
  south: [0, -1],
  /** +x. */
  east: [1, 0],
  /** -x. */
  west: [-1, 0],
} as const);

/** One of the keys of {@link OFFSET_DIRECTIONS}. */
export type OffsetDirection = keyof typeof OFFSET_DIRECTIONS;

/** Stop on one marker. */
export interface OnRule {
  /** The rule's kind. */
  readonly kind: 'on';
  /** The marker. */
  readonly landmark: LandmarkColour;
}

/** Stop halfway between two different markers. */
export interface BetweenRule {
  /** The rule's kind. */
  readonly kind: 'between';
  /** The two markers. */
  readonly landmarks: readonly [LandmarkColour, LandmarkColour];
}

/** Stop at a fixed offset from one marker. */
export interface OffsetRule {
  /** The rule's kind. */
  readonly kind: 'offset';
  /** The marker. */
  readonly landmark: LandmarkColour;
  /** Which way from the marker. */
  readonly direction: OffsetDirection;
  /** How far, in (0, {@link LANDMARK_MAX_OFFSET}]. */
  readonly distance: number;
}

/** Where to stop, relative to the markers. */
export type LandmarkRule = OnRule | BetweenRule | OffsetRule;

/** A named actuation map: `force = matrix · action`, row-major `[[m00, m01], [m10, m11]]`. */
export interface ActuationMap {
  /** Name used in task names, e.g. `rotate-90`. */
  readonly name: string;
  /** The 2x2 matrix, row-major. */
  readonly matrix: readonly [readonly [number, number], readonly [number, number]];
}

/** The built-in actuation maps: identity, a quarter turn, a half turn and an east-west mirror. */
export const BUILTIN_ACTUATION_MAPS: readonly ActuationMap[] = Object.freeze([
  Object.freeze({
    name: 'identity',
    matrix: [
      [1, 0],
      [0, 1],
    ] as const,
  }),
  Object.freeze({
    name: 'rotate-90',
    matrix: [
      [0, -1],
      [1, 0],
    ] as const,
  }),
  Object.freeze({
    name: 'rotate-180',
    matrix: [
      [-1, 0],
      [0, -1],
    ] as const,
  }),
  Object.freeze({
    name: 'mirror-x',
    matrix: [
      [-1, 0],
      [0, 1],
    ] as const,
  }),
]);

/** Which evaluation group a task belongs to. */
export type LandmarkTaskGroup = 'seen' | 'unseen-combination' | 'unseen-paraphrase';

/** The success and reward settings every task of the family shares unless a spec overrides them. */
export interface LandmarkSuccessSettings {
  /** Success radius around the goal. */
  readonly tolerance: number;
  /** Speed below which the mass counts as stopped. */
  readonly maxSpeed: number;
  /** Consecutive steps on the goal needed for success. */
  readonly holdSteps: number;
}

/** A task: a named rule, a named actuation map, its text, and its group. */
export interface LandmarkTask {
  /** Unique name: `<rule>/<map>`, plus `~paraphrase` for a paraphrased evaluation copy. */
  readonly name: string;
  /** Name of the rule (shared by every task with that rule). */
  readonly ruleName: string;
  /** The rule. */
  readonly rule: LandmarkRule;
  /** The actuation map. */
  readonly map: ActuationMap;
  /** Seen, unseen with seen wording, or unseen with a paraphrased text. */
  readonly group: LandmarkTaskGroup;
  /** The structured description the text was rendered from. */
  readonly description: StructuredDescription;
  /** The text prompt. */
  readonly text: string;
  /** Success settings. */
  readonly success: LandmarkSuccessSettings;
}

/** A validated landmark suite. */
export interface LandmarkSuiteSpec {
  /** The suite's name. */
  readonly name: string;
  /** Every task, seen first. */
  readonly tasks: readonly LandmarkTask[];
  /** Steps per episode. */
  readonly episodeSteps: number;
}

// ---------------------------------------------------------------------------------------------
// Rules: goals and words
// ---------------------------------------------------------------------------------------------

/**
 * The goal of `rule` for an observation's markers (`obs[4..9]`), written into `out[0..1]`.
 * Allocation-free: behaviours call it every step.
 */
export function ruleGoal(rule: LandmarkRule, observation: ArrayLike<number>, out: Float64Array | number[]): void {
  const at = (colour: LandmarkColour, axis: 0 | 1): number =>
    observation[4 + 2 * LANDMARK_COLOURS.indexOf(colour) + axis];
  switch (rule.kind) {
    case 'on':
      out[0] = at(rule.landmark, 0);
      out[1] = at(rule.landmark, 1);
      return;
    case 'between':
      out[0] = 0.5 * (at(rule.landmarks[0], 0) + at(rule.landmarks[1], 0));
      out[1] = 0.5 * (at(rule.landmarks[0], 1) + at(rule.landmarks[1], 1));
      return;
    case 'offset': {
      const [dx, dy] = OFFSET_DIRECTIONS[rule.direction];
      out[0] = at(rule.landmark, 0) + rule.distance * dx;
      out[1] = at(rule.landmark, 1) + rule.distance * dy;
      return;
    }
    default: {
      const never: never = rule;
      throw new ConfigError(`Unknown landmark rule ${JSON.stringify(never)}.`);
    }
  }
}

/** The default name of a rule: `on-red`, `between-green-blue`, `north-0.3-of-red`. */
export function ruleName(rule: LandmarkRule): string {
  switch (rule.kind) {
    case 'on':
      return `on-${rule.landmark}`;
    case 'between':
      return `between-${rule.landmarks[0]}-${rule.landmarks[1]}`;
    case 'offset':
      return `${rule.direction}-${rule.distance}-of-${rule.landmark}`;
    default: {
      const never: never = rule;
      throw new ConfigError(`Unknown landmark rule ${JSON.stringify(never)}.`);
    }
  }
}

/** Words of the canonical texts and of their paraphrases. */
const WORDING = Object.freeze({
  canonical: {
    colour: { red: 'red', green: 'green', blue: 'blue' },
    marker: 'marker',
    markers: 'markers',
    direction: { north: 'north', south: 'south', east: 'east', west: 'west' },
  },
  paraphrase: {
    colour: { red: 'crimson', green: 'emerald', blue: 'azure' },
    marker: 'beacon',
    markers: 'beacons',
    direction: { north: 'upward', south: 'downward', east: 'rightward', west: 'leftward' },
  },
});

/**
 * The structured description of a rule, in the family's canonical wording or in the paraphrase
 * whose content words appear in no canonical text. The text states the rule only: it never
 * mentions the actuation map, the marker positions or the goal's coordinates.
 */
export function describeRule(rule: LandmarkRule, wording: 'canonical' | 'paraphrase'): StructuredDescription {
  const w = WORDING[wording];
  const one = (c: LandmarkColour): string => `the ${w.colour[c]} ${w.marker}`;
  if (wording === 'canonical') {
    const where =
      rule.kind === 'on'
        ? `on ${one(rule.landmark)}`
        : rule.kind === 'between'
          ? `halfway between ${one(rule.landmarks[0])} and ${one(rule.landmarks[1])}`
          : `${rule.distance} units ${w.direction[rule.direction]} of ${one(rule.landmark)}`;
    return Object.freeze({
      task: `Point-mass landmarks: stop ${where}`,
      objective: `Move the point mass to the point ${where} and stop there`,
      constraints: Object.freeze([
        'Three markers, red, green and blue, are placed anew in every episode; their positions are observed',
        'the controls may be rotated or mirrored, as the trajectory prompt shows',
        'stop within 0.1 units of the point, slower than 0.2 units per second, for 5 steps',
      ]),
    });
  }
  const where =
    rule.kind === 'on'
      ? `atop ${one(rule.landmark)}`
      : rule.kind === 'between'
        ? `at the midpoint joining ${one(rule.landmarks[0])} with ${one(rule.landmarks[1])}`
        : `${rule.distance} lengths ${w.direction[rule.direction]} from ${one(rule.landmark)}`;
  return Object.freeze({
    task: `Puck beacons: settle ${where}`,
    objective: `Guide the puck ${where} and come to rest`,
    constraints: Object.freeze([
      'Crimson, emerald and azure beacons get scattered afresh each round; their locations are visible',
      'steering can be turned or flipped, as the demonstration reveals',
      'halt within a tenth of a length, moving under a fifth each tick, across five ticks',
    ]),
  });
}

// ---------------------------------------------------------------------------------------------
// The built-in suite
// ---------------------------------------------------------------------------------------------

/** The six built-in rules: on each marker, and halfway between each pair. */
export const BUILTIN_RULES: readonly LandmarkRule[] = Object.freeze([
  Object.freeze({ kind: 'on', landmark: 'red' } as const),
  Object.freeze({ kind: 'on', landmark: 'green' } as const),
  Object.freeze({ kind: 'on', landmark: 'blue' } as const),
  Object.freeze({ kind: 'between', landmarks: Object.freeze(['red', 'green'] as const) } as const),
  Object.freeze({ kind: 'between', landmarks: Object.freeze(['green', 'blue'] as const) } as const),
  Object.freeze({ kind: 'between', landmarks: Object.freeze(['blue', 'red'] as const) } as const),
]);

/**
 * The seen (rule, map) pairs of the built-in suite, as indices into {@link BUILTIN_RULES} and
 * {@link BUILTIN_ACTUATION_MAPS}: every rule with two maps, every map with three rules, and the
 * pairs linked so that no group of rules is seen only with its own group of maps.
 */
export const BUILTIN_SEEN_PAIRS: readonly (readonly [number, number])[] = Object.freeze([
  [0, 0],
  [0, 1],
  [1, 1],
  [1, 2],
  [2, 2],
  [2, 3],
  [3, 3],
  [3, 0],
  [4, 0],
  [4, 2],
  [5, 1],
  [5, 3],
] as const);

const DEFAULT_SUCCESS: LandmarkSuccessSettings = Object.freeze({
  tolerance: POINT_MASS_DEFAULTS.tolerance,
  maxSpeed: POINT_MASS_DEFAULTS.maxSpeed,
  holdSteps: POINT_MASS_DEFAULTS.holdSteps,
});

function makeTask(
  rule: LandmarkRule,
  map: ActuationMap,
  group: LandmarkTaskGroup,
  success: LandmarkSuccessSettings,
  text?: { readonly canonical?: string; readonly paraphrase?: string },
  name?: string,
): LandmarkTask {
  const rName = name ?? ruleName(rule);
  const wording = group === 'unseen-paraphrase' ? 'paraphrase' : 'canonical';
  const description = describeRule(rule, wording);
  const given = wording === 'paraphrase' ? text?.paraphrase : text?.canonical;
  return Object.freeze({
    name: `${rName}/${map.name}${group === 'unseen-paraphrase' ? '~paraphrase' : ''}`,
    ruleName: rName,
    rule,
    map,
    group,
    description,
    text: given ?? formatDescription(description),
    success,
  });
}

/** The built-in `pointmass-landmarks` suite (see the module notes). */
export function builtinLandmarkSuite(): LandmarkSuiteSpec {
  const seen: LandmarkTask[] = [];
  const combination: LandmarkTask[] = [];
  const paraphrase: LandmarkTask[] = [];
  const isSeen = (r: number, m: number): boolean => BUILTIN_SEEN_PAIRS.some(([a, b]) => a === r && b === m);
  BUILTIN_RULES.forEach((rule, r) => {
    BUILTIN_ACTUATION_MAPS.forEach((map, m) => {
      if (isSeen(r, m)) seen.push(makeTask(rule, map, 'seen', DEFAULT_SUCCESS));
      else {
        combination.push(makeTask(rule, map, 'unseen-combination', DEFAULT_SUCCESS));
        paraphrase.push(makeTask(rule, map, 'unseen-paraphrase', DEFAULT_SUCCESS));
      }
    });
  });
  return Object.freeze({
    name: POINTMASS_LANDMARKS,
    tasks: Object.freeze([...seen, ...combination, ...paraphrase]),
    episodeSteps: POINT_MASS_EPISODE_STEPS,
  });
}

// ---------------------------------------------------------------------------------------------
// JSON specs
// ---------------------------------------------------------------------------------------------

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return JSON.stringify(v) ?? typeof v;
}

function checkKeys(value: Record<string, unknown>, allowed: readonly string[], where: string): void {
  const extra = Object.keys(value).filter((k) => !allowed.includes(k));
  if (extra.length > 0)
    throw new ConfigError(
      `${where} has no field ${extra.map((k) => JSON.stringify(k)).join(', ')}; its fields are ${allowed.join(', ')}.`,
    );
}

function colour(value: unknown, where: string): LandmarkColour {
  if (typeof value !== 'string' || !(LANDMARK_COLOURS as readonly string[]).includes(value))
    throw new ConfigError(`${where} must be one of ${LANDMARK_COLOURS.join(', ')}, got ${show(value)}.`);
  return value as LandmarkColour;
}

/**
 * Validates a rule from JSON: `{ kind: 'on', landmark }`, `{ kind: 'between', landmarks: [a, b] }`
 * (two different markers) or `{ kind: 'offset', landmark, direction, distance }` with a distance
 * in (0, {@link LANDMARK_MAX_OFFSET}], so that every goal stays reachable inside the walls.
 * @throws {@link ConfigError} naming the field.
 */
export function parseLandmarkRule(input: unknown, where = 'rule'): LandmarkRule {
  if (!isPlainObject(input))
    throw new ConfigError(
      `${where} must be an object such as { "kind": "on", "landmark": "red" }, got ${show(input)}.`,
    );
  switch (input['kind']) {
    case 'on':
      checkKeys(input, ['kind', 'landmark'], where);
      return Object.freeze({ kind: 'on', landmark: colour(input['landmark'], `${where}.landmark`) });
    case 'between': {
      checkKeys(input, ['kind', 'landmarks'], where);
      const pair = input['landmarks'];
      if (!Array.isArray(pair) || pair.length !== 2)
        throw new ConfigError(
          `${where}.landmarks must be two marker colours, e.g. ["red", "blue"], got ${show(pair)}.`,
        );
      const a = colour(pair[0], `${where}.landmarks[0]`);
      const b = colour(pair[1], `${where}.landmarks[1]`);
      if (a === b)
        throw new ConfigError(
          `${where}.landmarks names ${a} twice; halfway between a marker and itself is "on" it: use { "kind": "on", "landmark": "${a}" }.`,
        );
      return Object.freeze({ kind: 'between', landmarks: Object.freeze([a, b] as const) });
    }
    case 'offset': {
      checkKeys(input, ['kind', 'landmark', 'direction', 'distance'], where);
      const direction = input['direction'];
      if (typeof direction !== 'string' || !Object.hasOwn(OFFSET_DIRECTIONS, direction))
        throw new ConfigError(
          `${where}.direction must be one of ${Object.keys(OFFSET_DIRECTIONS).join(', ')}, got ${show(direction)}.`,
        );
      const distance = input['distance'];
      if (typeof distance !== 'number' || !Number.isFinite(distance) || distance <= 0 || distance > LANDMARK_MAX_OFFSET)
        throw new ConfigError(
          `${where}.distance must be a number in (0, ${LANDMARK_MAX_OFFSET}] (larger offsets could put the goal outside the walls), got ${show(distance)}.`,
        );
      return Object.freeze({
        kind: 'offset',
        landmark: colour(input['landmark'], `${where}.landmark`),
        direction: direction as OffsetDirection,
        distance,
      });
    }
    default:
      throw new ConfigError(`${where}.kind must be "on", "between" or "offset", got ${show(input['kind'])}.`);
  }
}

/**
 * Validates an actuation map from JSON: `{ name, matrix: [[m00, m01], [m10, m11]] }` with finite
 * entries, each row's absolute sum at most 1 (so the motors' range [-1, 1] is kept), and
 * |det| >= 0.25 (so every force stays reachable and the expert can invert the map).
 * @throws {@link ConfigError} naming the field.
 */
export function parseActuationMap(input: unknown, where = 'map'): ActuationMap {
  if (!isPlainObject(input))
    throw new ConfigError(
      `${where} must be an object such as { "name": "rotate-90", "matrix": [[0, -1], [1, 0]] }, got ${show(input)}.`,
    );
  checkKeys(input, ['name', 'matrix'], where);
  const name = input['name'];
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(name))
    throw new ConfigError(`${where}.name must be a slug of lower-case letters, digits and dashes, got ${show(name)}.`);
  const m = input['matrix'];
  const ok =
    Array.isArray(m) &&
    m.length === 2 &&
    m.every(
      (row) => Array.isArray(row) && row.length === 2 && row.every((v) => typeof v === 'number' && Number.isFinite(v)),
    );
  if (!ok) throw new ConfigError(`${where}.matrix must be 2 rows of 2 finite numbers, got ${show(m)}.`);
  const rows = m as [[number, number], [number, number]];
  rows.forEach((row, i) => {
    if (Math.abs(row[0]) + Math.abs(row[1]) > 1 + 1e-9)
      throw new ConfigError(
        `${where}.matrix row ${i} has |${row[0]}| + |${row[1]}| > 1; the motors saturate at 1, so scale the row down.`,
      );
  });
  const det = rows[0][0] * rows[1][1] - rows[0][1] * rows[1][0];
  if (Math.abs(det) < 0.25)
    throw new ConfigError(
      `${where}.matrix has determinant ${det}; it must be at least 0.25 in size, or some directions could not be pushed in.`,
    );
  return Object.freeze({
    name,
    matrix: Object.freeze([
      Object.freeze([rows[0][0], rows[0][1]] as const),
      Object.freeze([rows[1][0], rows[1][1]] as const),
    ] as const),
  });
}

/** The inverse of an actuation map's matrix, row-major. */
export function invertActuation(map: ActuationMap): [[number, number], [number, number]] {
  const [[a, b], [c, d]] = map.matrix;
  const det = a * d - b * c;
  return [
    [d / det, -b / det],
    [-c / det, a / det],
  ];
}

/**
 * Parses a user-defined landmark suite from JSON:
 *
 * ```json
 * {
 *   "name": "my-landmarks",
 *   "rules": { "north-of-red": { "kind": "offset", "landmark": "red", "direction": "north", "distance": 0.3 } },
 *   "maps": [{ "name": "identity", "matrix": [[1, 0], [0, 1]] }],
 *   "tasks": [
 *     { "rule": "north-of-red", "map": "identity", "group": "seen" },
 *     { "rule": "north-of-red", "map": "identity", "group": "unseen-paraphrase",
 *       "text": "Task: ... Objective: ... Constraints: ..." }
 *   ]
 * }
 * ```
 *
 * Rules and maps are named once and referenced by tasks. A task's text defaults to the rule's
 * canonical description (paraphrased for the group `unseen-paraphrase`). At least one task must
 * be seen, and every unseen task's rule and map must appear in some seen task (the family tests
 * new combinations, not new rules).
 *
 * @throws {@link ConfigError} naming the field, e.g. `tasks[3].map: no map named "turn"`.
 */
export function parseLandmarkSuiteSpec(input: unknown): LandmarkSuiteSpec {
  const json = typeof input === 'string' ? parseJson(input) : input;
  if (!isPlainObject(json)) throw new ConfigError(`A landmark suite spec must be a JSON object, got ${show(json)}.`);
  checkKeys(json, ['name', 'rules', 'maps', 'tasks', 'episodeSteps'], 'spec');
  const name = json['name'];
  if (typeof name !== 'string' || name.trim() === '')
    throw new ConfigError(`spec.name must be a non-empty string, got ${show(name)}.`);
  if (!isPlainObject(json['rules']) || Object.keys(json['rules']).length === 0)
    throw new ConfigError(
      'spec.rules must be an object of named rules, e.g. { "on-red": { "kind": "on", "landmark": "red" } }.',
    );
  const rules = new Map<string, LandmarkRule>();
  for (const [key, value] of Object.entries(json['rules']))
    rules.set(key, parseLandmarkRule(value, `spec.rules.${key}`));
  const mapsInput = json['maps'];
  if (!Array.isArray(mapsInput) || mapsInput.length === 0)
    throw new ConfigError('spec.maps must be a non-empty array of actuation maps.');
  const maps = new Map<string, ActuationMap>();
  mapsInput.forEach((value, i) => {
    const map = parseActuationMap(value, `spec.maps[${i}]`);
    if (maps.has(map.name)) throw new ConfigError(`spec.maps[${i}].name "${map.name}" is used twice.`);
    maps.set(map.name, map);
  });
  const steps = json['episodeSteps'] ?? POINT_MASS_EPISODE_STEPS;
  if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 20 || steps > 1000)
    throw new ConfigError(
      `spec.episodeSteps must be an integer in [20, 1000] (a goal can be up to 2.3 units away at 1 unit per second), got ${show(steps)}.`,
    );
  const tasksInput = json['tasks'];
  if (!Array.isArray(tasksInput) || tasksInput.length === 0)
    throw new ConfigError('spec.tasks must be a non-empty array of { rule, map, group }.');
  const tasks = tasksInput.map((value, i) => {
    const where = `spec.tasks[${i}]`;
    if (!isPlainObject(value))
      throw new ConfigError(`${where} must be an object { rule, map, group }, got ${show(value)}.`);
    checkKeys(value, ['rule', 'map', 'group', 'text'], where);
    const rule = rules.get(String(value['rule']));
    if (rule === undefined)
      throw new ConfigError(
        `${where}.rule: no rule named ${show(value['rule'])}; the rules are ${[...rules.keys()].join(', ')}.`,
      );
    const map = maps.get(String(value['map']));
    if (map === undefined)
      throw new ConfigError(
        `${where}.map: no map named ${show(value['map'])}; the maps are ${[...maps.keys()].join(', ')}.`,
      );
    const group = value['group'];
    if (group !== 'seen' && group !== 'unseen-combination' && group !== 'unseen-paraphrase')
      throw new ConfigError(
        `${where}.group must be "seen", "unseen-combination" or "unseen-paraphrase", got ${show(group)}.`,
      );
    const text = value['text'];
    if (text !== undefined && (typeof text !== 'string' || text.trim() === ''))
      throw new ConfigError(`${where}.text must be a non-empty string when given, got ${show(text)}.`);
    const texts =
      text === undefined ? undefined : group === 'unseen-paraphrase' ? { paraphrase: text } : { canonical: text };
    return makeTask(rule, map, group, DEFAULT_SUCCESS, texts, String(value['rule']));
  });
  const names = new Set<string>();
  for (const t of tasks) {
    if (names.has(t.name)) throw new ConfigError(`spec.tasks has the task ${t.name} twice.`);
    names.add(t.name);
  }
  const seen = tasks.filter((t) => t.group === 'seen');
  if (seen.length === 0)
    throw new ConfigError('spec.tasks has no seen task; at least one task must have training data.');
  for (const t of tasks) {
    if (t.group === 'seen') continue;
    if (!seen.some((s) => s.ruleName === t.ruleName))
      throw new ConfigError(
        `Task ${t.name} is unseen but its rule ${t.ruleName} is in no seen task; the family tests new combinations of seen rules and maps.`,
      );
    if (!seen.some((s) => s.map.name === t.map.name))
      throw new ConfigError(
        `Task ${t.name} is unseen but its map ${t.map.name} is in no seen task; the family tests new combinations of seen rules and maps.`,
      );
  }
  return Object.freeze({
    name: name.trim(),
    tasks: Object.freeze([...seen, ...tasks.filter((t) => t.group !== 'seen')]),
    episodeSteps: steps,
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new ConfigError(`The landmark suite spec is not valid JSON: ${String(cause)}.`, { cause });
  }
}
