/**
 * The landmark family's design, checked: the built-in split, the text channel (states the rule,
 * never the map; paraphrases share no content word with seen texts), the env (markers re-drawn
 * every episode, the hidden map applied to the action), the spec parser's errors, and the
 * scripted behaviours' success rates, including the one-channel oracles that show each prompt
 * carries something the other cannot.
 */
import { ConfigError } from '../../../src/core/errors.js';
import { checkEnv, makeEnv } from '../../../src/envs/index.js';
import { evaluatePolicy } from '../../../src/eval/index.js';
import { landmarkPolicy, type LandmarkBehaviour } from '../../../src/suites/landmarks/behaviours.js';
import { LANDMARK_ENV_ID, LandmarkEnv, registerLandmarkEnv } from '../../../src/suites/landmarks/env.js';
import {
  BUILTIN_ACTUATION_MAPS,
  builtinLandmarkSuite,
  LANDMARK_MIN_SEPARATION,
  type LandmarkTask,
  parseLandmarkSuiteSpec,
} from '../../../src/suites/landmarks/family.js';
import { loadPointMassRuntime, pointMassMemoryStats } from '../../../src/suites/point-mass-env.js';

const spec = builtinLandmarkSuite();
const group = (g: LandmarkTask['group']) => spec.tasks.filter((t) => t.group === g);

beforeAll(async () => {
  await loadPointMassRuntime();
  registerLandmarkEnv();
});

afterAll(() => {
  expect(pointMassMemoryStats()).toEqual({ liveModels: 0, liveEnvs: 0 });
});

/** Lower-case words of a text. */
function words(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[a-z]+/g) ?? []);
}

/** Function words every English sentence needs; they carry no task information. */
const STOP_WORDS = new Set([
  'task',
  'objective',
  'constraints',
  'a',
  'an',
  'and',
  'are',
  'as',
  'at',
  'be',
  'in',
  'of',
  'or',
  'the',
  'their',
  'to',
  'with',
  'within',
  'units',
]);

describe('the built-in pointmass-landmarks split', () => {
  test('12 seen tasks, and 12 unseen combinations each evaluated with seen wording and with a paraphrase', () => {
    expect(group('seen')).toHaveLength(12);
    expect(group('unseen-combination')).toHaveLength(12);
    expect(group('unseen-paraphrase')).toHaveLength(12);
    const seenPairs = new Set(group('seen').map((t) => `${t.ruleName}/${t.map.name}`));
    for (const t of [...group('unseen-combination'), ...group('unseen-paraphrase')]) {
      expect(seenPairs.has(`${t.ruleName}/${t.map.name}`)).toBe(false);
      expect(group('seen').some((s) => s.ruleName === t.ruleName)).toBe(true);
      expect(group('seen').some((s) => s.map.name === t.map.name)).toBe(true);
    }
    for (const rule of new Set(spec.tasks.map((t) => t.ruleName)))
      expect(group('seen').filter((t) => t.ruleName === rule)).toHaveLength(2);
    for (const map of BUILTIN_ACTUATION_MAPS)
      expect(group('seen').filter((t) => t.map.name === map.name)).toHaveLength(3);
  });

  test('a text states the rule and nothing else: tasks with the same rule share it, whatever their map', () => {
    for (const t of group('unseen-combination')) {
      const seenTwin = group('seen').find((s) => s.ruleName === t.ruleName)!;
      expect(t.text).toBe(seenTwin.text);
    }
    for (const t of spec.tasks) {
      for (const map of BUILTIN_ACTUATION_MAPS) expect(t.text).not.toContain(map.name);
      expect(t.text).not.toMatch(/rotate-|mirror-x|identity|\d\.\d{2,}/);
    }
    expect(new Set(group('seen').map((t) => t.text)).size).toBe(6);
  });

  test('paraphrases use no content word of any seen text', () => {
    const seenWords = new Set(group('seen').flatMap((t) => [...words(t.text)]));
    for (const t of group('unseen-paraphrase')) {
      const shared = [...words(t.text)].filter((w) => seenWords.has(w) && !STOP_WORDS.has(w));
      expect({ task: t.name, shared }).toEqual({ task: t.name, shared: [] });
    }
  });
});

describe('LandmarkEnv', () => {
  test('observes position, velocity and three markers that are re-drawn at every reset, at least 0.4 apart', () => {
    const env = new LandmarkEnv({ rule: { kind: 'on', landmark: 'green' } });
    const [first, info] = env.reset({ seed: 3 });
    expect(first).toHaveLength(10);
    expect(info['goalX']).toBeCloseTo(first[6], 6);
    expect(info['goalY']).toBeCloseTo(first[7], 6);
    const [second] = env.reset();
    expect(Array.from(second.subarray(4))).not.toEqual(Array.from(first.subarray(4)));
    for (const obs of [first, second]) {
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < i; j++)
          expect(Math.hypot(obs[4 + 2 * i] - obs[4 + 2 * j], obs[5 + 2 * i] - obs[5 + 2 * j])).toBeGreaterThanOrEqual(
            LANDMARK_MIN_SEPARATION - 1e-6,
          );
    }
    const [again] = env.reset({ seed: 3 });
    expect(Array.from(again)).toEqual(Array.from(first));
    env.close();
  });

  test('applies the hidden map to the action: under rotate-90, pushing east moves the mass north', () => {
    const rotate = BUILTIN_ACTUATION_MAPS.find((m) => m.name === 'rotate-90')!;
    const env = new LandmarkEnv({ rule: { kind: 'on', landmark: 'red' }, map: rotate });
    const [start] = env.reset({ seed: 0 });
    let obs = start;
    for (let t = 0; t < 10; t++) [obs] = env.step(Float32Array.of(1, 0)) as [Float32Array, ...unknown[]];
    expect(obs[1] - start[1]).toBeGreaterThan(0.5);
    expect(Math.abs(obs[0] - start[0])).toBeLessThan(0.1);
    env.close();
  });

  test('places the goal by the rule: halfway between two markers', () => {
    const env = new LandmarkEnv({ rule: { kind: 'between', landmarks: ['red', 'blue'] } });
    const [obs] = env.reset({ seed: 11 });
    expect(env.goal[0]).toBeCloseTo((obs[4] + obs[8]) / 2, 6);
    expect(env.goal[1]).toBeCloseTo((obs[5] + obs[9]) / 2, 6);
    env.close();
  });

  test('is registered with a 50-step limit and passes checkEnv', async () => {
    const env = makeEnv<Float32Array, Float32Array>(LANDMARK_ENV_ID, { rule: { kind: 'on', landmark: 'blue' } });
    await checkEnv(env);
    await env.close();
  });
});

