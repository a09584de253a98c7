/**
 * The six Meta-World envs on the real Meta-World models: spaces, the observation layout, the
 * mocap action, resets within each task's ranges, seeding, the MT goal set, truncation, the
 * Gymnasium contract (checkEnv), rewards recomputed from their formulas, shared models stepping
 * in turn (disassemble, whose peg moves per episode), registry ids, and memory. Skipped, with a printed reason, when the assets are missing.
 */
import { ConfigError, EnvError, ShapeError } from '../../../src/core/errors.js';
import { checkEnv } from '../../../src/envs/check-env.js';
import type { Env } from '../../../src/envs/env.js';
import { loadMetaWorldAssets } from '../../../src/envs/metaworld/assets.js';
import { metaWorldExpert } from '../../../src/envs/metaworld/experts.js';
import { METAWORLD_ENV_CLASSES } from '../../../src/envs/metaworld/registry.js';
import { hamacherProduct, tolerance } from '../../../src/envs/metaworld/reward-utils.js';
import { METAWORLD_TASKS, type MetaWorldTaskName, type SawyerEnv } from '../../../src/envs/metaworld/sawyer-env.js';
import { BOX_CLOSE, type BoxCloseEnv } from '../../../src/envs/metaworld/tasks/box-close.js';
import { DISASSEMBLE } from '../../../src/envs/metaworld/tasks/disassemble.js';
import { mujocoMemoryStats } from '../../../src/envs/mujoco/runtime.js';
import { envSpec, makeEnv, makeEnvAsync } from '../../../src/envs/registry.js';
import { METAWORLD_TEST_ASSETS, describeWithAssets } from './assets-dir.js';

const assetsDir = METAWORLD_TEST_ASSETS ?? '';

function make(task: MetaWorldTaskName, options: Record<string, unknown> = {}): SawyerEnv {
  return new METAWORLD_ENV_CLASSES[task]({ assetsDir, ...options });
}

const STILL = Float32Array.of(0, 0, 0, -1);

