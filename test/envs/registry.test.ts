import { ConfigError, NotFoundError } from '../../src/core/errors.js';
import type { StepResult } from '../../src/envs/env.js';
import {
  closestIds,
  envSpec,
  listEnvs,
  makeEnv,
  parseEnvId,
  registerBuiltinEnvs,
  registerEnv,
  unregisterEnv,
} from '../../src/envs/registry.js';
import { OrderEnforcing } from '../../src/envs/wrappers/order-enforcing.js';
import { TimeLimit } from '../../src/envs/wrappers/time-limit.js';
import { CounterEnv } from './helpers/toy-envs.js';

const counter = (options: Record<string, unknown>) => new CounterEnv(options);

describe('env registry', () => {
  it('has Pendulum-v1 built in', () => {
    expect(listEnvs()).toContain('Pendulum-v1');
    expect(envSpec('Pendulum-v1')).toEqual({
      id: 'Pendulum-v1',
      namespace: undefined,
      name: 'Pendulum',
      version: 1,
      maxEpisodeSteps: 200,
      defaultOptions: {},
    });
  });

  it('registers, lists, describes and makes envs with merged options', () => {
    registerEnv('test/Counter-v0', counter, { maxEpisodeSteps: 5, defaultOptions: { terminateAt: 3, truncateAt: 9 } });
    expect(listEnvs('test')).toEqual(['test/Counter-v0']);
    expect(envSpec('test/Counter-v0')).toMatchObject({
      namespace: 'test',
      name: 'Counter',
      version: 0,
      maxEpisodeSteps: 5,
      defaultOptions: { terminateAt: 3, truncateAt: 9 },
    });
    const env = makeEnv('test/Counter-v0', { terminateAt: 4 });
    const inner = env.unwrapped as CounterEnv;
    expect(inner.options).toEqual({ terminateAt: 4, truncateAt: 9 });
    expect(env.spec).toEqual({ id: 'test/Counter-v0', maxEpisodeSteps: 5, options: { terminateAt: 4, truncateAt: 9 } });
  });

  it('wraps in OrderEnforcing and TimeLimit, and maxEpisodeSteps in makeEnv overrides the registration', () => {
    registerEnv('test/Long-v1', counter, { maxEpisodeSteps: 100 });
    const env = makeEnv<Float32Array, Float32Array>('test/Long-v1', { maxEpisodeSteps: 2 });
    expect(env).toBeInstanceOf(TimeLimit);
    expect((env as TimeLimit).maxEpisodeSteps).toBe(2);
    expect((env as TimeLimit).env).toBeInstanceOf(OrderEnforcing);
    expect((env.unwrapped as CounterEnv).options).toEqual({}); // maxEpisodeSteps is not passed to the factory
    expect(() => env.step(Float32Array.of(0))).toThrow(/before reset/);
    void env.reset({ seed: 0 });
    expect((env.step(Float32Array.of(0)) as StepResult<Float32Array>)[3]).toBe(false);
    expect((env.step(Float32Array.of(0)) as StepResult<Float32Array>)[3]).toBe(true);

    registerEnv('test/Unlimited-v0', counter);
    const free = makeEnv('test/Unlimited-v0');
    expect(free).toBeInstanceOf(OrderEnforcing);
    expect(free.spec?.maxEpisodeSteps).toBeUndefined();
    expect(() => makeEnv('test/Long-v1', { maxEpisodeSteps: -3 })).toThrow(/positive integer/);
  });

  it('rejects duplicates unless override is set', () => {
    registerEnv('test/Dup-v0', counter, { maxEpisodeSteps: 1 });
    expect(() => registerEnv('test/Dup-v0', counter)).toThrow(ConfigError);
    expect(() => registerEnv('test/Dup-v0', counter)).toThrow(
      /already registered as "test\/Dup-v0".*override: true.*"test\/Dup-v1"/,
    );
    registerEnv('test/Dup-v0', counter, { maxEpisodeSteps: 7, override: true });
    expect(envSpec('test/Dup-v0').maxEpisodeSteps).toBe(7);
  });

  it.each([
    'Pendulum',
    'Pendulum-1',
    'Pendulum-v',
    'Pendulum-v01',
    '/Pendulum-v1',
    'a/b/C-v1',
    'Pend ulum-v1',
    '-v1',
    '',
  ])('rejects the malformed id %j', (id) => {
    expect(() => registerEnv(id, counter)).toThrow(ConfigError);
    expect(() => registerEnv(id, counter)).toThrow(/expected "Name-vN" or "namespace\/Name-vN"/);
  });

  it('parses well-formed ids', () => {
    expect(parseEnvId('metaworld/pick-place-v3')).toEqual({ namespace: 'metaworld', name: 'pick-place', version: 3 });
    expect(parseEnvId('hopper-medium-v2')).toEqual({ namespace: undefined, name: 'hopper-medium', version: 2 });
    expect(parseEnvId('ALE/Pong-v5')).toEqual({ namespace: 'ALE', name: 'Pong', version: 5 });
  });

  it('validates the registration arguments', () => {
    expect(() => registerEnv('test/Bad-v0', 'nope' as never)).toThrow(/factory function/);
    expect(() => registerEnv('test/Bad-v0', counter, { maxEpisodeSteps: 0 })).toThrow(/positive integer/);
    expect(() => registerEnv('test/Bad-v0', counter, { defaultOptions: [] as never })).toThrow(/plain object/);
    expect(() => registerEnv('test/Bad-v0', counter, { defaultOptions: { maxEpisodeSteps: 3 } })).toThrow(
      /not in defaultOptions/,
    );
    expect(listEnvs()).not.toContain('test/Bad-v0');
  });

  it('throws NotFoundError with the closest ids for unknown ids', () => {
    expect(() => makeEnv('Pendulum-v0')).toThrow(NotFoundError);
    expect(() => makeEnv('Pendulum-v0')).toThrow(
      /No env is registered as "Pendulum-v0"\. Did you mean "Pendulum-v1"\?/,
    );
    expect(() => makeEnv('pendulum-v1')).toThrow(/Did you mean "Pendulum-v1"/);
    expect(() => envSpec('Pendulm-v1')).toThrow(/Did you mean "Pendulum-v1"/);
    expect(() => makeEnv('CompletelyDifferentThing-v9')).toThrow(
      /^No env is registered as "CompletelyDifferentThing-v9"\. listEnvs\(\)/,
    );
  });

  it('ranks suggestions: same name first, then edit distance, at most three', () => {
    const ids = ['Walker-v1', 'Walker-v2', 'Hopper-v1', 'Walken-v1', 'Ant-v4'];
    expect(closestIds('Walker-v3', ids)).toEqual(['Walker-v1', 'Walker-v2', 'Walken-v1']);
    expect(closestIds('Hoper-v1', ids)).toEqual(['Hopper-v1']);
    expect(closestIds('zzzzzzz-v9', ids)).toEqual([]);
    // another version of the same name beats a closer spelling
    expect(closestIds('Walker-v3', ['Walken-v3', 'Walker-v12'])).toEqual(['Walker-v12', 'Walken-v3']);
  });

  it('rejects factories that do not return an env synchronously', () => {
    registerEnv('test/Broken-v0', () => ({ reset() {} }) as never);
    expect(() => makeEnv('test/Broken-v0')).toThrow(/makeEnv\("test\/Broken-v0"\) needs an env with step\(\)/);
    registerEnv('test/Promise-v0', (() => Promise.resolve(new CounterEnv())) as never);
    expect(() => makeEnv('test/Promise-v0')).toThrow(/returned a promise/);
  });

  it('unregisters and restores built-ins', () => {
    expect(unregisterEnv('Pendulum-v1')).toBe(true);
    expect(unregisterEnv('Pendulum-v1')).toBe(false);
    expect(() => makeEnv('Pendulum-v1')).toThrow(NotFoundError);
    registerBuiltinEnvs();
    expect(makeEnv('Pendulum-v1').spec?.maxEpisodeSteps).toBe(200);
  });
});
