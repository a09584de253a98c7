/**
 * The point-mass env: Gymnasium contract, registry, observation without the goal, reward and
 * success, seeding, option errors and WASM handle bookkeeping.
 */
import { ConfigError, EnvError, ShapeError } from '../../src/core/errors.js';
import { checkEnv, envSpec, makeEnv, makeEnvAsync, mujocoMemoryStats } from '../../src/envs/index.js';
import {
  POINT_MASS_ENV_ID,
  PointMassEnv,
  isPointMassRuntimeLoaded,
  loadPointMassRuntime,
  pointMassMemoryStats,
  registerSuiteEnvs,
  resolvePointMassOptions,
} from '../../src/suites/index.js';

beforeAll(async () => {
  await loadPointMassRuntime();
  registerSuiteEnvs();
});

afterEach(() => {
  expect(pointMassMemoryStats()).toEqual({ liveModels: 0, liveEnvs: 0 });
});

function rollout(env: PointMassEnv, seed: number, actions: (t: number) => [number, number], steps = 50) {
  const [first] = env.reset({ seed });
  const obs: number[][] = [Array.from(first)];
  const rewards: number[] = [];
  const successes: boolean[] = [];
  for (let t = 0; t < steps; t++) {
    const [o, r, terminated, truncated, info] = env.step(Float32Array.from(actions(t)));
    expect([terminated, truncated]).toEqual([false, false]);
    obs.push(Array.from(o));
    rewards.push(r);
    successes.push(info.success as boolean);
  }
  return { obs, rewards, successes };
}

describe('PointMassEnv', () => {
  test('is registered with a 50-step limit and passes checkEnv', async () => {
    expect(isPointMassRuntimeLoaded()).toBe(true);
    expect(envSpec(POINT_MASS_ENV_ID)).toMatchObject({ maxEpisodeSteps: 50 });
    const env = await makeEnvAsync<Float32Array, Float32Array>(POINT_MASS_ENV_ID, { goalX: 0.4, goalY: -0.4 });
    try {
      await checkEnv(env);
      expect(env.observationSpace.shape).toEqual([4]);
      expect(env.actionSpace.shape).toEqual([2]);
      await env.reset({ seed: 0 });
      let truncatedAt = -1;
      for (let t = 1; t <= 60 && truncatedAt < 0; t++) {
        const [, , , truncated] = await env.step(new Float32Array(2));
        if (truncated) truncatedAt = t;
      }
      expect(truncatedAt).toBe(50);
    } finally {
      await env.close();
    }
  });

  test('the observation is [x, y, vx, vy] only: two goals, same seed and actions, same observations, different rewards', () => {
    const a = new PointMassEnv({ goalX: 0.8, goalY: 0 });
    const b = new PointMassEnv({ goalX: -0.4, goalY: 0.4 });
    try {
      const push = (t: number): [number, number] => [Math.sin(t / 5), Math.cos(t / 7)];
      const ra = rollout(a, 7, push);
      const rb = rollout(b, 7, push);
      expect(ra.obs).toEqual(rb.obs);
      expect(ra.rewards).not.toEqual(rb.rewards);
      expect(ra.obs[0].every((v) => Math.abs(v) <= 0.05)).toBe(true); // reset noise ±0.05
    } finally {
      a.close();
      b.close();
    }
  });

  test('reward is -distance - 0.1 |a|^2 with the action clipped to [-1, 1]; success needs 5 steps stopped on the goal', () => {
    const env = new PointMassEnv({ goalX: 0.4, goalY: 0, resetNoiseScale: 0 });
    try {
      env.reset({ seed: 0 });
      const [o1, r1, , , i1] = env.step(Float32Array.of(5, -5));
      expect(r1).toBeCloseTo(-(i1.distance as number) - 0.1 * 2, 10);
      expect(i1.distance).toBeCloseTo(Math.hypot(o1[0] - 0.4, o1[1]), 6);
      env.reset({ seed: 0 });
      const [o2] = env.step(Float32Array.of(1, -1));
      expect(Array.from(o2)).toEqual(Array.from(o1));
      // PD control onto the goal: success turns on only after five consecutive slow steps inside 0.1.
      let [obs] = env.reset({ seed: 0 });
      let onTarget = 0;
      let firstSuccess = -1;
      for (let t = 0; t < 50; t++) {
        const a = Float32Array.of(4 * (0.4 - obs[0]) - 1.5 * obs[2], 4 * (0 - obs[1]) - 1.5 * obs[3]);
        const [next, , , , info] = env.step(a);
        obs = next;
        const inside = (info.distance as number) < 0.1 && (info.speed as number) < 0.2;
        onTarget = inside ? onTarget + 1 : 0;
        expect(info.success).toBe(onTarget >= 5);
        if (info.success === true && firstSuccess < 0) firstSuccess = t;
      }
      expect(firstSuccess).toBeGreaterThan(4);
      expect(onTarget).toBe(50 - firstSuccess + 4);
    } finally {
      env.close();
    }
  });

  test('the same seed gives the same episode; reset without a seed continues the stream', () => {
    const env = new PointMassEnv({ goalX: 0, goalY: 0.8 });
    try {
      const act = (t: number): [number, number] => [0.3, t % 2 === 0 ? 1 : -0.5];
      const r1 = rollout(env, 11, act, 20);
      const r2 = rollout(env, 11, act, 20);
      expect(r2).toEqual(r1);
      const [next] = env.reset();
      expect(Array.from(next)).not.toEqual(r1.obs[0]);
    } finally {
      env.close();
    }
  });

  test('rejects bad options naming them, bad actions, and use out of order', () => {
    expect(() => new PointMassEnv({ goalX: 1.5 })).toThrow(/option goalX must be a number in \[-1, 1\]/);
    expect(() => new PointMassEnv({ holdSteps: 0 })).toThrow(/option holdSteps must be a positive integer/);
    expect(() => resolvePointMassOptions({ goal: [1, 2] })).toThrow(ConfigError);
    expect(() => resolvePointMassOptions({ goal: [1, 2] })).toThrow(
      /has no option "goal"; its options are goalX, goalY/,
    );
    expect(() => makeEnv(POINT_MASS_ENV_ID, { tolerance: -1 })).toThrow(/option tolerance must be a positive number/);
    const env = new PointMassEnv();
    expect(() => env.step(new Float32Array(2))).toThrow(EnvError);
    env.reset({ seed: 1 });
    expect(() => env.step(new Float32Array(3))).toThrow(ShapeError);
    expect(() => env.step(Float32Array.of(NaN, 0))).toThrow(/action\[0\] is NaN/);
    env.close();
    env.close();
    expect(() => env.reset()).toThrow(/is closed/);
  });

  test('every env frees its MjData and the last one the shared model', () => {
    const before = mujocoMemoryStats().liveData;
    const envs = Array.from({ length: 5 }, (_, i) => new PointMassEnv({ goalX: i / 10 }));
    expect(pointMassMemoryStats()).toEqual({ liveModels: 1, liveEnvs: 5 });
    expect(mujocoMemoryStats().liveData).toBe(before + 5);
    // Views stay valid when other envs allocate (heap growth detaches old views).
    envs[0].reset({ seed: 0 });
    const more = Array.from({ length: 20 }, () => new PointMassEnv());
    const [o] = envs[0].step(Float32Array.of(1, 1));
    expect(o[2]).toBeGreaterThan(0);
    for (const e of [...envs, ...more]) e.close();
    expect(mujocoMemoryStats().liveData).toBe(before);
  });
});
