/**
 * The generalisation benchmark's helpers on the landmark family: oracle features, prompt
 * perturbations, and the per-prompt evaluation, checked with a scripted policy that reads the
 * rule from the text and the map from the trajectory prompt (so each perturbation must break it).
 */
import { Rng } from '../../../src/core/rng.js';
import {
  evaluateLandmarkTask,
  LANDMARK_PERTURBATIONS,
  landmarkOracleFeatures,
  type LandmarkPolicyContext,
  perturbedLandmarkPrompt,
} from '../../../src/suites/landmarks/benchmark.js';
import { LandmarkController } from '../../../src/suites/landmarks/behaviours.js';
import { BUILTIN_ACTUATION_MAPS } from '../../../src/suites/landmarks/family.js';
import { makeLandmarkSuite, type LandmarkSuite, type LandmarkSuiteTask } from '../../../src/suites/landmarks/suite.js';

let suite: LandmarkSuite;
beforeAll(async () => {
  suite = await makeLandmarkSuite('pointmass-landmarks', { seed: 0, transitionsPerTask: 50 });
});

const unseen = () => suite.group('unseen-combination')[0];

describe('landmark oracle features', () => {
  test('are the rule one-hot then the map matrix, the same for a task and its paraphrase', () => {
    const table = landmarkOracleFeatures(suite.spec);
    expect(Object.keys(table)).toHaveLength(36);
    const rules = [...new Set(suite.tasks.map((t) => t.ruleName))];
    expect(rules).toHaveLength(6);
    for (const t of suite.tasks) {
      const v = table[t.name];
      expect(v).toHaveLength(10);
      expect(v.slice(0, 6)).toEqual(rules.map((r) => (r === t.ruleName ? 1 : 0)));
      expect(v.slice(6)).toEqual([...t.map.matrix[0], ...t.map.matrix[1]]);
    }
    const task = unseen();
    expect(table[`${task.name}~paraphrase`]).toEqual(table[task.name]);
    // rotate-90 is [[0, -1], [1, 0]].
    const rotate = BUILTIN_ACTUATION_MAPS.find((m) => m.name === 'rotate-90')!;
    expect(table[suite.tasks.find((t) => t.map.name === 'rotate-90')!.name].slice(6)).toEqual(rotate.matrix.flat());
  });
});

describe('prompt perturbations', () => {
  test('clean gives the task its own prompts', () => {
    const task = unseen();
    const p = perturbedLandmarkPrompt(suite, task, 'clean', 2);
    expect(p.textPrompt).toBe(task.text);
    expect(p.trajectoryPrompt).toBe(task.trajectoryPrompts[2]);
    expect(p.trajectoryFrom).toBe(`${task.name}#2`);
  });

  test('other-trajectory keeps the text and takes the same rule under each other map in turn', () => {
    const task = unseen();
    const maps = new Set<string>();
    for (let p = 0; p < 4; p++) {
      const x = perturbedLandmarkPrompt(suite, task, 'other-trajectory', p);
      expect(x.textPrompt).toBe(task.text);
      const [fromName, index] = x.trajectoryFrom.split('#');
      const from = suite.task(fromName);
      expect(from.ruleName).toBe(task.ruleName);
      expect(from.map.name).not.toBe(task.map.name);
      expect(x.trajectoryPrompt).toBe(from.trajectoryPrompts[Number(index)]);
      maps.add(from.map.name);
    }
    expect(maps.size).toBe(3);
  });

  test('other-text keeps the trajectory and takes another rule in the same wording', () => {
    for (const task of [unseen(), suite.group('unseen-paraphrase')[0]]) {
      const x = perturbedLandmarkPrompt(suite, task, 'other-text', 1);
      const from = suite.task(x.textFrom);
      expect(from.ruleName).not.toBe(task.ruleName);
      expect(from.group === 'unseen-paraphrase').toBe(task.group === 'unseen-paraphrase');
      expect(x.textPrompt).toBe(from.text);
      expect(x.textPrompt).not.toBe(task.text);
      expect(x.trajectoryPrompt).toBe(task.trajectoryPrompts[1]);
    }
  });

  test('truncated-trajectory keeps the first steps of the own prompt', () => {
    const task = unseen();
    const x = perturbedLandmarkPrompt(suite, task, 'truncated-trajectory', 0, { truncatedSteps: 3 });
    const full = task.trajectoryPrompts[0];
    expect(x.trajectoryPrompt.length).toBe(3);
    expect(Array.from(x.trajectoryPrompt.observations)).toEqual(Array.from(full.observations.slice(0, 30)));
    expect(Array.from(x.trajectoryPrompt.actions)).toEqual(Array.from(full.actions.slice(0, 6)));
    expect(x.textPrompt).toBe(task.text);
  });

  test('bad prompt indices, step counts and kinds are refused', () => {
    const task = unseen();
    expect(() => perturbedLandmarkPrompt(suite, task, 'clean', 4)).toThrow(/index below 4/);
    expect(() => perturbedLandmarkPrompt(suite, task, 'truncated-trajectory', 0, { truncatedSteps: 0 })).toThrow(
      /truncatedSteps/,
    );
    expect(() => perturbedLandmarkPrompt(suite, task, 'swap' as never, 0)).toThrow(/unknown perturbation/);
  });
});

