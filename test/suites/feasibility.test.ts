/**
 * The feasibility bound of suite specs (earliestSuccessStep): golden numbers from its formula, and
 * on the real MuJoCo model, no policy reaches a goal sooner than the bound says, not even full
 * force straight at the goal from the most favourable reset.
 */
import {
  PointMassEnv,
  builtinSuiteSpec,
  checkTaskFeasible,
  earliestSuccessStep,
  loadPointMassRuntime,
  reachParams,
  taskEnvOptions,
} from '../../src/suites/index.js';
import { ConfigError } from '../../src/core/errors.js';

test('golden bounds: (distance - tolerance - 0.05·√2) / (1.5·√2·0.1) steps to arrive, then holdSteps', () => {
  // far: (0.8 - 0.1 - 0.0707) / 0.2121 = 2.97 -> arrives at step 3 at the earliest, success at 3 + 5 - 1.
  expect(earliestSuccessStep(reachParams({ direction: 'north', distance: 'far' }))).toBe(7);
  // near: (0.4 - 0.1 - 0.0707) / 0.2121 = 1.08 -> step 2, success at 6.
  expect(earliestSuccessStep(reachParams({ direction: 'east', distance: 'near' }))).toBe(6);
  // A goal within the tolerance of the reset: on target at step 1.
  expect(earliestSuccessStep(reachParams({ direction: 'east', distance: 0.1, holdSteps: 3 }))).toBe(3);
  expect(earliestSuccessStep(reachParams({ direction: 'east', distance: 1, tolerance: 0.05, holdSteps: 1 }))).toBe(5);
  for (const t of builtinSuiteSpec('pointmass-reach').tasks)
    expect(earliestSuccessStep(t.params)).toBeLessThanOrEqual(7);
});

test('checkTaskFeasible refuses exactly the tasks whose bound exceeds the episode', () => {
  const params = reachParams({ direction: 'north', distance: 'far', holdSteps: 44 }); // bound 46
  expect(() => checkTaskFeasible(params, 46, 'tasks[0]')).not.toThrow();
  expect(() => checkTaskFeasible(params, 45, 'tasks[0]')).toThrow(ConfigError);
  expect(() => checkTaskFeasible(params, 45, 'tasks[0]')).toThrow(
    /tasks\[0\]: no policy can succeed at this task within episodeSteps 45: reaching the goal \(distance 0.8, tolerance 0.1\) takes at least 3 step\(s\) and success then needs 44 consecutive step\(s\) on it \(holdSteps\), so the earliest success is step 46/,
  );
});

test('on the MuJoCo model, full force at the goal never arrives before the bound', async () => {
  await loadPointMassRuntime();
  for (const [direction, distance] of [
    ['north-east', 'far'],
    ['east', 'far'],
    ['south-west', 'near'],
    ['north', 1],
  ] as const) {
    const params = reachParams({ direction, distance });
    const bound = earliestSuccessStep(params) - params.holdSteps + 1;
    const env = new PointMassEnv({ ...taskEnvOptions(params), resetNoiseScale: 0 });
    try {
      env.reset({ seed: 0 });
      const norm = Math.hypot(params.goalX, params.goalY);
      const action = Float32Array.of(params.goalX / norm, params.goalY / norm).map(
        (v) => v / Math.max(Math.abs(params.goalX / norm), Math.abs(params.goalY / norm)),
      );
      let arrived = 0;
      for (let step = 1; step <= 50 && arrived === 0; step++) {
        const [, , , , info] = env.step(action);
        if ((info['distance'] as number) < params.tolerance) arrived = step;
      }
      expect(arrived).toBeGreaterThan(0);
      expect(arrived).toBeGreaterThanOrEqual(bound);
    } finally {
      env.close();
    }
  }
});
