/**
 * The MuJoCo locomotion envs against Gymnasium's semantics (`docs/envs/locomotion.md`, "Constants",
 * "Stepping and reset", "Rewards and termination"):
 * spaces, model constants, masses, the reward formula recomputed on recorded steps, the v4/v5
 * differences, termination, seeding and determinism, checkEnv, and input validation.
 */
import { ConfigError, EnvError, ShapeError } from '../../../src/core/errors.js';
import { Rng } from '../../../src/core/rng.js';
import { checkEnv } from '../../../src/envs/check-env.js';
import type { Env, Info, ResetOptions, ResetResult, StepResult } from '../../../src/envs/env.js';
import { HalfCheetahEnv } from '../../../src/envs/mujoco/half-cheetah.js';
import { HopperEnv } from '../../../src/envs/mujoco/hopper.js';
import type { MujocoLocomotionEnv } from '../../../src/envs/mujoco/locomotion-env.js';
import { loadMujocoRuntime, mujocoMemoryStats } from '../../../src/envs/mujoco/runtime.js';
import { Walker2dEnv } from '../../../src/envs/mujoco/walker2d.js';
import { envSpec, makeEnv } from '../../../src/envs/registry.js';

type Kind = 'cheetah' | 'hopper' | 'walker';
interface Case {
  readonly id: string;
  readonly kind: Kind;
  readonly version: 4 | 5;
  readonly nq: number;
  readonly nu: number;
  readonly obsDim: number;
  readonly frameSkip: number;
  readonly timestep: number;
  readonly integrator: number;
  readonly ctrlCostWeight: number;
  readonly totalMass: number;
}

const CASES: readonly Case[] = [
  {
    id: 'HalfCheetah-v4',
    kind: 'cheetah',
    version: 4,
    nq: 9,
    nu: 6,
    obsDim: 17,
    frameSkip: 5,
    timestep: 0.01,
    integrator: 0,
    ctrlCostWeight: 0.1,
    totalMass: 14.0,
  },
  {
    id: 'HalfCheetah-v5',
    kind: 'cheetah',
    version: 5,
    nq: 9,
    nu: 6,
    obsDim: 17,
    frameSkip: 5,
    timestep: 0.01,
    integrator: 0,
    ctrlCostWeight: 0.1,
    totalMass: 14.0,
  },
  {
    id: 'Hopper-v4',
    kind: 'hopper',
    version: 4,
    nq: 6,
    nu: 3,
    obsDim: 11,
    frameSkip: 4,
    timestep: 0.002,
    integrator: 1,
    ctrlCostWeight: 1e-3,
    totalMass: 15.82,
  },
  {
    id: 'Hopper-v5',
    kind: 'hopper',
    version: 5,
    nq: 6,
    nu: 3,
    obsDim: 11,
    frameSkip: 4,
    timestep: 0.002,
    integrator: 1,
    ctrlCostWeight: 1e-3,
    totalMass: 15.82,
  },
  {
    id: 'Walker2d-v4',
    kind: 'walker',
    version: 4,
    nq: 9,
    nu: 6,
    obsDim: 17,
    frameSkip: 4,
    timestep: 0.002,
    integrator: 1,
    ctrlCostWeight: 1e-3,
    totalMass: 23.677,
  },
  {
    id: 'Walker2d-v5',
    kind: 'walker',
    version: 5,
    nq: 9,
    nu: 6,
    obsDim: 17,
    frameSkip: 4,
    timestep: 0.002,
    integrator: 1,
    ctrlCostWeight: 1e-3,
    totalMass: 23.677,
  },
];

const INFO_KEYS: Record<Kind, Record<4 | 5, string[]>> = {
  cheetah: {
    4: ['reward_ctrl', 'reward_run', 'x_position', 'x_velocity'],
    5: ['reward_ctrl', 'reward_forward', 'x_position', 'x_velocity'],
  },
  hopper: {
    4: ['x_position', 'x_velocity'],
    5: ['reward_ctrl', 'reward_forward', 'reward_survive', 'x_position', 'x_velocity', 'z_distance_from_origin'],
  },
  walker: {
    4: ['x_position', 'x_velocity'],
    5: ['reward_ctrl', 'reward_forward', 'reward_survive', 'x_position', 'x_velocity', 'z_distance_from_origin'],
  },
};

