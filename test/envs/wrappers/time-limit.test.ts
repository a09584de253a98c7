import { ConfigError, EnvError } from '../../../src/core/errors.js';
import type { StepResult } from '../../../src/envs/env.js';
import { TimeLimit } from '../../../src/envs/wrappers/time-limit.js';
import { AsyncEnv, CounterEnv } from '../helpers/toy-envs.js';

const a0 = Float32Array.of(0);

describe('TimeLimit', () => {
  it('truncates at exactly maxEpisodeSteps and not before, leaving everything else untouched', () => {
    const inner = new CounterEnv();
    const env = new TimeLimit(inner, { maxEpisodeSteps: 4 });
    void env.reset({ seed: 0 });
    const flags: boolean[] = [];
    for (let t = 1; t <= 4; t++) {
      const [obs, reward, terminated, truncated, info] = env.step(a0) as StepResult<Float32Array>;
      flags.push(truncated);
      expect(obs[0]).toBe(t);
      expect(reward).toBe(t);
      expect(terminated).toBe(false);
      expect(info).toEqual({ t });
      expect(env.elapsedSteps).toBe(t);
    }
    expect(flags).toEqual([false, false, false, true]);
  });

  it('restarts the count on reset', () => {
    const env = new TimeLimit(new CounterEnv(), { maxEpisodeSteps: 2 });
    void env.reset({ seed: 0 });
    void env.step(a0);
    void env.reset();
    expect(env.elapsedSteps).toBe(0);
    expect((env.step(a0) as StepResult<Float32Array>)[3]).toBe(false);
    expect((env.step(a0) as StepResult<Float32Array>)[3]).toBe(true);
  });

  it('passes the inner info object through by reference', () => {
    const info = { keep: 'me' };
    const inner = new CounterEnv();
    inner.step = () => [Float32Array.of(1, 0), 0, false, false, info];
    const env = new TimeLimit(inner, { maxEpisodeSteps: 1 });
    void env.reset();
    const result = env.step(a0) as StepResult<Float32Array>;
    expect(result[4]).toBe(info);
    expect(info).toEqual({ keep: 'me' });
  });

  it('keeps terminated and reports both flags when the env ends on the last step', () => {
    const env = new TimeLimit(new CounterEnv({ terminateAt: 3 }), { maxEpisodeSteps: 3 });
    void env.reset({ seed: 0 });
    void env.step(a0);
    void env.step(a0);
    const [, , terminated, truncated] = env.step(a0) as StepResult<Float32Array>;
    expect([terminated, truncated]).toEqual([true, true]);
  });

  it('works around an async env', async () => {
    const env = new TimeLimit(new AsyncEnv(new CounterEnv()), { maxEpisodeSteps: 2 });
    await env.reset({ seed: 0 });
    expect((await env.step(a0))[3]).toBe(false);
    expect((await env.step(a0))[3]).toBe(true);
  });

  it('rejects a bad limit and stepping before reset', () => {
    expect(() => new TimeLimit(new CounterEnv(), { maxEpisodeSteps: 0 })).toThrow(ConfigError);
    expect(() => new TimeLimit(new CounterEnv(), { maxEpisodeSteps: 2.5 })).toThrow(/positive integer, got 2.5/);
    expect(() => new TimeLimit(new CounterEnv(), { maxEpisodeSteps: 3 }).step(a0)).toThrow(EnvError);
  });
});