describe('evaluateLandmarkTask', () => {
  /** Reads the rule from the text and the map from the trajectory prompt, by lookup, then acts as the expert. */
  function promptReader(context: LandmarkPolicyContext) {
    const byText = suite.tasks.find((t) => t.text === context.textPrompt)!;
    const owner = suite.tasks.find((t) => t.trajectoryPrompts.includes(context.trajectoryPrompt));
    // A trajectory no task has (a truncated one) tells nothing: assume the identity map.
    const map = owner?.map ?? BUILTIN_ACTUATION_MAPS[0];
    const controller = new LandmarkController('expert', { rule: byText.rule, map });
    const rng = new Rng(0);
    return {
      actBatch(observations: Float32Array): Float32Array {
        const n = observations.length / 10;
        const out = new Float32Array(2 * n);
        for (let i = 0; i < n; i++)
          controller.act(observations.subarray(10 * i, 10 * i + 10), rng, out.subarray(2 * i, 2 * i + 2), true);
        return out;
      },
    };
  }

  test('a reader of both prompts succeeds when clean and fails when the channel it reads is replaced', async () => {
    // A rotate-180 task, so that identity (the truncated guess) is wrong too.
    const task: LandmarkSuiteTask = suite.group('unseen-combination').find((t) => t.map.name === 'rotate-180')!;
    const rates: Record<string, number> = {};
    const seen: LandmarkPolicyContext[] = [];
    for (const perturbation of LANDMARK_PERTURBATIONS) {
      const r = await evaluateLandmarkTask(
        suite,
        task,
        (c) => {
          if (perturbation === 'clean') seen.push(c);
          return promptReader(c);
        },
        { episodes: 8, seed: 7, perturbation },
      );
      rates[perturbation] = r.successRate;
      expect(Number.isFinite(r.meanReturn)).toBe(true);
    }
    // 8 episodes over 4 prompts: every prompt asked for once, with the task's name.
    expect(seen.map((c) => c.trajectoryPrompt)).toEqual(task.trajectoryPrompts);
    expect(seen.every((c) => c.task === task.name)).toBe(true);
    expect(rates['clean']).toBe(1);
    expect(rates['other-trajectory']).toBeLessThanOrEqual(0.25);
    expect(rates['other-text']).toBeLessThanOrEqual(0.25);
    expect(rates['truncated-trajectory']).toBeLessThanOrEqual(0.25);
  }, 60_000);

  test('refuses a non-positive episode count', async () => {
    await expect(evaluateLandmarkTask(suite, unseen(), promptReader, { episodes: 0, seed: 0 })).rejects.toThrow(
      /episodes must be a positive integer/,
    );
  });
});