/** What makeEnv returns for these envs: the wrappers forward synchronous results unchanged. */
interface SyncEnv extends Env<Float32Array, Float32Array> {
  reset(options?: ResetOptions): ResetResult<Float32Array>;
  step(action: Float32Array): StepResult<Float32Array>;
  close(): void;
  readonly unwrapped: Env;
}

function make(id: string, options: Record<string, unknown> = {}): SyncEnv {
  return makeEnv<Float32Array, Float32Array>(id, options) as unknown as SyncEnv;
}
function inner(env: SyncEnv): MujocoLocomotionEnv {
  return env.unwrapped as MujocoLocomotionEnv;
}

/** The healthy rule (`docs/envs/locomotion.md`, "Rewards and termination"), written out independently of the env code. */
function healthyFromState(kind: Kind, qpos: Float64Array, qvel: Float64Array): boolean {
  if (kind === 'cheetah') return true;
  const z = qpos[1];
  const angle = qpos[2];
  if (kind === 'walker') return z > 0.8 && z < 2.0 && angle > -1 && angle < 1;
  const state = [...qpos.slice(2), ...qvel];
  return state.every((v) => v > -100 && v < 100) && z > 0.7 && angle > -0.2 && angle < 0.2;
}

function randomAction(rng: Rng, nu: number): Float32Array {
  const a = new Float32Array(nu);
  for (let i = 0; i < nu; i++) a[i] = rng.uniform(-1, 1);
  return a;
}

beforeAll(async () => {
  await loadMujocoRuntime();
});

afterAll(() => {
  // Every test closes what it opens, so no MuJoCo handle may outlive the file.
  expect(mujocoMemoryStats()).toMatchObject({ liveModels: 0, liveData: 0 });
});

