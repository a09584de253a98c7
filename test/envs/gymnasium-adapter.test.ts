import { ConfigError, EnvError } from '../../src/core/errors.js';
import { Box, Dict, Discrete } from '../../src/core/spaces.js';
import { checkEnv } from '../../src/envs/check-env.js';
import type { ResetResult, StepResult } from '../../src/envs/env.js';
import { fromGymnasiumLike, type GymnasiumLike } from '../../src/envs/gymnasium-adapter.js';

/** A JS "port" of a 1-d walk: position in [-5, 5], action n=3 (left/stay/right), ends at +3. */
function walk(style: 'tuple' | 'object' | 'legacy-tuple' | 'legacy-object', extra: Partial<GymnasiumLike> = {}) {
  let x = 0;
  const calls: unknown[] = [];
  const obj = {
    observation_space: { shape: [1], low: -5, high: 5, dtype: 'float32' },
    action_space: { n: 3 },
    metadata: { render_modes: ['ansi'], render_fps: 4 },
    closed: false,
    reset(args?: { seed?: number }) {
      calls.push(args);
      x = args?.seed !== undefined ? args.seed % 2 : 0;
      return style === 'tuple' || style === 'legacy-tuple' ? [[x], { start: x }] : { obs: [x], info: { start: x } };
    },
    step(action: number) {
      x += action - 1;
      const end = x >= 3;
      switch (style) {
        case 'tuple':
          return [[x], x, end, false, { x }];
        case 'object':
          return { observation: [x], reward: x, terminated: end, truncated: false, info: { x } };
        case 'legacy-tuple':
          return [[x], x, end, { x }];
        case 'legacy-object':
          return { observation: [x], reward: x, done: end, info: { x } };
      }
    },
    close() {
      this.closed = true;
    },
    ...extra,
  };
  return { obj, calls };
}

