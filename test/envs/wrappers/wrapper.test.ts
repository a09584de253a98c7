import type { StepResult } from '../../../src/envs/env.js';
import { ConfigError } from '../../../src/core/errors.js';
import { Wrapper } from '../../../src/envs/wrappers/wrapper.js';
import { TimeLimit } from '../../../src/envs/wrappers/time-limit.js';
import { AsyncEnv, CounterEnv } from '../helpers/toy-envs.js';

describe('Wrapper', () => {
  it('forwards spaces, reset, step and close, staying synchronous around a sync env', () => {
    const inner = new CounterEnv();
    const env = new Wrapper(inner);
    expect(env.observationSpace).toBe(inner.observationSpace);
    expect(env.actionSpace).toBe(inner.actionSpace);
    const reset = env.reset({ seed: 3 });
    expect(reset).not.toBeInstanceOf(Promise);
    const step = env.step(Float32Array.of(0.5));
    expect(step).not.toBeInstanceOf(Promise);
    expect((step as StepResult<Float32Array>)[1]).toBe(1.5);
    expect(env.close()).toBeUndefined();
    expect(inner.closed).toBe(1);
  });

  it('returns promises around an async env', async () => {
    const env = new Wrapper(new AsyncEnv(new CounterEnv()));
    const reset = env.reset({ seed: 0 });
    expect(reset).toBeInstanceOf(Promise);
    await reset;
    const step = env.step(Float32Array.of(0));
    expect(step).toBeInstanceOf(Promise);
    expect((await step)[4]).toEqual({ t: 1 });
    await env.close();
  });

  it('exposes the innermost env and lets the spec be set on the wrapper', () => {
    const inner = new CounterEnv();
    const env = new TimeLimit(new Wrapper(inner), { maxEpisodeSteps: 3 });
    expect(env.unwrapped).toBe(inner);
    expect(env.spec).toBeUndefined();
    env.spec = { id: 'Counter-v0' };
    expect(env.spec).toEqual({ id: 'Counter-v0' });
  });

  it('rejects objects that are not envs, naming what is missing', () => {
    expect(() => new Wrapper({ reset() {} } as never)).toThrow(ConfigError);
    expect(() => new Wrapper({ reset() {} } as never)).toThrow(/step\(\), observationSpace, actionSpace/);
    expect(() => new Wrapper(null as never)).toThrow(/needs an env object, got null/);
  });
});