describe.each(CASES)('$id', (c) => {
  it('has the tabulated spaces, model constants and time limit', () => {
    const env = make(c.id);
    const raw = inner(env);
    try {
      expect(envSpec(c.id).maxEpisodeSteps).toBe(1000);
      expect(env.spec?.maxEpisodeSteps).toBe(1000);
      expect(env.observationSpace.shape).toEqual([c.obsDim]);
      expect(env.observationSpace.toJSON()).toMatchObject({
        dtype: 'float32',
        low: Array(c.obsDim).fill(null),
        high: Array(c.obsDim).fill(null),
      });
      expect(env.actionSpace.toJSON()).toEqual({
        type: 'box',
        shape: [c.nu],
        dtype: 'float32',
        low: Array(c.nu).fill(-1),
        high: Array(c.nu).fill(1),
      });
      expect(raw.frameSkip).toBe(c.frameSkip);
      expect(raw.dt).toBeCloseTo(c.timestep * c.frameSkip, 12);
      expect(raw.ctrlCostWeight).toBe(c.ctrlCostWeight);
      expect(raw.version).toBe(c.version);
      const simulation = (
        raw as unknown as { sim: { nq: number; nv: number; timestep: number; integrator: number; qpos0: Float64Array } }
      ).sim;
      expect([simulation.nq, simulation.nv]).toEqual([c.nq, c.nq]);
      expect(simulation.timestep).toBe(c.timestep);
      expect(simulation.integrator).toBe(c.integrator);
      expect(Array.from(simulation.qpos0)).toEqual([
        0,
        c.kind === 'cheetah' ? 0 : 1.25,
        ...new Array<number>(c.nq - 2).fill(0),
      ]);
      const [obs] = env.reset({ seed: 1 });
      expect(obs).toBeInstanceOf(Float32Array);
      expect(obs.length).toBe(c.obsDim);
    } finally {
      env.close();
    }
    const withX = make(c.id, { excludeCurrentPositionsFromObservation: false });
    try {
      expect(withX.observationSpace.shape).toEqual([c.obsDim + 1]);
      const [obs] = withX.reset({ seed: 1 });
      expect(obs[0]).toBe(Math.fround(inner(withX).getState().qpos[0]));
    } finally {
      withX.close();
    }
  });

  it(`has a total mass of ${c.totalMass} kg (sum of body_mass)`, () => {
    const env = make(c.id);
    try {
      const mass = inner(env)
        .copyModelArray('body_mass')
        .reduce((a, b) => a + b, 0);
      expect(mass).toBeCloseTo(c.totalMass, 3);
    } finally {
      env.close();
    }
  });

  it('pays the reward formula on recorded steps, with the observation read from the post-step state', () => {
    const env = make(c.id);
    const raw = inner(env);
    const rng = new Rng(11);
    let terminalSteps = 0;
    try {
      env.reset({ seed: 5 });
      for (let t = 0; t < 300; t++) {
        const before = raw.getState();
        const action = randomAction(rng, c.nu);
        if (t % 50 === 7) action[0] = 1.7; // outside the ctrl range: the cost must use the raw value
        const [obs, reward, terminated, truncated, info] = env.step(action);
        const after = raw.getState();
        const xVelocity = (after.qpos[0] - before.qpos[0]) / (c.timestep * c.frameSkip);
        const ctrlCost = c.ctrlCostWeight * action.reduce((s, a) => s + a * a, 0);
        const healthy = healthyFromState(c.kind, after.qpos, after.qvel);
        const survive = c.kind === 'cheetah' ? 0 : c.version === 4 ? 1 : healthy ? 1 : 0;
        expect(Object.keys(info).sort()).toEqual(INFO_KEYS[c.kind][c.version]);
        expect(info.x_position).toBe(after.qpos[0]);
        expect(info.x_velocity as number).toBeCloseTo(xVelocity, 9);
        expect(reward).toBeCloseTo(xVelocity + survive - ctrlCost, 9);
        if (c.version === 5) {
          expect(info.reward_forward as number).toBeCloseTo(xVelocity, 9);
          expect(info.reward_ctrl as number).toBeCloseTo(-ctrlCost, 12);
          if (c.kind !== 'cheetah') {
            expect(info.reward_survive).toBe(survive);
            expect(info.z_distance_from_origin as number).toBeCloseTo(after.qpos[1] - 1.25, 12);
          }
        } else if (c.kind === 'cheetah') {
          expect(info.reward_run as number).toBeCloseTo(xVelocity, 9);
          expect(info.reward_ctrl as number).toBeCloseTo(-ctrlCost, 12);
        }
        expect(terminated).toBe(!healthy);
        expect(truncated).toBe(false);
        const clip = c.kind === 'cheetah' ? Infinity : 10;
        const expected = [
          ...after.qpos.slice(1),
          ...Array.from(after.qvel, (v) => Math.min(clip, Math.max(-clip, v))),
        ].map(Math.fround);
        expect(Array.from(obs)).toEqual(expected);
        if (terminated) {
          terminalSteps++;
          env.reset();
        }
      }
    } finally {
      env.close();
    }
    // Random actions topple Hopper and Walker2d within a few dozen steps: the terminal branch ran.
    if (c.kind !== 'cheetah') expect(terminalSteps).toBeGreaterThan(2);
  });

  it('reproduces a seeded reset and, with the same actions, the same observations bit for bit', () => {
    const run = (): Float32Array[] => {
      const env = make(c.id);
      const rng = new Rng(3);
      const out: Float32Array[] = [];
      try {
        out.push(env.reset({ seed: 42 })[0]);
        for (let t = 0; t < 150; t++) {
          const [obs, , terminated] = env.step(randomAction(rng, c.nu));
          out.push(obs);
          if (terminated) out.push(env.reset()[0]);
        }
      } finally {
        env.close();
      }
      return out;
    };
    const a = run();
    const b = run();
    expect(b.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) expect(Array.from(b[i])).toEqual(Array.from(a[i]));

    const env = make(c.id);
    try {
      const [first] = env.reset({ seed: 7 });
      const [again] = env.reset({ seed: 7 });
      const [next] = env.reset();
      const [other] = env.reset({ seed: 8 });
      expect(Array.from(again)).toEqual(Array.from(first));
      expect(Array.from(next)).not.toEqual(Array.from(first));
      expect(Array.from(other)).not.toEqual(Array.from(first));
      expect(again).not.toBe(first); // a fresh array per call
    } finally {
      env.close();
    }
  });

  it('passes checkEnv', async () => {
    const env = make(c.id);
    try {
      const report = await checkEnv(env, { steps: 200, seed: 3 });
      expect(report.stepsRun).toBe(200);
      expect(report.warnings).toEqual([]);
    } finally {
      env.close();
    }
  });
});

