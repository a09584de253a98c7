/**
 * PythonEnv against the pure-Python envs of fixtures/toy_envs.py: spaces, seeding, step results
 * computed from the env's formulas, info dicts, checkEnv, and the numpy path when available.
 * The bridge runs with LLMDPD_BRIDGE_NUMPY=0, so these tests take the pure-Python path even on an
 * interpreter that has numpy.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { ConfigError, ShapeError } from '../../../src/core/errors.js';
import { Box, Dict, Discrete } from '../../../src/core/spaces.js';
import { checkEnv } from '../../../src/envs/check-env.js';
import { makePythonEnv, type PythonEnv, type PythonEnvOptions } from '../../../src/envs/python/index.js';
import { FIXTURES, NUMPY_PYTHON, PYTHON, describeWithPython } from './helpers.js';

const opened: PythonEnv[] = [];

async function open<Obs = Float32Array, Act = Float32Array>(
  target: string,
  options: PythonEnvOptions = {},
): Promise<PythonEnv<Obs, Act>> {
  const env = await makePythonEnv<Obs, Act>(target, {
    python: PYTHON,
    cwd: FIXTURES,
    env: { LLMDPD_BRIDGE_NUMPY: '0' },
    ...options,
  });
  opened.push(env);
  return env;
}

afterAll(async () => {
  await Promise.all(opened.map((env) => env.close().catch(() => undefined)));
});

interface DriftInfo {
  readonly t: number;
  readonly noise: number;
  readonly action: number;
  readonly action_type: string;
  readonly x0: number;
  readonly seed: number | null;
  readonly label: string;
}

describeWithPython('makePythonEnv (pure-Python env, no numpy, no gymnasium)', () => {
  it('maps the env’s spaces, metadata and spec, and reports the interpreter', async () => {
    const env = await open('toy_envs:DriftEnv', { kwargs: { max_steps: 7 } });
    expect(env.observationSpace).toBeInstanceOf(Box);
    expect(env.observationSpace.toJSON()).toEqual({
      type: 'box',
      shape: [3],
      dtype: 'float32',
      low: [-10, -10, 0],
      high: [10, 10, 1000],
    });
    expect(env.actionSpace.toJSON()).toEqual({ type: 'box', shape: [1], dtype: 'float32', low: [-1], high: [1] });
    expect(env.metadata).toEqual({ renderModes: [], renderFps: 30, author: 'llmdpd tests' });
    expect(env.spec).toEqual({ id: 'toy_envs:DriftEnv', options: { max_steps: 7 } });
    expect(env.python.envType).toBe('toy_envs.DriftEnv');
    expect(env.python.numpyVersion).toBeNull();
    expect(env.python.gymnasiumVersion).toBeNull();
    expect(env.python.pythonVersion).toMatch(/^3\.\d+\.\d+/);
    expect(env.python.pid).toBe(env.pid);
  });

  it('maps plain-dict spaces: a Dict of Discrete and float64 Box, a Discrete with start', async () => {
    const env = await open<{ goal: Float64Array; pos: number }, number>('toy_envs:ChainEnv');
    const obsSpace = env.observationSpace as unknown as Dict;
    expect(obsSpace).toBeInstanceOf(Dict);
    expect(Object.keys(obsSpace.spaces)).toEqual(['goal', 'pos']);
    expect(obsSpace.spaces['goal'].toJSON()).toEqual({
      type: 'box',
      shape: [1],
      dtype: 'float64',
      low: [0],
      high: [4],
    });
    expect(obsSpace.spaces['pos']).toEqual(new Discrete(5));
    expect(env.actionSpace).toEqual(new Discrete(3, -1));
  });

  it('reproduces a seeded reset, and continues the stream without a seed', async () => {
    const env = await open('toy_envs:DriftEnv');
    const [a, infoA] = await env.reset({ seed: 7 });
    const [b, infoB] = await env.reset({ seed: 7 });
    const [c] = await env.reset({ seed: 8 });
    const [d, infoD] = await env.reset();
    expect(a).toBeInstanceOf(Float32Array);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(infoB).toEqual(infoA);
    expect((infoA as unknown as DriftInfo).seed).toBe(7);
    expect(a[0]).toBe(Math.fround((infoA as unknown as DriftInfo).x0));
    expect(c[0]).not.toBe(a[0]);
    expect((infoD as unknown as DriftInfo).seed).toBeNull();
    expect(d[0]).not.toBe(c[0]);
    // The same seed gives the same steps, noise included.
    const run = async () => {
      await env.reset({ seed: 3 });
      const out: number[] = [];
      for (let t = 0; t < 5; t++) out.push((await env.step(Float32Array.of(0.25)))[1]);
      return out;
    };
    expect(await run()).toEqual(await run());
  });

  it('returns step results that follow the env’s formulas exactly', async () => {
    const env = await open('toy_envs:DriftEnv', { kwargs: { max_steps: 3 } });
    const [obs0, info0] = await env.reset({ seed: 11 });
    let x = (info0 as unknown as DriftInfo).x0;
    let v = 0;
    expect(Array.from(obs0)).toEqual([Math.fround(x), 0, 0]);
    const actions = [0.5, 0.3, -1];
    for (let t = 1; t <= actions.length; t++) {
      const action = Float32Array.of(actions[t - 1]);
      const [obs, reward, terminated, truncated, info] = await env.step(action);
      const i = info as unknown as DriftInfo;
      const a = action[0];
      expect(i.t).toBe(t);
      expect(i.action).toBe(a); // the float32 value arrives exactly
      expect(i.action_type).toBe('list');
      v += 0.1 * a;
      x += v + i.noise;
      expect(Array.from(obs)).toEqual([Math.fround(x), Math.fround(v), t]);
      expect(reward).toBe(-Math.abs(x) - 0.01 * a * a);
      expect(terminated).toBe(false);
      expect(truncated).toBe(t === 3);
    }
    await env.reset({ seed: 0, options: { x: 4.99 } });
    const [, , terminated, truncated] = await env.step(Float32Array.of(1));
    expect([terminated, truncated]).toEqual([true, false]);
  });

  it('carries info dicts: nesting, tuples, None, booleans, NaN and infinities', async () => {
    const env = await open('toy_envs:DriftEnv');
    await env.reset({ seed: 0 });
    const [, , , , info] = await env.step([0] as unknown as Float32Array);
    expect(info).toMatchObject({
      nested: { list: [1, 2.5, null], tuple: [3, 4], flag: true },
      text: 'drift',
      inf: Infinity,
      neg_inf: -Infinity,
    });
    expect(info['nan']).toBeNaN();
  });

  it('accepts plain arrays and typed arrays as actions, and rejects a wrong layout before sending', async () => {
    const env = await open('toy_envs:DriftEnv');
    await env.reset({ seed: 0 });
    await expect(env.step([0.5] as unknown as Float32Array)).resolves.toHaveLength(5);
    await expect(env.step(Float64Array.of(0.5) as unknown as Float32Array)).resolves.toHaveLength(5);
    await expect(env.step(Float32Array.of(0.1, 0.2))).rejects.toThrow(ShapeError);
    await expect(env.step(Float32Array.of(0.1, 0.2))).rejects.toThrow(
      /has 2 values, but the action space has shape \[1\]/,
    );
    await expect(env.step(0.5 as unknown as Float32Array)).rejects.toThrow(
      /must be a typed array or number array of 1 values/,
    );
    const [, , , , info] = await env.step(Float32Array.of(0.75)); // still in step
    expect((info as unknown as DriftInfo).t).toBe(3);
  });

  it('runs Discrete actions and Dict observations to the goal', async () => {
    const env = await open<{ goal: Float64Array; pos: number }, number>('toy_envs:ChainEnv');
    let [obs] = await env.reset({ seed: 4 });
    expect(obs.goal).toBeInstanceOf(Float64Array);
    expect(Number.isInteger(obs.pos)).toBe(true);
    for (let t = 0; t < 10; t++) {
      const goal = obs.goal[0];
      const action = Math.sign(goal - obs.pos);
      const [next, reward, terminated, truncated, info] = await env.step(action);
      expect(next.pos).toBe(Math.min(4, Math.max(0, obs.pos + action)));
      obs = next;
      if (next.pos === goal) {
        expect([reward, terminated, truncated, info]).toEqual([1, true, false, { reached: true }]);
        return;
      }
      expect([reward, terminated, info]).toEqual([0, false, {}]);
    }
    throw new Error('the chain never reached its goal');
  });

  it('rejects a non-integer Discrete action before sending it', async () => {
    const env = await open<unknown, number>('toy_envs:ChainEnv');
    await env.reset({ seed: 0 });
    await expect(env.step(0.5)).rejects.toThrow(/must be an integer in \{-1, \.\.\., 1\}/);
  });

  it('passes checkEnv', async () => {
    const drift = await open('toy_envs:DriftEnv', { kwargs: { max_steps: 30 } });
    const report = await checkEnv(drift, { steps: 80 });
    expect(report.stepsRun).toBe(80);
    expect(report.episodesFinished).toBeGreaterThanOrEqual(2);
    const chain = await open('toy_envs:ChainEnv');
    await expect(checkEnv(chain, { steps: 60 })).resolves.toBeDefined();
  });

  it('keeps the protocol intact when the env prints to stdout, and passes stderr text on', async () => {
    let stderr = '';
    const env = await open('toy_envs:DriftEnv', { onStderr: (text) => (stderr += text) });
    const [obs, info] = await env.reset({ seed: 5, options: { print: 'hello from python' } });
    expect(obs).toHaveLength(3);
    expect(info).toMatchObject({ seed: 5 });
    for (let i = 0; i < 500 && !stderr.includes('hello'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(stderr).toContain('hello from python');
  });

  it('makes envs from a factory function and answers pipelined calls in order', async () => {
    const env = await open('toy_envs:make_drift', { kwargs: { label: 'made' } });
    const [, info] = await env.reset({ seed: 1 });
    expect(info).toMatchObject({ label: 'made' });
    const results = await Promise.all([1, 2, 3].map(() => env.step(Float32Array.of(0))));
    expect(results.map((r) => (r[4] as unknown as DriftInfo).t)).toEqual([1, 2, 3]);
  });

  it('validates its options', async () => {
    await expect(makePythonEnv('')).rejects.toThrow(ConfigError);
    await expect(makePythonEnv('toy_envs:DriftEnv', { numEnvs: 0 })).rejects.toThrow(
      /numEnvs must be a positive integer/,
    );
    await expect(makePythonEnv('toy_envs:DriftEnv', { timeoutMs: -1 })).rejects.toThrow(/timeoutMs must be a positive/);
    await expect(makePythonEnv('toy_envs:DriftEnv', { kwargs: { big: 1n } })).rejects.toThrow(/JSON values/);
    const vectorOnly = { autoresetMode: 'same-step' } as PythonEnvOptions; // the types forbid it too
    await expect(makePythonEnv('toy_envs:DriftEnv', vectorOnly)).rejects.toThrow(/applies to vector envs only/);
  });
});

const describeWithNumpy = NUMPY_PYTHON === undefined ? describe.skip : describe;

describeWithNumpy('makePythonEnv (numpy spaces and values)', () => {
  it('hands numpy actions of the space’s dtype to the env and reads numpy results', async () => {
    const env = await makePythonEnv<Float64Array, Float32Array>('toy_envs:NumpyDriftEnv', {
      python: NUMPY_PYTHON,
      cwd: FIXTURES,
    });
    opened.push(env);
    expect(env.python.numpyVersion).toMatch(/^\d+\./);
    expect(env.observationSpace.toJSON()).toMatchObject({ dtype: 'float64', shape: [3] });
    const [obs0, info0] = await env.reset({ seed: 2 });
    expect(obs0).toBeInstanceOf(Float64Array);
    expect(obs0[0]).toBe((info0 as unknown as DriftInfo).x0); // float64 travels exactly
    const [obs, reward, terminated, truncated, info] = await env.step(Float32Array.of(0.3));
    expect(info).toMatchObject({ action_type: 'ndarray', action_dtype: 'float32', array: [0, 1, 2] });
    expect(info['action']).toBe(Math.fround(0.3));
    expect(typeof reward).toBe('number');
    expect(reward).toBeCloseTo(-Math.abs(obs[0]) - 0.01 * Math.fround(0.3) * Math.fround(0.3), 6);
    expect([terminated, truncated]).toEqual([false, false]);
    await env.close();
  });
});
