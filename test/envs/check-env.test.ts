import { ConfigError, EnvError } from '../../src/core/errors.js';
import { Box } from '../../src/core/spaces.js';
import { PendulumEnv } from '../../src/envs/classic/pendulum.js';
import { EnvCheckError, checkEnv } from '../../src/envs/check-env.js';
import type { Env } from '../../src/envs/env.js';
import { makeEnv } from '../../src/envs/index.js';
import { RescaleAction } from '../../src/envs/wrappers/rescale-action.js';
import { AsyncEnv, ChainEnv, CounterEnv, scriptedEnv, type Script } from './helpers/toy-envs.js';

async function problemsOf(
  env: Env<unknown, unknown> | Env<Float32Array, Float32Array>,
  steps = 20,
): Promise<readonly string[]> {
  try {
    await checkEnv(env as Env<unknown, unknown>, { steps });
  } catch (error) {
    expect(error).toBeInstanceOf(EnvCheckError);
    expect(error).toBeInstanceOf(EnvError);
    return (error as EnvCheckError).problems;
  }
  throw new Error('checkEnv passed but a problem was expected');
}

const broken = (script: Script) => problemsOf(scriptedEnv(script));

describe('checkEnv on valid envs', () => {
  it('passes Pendulum and warns that its actions are not in [-1, 1]', async () => {
    const report = await checkEnv(makeEnv('Pendulum-v1'), { steps: 450 });
    expect(report.stepsRun).toBe(450);
    expect(report.episodesFinished).toBe(2); // TimeLimit 200
    expect(report.warnings).toEqual([expect.stringMatching(/^actionSpace is not \[-1, 1\].*RescaleAction/)]);
  });

  it('has no warnings for a rescaled pendulum, an async env or a discrete chain', async () => {
    expect((await checkEnv(new RescaleAction(new PendulumEnv(), { min: -1, max: 1 }))).warnings).toEqual([]);
    expect((await checkEnv(new AsyncEnv(scriptedEnv()), { steps: 12 })).episodesFinished).toBe(2);
    expect((await checkEnv(new ChainEnv(), { steps: 30 })).warnings).toEqual([]);
  });

  it('warns about unbounded action spaces, float64 observations and reused observation buffers', async () => {
    const shared = new Float64Array(2);
    const env = scriptedEnv({
      observationSpace: new Box({ low: -1, high: 1, shape: [2], dtype: 'float64' }),
      actionSpace: new Box({ low: -Infinity, high: Infinity, shape: [1] }),
      reset: () => [new Float64Array(2), {}],
      step: () => [shared, 0, false, false, {}],
    });
    const { warnings } = await checkEnv(env as Env<unknown, unknown>, { steps: 5 });
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/actionSpace is unbounded/);
    expect(warnings[1]).toMatch(/dtype float64/);
    expect(warnings[2]).toMatch(/same observation object/);
  });

  it('validates its own options', async () => {
    await expect(checkEnv(new PendulumEnv(), { steps: -1 })).rejects.toThrow(ConfigError);
    await expect(checkEnv(new PendulumEnv(), { seed: 1.5 })).rejects.toThrow(/seed must be a non-negative integer/);
  });
});

