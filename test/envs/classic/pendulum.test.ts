import { ConfigError, EnvError, ShapeError } from '../../../src/core/errors.js';
import { Rng } from '../../../src/core/rng.js';
import { PendulumEnv, angleNormalize } from '../../../src/envs/classic/pendulum.js';
import { makeEnv } from '../../../src/envs/index.js';

// Golden values produced once with NumPy 2.4 from the body of Gymnasium's PendulumEnv.step
// (gymnasium/envs/classic_control/pendulum.py), starting from env.state = [theta, thetaDot].
const GOLDEN = [
  {
    start: [1.0, 0.5],
    g: 10.0,
    steps: [
      {
        u: 1.5,
        state: [1.0678051619302962, 1.3561032386059226],
        obs: [0.4820483922958374, 0.8761445879936218, 1.3561031818389893],
        reward: -1.027250000135973,
      },
      {
        u: -0.5,
        state: [1.1647157462597302, 1.9382116865886818],
        obs: [0.39501169323921204, 0.9186760783195496, 1.9382116794586182],
        reward: -1.3243594632326086,
      },
      {
        u: 0.25,
        state: [1.2979516840259946, 2.6647187553252882],
        obs: [0.2694719433784485, 0.9630082249641418, 2.6647188663482666],
        reward: -1.732291723791224,
      },
    ],
  },
  {
    start: [4.0, 7.9],
    g: 10.0,
    steps: [
      {
        u: 5.0,
        state: [4.381619906425953, 7.632398128519054],
        obs: [-0.3247705101966858, -0.9457928538322449, 7.6323981285095215],
        reward: -11.457935147110732,
      },
    ],
  },
  {
    start: [-3.0, -7.5],
    g: 9.81,
    steps: [
      {
        u: -3.0,
        state: [-3.3951914522965025, -7.903829045930047],
        obs: [-0.9680157899856567, 0.25088927149772644, -7.903829097747803],
        reward: -14.62900000018999,
      },
    ],
  },
];