describe('parseLandmarkSuiteSpec', () => {
  const rules = { 'on-red': { kind: 'on', landmark: 'red' }, 'on-blue': { kind: 'on', landmark: 'blue' } };
  const maps = [
    {
      name: 'identity',
      matrix: [
        [1, 0],
        [0, 1],
      ],
    },
    {
      name: 'flip',
      matrix: [
        [-1, 0],
        [0, 1],
      ],
    },
  ];
  const tasks = [
    { rule: 'on-red', map: 'identity', group: 'seen' },
    { rule: 'on-blue', map: 'flip', group: 'seen' },
    { rule: 'on-red', map: 'flip', group: 'unseen-paraphrase' },
  ];

  test('builds tasks from named rules and maps, seen first', () => {
    const parsed = parseLandmarkSuiteSpec({ name: 'mine', rules, maps, tasks });
    expect(parsed.tasks.map((t) => t.name)).toEqual(['on-red/identity', 'on-blue/flip', 'on-red/flip~paraphrase']);
    expect(parsed.tasks[2].text).toContain('crimson');
  });

  test.each([
    [
      { rules, maps, tasks: [...tasks, { rule: 'on-green', map: 'identity', group: 'seen' }] },
      /tasks\[3\]\.rule: no rule named "on-green"/,
    ],
    [{ rules, maps, tasks: [{ rule: 'on-red', map: 'flip', group: 'unseen-combination' }] }, /no seen task/],
    [
      { rules, maps, tasks: [tasks[0], { rule: 'on-blue', map: 'identity', group: 'unseen-combination' }] },
      /rule on-blue is in no seen task/,
    ],
    [{ rules: { x: { kind: 'between', landmarks: ['red', 'red'] } }, maps, tasks }, /names red twice/],
    [
      { rules: { x: { kind: 'offset', landmark: 'red', direction: 'north', distance: 0.9 } }, maps, tasks },
      /distance must be a number in \(0, 0.3\]/,
    ],
    [
      {
        rules,
        maps: [
          {
            name: 'weak',
            matrix: [
              [0.1, 0],
              [0, 0.1],
            ],
          },
        ],
        tasks,
      },
      /determinant/,
    ],
    [
      {
        rules,
        maps: [
          {
            name: 'big',
            matrix: [
              [1, 1],
              [0, 1],
            ],
          },
        ],
        tasks,
      },
      /row 0 .* > 1/,
    ],
    [{ rules, maps, tasks, colour: 'red' }, /spec has no field "colour"/],
  ])('refuses a bad spec with the field named (%#)', (body, message) => {
    expect(() => parseLandmarkSuiteSpec({ name: 'bad', ...body })).toThrow(ConfigError);
    expect(() => parseLandmarkSuiteSpec({ name: 'bad', ...body })).toThrow(message);
  });
});

describe('scripted behaviours', () => {
  async function success(kind: LandmarkBehaviour, tasks: readonly LandmarkTask[], episodes = 10): Promise<number[]> {
    const rates: number[] = [];
    for (const task of tasks) {
      const result = await evaluatePolicy(
        landmarkPolicy(kind, task),
        () => makeEnv<Float32Array, Float32Array>(LANDMARK_ENV_ID, { rule: task.rule, map: task.map }),
        { episodes, seed: 7 },
      );
      rates.push(result.successRate ?? Number.NaN);
    }
    return rates;
  }
  const unseen = group('unseen-combination');

  test('the expert, who knows rule and map, succeeds on every task', async () => {
    for (const rate of await success('expert', spec.tasks.slice(0, 24))) expect(rate).toBeGreaterThanOrEqual(0.9);
  });

  test('random actions rarely succeed', async () => {
    const rates = await success('random', unseen);
    expect(rates.reduce((a, b) => a + b) / rates.length).toBeLessThanOrEqual(0.1);
  });

  test('knowing the rule only (the text) succeeds only where the controls are not remapped', async () => {
    const rates = await success('text-oracle', unseen);
    unseen.forEach((task, i) => {
      if (task.map.name === 'identity') expect(rates[i]).toBeGreaterThanOrEqual(0.9);
      else expect(rates[i]).toBeLessThanOrEqual(0.1);
    });
  });

  test('knowing the map only (the trajectory) rarely succeeds', async () => {
    const rates = await success('trajectory-oracle', unseen);
    expect(rates.reduce((a, b) => a + b) / rates.length).toBeLessThanOrEqual(0.1);
  });
});