describe('reset noise', () => {
  it('is U(-0.005, 0.005) on qpos and qvel for Hopper, and U(-0.1, 0.1) / 0.1·N(0, 1) for HalfCheetah', () => {
    const hopper = new HopperEnv({ version: 4 });
    const cheetah = new HalfCheetahEnv({ version: 4 });
    try {
      const hq: number[] = [];
      const cq: number[] = [];
      const cv: number[] = [];
      for (let seed = 0; seed < 200; seed++) {
        hopper.reset({ seed });
        const h = hopper.getState();
        hq.push(h.qpos[0], h.qpos[1] - 1.25, ...h.qpos.slice(2), ...h.qvel);
        cheetah.reset({ seed });
        const s = cheetah.getState();
        cq.push(...s.qpos);
        cv.push(...s.qvel);
      }
      expect(Math.max(...hq.map(Math.abs))).toBeLessThanOrEqual(0.005);
      expect(Math.max(...hq.map(Math.abs))).toBeGreaterThan(0.0045);
      expect(Math.max(...cq.map(Math.abs))).toBeLessThanOrEqual(0.1);
      expect(Math.max(...cq.map(Math.abs))).toBeGreaterThan(0.09);
      const std = Math.sqrt(cv.reduce((s, v) => s + v * v, 0) / cv.length);
      expect(std).toBeGreaterThan(0.09);
      expect(std).toBeLessThan(0.11);
      expect(Math.max(...cv.map(Math.abs))).toBeGreaterThan(0.2); // normal, not uniform in ±0.1
    } finally {
      hopper.close();
      cheetah.close();
    }
  });
});