describe('PendulumEnv', () => {
  it('declares the Gymnasium spaces', () => {
    const env = new PendulumEnv();
    expect(env.observationSpace.dtype).toBe('float32');
    expect(Array.from(env.observationSpace.low)).toEqual([-1, -1, -8]);
    expect(Array.from(env.observationSpace.high)).toEqual([1, 1, 8]);
    expect(env.actionSpace.shape).toEqual([1]);
    expect(Array.from(env.actionSpace.low)).toEqual([-2]);
    expect(Array.from(env.actionSpace.high)).toEqual([2]);
    expect([env.g, env.m, env.l, env.dt, env.maxSpeed, env.maxTorque]).toEqual([10, 1, 1, 0.05, 8, 2]);
  });

  it.each(GOLDEN.map((c, i) => [i, c] as const))('matches Gymnasium step for step (case %i)', (_i, c) => {
    const env = new PendulumEnv({ g: c.g });
    env.reset({ seed: 0 });
    env.setState(c.start[0], c.start[1]);
    for (const s of c.steps) {
      const [obs, reward, terminated, truncated, info] = env.step(Float32Array.of(s.u));
      expect(env.state![0]).toBeCloseTo(s.state[0], 12);
      expect(env.state![1]).toBeCloseTo(s.state[1], 12);
      expect(obs).toBeInstanceOf(Float32Array);
      for (let k = 0; k < 3; k++) expect(obs[k]).toBeCloseTo(s.obs[k], 6);
      // Gymnasium adds the torque cost in float32; we use float64: they agree to ~1e-9.
      expect(reward).toBeCloseTo(s.reward, 8);
      expect([terminated, truncated, info]).toEqual([false, false, {}]);
    }
  });

  it('clips the torque and the speed (hand-computed)', () => {
    const env = new PendulumEnv();
    env.reset({ seed: 1 });
    env.setState(-Math.PI / 2, -7.9);
    const [obs, reward] = env.step(Float32Array.of(-3));
    // thdot' = -7.9 + (15 * sin(-pi/2) + 3 * (-2)) * 0.05 = -8.95 -> clipped to -8
    // theta' = -pi/2 - 8 * 0.05; cost = (pi/2)^2 + 0.1 * 7.9^2 + 0.001 * 2^2
    expect(env.state![1]).toBe(-8);
    expect(env.state![0]).toBeCloseTo(-Math.PI / 2 - 0.4, 14);
    expect(reward).toBeCloseTo(-((Math.PI / 2) ** 2 + 6.241 + 0.004), 12);
    expect(obs[2]).toBe(-8);
    expect(obs[0]).toBeCloseTo(Math.cos(-Math.PI / 2 - 0.4), 6);
  });

  it('normalises angles with a floored modulo, like Python', () => {
    expect(angleNormalize(0)).toBe(0);
    expect(angleNormalize(4)).toBeCloseTo(4 - 2 * Math.PI, 14);
    expect(angleNormalize(-4)).toBeCloseTo(-4 + 2 * Math.PI, 14);
    expect(angleNormalize(7 * Math.PI + 0.5)).toBeCloseTo(-Math.PI + 0.5, 12);
    expect(angleNormalize(Math.PI)).toBeCloseTo(-Math.PI, 14);
    expect(angleNormalize(-Math.PI)).toBeCloseTo(-Math.PI, 14);
  });

  it('resets to theta in [-pi, pi] and thetaDot in [-1, 1], covering both ranges', () => {
    const env = new PendulumEnv();
    env.reset({ seed: 7 });
    let minTh = Infinity;
    let maxTh = -Infinity;
    let minV = Infinity;
    let maxV = -Infinity;
    for (let i = 0; i < 2000; i++) {
      const [obs] = env.reset();
      const [th, v] = env.state!;
      minTh = Math.min(minTh, th);
      maxTh = Math.max(maxTh, th);
      minV = Math.min(minV, v);
      maxV = Math.max(maxV, v);
      expect(obs[0] ** 2 + obs[1] ** 2).toBeCloseTo(1, 6);
      expect(obs[2]).toBeCloseTo(v, 6);
    }
    expect(minTh).toBeGreaterThanOrEqual(-Math.PI);
    expect(maxTh).toBeLessThanOrEqual(Math.PI);
    expect(minTh).toBeLessThan(-3);
    expect(maxTh).toBeGreaterThan(3);
    expect(minV).toBeGreaterThanOrEqual(-1);
    expect(maxV).toBeLessThanOrEqual(1);
    expect(minV).toBeLessThan(-0.95);
    expect(maxV).toBeGreaterThan(0.95);
  });

  it('honours reset options xInit / yInit', () => {
    const env = new PendulumEnv();
    const [obs] = env.reset({ seed: 3, options: { xInit: 0, yInit: 0 } });
    expect(Array.from(obs)).toEqual([1, 0, 0]);
    for (let i = 0; i < 100; i++) {
      env.reset({ options: { xInit: 0.1, yInit: 0.2 } });
      expect(Math.abs(env.state![0])).toBeLessThanOrEqual(0.1);
      expect(Math.abs(env.state![1])).toBeLessThanOrEqual(0.2);
    }
    expect(() => env.reset({ options: { xInit: 'wide' } })).toThrow(ConfigError);
  });

  it('gives identical trajectories for the same seed and different ones for another seed', () => {
    const run = (seed: number) => {
      const env = new PendulumEnv();
      const rng = new Rng(99);
      const out: number[] = [...env.reset({ seed })[0]];
      for (let t = 0; t < 50; t++) {
        const [obs, r] = env.step(env.actionSpace.sample(rng));
        out.push(...obs, r);
      }
      out.push(...env.reset()[0]); // unseeded reset continues the seeded stream
      return out;
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it('continues the stream on an unseeded reset instead of restarting it', () => {
    const env = new PendulumEnv();
    const a = env.reset({ seed: 11 })[0];
    const b = env.reset()[0];
    const c = env.reset({ seed: 11 })[0];
    expect(Array.from(c)).toEqual(Array.from(a));
    expect(Array.from(b)).not.toEqual(Array.from(a));
  });

  it('never terminates and keeps rewards within [-16.2736044, 0]', () => {
    const env = new PendulumEnv();
    env.reset({ seed: 0 });
    const rng = new Rng(1);
    for (let t = 0; t < 1000; t++) {
      const [obs, r, terminated, truncated] = env.step(env.actionSpace.sample(rng));
      expect(terminated || truncated).toBe(false);
      expect(r).toBeLessThanOrEqual(0);
      expect(r).toBeGreaterThanOrEqual(-16.2736045);
      expect(env.observationSpace.contains(obs)).toBe(true);
    }
  });

  it('rejects misuse with typed errors', () => {
    const env = new PendulumEnv();
    expect(() => env.step(Float32Array.of(0))).toThrow(EnvError);
    env.reset({ seed: 0 });
    expect(() => env.step(Float32Array.of(0, 1))).toThrow(ShapeError);
    expect(() => env.step(Float32Array.of(Number.NaN))).toThrow(/NaN/);
    expect(() => new PendulumEnv({ gravity: 9.8 } as never)).toThrow(/no option "gravity"/);
    expect(() => new PendulumEnv({ g: Number.NaN })).toThrow(ConfigError);
    expect(() => env.reset({ seed: -1 })).toThrow(ConfigError);
  });

  it('is registered as Pendulum-v1 with a 200-step limit', () => {
    const env = makeEnv<Float32Array, Float32Array>('Pendulum-v1', { g: 9.81 });
    expect((env.unwrapped as PendulumEnv).g).toBe(9.81);
    expect(env.spec).toEqual({ id: 'Pendulum-v1', maxEpisodeSteps: 200, options: { g: 9.81 } });
    void env.reset({ seed: 0 });
    const zero = Float32Array.of(0);
    for (let t = 1; t <= 200; t++) {
      const result = env.step(zero) as [Float32Array, number, boolean, boolean, object];
      expect(result[3]).toBe(t === 200);
    }
  });
});
