/**
 * The task family, its text descriptions, the default split and the JSON spec (no MuJoCo here).
 */
import { ConfigError, NotFoundError } from '../../src/core/errors.js';
import {
  COMPASS_DIRECTIONS,
  DEFAULT_BEHAVIOUR_MIX,
  POINTMASS_REACH,
  behaviourSchedule,
  builtinSuiteSpec,
  checkBehaviourMix,
  describeReachTask,
  formatDescription,
  listSuites,
  parseSplit,
  parseSuiteSpec,
  reachParams,
  suiteSpecToJson,
} from '../../src/suites/index.js';

/** Words as a bag-of-words or n-gram text encoder splits them (the hashed encoder's rule). */
const words = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

describe('the built-in suite pointmass-reach', () => {
  const spec = builtinSuiteSpec(POINTMASS_REACH);

  test('has 24 tasks (8 directions x near, middle, far) with unique names and goals where the name says', () => {
    expect(listSuites()).toEqual(['pointmass-reach']);
    expect(spec.tasks).toHaveLength(24);
    expect(new Set(spec.tasks.map((t) => t.name)).size).toBe(24);
    const byName = new Map(spec.tasks.map((t) => [t.name, t]));
    expect(byName.get('reach-north-far')!.params).toMatchObject({
      goalX: 0,
      goalY: 0.8,
      distance: 0.8,
      direction: 'north',
      angleDegrees: 90,
    });
    expect(byName.get('reach-west-near')!.params).toMatchObject({ goalX: -0.4, goalY: 0 });
    const ne = byName.get('reach-north-east-middle')!.params;
    expect(ne.goalX).toBeCloseTo(0.6 * Math.SQRT1_2, 6);
    expect(ne.goalY).toBeCloseTo(0.6 * Math.SQRT1_2, 6);
    for (const dir of COMPASS_DIRECTIONS)
      for (const d of ['near', 'middle', 'far']) expect(byName.has(`reach-${dir}-${d}`)).toBe(true);
    expect(spec.episodeSteps).toBe(50);
  });

  test('every text is structured (Task / Objective / Constraints), distinct, and names its direction and distance', () => {
    const texts = spec.tasks.map((t) => t.textPrompt);
    expect(new Set(texts).size).toBe(24);
    for (const t of spec.tasks) {
      const lines = t.textPrompt.split('\n');
      expect(lines.map((l) => l.split(':')[0])).toEqual(['Task', 'Objective', 'Constraints']);
      expect(t.textPrompt).toContain(t.params.direction!);
      expect(t.textPrompt).toContain(`${t.params.distance} units`);
      const w = new Set(words(t.textPrompt));
      if (t.params.distance === 0.4) expect([w.has('near'), w.has('far')]).toEqual([true, false]);
      if (t.params.distance === 0.8) expect([w.has('near'), w.has('far')]).toEqual([false, true]);
      if (t.params.distance === 0.6)
        expect([w.has('near'), w.has('far'), w.has('between')]).toEqual([true, true, true]);
    }
    expect(spec.tasks.find((t) => t.name === 'reach-north-east-far')!.textPrompt).toBe(
      'Task: Point-mass reach north-east far.\n' +
        'Objective: Move the point mass to a far target north-east of the centre and stop on it.\n' +
        'Constraints: The target is 0.8 units north-east of the centre; the target is not observed, only position and velocity are; ' +
        'forces between -1 and 1 on each axis; ' +
        'stop within 0.1 units of the target, slower than 0.2 units per second, for 5 steps.',
    );
  });

  test('the default split: 12 seen, 6 unseen, disjoint, and every unseen text uses only words of seen texts', () => {
    const { seen, unseen } = spec.split;
    expect(seen).toHaveLength(12);
    expect(unseen).toHaveLength(6);
    expect(seen.filter((s) => unseen.includes(s))).toEqual([]);
    const text = new Map(spec.tasks.map((t) => [t.name, t.textPrompt]));
    const seenWords = new Set(seen.flatMap((n) => words(text.get(n)!)));
    for (const n of unseen)
      expect(words(text.get(n)!).filter((w) => !seenWords.has(w) && !/^\d+$/.test(w))).toEqual([]);
    // Unseen tasks are inside the family's span: each unseen direction appears among seen tasks,
    // and each unseen distance lies within the seen distances.
    const params = new Map(spec.tasks.map((t) => [t.name, t.params]));
    const seenDirections = new Set(seen.map((n) => params.get(n)!.direction));
    const seenDistances = seen.map((n) => params.get(n)!.distance);
    for (const n of unseen) {
      const p = params.get(n)!;
      expect(seenDirections.has(p.direction)).toBe(true);
      expect(p.distance).toBeGreaterThanOrEqual(Math.min(...seenDistances));
      expect(p.distance).toBeLessThanOrEqual(Math.max(...seenDistances));
    }
  });

  test('an unknown suite name is a NotFoundError that lists the built-in ones', () => {
    expect(() => builtinSuiteSpec('pointmass')).toThrow(NotFoundError);
    expect(() => builtinSuiteSpec('pointmass')).toThrow(/pointmass-reach/);
  });
});