describe('termination', () => {
  it.each([
    ['Hopper-v4', 'hopper'],
    ['Walker2d-v4', 'walker'],
  ] as const)('%s given zero action falls and terminates', (id, kind) => {
    const env = make(id);
    const raw = inner(env);
    try {
      env.reset({ seed: 0 });
      const zero = new Float32Array(env.actionSpace.shape[0]);
      let steps = 0;
      let terminated = false;
      let reward = 0;
      let info: Info = {};
      while (!terminated && steps < 1000) {
        [, reward, terminated, , info] = env.step(zero);
        steps++;
      }
      expect(terminated).toBe(true);
      expect(steps).toBeGreaterThan(5);
      expect(steps).toBeLessThan(1000);
      const { qpos, qvel } = raw.getState();
      expect(healthyFromState(kind, qpos, qvel)).toBe(false);
      // It fell: the torso is lower than it started, or tipped past the angle limit.
      expect(qpos[1] < 1.2 || Math.abs(qpos[2]) >= (kind === 'hopper' ? 0.2 : 1)).toBe(true);
      // v4 still pays the healthy reward on the terminal step, and zero action costs nothing.
      expect(reward).toBeCloseTo((info.x_velocity as number) + 1, 12);
    } finally {
      env.close();
    }
  });

  it('pays the healthy reward on the terminal step in v4 and not in v5', () => {
    const rewards: Record<string, { reward: number; xVelocity: number }> = {};
    for (const id of ['Hopper-v4', 'Hopper-v5']) {
      const env = make(id);
      try {
        env.reset({ seed: 0 });
        const zero = new Float32Array(3);
        for (let t = 0; t < 1000; t++) {
          const [, reward, terminated, , info] = env.step(zero);
          if (terminated) {
            rewards[id] = { reward, xVelocity: info.x_velocity as number };
            break;
          }
        }
      } finally {
        env.close();
      }
    }
    // Same model, seed and actions: the same trajectory, so the terminal rewards differ by exactly 1.
    expect(rewards['Hopper-v5'].xVelocity).toBe(rewards['Hopper-v4'].xVelocity);
    expect(rewards['Hopper-v4'].reward - rewards['Hopper-v5'].reward).toBeCloseTo(1, 12);
  });

  it('HalfCheetah never terminates and is truncated at 1000 steps', () => {
    const env = make('HalfCheetah-v4');
    const rng = new Rng(2);
    try {
      env.reset({ seed: 0 });
      for (let t = 1; t <= 1000; t++) {
        const [, , terminated, truncated] = env.step(randomAction(rng, 6));
        expect(terminated).toBe(false);
        expect(truncated).toBe(t === 1000);
      }
    } finally {
      env.close();
    }
  });

  it('with terminateWhenUnhealthy: false keeps going and pays healthyReward only while healthy', () => {
    const env = make('Hopper-v4', { terminateWhenUnhealthy: false, healthyReward: 2 });
    const raw = inner(env) as HopperEnv;
    try {
      env.reset({ seed: 0 });
      let unhealthySteps = 0;
      for (let t = 0; t < 300; t++) {
        const [, reward, terminated, , info] = env.step(new Float32Array(3));
        expect(terminated).toBe(false);
        const healthy = raw.isHealthy;
        if (!healthy) unhealthySteps++;
        expect(reward).toBeCloseTo((info.x_velocity as number) + (healthy ? 2 : 0), 9);
      }
      expect(unhealthySteps).toBeGreaterThan(0);
    } finally {
      env.close();
    }
  });
});

describe('authored MJCF against Gymnasium\'s model parameters (docs/envs/locomotion.md, "Tests")', () => {
  const round = (a: Float64Array, digits: number): number[] => Array.from(a, (x) => Number(x.toFixed(digits)));
  it('HalfCheetah: body masses after settotalmass, torso inertial frame and principal inertia', () => {
    const env = new HalfCheetahEnv();
    try {
      // settotalmass scales capsule volumes to 14 kg: recompute from the geometry (radius 0.046;
      // half-lengths per body, torso = torso capsule 0.5 + head 0.15).
      const capsule = (h: number): number => Math.PI * 0.046 ** 2 * 2 * h + (4 / 3) * Math.PI * 0.046 ** 3;
      const volumes = [
        capsule(0.5) + capsule(0.15),
        capsule(0.145),
        capsule(0.15),
        capsule(0.094),
        capsule(0.133),
        capsule(0.106),
        capsule(0.07),
      ];
      const total = volumes.reduce((a, b) => a + b, 0);
      const masses = env.copyModelArray('body_mass').slice(1);
      volumes.forEach((v, i) => expect(masses[i]).toBeCloseTo((14 * v) / total, 9));
      // The sheet's 4-decimal values agree to within rounding (it lists bshin's 1.587448 as 1.5875).
      [6.2502, 1.5435, 1.5875, 1.0954, 1.4381, 1.2008, 0.8845].forEach((m, i) =>
        expect(Math.abs(masses[i] - m)).toBeLessThan(6e-5),
      );
      expect(round(env.copyModelArray('body_ipos'), 4).slice(3, 6)).toEqual([0.1524, 0, 0.0254]);
      expect(round(env.copyModelArray('body_inertia'), 4).slice(3, 6)).toEqual([0.8971, 0.8857, 0.018]);
      expect(Array.from(env.copyModelArray('actuator_gear')).filter((_, i) => i % 6 === 0)).toEqual([
        120, 90, 60, 120, 60, 30,
      ]);
    } finally {
      env.close();
    }
  });

  it('Hopper and Walker2d: body masses and principal inertias (density 1000)', () => {
    const hopper = new HopperEnv();
    const walker = new Walker2dEnv();
    try {
      expect(round(hopper.copyModelArray('body_mass'), 4).slice(1)).toEqual([3.6652, 4.0579, 2.7814, 5.3156]);
      expect(round(hopper.copyModelArray('body_inertia'), 5).slice(3)).toEqual([
        0.06925, 0.06925, 0.00445, 0.0933, 0.0933, 0.00494, 0.0723, 0.0723, 0.00218, 0.10352, 0.10352, 0.00924,
      ]);
      expect(round(walker.copyModelArray('body_mass'), 4).slice(1)).toEqual([
        3.6652, 4.0579, 2.7814, 3.1667, 4.0579, 2.7814, 3.1667,
      ]);
      expect(round(walker.copyModelArray('body_inertia'), 5).slice(12, 15)).toEqual([0.024, 0.024, 0.00537]);
      const deg = Math.PI / 180;
      expect(round(hopper.copyModelArray('jnt_range'), 6).slice(6)).toEqual(
        round(Float64Array.of(-150 * deg, 0, -150 * deg, 0, -45 * deg, 45 * deg), 6),
      );
    } finally {
      hopper.close();
      walker.close();
    }
  });
});

