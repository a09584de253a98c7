import { EnvError } from '../../../src/core/errors.js';
import { OrderEnforcing } from '../../../src/envs/wrappers/order-enforcing.js';
import { CounterEnv } from '../helpers/toy-envs.js';

describe('OrderEnforcing', () => {
  it('rejects step before reset and any call after close', () => {
    const inner = new CounterEnv();
    const env = new OrderEnforcing(inner);
    expect(() => env.step(Float32Array.of(0))).toThrow(EnvError);
    expect(() => env.step(Float32Array.of(0))).toThrow(/before reset\(\)/);
    expect(inner.actions).toHaveLength(0);
    expect(env.resetCalled).toBe(false);
    void env.reset({ seed: 0 });
    expect(env.resetCalled).toBe(true);
    void env.step(Float32Array.of(0));
    expect(inner.actions).toHaveLength(1);
    void env.close();
    void env.close();
    expect(inner.closed).toBe(1);
    expect(() => env.step(Float32Array.of(0))).toThrow(/after close\(\)/);
    expect(() => env.reset()).toThrow(/after close\(\)/);
  });
});