describe('reachParams', () => {
  test('accepts a compass direction or an angle, and a named or numeric distance', () => {
    expect(reachParams({ direction: 'south', distance: 'near' })).toMatchObject({
      goalX: 0,
      goalY: -0.4,
      holdSteps: 5,
      tolerance: 0.1,
      maxSpeed: 0.2,
    });
    const a = reachParams({ angleDegrees: 405, distance: 0.5 });
    expect(a).toMatchObject({ direction: 'north-east', angleDegrees: 45, distance: 0.5 });
    const b = reachParams({ angleDegrees: -30, distance: 0.7, holdSteps: 2 });
    expect(b).toMatchObject({ direction: null, angleDegrees: 330, holdSteps: 2 });
    expect(b.goalX).toBeCloseTo(0.7 * Math.cos(Math.PI / 6), 6);
    expect(b.goalY).toBeCloseTo(-0.35, 6);
    // Derived fields may come back (params read from a dataset) when they agree.
    expect(reachParams({ ...b })).toEqual(b);
  });

  test.each([
    [{ distance: 'far' }, /params\.direction is missing/],
    [{ direction: 'up', distance: 'far' }, /params\.direction must be one of east, north-east/],
    [{ direction: 'north', angleDegrees: 10, distance: 'far' }, /either direction or angleDegrees/],
    [{ angleDegrees: 'north', distance: 'far' }, /params\.angleDegrees must be a finite number/],
    [{ direction: 'north' }, /params\.distance must be a number in \(0, 1\] or one of near, middle, far, got nothing/],
    [{ direction: 'north', distance: 1.5 }, /params\.distance must be a number in \(0, 1\]/],
    [{ direction: 'north', distance: 'close' }, /params\.distance .* got "close"/],
    [{ direction: 'north', distance: 0.5, tolerance: 0 }, /params\.tolerance must be a number in \(0, 0\.5\]/],
    [{ direction: 'north', distance: 0.5, holdSteps: 1.5 }, /params\.holdSteps must be a positive integer/],
    [{ direction: 'north', distance: 0.5, speed: 1 }, /params has no field "speed"/],
    [{ direction: 'north', distance: 0.5, goalX: 0.3 }, /params\.goalX is 0\.3 but direction and distance give 0/],
    [{ kind: 'push', direction: 'north', distance: 0.5 }, /params\.kind must be "reach"/],
    [[1, 2], /params must be an object/],
  ])('rejects %j naming the field', (input, message) => {
    expect(() => reachParams(input)).toThrow(ConfigError);
    expect(() => reachParams(input)).toThrow(message);
  });

  test('off-compass angles and unnamed distances get a generated name and text', () => {
    const p = reachParams({ angleDegrees: 30, distance: 0.55 });
    const d = describeReachTask(p);
    expect(d.task).toBe('Point-mass reach at 30 degrees counter-clockwise from east between near and far');
    expect(formatDescription(d)).toMatch(
      /^Task: .*\nObjective: .*\nConstraints: The target is 0\.55 units at 30 degrees/,
    );
  });
});