describe('model differences between versions', () => {
  it('Walker2d-v4 has foot friction 0.9 (right) and 1.9 (left); v5 has 1.9 on both', () => {
    const v4 = new Walker2dEnv({ version: 4 });
    const v5 = new Walker2dEnv({ version: 5 });
    try {
      const feet = (env: Walker2dEnv): number[] => {
        const f = env.copyModelArray('geom_friction');
        return [f[4 * 3], f[7 * 3]]; // geoms: floor, torso, thigh, leg, foot, thigh_left, leg_left, foot_left
      };
      expect(feet(v4)).toEqual([0.9, 1.9]);
      expect(feet(v5)).toEqual([1.9, 1.9]);
    } finally {
      v4.close();
      v5.close();
    }
  });

  it('v5 accepts frameSkip (changing dt) and reports positions on reset; v4 rejects it', () => {
    const env = make('Hopper-v5', { frameSkip: 2 });
    try {
      expect(inner(env).dt).toBeCloseTo(0.004, 12);
      const [, info] = env.reset({ seed: 0 });
      expect(Object.keys(info).sort()).toEqual(['x_position', 'z_distance_from_origin']);
    } finally {
      env.close();
    }
    expect(() => make('Hopper-v4', { frameSkip: 2 })).toThrow(ConfigError);
    const v4 = make('Hopper-v4');
    try {
      expect(v4.reset({ seed: 0 })[1]).toEqual({});
    } finally {
      v4.close();
    }
  });
});

describe('actions', () => {
  it('are clamped by MuJoCo but charged unclipped', () => {
    const a = new HopperEnv({ version: 4 });
    const b = new HopperEnv({ version: 4 });
    try {
      a.reset({ seed: 4 });
      b.reset({ seed: 4 });
      const [obsA, rewardA] = a.step(Float32Array.of(1, -1, 0.5));
      const [obsB, rewardB] = b.step(Float32Array.of(3, -2, 0.5));
      expect(Array.from(obsB)).toEqual(Array.from(obsA));
      expect(rewardA - rewardB).toBeCloseTo(1e-3 * (9 + 4 - 1 - 1), 12);
    } finally {
      a.close();
      b.close();
    }
  });

  it('are validated, and the env refuses use before reset and after close', () => {
    const env = new HalfCheetahEnv({ version: 5 });
    expect(() => env.step(new Float32Array(6))).toThrow(EnvError);
    env.reset({ seed: 0 });
    expect(() => env.step(new Float32Array(5))).toThrow(ShapeError);
    expect(() => env.step(Float32Array.of(0, 0, Number.NaN, 0, 0, 0))).toThrow(/action\[2\] is NaN/);
    expect(() => env.setState(new Float64Array(9), new Float64Array(8))).toThrow(ShapeError);
    env.close();
    env.close(); // idempotent
    expect(env.closed).toBe(true);
    expect(() => env.reset()).toThrow(/closed/);
    expect(() => env.step(new Float32Array(6))).toThrow(/closed/);
  });
});

