import type { StepResult } from '../../../src/envs/env.js';
import { ConfigError, ShapeError } from '../../../src/core/errors.js';
import { Box } from '../../../src/core/spaces.js';
import { PendulumEnv } from '../../../src/envs/classic/pendulum.js';
import { RescaleAction } from '../../../src/envs/wrappers/rescale-action.js';
import { CounterEnv } from '../helpers/toy-envs.js';

function withBounds(low: number[], high: number[], dtype: 'float32' | 'float64' | 'int32' = 'float32'): CounterEnv {
  const inner = new CounterEnv();
  (inner as { actionSpace: Box<'float32' | 'float64' | 'int32'> }).actionSpace = new Box({ low, high, dtype });
  return inner;
}

describe('RescaleAction', () => {
  it('maps [-1, 1] affinely onto the inner bounds, per element', () => {
    const inner = withBounds([-2, 0], [2, 10]);
    const env = new RescaleAction(inner, { min: -1, max: 1 });
    expect(Array.from(env.rescale([-1, -1]))).toEqual([-2, 0]);
    expect(Array.from(env.rescale([1, 1]))).toEqual([2, 10]);
    expect(Array.from(env.rescale([0, 0]))).toEqual([0, 5]);
    expect(Array.from(env.rescale([0.5, -0.5]))).toEqual([1, 2.5]);
    void env.reset();
    void env.step(Float32Array.of(0.25, 0.75));
    expect(Array.from(inner.actions[0])).toEqual([0.5, 8.75]);
  });

  it('supports per-element agent ranges and maps outside values linearly (no clipping)', () => {
    const env = new RescaleAction(withBounds([0, 0], [1, 1]), { min: [0, -10], max: [4, 10] });
    expect(Array.from(env.rescale([1, 5]))).toEqual([0.25, 0.75]);
    expect(Array.from(env.rescale([8, -20]))).toEqual([2, -0.5]);
  });

  it('exposes Box(min, max) and drives the pendulum with torque 2 * a', () => {
    const pendulum = new PendulumEnv();
    const env = new RescaleAction(pendulum, { min: -1, max: 1 });
    const space = env.actionSpace as Box;
    expect([space.low[0], space.high[0], space.dtype]).toEqual([-1, 1, 'float32']);
    pendulum.reset({ seed: 0 });
    pendulum.setState(0, 0);
    const [, reward] = env.step(Float32Array.of(0.5)) as StepResult<Float32Array>;
    expect(reward).toBeCloseTo(-0.001, 12); // torque 1 -> cost 0.001 * 1^2 from the upright rest state
    expect(pendulum.state![1]).toBeCloseTo(3 * 1 * 0.05, 12);
  });

  it('rejects unbounded or integer inner spaces and bad ranges', () => {
    expect(() => new RescaleAction(withBounds([-Infinity], [1]), { min: -1, max: 1 })).toThrow(/finite action bounds/);
    expect(() => new RescaleAction(withBounds([0], [3], 'int32'), { min: -1, max: 1 })).toThrow(/float32 or float64/);
    expect(() => new RescaleAction(withBounds([0], [1]), { min: 1, max: 1 })).toThrow(/min < max/);
    expect(() => new RescaleAction(withBounds([0, 0], [1, 1]), { min: [-1], max: 1 })).toThrow(ConfigError);
    expect(() => new RescaleAction(withBounds([0], [1]), { min: -Infinity, max: 1 })).toThrow(/finite/);
    const env = new RescaleAction(withBounds([0], [1]), { min: -1, max: 1 });
    expect(() => env.rescale([1, 2])).toThrow(ShapeError);
  });
});
