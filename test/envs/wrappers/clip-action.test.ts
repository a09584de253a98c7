import { ConfigError, ShapeError } from '../../../src/core/errors.js';
import { Box } from '../../../src/core/spaces.js';
import { ClipAction } from '../../../src/envs/wrappers/clip-action.js';
import { ChainEnv, CounterEnv } from '../helpers/toy-envs.js';

describe('ClipAction', () => {
  it('clips each element into the inner bounds before stepping, without touching the caller array', () => {
    const inner = new CounterEnv();
    (inner as { actionSpace: Box }).actionSpace = new Box({ low: [-1, 0, -5], high: [1, 2, 5] });
    const env = new ClipAction(inner);
    void env.reset({ seed: 0 });
    const action = Float32Array.of(3, -4, 0.25);
    void env.step(action);
    expect(Array.from(inner.actions[0])).toEqual([1, 0, 0.25]);
    expect(Array.from(action)).toEqual([3, -4, 0.25]);
    expect(env.clip([-2, 1.5, 9])).toEqual(Float32Array.of(-1, 1.5, 5));
  });

  it('exposes an unbounded action space of the same shape and dtype', () => {
    const env = new ClipAction(new CounterEnv());
    const space = env.actionSpace as Box;
    expect(space.shape).toEqual([1]);
    expect(space.dtype).toBe('float32');
    expect(space.isBounded()).toBe(false);
    expect(space.contains(Float32Array.of(100))).toBe(true);
  });

  it('rejects non-Box action spaces and wrongly sized actions', () => {
    expect(() => new ClipAction(new ChainEnv() as never)).toThrow(ConfigError);
    expect(() => new ClipAction(new ChainEnv() as never)).toThrow(/needs a Box action space, got a discrete space/);
    const env = new ClipAction(new CounterEnv());
    void env.reset();
    expect(() => env.step(Float32Array.of(1, 2))).toThrow(ShapeError);
  });
});