describeWithAssets('Meta-World envs on the real models', () => {
  beforeAll(async () => {
    const folder = await loadMetaWorldAssets({ assetsDir });
    expect(folder.modelFiles).toHaveLength(5);
  }, 120_000);

  test('spaces and the reset observation: 39 values, previous = current, goal last, within the task ranges', () => {
    for (const task of METAWORLD_TASKS) {
      const env = make(task);
      try {
        expect(env.id).toBe(`MetaWorld/${task}-v3`);
        expect(env.observationSpace.shape).toEqual([39]);
        expect(env.actionSpace.shape).toEqual([4]);
        expect(Array.from(env.actionSpace.low)).toEqual([-1, -1, -1, -1]);
        expect(env.dt).toBeCloseTo(0.0125, 12);
        expect(env.metadata.renderFps).toBe(80);
        expect(Array.from(env.observationSpace.low.subarray(0, 4))).toEqual([-0.525, 0.348, -0.0525, -1]);
        expect(Array.from(env.observationSpace.high.subarray(0, 4))).toEqual([0.525, 1.025, 0.7, 1]);
        expect(env.observationSpace.low[4]).toBe(-Infinity);
        const d = env.definition;
        for (let seed = 0; seed < 2; seed++) {
          const [obs, info] = env.reset({ seed });
          expect(info).toEqual({});
          expect(obs).toBeInstanceOf(Float32Array);
          expect(Array.from(obs.subarray(18, 36))).toEqual(Array.from(obs.subarray(0, 18)));
          expect(Array.from(obs.subarray(36))).toEqual(Array.from(Float32Array.from(env.goal)));
          expect(obs.subarray(11, 18).every((v) => v === 0)).toBe(true); // no second object
          // The hand is at its start, the gripper open.
          expect(
            Math.hypot(obs[0] - d.handInitPos[0], obs[1] - d.handInitPos[1], obs[2] - d.handInitPos[2]),
          ).toBeLessThan(0.01);
          expect(obs[3]).toBeGreaterThan(0.95);
          // The object's start lies in the drawn range (its height may be where it settled).
          const start = env.objectStart;
          expect(start[0]).toBeGreaterThanOrEqual(d.objLow[0] - 1e-9);
          expect(start[0]).toBeLessThanOrEqual(d.objHigh[0] + 1e-9);
          expect(start[1]).toBeGreaterThanOrEqual(d.objLow[1] - 1e-9);
          expect(start[1]).toBeLessThanOrEqual(d.objHigh[1] + 1e-9);
          const goal = env.goal;
          const goalLow = d.goalSpaceLow ?? d.goalLow;
          const goalHigh = d.goalSpaceHigh ?? d.goalHigh;
          for (let k = 0; k < 3; k++) {
            expect(goal[k]).toBeGreaterThanOrEqual(goalLow[k] - 1e-9);
            expect(goal[k]).toBeLessThanOrEqual(goalHigh[k] + 1e-9);
          }
        }
      } finally {
        env.close();
      }
    }
  });

  test('each task puts its object where its reset says and keeps its rejection rule', () => {
    const env = make('box-close');
    try {
      for (let seed = 0; seed < 3; seed++) {
        const [obs] = env.reset({ seed });
        const start = env.objectStart;
        const goal = env.goal;
        expect(Math.hypot(start[0] - goal[0], start[1] - goal[1])).toBeGreaterThanOrEqual(0.25);
        // The lid body sits 7.5 cm above its free joint (a slightly tilted lid shifts it by micrometres).
        expect(obs[4]).toBeCloseTo(start[0], 3);
        expect(obs[5]).toBeCloseTo(start[1], 3);
        expect(goal[2]).toBeCloseTo(0.133, 12);
      }
    } finally {
      env.close();
    }
    const dis = make('disassemble');
    try {
      for (let seed = 0; seed < 3; seed++) {
        dis.reset({ seed });
        const start = dis.objectStart;
        expect(dis.goal[2] - start[2]).toBeCloseTo(0.15, 12);
        expect(start[2]).toBeGreaterThanOrEqual(DISASSEMBLE.objLow[2]);
      }
    } finally {
      dis.close();
    }
    const bins = make('bin-picking');
    try {
      bins.reset({ seed: 0 });
      expect(Array.from(bins.goal).map((v) => Math.round(v * 1000) / 1000)).toEqual([0.12, 0.7, 0]);
    } finally {
      bins.close();
    }
  });

  test('actions move the mocap by at most 1 cm per step and axis, within the hand box; the gripper closes', () => {
    const env = make('hand-insert');
    try {
      let [obs] = env.reset({ seed: 3 });
      const start = Array.from(obs.subarray(0, 3));
      for (let t = 0; t < 20; t++) [obs] = env.step(Float32Array.of(5, 0, 0, 1)); // clipped to 1
      expect(obs[0] - start[0]).toBeGreaterThan(0.15);
      expect(obs[0] - start[0]).toBeLessThan(0.2 + 0.01);
      expect(Math.abs(obs[1] - start[1])).toBeLessThan(0.02);
      expect(obs[3]).toBeLessThan(0.5); // closed
      for (let t = 0; t < 80; t++) [obs] = env.step(Float32Array.of(1, 0, 1, -1));
      expect(obs[0]).toBeLessThan(0.5 + 0.01); // hand box x <= 0.5
      expect(obs[2]).toBeLessThan(0.5 + 0.01);
      expect(obs[3]).toBeGreaterThan(0.95); // open again
      expect(Array.from(obs.subarray(36))).toEqual(Array.from(Float32Array.from(env.goal)));
    } finally {
      env.close();
    }
  });

  test('the previous-step block is the last step’s current block', () => {
    const env = make('coffee-push');
    try {
      let [obs] = env.reset({ seed: 1 });
      for (let t = 0; t < 5; t++) {
        const [next] = env.step(Float32Array.of(0.3, 0.5, -0.2, 0.1));
        expect(Array.from(next.subarray(18, 36))).toEqual(Array.from(obs.subarray(0, 18)));
        obs = next;
      }
    } finally {
      env.close();
    }
  });

  test('a seed reproduces an episode exactly; another seed draws other positions', () => {
    const env = make('sweep-into');
    try {
      const run = (seed: number): number[] => {
        const [first] = env.reset({ seed });
        const out = Array.from(first);
        for (let t = 0; t < 10; t++) {
          const [obs, reward] = env.step(Float32Array.of(Math.sin(t), Math.cos(t), -0.5, t % 2 === 0 ? 1 : -1));
          out.push(...obs, reward);
        }
        return out;
      };
      const a = run(7);
      expect(run(7)).toEqual(a);
      expect(run(8).slice(0, 39)).not.toEqual(a.slice(0, 39));
    } finally {
      env.close();
    }
  });

  test('MT mode: a fixed set of 50 draws from taskSeed, picked at random or by goalIndex', () => {
    const a = make('hand-insert', { goals: 'mt' });
    const b = make('hand-insert', { goals: 'mt' });
    const c = make('hand-insert', { goals: 'mt', taskSeed: 1 });
    const pinned = make('hand-insert', { goals: 'mt', goalIndex: 4 });
    try {
      expect(a.goalSet).toHaveLength(50);
      expect(a.goalSet!.map((v) => Array.from(v))).toEqual(b.goalSet!.map((v) => Array.from(v)));
      expect(Array.from(c.goalSet![0])).not.toEqual(Array.from(a.goalSet![0]));
      const goals = new Set(a.goalSet!.map((v) => v.join(',')));
      expect(goals.size).toBe(50);
      for (let seed = 0; seed < 4; seed++) {
        const [, info] = a.reset({ seed });
        const index = info['goalIndex'] as number;
        expect(Array.from(a.goal)).toEqual(Array.from(a.goalSet![index].subarray(3)));
        expect(a.objectStart[0]).toBe(a.goalSet![index][0]);
      }
      for (let seed = 0; seed < 3; seed++) {
        const [, info] = pinned.reset({ seed });
        expect(info['goalIndex']).toBe(4);
        expect(Array.from(pinned.goal)).toEqual(Array.from(a.goalSet![4].subarray(3)));
      }
      const [, info] = a.reset({ seed: 0, options: { goalIndex: 12 } });
      expect(info['goalIndex']).toBe(12);
      expect(Array.from(a.goal)).toEqual(Array.from(a.goalSet![12].subarray(3)));
      expect(() => a.reset({ options: { goalIndex: 50 } })).toThrow(ConfigError);
    } finally {
      for (const env of [a, b, c, pinned]) env.close();
    }
    expect(() => make('box-close', { goalIndex: 3 })).toThrow(/add \{ goals: 'mt' \}/);
    expect(() => make('box-close', { goals: 'mt', goalIndex: 50 })).toThrow(ConfigError);
    expect(() => make('box-close', { goals: 'fixed' })).toThrow(ConfigError);
    expect(() => make('box-close', { frameSkip: 3 })).toThrow(/has no option "frameSkip"/);
    const plain = make('box-close');
    try {
      expect(() => plain.reset({ options: { goalIndex: 1 } })).toThrow(/needs the MT goal set/);
    } finally {
      plain.close();
    }
  });

  test('partiallyObservable zeroes the goal (Meta-World’s ML setting) and its bounds', () => {
    const env = make('hand-insert', { partiallyObservable: true });
    try {
      const [obs] = env.reset({ seed: 0 });
      expect(Array.from(obs.subarray(36))).toEqual([0, 0, 0]);
      const [next] = env.step(STILL);
      expect(Array.from(next.subarray(36))).toEqual([0, 0, 0]);
      expect(Array.from(env.observationSpace.high.subarray(36))).toEqual([0, 0, 0]);
    } finally {
      env.close();
    }
  });

  test('episodes are truncated at maxPathLength, never terminated; stepping on throws', () => {
    const env = make('bin-picking', { maxPathLength: 12 });
    try {
      env.reset({ seed: 0 });
      for (let t = 1; t <= 12; t++) {
        const [, , terminated, truncated] = env.step(STILL);
        expect(terminated).toBe(false);
        expect(truncated).toBe(t === 12);
      }
      expect(() => env.step(STILL)).toThrow(/truncated after 12 steps/);
      env.reset();
      expect(env.elapsedSteps).toBe(0);
      expect(() => env.step(Float32Array.of(0, 0, 0))).toThrow(ShapeError);
      expect(() => env.step(Float32Array.of(0, Number.NaN, 0, 0))).toThrow(EnvError);
    } finally {
      env.close();
    }
    const fresh = make('bin-picking');
    expect(fresh.maxPathLength).toBe(500);
    expect(() => fresh.step(STILL)).toThrow(/before reset/);
    fresh.close();
    expect(() => fresh.reset()).toThrow(/closed/);
  });

  test('checkEnv passes for every task', async () => {
    for (const task of METAWORLD_TASKS) {
      const env = make(task);
      try {
        const report = await checkEnv(env as unknown as Env, { steps: 20, determinismSteps: 5 });
        expect(report.stepsRun).toBe(20);
      } finally {
        env.close();
      }
    }
  });

  test('box-close reward: recomputed from the observation with the task’s formula', () => {
    const env = make('box-close');
    const expert = metaWorldExpert('box-close');
    try {
      let [obs] = env.reset({ seed: 11 });
      let checked = 0;
      let successSeen = false;
      for (let t = 0; t < 110; t++) {
        const action = expert(obs);
        if (t % 7 === 3) action[3] = -0.4; // vary the grip term
        const [next, reward, , , info] = env.step(action);
        const o = Array.from(next, (v) => v); // float32 copy of the float64 observation
        const goal = env.goal;
        const grab = (Math.min(1, Math.max(-1, action[3])) + 1) / 2;
        const upright = Math.max(1 - Math.hypot(o[7] - 0.707, o[8], o[9], o[10] - 0.707) / 0.2, 0);
        const lid = [o[4], o[5], o[6] + 0.02];
        const radius = Math.hypot(o[0] - lid[0], o[1] - lid[1]);
        const floor = radius <= 0.02 ? 0 : 0.04 * Math.log(radius - 0.02) + 0.4;
        const above = o[2] >= floor ? 1 : tolerance(floor - o[2], 0, 0.01, floor / 2);
        const inPlace = tolerance(Math.hypot(o[0] - lid[0], o[1] - lid[1], o[2] - lid[2]), 0, 0.02, 0.5);
        const ready = hamacherProduct(above, inPlace);
        const error = Math.hypot(goal[0] - lid[0], goal[1] - lid[1], 3 * (goal[2] - lid[2]));
        const lifted = 0.2 * (lid[2] > 0.04 ? 1 : 0) + 0.8 * tolerance(error, 0, 0.05, 0.25);
        const success = Math.hypot(o[4] - goal[0], o[5] - goal[1], o[6] - goal[2]) < 0.08;
        const expected = (success ? 10 : 2 * hamacherProduct(grab, ready) + 8 * lifted) * upright;
        // The env computes in float64; the observation we see is float32.
        expect(reward).toBeCloseTo(expected, 3);
        expect(info['success']).toBe(success ? 1 : 0);
        expect(info['grasp_reward']).toBe(grab);
        expect(info['obj_to_target']).toBe(0);
        expect(info['unscaled_reward']).toBe(reward);
        successSeen ||= success;
        checked++;
        obs = next;
      }
      expect(checked).toBe(110);
      expect(successSeen).toBe(true);
    } finally {
      env.close();
    }
  });

  test('every task reports Meta-World’s info keys, rewards in [0, 10], success from the observation', () => {
    const successFromObs: Record<MetaWorldTaskName, (o: Float32Array) => boolean> = {
      'sweep-into': (o) => Math.hypot(o[4] - o[36], o[5] - o[37]) <= 0.05,
      'coffee-push': (o) => Math.hypot(o[4] - o[36], o[5] - o[37], o[6] - o[38]) <= 0.07,
      disassemble: (o) => o[6] > o[38],
      'box-close': (o) => Math.hypot(o[4] - o[36], o[5] - o[37], o[6] - o[38]) < 0.08,
      'hand-insert': (o) => Math.hypot(o[4] - o[36], o[5] - o[37], o[6] - o[38]) <= 0.05,
      'bin-picking': (o) => Math.hypot(o[4] - o[36], o[5] - o[37], o[6] - o[38]) <= 0.05,
    };
    for (const task of METAWORLD_TASKS) {
      const env = make(task);
      const expert = metaWorldExpert(task);
      try {
        let [obs] = env.reset({ seed: 2 });
        let agree = 0;
        let steps = 0;
        for (let t = 0; t < 100; t++) {
          const [next, reward, , , info] = env.step(expert(obs));
          expect(Object.keys(info).sort()).toEqual(
            [
              'grasp_reward',
              'grasp_success',
              'in_place_reward',
              'near_object',
              'obj_to_target',
              'success',
              'unscaled_reward',
            ].sort(),
          );
          expect(reward).toBeGreaterThanOrEqual(0);
          expect(reward).toBeLessThanOrEqual(10);
          // Success pays 10 (box-close scales it by the lid's uprightness; coffee-push pays 10 from 0.05 on a scaled distance).
          if (task !== 'box-close' && task !== 'coffee-push' && info['success'] === 1)
            expect(reward).toBeCloseTo(10, 6);
          // Float32 rounding can flip a comparison right at the threshold; demand near-total agreement.
          if ((info['success'] === 1) === successFromObs[task](next)) agree++;
          steps++;
          obs = next;
        }
        expect(agree).toBeGreaterThanOrEqual(steps - 1);
      } finally {
        env.close();
      }
    }
  });

  test('envs of one task share a model: interleaved envs with other goals step as they would alone', () => {
    const actions = Array.from({ length: 25 }, (_, t) => Float32Array.of(Math.sin(t), -0.3, -0.6, t > 12 ? 1 : -1));
    const alone = (seed: number): number[] => {
      const env = make('disassemble');
      try {
        const out = Array.from(env.reset({ seed })[0]);
        for (const a of actions) out.push(...env.step(a)[0]);
        return out;
      } finally {
        env.close();
      }
    };
    const a = alone(1);
    const b = alone(2);
    const envA = make('disassemble');
    const envB = make('disassemble');
    try {
      const outA = Array.from(envA.reset({ seed: 1 })[0]);
      const outB = Array.from(envB.reset({ seed: 2 })[0]);
      for (const act of actions) {
        outA.push(...envA.step(act)[0]);
        outB.push(...envB.step(act)[0]);
      }
      expect(outA).toEqual(a);
      expect(outB).toEqual(b);
      expect(mujocoMemoryStats().liveModels).toBeGreaterThanOrEqual(1);
    } finally {
      envA.close();
      envB.close();
    }
  });

  test('with no folder named, the one loaded folder is used', () => {
    const saved = process.env['METAWORLD_ASSETS'];
    delete process.env['METAWORLD_ASSETS'];
    try {
      const env = makeEnv('MetaWorld/bin-picking-v3');
      expect((env.unwrapped as unknown as SawyerEnv).assetsDir).toBe(assetsDir);
      void env.close();
    } finally {
      if (saved !== undefined) process.env['METAWORLD_ASSETS'] = saved;
    }
  });

  test('registry: MetaWorld/<task>-v3 and -v2 aliases with a 500-step limit', async () => {
    const spec = envSpec('MetaWorld/box-close-v3');
    expect(spec).toMatchObject({ namespace: 'MetaWorld', name: 'box-close', version: 3, maxEpisodeSteps: 500 });
    expect(envSpec('MetaWorld/bin-picking-v2').maxEpisodeSteps).toBe(500);
    const env = await makeEnvAsync<Float32Array, Float32Array>('MetaWorld/hand-insert-v2', { assetsDir });
    try {
      expect(env.spec).toMatchObject({ id: 'MetaWorld/hand-insert-v2', maxEpisodeSteps: 500 });
      expect((env.unwrapped as unknown as SawyerEnv).id).toBe('MetaWorld/hand-insert-v2');
      const [obs] = env.reset({ seed: 0 }) as [Float32Array, unknown];
      expect(obs).toHaveLength(39);
    } finally {
      void env.close();
    }
    const sync = makeEnv('MetaWorld/box-close-v3', { assetsDir, goals: 'mt', goalIndex: 0 });
    expect((sync.unwrapped as unknown as BoxCloseEnv).definition).toBe(BOX_CLOSE);
    void sync.close();
    expect(() => makeEnv('MetaWorld/box-close-v3', { assetsDir, version: 2 })).toThrow(/fixes the version/);
  });

  test('closing every env frees its MuJoCo data and the shared models', () => {
    const before = mujocoMemoryStats();
    const envs = METAWORLD_TASKS.map((task) => make(task));
    for (const env of envs) env.reset({ seed: 0 });
    const during = mujocoMemoryStats();
    expect(during.liveData).toBe(before.liveData + envs.length);
    for (const env of envs) env.close();
    const after = mujocoMemoryStats();
    expect(after.liveData).toBe(before.liveData);
    expect(after.liveModels).toBe(before.liveModels);
  });
});