describe('fromGymnasiumLike', () => {
  it('adapts tuple results, plain spaces and number-array observations', () => {
    const { obj, calls } = walk('tuple');
    const env = fromGymnasiumLike<Float32Array, number>(obj);
    expect(env.observationSpace).toBeInstanceOf(Box);
    expect((env.observationSpace as Box).dtype).toBe('float32');
    expect(env.actionSpace).toEqual(new Discrete(3));
    expect(env.metadata).toEqual({ renderModes: ['ansi'], renderFps: 4 });
    const [obs, info] = env.reset({ seed: 5 }) as ResetResult<Float32Array>;
    expect(calls).toEqual([{ seed: 5 }]);
    expect(obs).toEqual(Float32Array.of(1));
    expect(info).toEqual({ start: 1 });
    const step = env.step(2) as StepResult<Float32Array>;
    expect(step).toEqual([Float32Array.of(2), 2, false, false, { x: 2 }]);
    expect((env.step(2) as StepResult<Float32Array>).slice(1, 4)).toEqual([3, true, false]);
    void env.close();
    expect(obj.closed).toBe(true);
  });

  it('adapts the object-returning variant with obs or observation keys', () => {
    const env = fromGymnasiumLike<Float32Array, number>(walk('object').obj);
    expect(env.reset({ seed: 0 })).toEqual([Float32Array.of(0), { start: 0 }]);
    expect(env.step(0)).toEqual([Float32Array.of(-1), -1, false, false, { x: -1 }]);
  });

  it('stays synchronous for sync objects and returns promises for async ones', async () => {
    const sync = fromGymnasiumLike(walk('tuple').obj);
    expect(sync.reset()).not.toBeInstanceOf(Promise);
    const { obj } = walk('object');
    const asyncObj = {
      ...obj,
      reset: async (args?: { seed?: number }) => obj.reset(args),
      step: async (a: number) => obj.step(a),
    };
    const env = fromGymnasiumLike<Float32Array, number>(asyncObj);
    const reset = env.reset({ seed: 1 });
    expect(reset).toBeInstanceOf(Promise);
    expect(await reset).toEqual([Float32Array.of(1), { start: 1 }]);
    expect(await env.step(2)).toEqual([Float32Array.of(2), 2, false, false, { x: 2 }]);
    const report = await checkEnv(env, { steps: 20 });
    expect(report.warnings).toEqual([]);
    expect(report.stepsRun).toBe(20);
  });

  it('accepts old-Gym done only when it is unambiguous', () => {
    const env = fromGymnasiumLike<Float32Array, number>(walk('legacy-tuple').obj);
    void env.reset({ seed: 0 });
    expect(env.step(2)).toEqual([Float32Array.of(1), 1, false, false, { x: 1 }]); // done = false
    void env.step(2);
    expect(() => env.step(2)).toThrow(EnvError);
    void env.reset({ seed: 0 });
    void env.step(2);
    void env.step(2);
    expect(() => env.step(2)).toThrow(
      /done = true without a boolean info\['TimeLimit.truncated'\].*terminated means the episode reached a terminal state.*legacyDone: 'terminated'/,
    );
  });

  it("maps done with info['TimeLimit.truncated'] and with a declared legacyDone", () => {
    const cut = (truncatedFlag: boolean) =>
      fromGymnasiumLike<Float32Array, number>({
        observation_space: { shape: [1], low: -5, high: 5 },
        action_space: { n: 3 },
        reset: () => [[0], {}],
        step: () => ({ obs: [0], reward: 0, done: true, info: { 'TimeLimit.truncated': truncatedFlag } }),
      });
    const a = cut(true);
    void a.reset();
    expect((a.step(0) as StepResult<Float32Array>).slice(2, 4)).toEqual([false, true]);
    const b = cut(false);
    void b.reset();
    expect((b.step(0) as StepResult<Float32Array>).slice(2, 4)).toEqual([true, false]);

    const term = fromGymnasiumLike<Float32Array, number>(walk('legacy-object').obj, { legacyDone: 'terminated' });
    void term.reset({ seed: 0 });
    void term.step(2);
    void term.step(2);
    expect((term.step(2) as StepResult<Float32Array>).slice(2, 4)).toEqual([true, false]);
    const trunc = fromGymnasiumLike<Float32Array, number>(walk('legacy-object').obj, { legacyDone: 'truncated' });
    void trunc.reset({ seed: 0 });
    void trunc.step(2);
    void trunc.step(2);
    expect((trunc.step(2) as StepResult<Float32Array>).slice(2, 4)).toEqual([false, true]);
  });

  it('converts nested arrays, Dict spaces and 0/1 flags, and can hand actions over as plain arrays', () => {
    const received: unknown[] = [];
    const env = fromGymnasiumLike<{ image: Int32Array; pos: Float32Array }, Float64Array>(
      {
        observationSpace: {
          spaces: { image: { low: 0, high: 255, shape: [2, 2], dtype: 'uint8' }, pos: { low: [-1, -1], high: [1, 1] } },
        },
        actionSpace: { low: [[-1, -1]], high: [[1, 1]], dtype: 'float64' },
        reset: () => ({
          observation: {
            image: [
              [1, 2],
              [3, 4],
            ],
            pos: [0.5, -0.5],
          },
          info: undefined,
        }),
        step: (a: unknown) => {
          received.push(a);
          return [{ image: Uint8Array.of(9, 8, 7, 6), pos: [0, 0] }, 1, 1, 0, {}];
        },
      },
      { actionFormat: 'array' },
    );
    expect(env.observationSpace).toBeInstanceOf(Dict);
    expect((env.actionSpace as Box<'float64'>).shape).toEqual([1, 2]);
    const [obs, info] = env.reset() as ResetResult<{ image: Int32Array; pos: Float32Array }>;
    expect(obs.image).toEqual(Int32Array.of(1, 2, 3, 4));
    expect(obs.pos).toEqual(Float32Array.of(0.5, -0.5));
    expect(info).toEqual({});
    const [next, , terminated, truncated] = env.step(Float64Array.of(0.25, -1)) as StepResult<{ image: Int32Array }>;
    expect(next.image).toEqual(Int32Array.of(9, 8, 7, 6));
    expect([terminated, truncated]).toEqual([true, false]);
    expect(received).toEqual([[0.25, -1]]);
    expect(Array.isArray(received[0])).toBe(true);
  });

  it('tells a Dict observation that has an "observation" key apart from an object result', () => {
    const env = fromGymnasiumLike({
      observationSpace: {
        spaces: { observation: { low: -1, high: 1, shape: [1] }, goal: { low: -1, high: 1, shape: [1] } },
      },
      actionSpace: { n: 2 },
      reset: () => ({ observation: [0.5], goal: [0.1] }),
      step: () => [{ observation: [0], goal: [0] }, 0, false, false, {}],
    });
    expect(() => env.reset()).toThrow(
      /expected \[observation, info\] or \{ observation, info \}.*return \[obs, \{\}\]/,
    );
  });

  it('rejects malformed results with EnvError and malformed objects with ConfigError', () => {
    const base = { observation_space: { shape: [1], low: -1, high: 1 }, action_space: { n: 2 } };
    const make = (reset: () => unknown, step: () => unknown) => fromGymnasiumLike({ ...base, reset, step });
    expect(() =>
      make(
        () => [[0, 0], {}],
        () => null,
      ).reset(),
    ).toThrow(/has 2 values but the Box space has shape \[1\]/);
    expect(() =>
      make(
        () => [['a'], {}],
        () => null,
      ).reset(),
    ).toThrow(/holds string a where a number was expected/);
    const env = make(
      () => [[0], {}],
      () => [[0], 'high', false, false, {}],
    );
    void env.reset();
    expect(() => env.step(0)).toThrow(/reward must be a number, got string high/);
    expect(() =>
      make(
        () => [[0], {}],
        () => [[0], 0, 'yes', false, {}],
      ).step(0),
    ).toThrow(/terminated must be a boolean \(or 0\/1\)/);
    expect(() =>
      make(
        () => [[0], {}],
        () => ({ observation: [0], reward: 0, info: {} }),
      ).step(0),
    ).toThrow(/without terminated\/truncated/);
    expect(() =>
      make(
        () => [[0], {}],
        () => ({ observation: [0], reward: 0, done: true, terminated: true }),
      ).step(0),
    ).toThrow(/done together with terminated/);
    expect(() =>
      make(
        () => [[0], {}],
        () => [[0], 0],
      ).step(0),
    ).toThrow(/expected \[observation, reward, terminated, truncated, info\]/);
    expect(() =>
      make(
        () => [[0], []],
        () => null,
      ).reset(),
    ).toThrow(EnvError);

    expect(() => fromGymnasiumLike({ reset: () => null } as never)).toThrow(/lacks step/);
    expect(() => fromGymnasiumLike({ reset: () => null, step: () => null, action_space: { n: 2 } })).toThrow(
      /could not find the observation space/,
    );
    expect(() =>
      fromGymnasiumLike({ ...base, reset: () => null, step: () => null }, { legacyDone: 'maybe' as never }),
    ).toThrow(ConfigError);
    expect(() =>
      fromGymnasiumLike({ ...base, reset: () => null, step: () => null }, { actionSpace: { foo: 1 } as never }),
    ).toThrow(/not a recognised space/);
    expect(() =>
      make(
        () => [[0], {}],
        () => null,
      ).reset({ seed: -2 }),
    ).toThrow(ConfigError);
  });

  it('prefers spaces given in the options and accepts core spaces unchanged', () => {
    const space = new Box({ low: -2, high: 2, shape: [1] });
    const env = fromGymnasiumLike(
      {
        observationSpace: { shape: [9], low: 0, high: 1 },
        action_space: { n: 2 },
        reset: () => [[0], {}],
        step: () => null,
      },
      { observationSpace: space },
    );
    expect(env.observationSpace).toBe(space);
  });
});