describe('parseSuiteSpec (user-defined tasks and splits)', () => {
  const good = {
    name: 'my-reach',
    tasks: [
      { name: 'north', params: { direction: 'north', distance: 'far' } },
      {
        params: { direction: 'east', distance: 0.7 },
        description: {
          task: 'Reach east',
          objective: 'Stop 0.7 units east of the centre',
          constraints: ['Be quick', 'be precise'],
        },
      },
      {
        name: 'thirty',
        params: { angleDegrees: 30, distance: 0.75 },
        description: 'Go to the target at thirty degrees and stop.',
      },
    ],
    split: { seen: ['north', 'reach-east-d0.7'], unseen: ['thirty'] },
    episodeSteps: 60,
  };

  test('resolves params, names and texts; a JSON string works too; it round-trips through suiteSpecToJson', () => {
    const spec = parseSuiteSpec(JSON.stringify(good));
    expect(spec.name).toBe('my-reach');
    expect(spec.episodeSteps).toBe(60);
    expect(spec.tasks.map((t) => t.name)).toEqual(['north', 'reach-east-d0.7', 'thirty']);
    expect(spec.tasks[0].textPrompt).toContain('Task: Point-mass reach north far.');
    expect(spec.tasks[1].textPrompt).toBe(
      'Task: Reach east.\nObjective: Stop 0.7 units east of the centre.\nConstraints: Be quick; be precise.',
    );
    expect(spec.tasks[2].textPrompt).toBe('Go to the target at thirty degrees and stop.');
    expect(spec.tasks[2].description).toBeNull();
    expect(spec.split).toEqual({ seen: ['north', 'reach-east-d0.7'], unseen: ['thirty'] });
    expect(parseSuiteSpec(suiteSpecToJson(spec))).toEqual(spec);
    expect(parseSuiteSpec(suiteSpecToJson(builtinSuiteSpec('pointmass-reach')))).toEqual(
      builtinSuiteSpec('pointmass-reach'),
    );
  });

  test('without a split every task is seen', () => {
    const { split: _split, ...noSplit } = good;
    expect(parseSuiteSpec(noSplit).split).toEqual({ seen: ['north', 'reach-east-d0.7', 'thirty'], unseen: [] });
  });

  test.each([
    ['not JSON', '{ name: ', /not valid JSON/],
    ['a bad name', { ...good, name: '' }, /Suite spec name must be a non-empty string/],
    ['an unknown field', { ...good, taskz: [] }, /Suite spec has no field "taskz"/],
    ['no tasks', { ...good, tasks: [] }, /tasks must be a non-empty array/],
    ['a task without params', { ...good, tasks: [{ name: 'x' }] }, /tasks\[0\]\.params is missing/],
    [
      'a bad distance',
      { ...good, tasks: [good.tasks[0], { params: { direction: 'east', distance: -1 } }] },
      /tasks\[1\]\.params\.distance must be a number/,
    ],
    [
      'a repeated name',
      { ...good, tasks: [good.tasks[0], good.tasks[0]] },
      /tasks\[1\]\.name "north" repeats tasks\[0\]\.name/,
    ],
    [
      'an empty description',
      { ...good, tasks: [{ ...good.tasks[0], description: ' ' }] },
      /tasks\[0\]\.description is empty/,
    ],
    [
      'a description without objective',
      { ...good, tasks: [{ ...good.tasks[0], description: { task: 'x' } }] },
      /tasks\[0\]\.description\.objective must be a non-empty string/,
    ],
    [
      'an unknown task in the split',
      { ...good, split: { seen: ['north'], unseen: ['south'] } },
      /split\.unseen\[0\] is "south", which is not a task of the suite/,
    ],
    [
      'a task both seen and unseen',
      { ...good, split: { seen: ['north'], unseen: ['north'] } },
      /split\.unseen\[0\] repeats "north", already listed at split\.seen\[0\]/,
    ],
    ['an empty seen list', { ...good, split: { seen: [], unseen: ['north'] } }, /split\.seen is empty/],
    ['a bad episodeSteps', { ...good, episodeSteps: 5 }, /episodeSteps must be an integer from 10 to 1000/],
  ])('rejects %s with a ConfigError naming the field', (_what, input, message) => {
    expect(() => parseSuiteSpec(input)).toThrow(ConfigError);
    expect(() => parseSuiteSpec(input)).toThrow(message);
  });

  test('parseSplit checks user splits of the built-in suite', () => {
    const names = builtinSuiteSpec('pointmass-reach').tasks.map((t) => t.name);
    expect(parseSplit({ seen: ['reach-north-far'] }, names)).toEqual({ seen: ['reach-north-far'], unseen: [] });
    expect(() => parseSplit({ seen: ['reach-north-fa'] }, names)).toThrow(
      /split\.seen\[0\] is "reach-north-fa".*Did you mean "reach-north-far"/,
    );
    expect(() => parseSplit({ seen: 'reach-north-far' }, names)).toThrow(/split\.seen must be an array/);
  });
});

describe('behaviour mix', () => {
  test('the default mix is 25% random, 50% medium, 25% expert, in the order of a learning run', () => {
    expect(DEFAULT_BEHAVIOUR_MIX).toEqual({ random: 0.25, medium: 0.5, expert: 0.25 });
    const s = behaviourSchedule(400, DEFAULT_BEHAVIOUR_MIX);
    expect(s.filter((k) => k === 'random')).toHaveLength(100);
    expect(s.filter((k) => k === 'medium')).toHaveLength(200);
    expect(s.filter((k) => k === 'expert')).toHaveLength(100);
    expect(s.indexOf('medium')).toBe(100);
    expect(s.indexOf('expert')).toBe(300);
    expect(behaviourSchedule(3, { random: 0, medium: 0, expert: 1 })).toEqual(['expert', 'expert', 'expert']);
  });

  test('an invalid mix names the field', () => {
    expect(() => checkBehaviourMix({ random: 0.5, medium: 0.6, expert: 0 })).toThrow(/sum to 1\.1/);
    expect(() => checkBehaviourMix({ random: -0.5, medium: 1.5 })).toThrow(/mix\.random must be a fraction >= 0/);
    expect(() => checkBehaviourMix({ good: 1 })).toThrow(/mix has no field "good"/);
  });
});