describe('options', () => {
  it('are validated with messages that name the fix', () => {
    expect(() => make('Hopper-v4', { ctrlCost: 1 })).toThrow(
      /Hopper-v4 has no option "ctrlCost"; its options are .*ctrlCostWeight/,
    );
    expect(() => make('Hopper-v4', { version: 5 })).toThrow(/fixes the version from its id/);
    expect(() => make('Walker2d-v4', { healthyZRange: [2, 1] })).toThrow(ConfigError);
    expect(() => make('HalfCheetah-v4', { resetNoiseScale: -1 })).toThrow(/at least 0/);
    expect(() => make('HalfCheetah-v5', { frameSkip: 1.5 })).toThrow(/integer/);
    expect(mujocoMemoryStats()).toMatchObject({ liveData: 0 }); // option errors allocate nothing
  });

  it('change the reward weights and the healthy ranges', () => {
    const env = make('Walker2d-v5', {
      forwardRewardWeight: 2,
      ctrlCostWeight: 0.5,
      healthyReward: 0.25,
      healthyZRange: [0.8, 1.2],
    });
    try {
      env.reset({ seed: 1 });
      const action = Float32Array.of(0.5, 0.5, 0, 0, 0, 0);
      const [, reward, terminated, , info] = env.step(action);
      expect(terminated).toBe(true); // z starts near 1.25, above the narrowed range
      expect(info.reward_survive).toBe(0);
      expect(info.reward_ctrl as number).toBeCloseTo(-0.5 * 0.5, 12);
      expect(reward).toBeCloseTo(2 * (info.x_velocity as number) - 0.25, 9);
    } finally {
      env.close();
    }
  });
});

describe('state access', () => {
  it('setState replays a state exactly and copyDataArray returns fresh copies', () => {
    const a = new Walker2dEnv({ version: 4 });
    const b = new Walker2dEnv({ version: 4 });
    try {
      a.reset({ seed: 9 });
      const rng = new Rng(1);
      for (let t = 0; t < 5; t++) a.step(randomAction(rng, 6));
      const state = a.getState();
      b.reset({ seed: 123 });
      const obs = b.setState(state.qpos, state.qvel);
      const action = randomAction(rng, 6);
      const [nextA] = a.step(action);
      const [nextB] = b.step(action);
      expect(obs.length).toBe(17);
      expect(Array.from(nextB)).toEqual(Array.from(nextA));
      const xpos = a.copyDataArray('xpos');
      expect(xpos.length).toBe(8 * 3);
      xpos[5] = 99; // a copy: writing to it changes nothing
      expect(a.copyDataArray('xpos')[5]).not.toBe(99);
      const cfrc = a.copyDataArray('cfrc_ext');
      expect(cfrc.length).toBe(8 * 6);
      expect(() => a.copyDataArray('jnt_limited' as never)).toThrow(ConfigError);
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('agreement with Gymnasium', () => {
  it("Hopper falls to z = 1.24969 after one zero-action step from qpos0 (the value measured with Gymnasium's XML)", () => {
    const env = new HopperEnv({ version: 4 });
    try {
      env.reset({ seed: 0 });
      env.setState(Float64Array.of(0, 1.25, 0, 0, 0, 0), new Float64Array(6));
      env.step(new Float32Array(3));
      expect(env.getState().qpos[1]).toBeCloseTo(1.24969, 5);
    } finally {
      env.close();
    }
  });
});
