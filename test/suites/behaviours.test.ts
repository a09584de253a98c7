/**
 * The scripted behaviours are graded (expert >= 90% success on every task, random < 10%,
 * medium in between), and the tasks cannot be solved without knowing which one is asked: the
 * best single task's expert, run on every task, succeeds on few of them.
 *
 * Evaluation goes through the registry's env (TimeLimit included) and `evaluatePolicy`, as a
 * trained agent's would.
 */
import { evaluatePolicy } from '../../src/eval/index.js';
import { makeEnv } from '../../src/envs/index.js';
import {
  POINT_MASS_ENV_ID,
  builtinSuiteSpec,
  loadPointMassRuntime,
  pointMassMemoryStats,
  registerSuiteEnvs,
  scriptedPolicy,
  taskEnvOptions,
  type BehaviourKind,
  type SuiteTaskSpec,
} from '../../src/suites/index.js';

const spec = builtinSuiteSpec('pointmass-reach');

beforeAll(async () => {
  await loadPointMassRuntime();
  registerSuiteEnvs();
});

afterAll(() => {
  expect(pointMassMemoryStats()).toEqual({ liveModels: 0, liveEnvs: 0 });
});

const factory = (task: SuiteTaskSpec) => () =>
  makeEnv<Float32Array, Float32Array>(POINT_MASS_ENV_ID, { ...taskEnvOptions(task.params) });

async function successRate(
  kind: BehaviourKind,
  actingFor: SuiteTaskSpec,
  evaluatedOn: SuiteTaskSpec,
  episodes: number,
  seed: number,
  deterministic = false,
): Promise<number> {
  const r = await evaluatePolicy(scriptedPolicy(kind, actingFor.params), factory(evaluatedOn), {
    episodes,
    seed,
    deterministic,
    vectorized: true,
  });
  return r.successRate!;
}

test('expert >= 90% and random < 10% success on every task; medium lies in between', async () => {
  const rows: { task: string; expert: number; medium: number; random: number }[] = [];
  for (const [i, task] of spec.tasks.entries()) {
    rows.push({
      task: task.name,
      expert: await successRate('expert', task, task, 20, 100 + i),
      medium: await successRate('medium', task, task, 20, 200 + i),
      random: await successRate('random', task, task, 100, 300 + i),
    });
  }
  console.log(
    `success per task (expert/medium over 20 episodes, random over 100):\n${rows.map((r) => `${r.task.padEnd(26)} ${r.expert.toFixed(2)} ${r.medium.toFixed(2)} ${r.random.toFixed(2)}`).join('\n')}`,
  );
  for (const r of rows) {
    expect(r.expert).toBeGreaterThanOrEqual(0.9);
    expect(r.random).toBeLessThan(0.1);
  }
  const mean = (k: 'expert' | 'medium' | 'random') => rows.reduce((s, r) => s + r[k], 0) / rows.length;
  expect(mean('medium')).toBeGreaterThan(mean('random') + 0.1);
  expect(mean('medium')).toBeLessThan(mean('expert') - 0.3);
}, 60_000);

test('with the task hidden no single fixed policy solves the family: the best task expert succeeds on few tasks', async () => {
  let best = { name: '', mean: -1 };
  for (const actingFor of spec.tasks) {
    let sum = 0;
    for (const [j, task] of spec.tasks.entries()) sum += await successRate('expert', actingFor, task, 4, 400 + j, true);
    const mean = sum / spec.tasks.length;
    if (mean > best.mean) best = { name: actingFor.name, mean };
  }
  console.log(
    `best single expert across all ${spec.tasks.length} tasks: ${best.name}, mean success ${best.mean.toFixed(3)}`,
  );
  // Each expert solves its own task and (at most) none of the 23 others.
  expect(best.mean).toBeLessThan(0.2);
}, 60_000);