describe('checkEnv on broken envs', () => {
  it('catches a reset tuple of the wrong length', async () => {
    expect(await broken({ reset: () => [Float32Array.of(0, 0)] })).toEqual([
      'reset({ seed: 0 }) must return [observation, info]; got an array of length 1 — return [obs, {}].',
    ]);
  });

  it('catches a bare observation from reset (old Gym API) and an object result', async () => {
    expect((await broken({ reset: () => Float32Array.of(0, 0) }))[0]).toMatch(
      /got Float32Array\(2\), which looks like a bare observation \(old Gym API\) — return \[obs, \{\}\]/,
    );
    expect((await broken({ reset: () => ({ observation: Float32Array.of(0, 0), info: {} }) }))[0]).toMatch(
      /got an object with keys \[observation, info\].*fromGymnasiumLike/,
    );
  });

  it('catches NaN observations from step, naming the element and the step', async () => {
    const problems = await broken({ step: (t) => [Float32Array.of(t === 3 ? Number.NaN : 0, 0), 0, false, false, {}] });
    expect(problems).toEqual([
      expect.stringMatching(
        /^step\(\) #3 returned an observation outside observationSpace: element 0 is NaN .*find where the NaN is produced/,
      ),
    ]);
  });

  it('catches observations of the wrong dtype, the wrong length, out of bounds, or as plain arrays', async () => {
    expect((await broken({ reset: () => [new Float64Array(2), {}] }))[0]).toMatch(
      /expected dtype float32, got float64 .*return Float32Array\.from\(obs\)/,
    );
    expect((await broken({ reset: () => [new Float32Array(3), {}] }))[0]).toMatch(
      /expected 2 elements .*got 3.*return 2 values per observation/,
    );
    expect((await broken({ step: () => [Float32Array.of(5, 0), 0, false, false, {}] }))[0]).toMatch(
      /^step\(\) #1 .*element 0 = 5 is outside \[-1, 1\].*clip the observation/,
    );
    expect((await broken({ reset: () => [[0, 0], {}] }))[0]).toMatch(
      /got Array \[0, 0\]\) — return a typed array: Float32Array\.from\(obs\)/,
    );
  });

  it('catches rewards that are not finite numbers and flags that are not booleans, all in one report', async () => {
    const problems = await broken({ step: () => [Float32Array.of(0, 0), '1', 0, 'no', null] });
    expect(problems).toEqual([
      'step() #1 reward must be a number; got string 1 — return Number(reward).',
      'step() #1 terminated must be a boolean; got number 0 — return terminated !== 0 (a boolean).',
      'step() #1 truncated must be a boolean; got string no — return true or false.',
      'step() #1 info must be a plain object; got null — return {} when there is nothing to report.',
    ]);
    expect((await broken({ step: () => [Float32Array.of(0, 0), Number.NaN, false, false, {}] }))[0]).toMatch(
      /reward must be finite; got NaN/,
    );
  });

  it('catches old-Gym 4-tuples from step', async () => {
    const problems = await broken({ step: () => [Float32Array.of(0, 0), 1, false, {}] });
    expect(problems[0]).toMatch(
      /got an array of length 4, which looks like the old Gym API \[obs, reward, done, info\] — return 5 elements/,
    );
  });

  it('catches a reset that ignores the seed', async () => {
    let calls = 0;
    // 3 steps: no episode ends, so the second seeded reset is the second call.
    const problems = await problemsOf(scriptedEnv({ reset: () => [Float32Array.of(0, calls++ / 4), {}] }), 3);
    expect(problems).toEqual([
      expect.stringMatching(
        /^reset\(\{ seed: 0 \}\) twice gave different first observations \(Float32Array \[0, 0\] then Float32Array \[0, 0.25\]\) — re-create the env's generator from the seed/,
      ),
    ]);
  });

  it('catches a step that draws randomness outside the seeded stream', async () => {
    let noise = 0;
    const problems = await broken({ step: (t) => [Float32Array.of(0, 0), noise++, t >= 50, false, {}] });
    expect(problems[0]).toMatch(
      /same seed and actions gave a different step #1 \(observation Float32Array \[0, 0\] vs Float32Array \[0, 0\], reward 0 vs 20\).*never from Math\.random\(\)/,
    );
  });

  it('reports a throwing step with its message', async () => {
    const problems = await broken({
      step: (t) => {
        if (t === 2) throw new RangeError('boom');
        return [Float32Array.of(0, 0), 0, false, false, {}];
      },
    });
    expect(problems).toEqual([
      'step() #2 threw RangeError: boom — it must not throw for valid inputs (a sampled action, a seed).',
    ]);
  });

  it('lists every structural problem at once: plain-object spaces and a missing close', async () => {
    const problems = await broken({
      observationSpace: { shape: [2], low: -1, high: 1 },
      actionSpace: undefined,
      close: false,
    });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/no close\(\) method — implement close\(\) \(an empty one is fine\)/);
    expect(problems[1]).toMatch(
      /^observationSpace must be a Box, Discrete or Dict .*got object with keys \[shape, low, high\]/,
    );
    expect(problems[2]).toMatch(/^actionSpace must be a Box, Discrete or Dict .*got undefined/);
  });

  it('formats the thrown message as a numbered list', async () => {
    await expect(checkEnv(scriptedEnv({ reset: () => [Float32Array.of(0, 0)] }))).rejects.toThrow(
      /^checkEnv found 1 problem:\n {2}1\. reset\(\{ seed: 0 \}\) must return/,
    );
  });

  it('checks the reset after an episode end too', async () => {
    const env = new CounterEnv({ terminateAt: 2 });
    let resets = 0;
    const original = env.reset.bind(env);
    env.reset = (o) => (++resets >= 2 ? ([Float32Array.of(0, 0)] as never) : original(o));
    expect((await problemsOf(env))[0]).toMatch(/^reset\(\) after step #2 must return \[observation, info\]/);
  });
});
