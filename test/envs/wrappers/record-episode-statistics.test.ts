import { ConfigError, EnvError } from '../../../src/core/errors.js';
import type { StepResult } from '../../../src/envs/env.js';
import { RecordEpisodeStatistics } from '../../../src/envs/wrappers/record-episode-statistics.js';
import { AsyncEnv, CounterEnv } from '../helpers/toy-envs.js';

describe('RecordEpisodeStatistics', () => {
  it('adds { r, l, t } on the last step only, with the right numbers', () => {
    let clock = 1000;
    const env = new RecordEpisodeStatistics(new CounterEnv({ terminateAt: 3 }), { now: () => clock });
    void env.reset({ seed: 0 });
    const infos: object[] = [];
    for (let t = 0; t < 3; t++) {
      clock += 250.0004; // ms
      infos.push((env.step(Float32Array.of(0.5)) as StepResult<Float32Array>)[4]);
    }
    expect(infos[0]).toEqual({ t: 1 });
    expect(infos[1]).toEqual({ t: 2 });
    // rewards are t + 0.5 for t = 1, 2, 3 -> 7.5; 3 * 250.0004 ms = 0.7500012 s
    expect(infos[2]).toEqual({ t: 3, episode: { r: 7.5, l: 3, t: 0.750001 } });
    expect(env.returnQueue).toEqual([7.5]);
    expect(env.lengthQueue).toEqual([3]);
    expect(env.timeQueue).toEqual([0.750001]);
    expect(env.episodeCount).toBe(1);
  });

  it('counts a truncation as an episode end, restarts on reset and bounds the queues', () => {
    const env = new RecordEpisodeStatistics(new CounterEnv({ truncateAt: 2 }), { bufferLength: 2, now: () => 0 });
    const returns: number[] = [];
    for (let ep = 0; ep < 3; ep++) {
      void env.reset({ seed: ep });
      void env.step(Float32Array.of(ep));
      const info = (env.step(Float32Array.of(0)) as StepResult<Float32Array>)[4] as {
        episode: { r: number; l: number };
      };
      returns.push(info.episode.r);
      expect(info.episode.l).toBe(2);
    }
    // episode ep: (1 + ep) + 2
    expect(returns).toEqual([3, 4, 5]);
    expect(env.returnQueue).toEqual([4, 5]);
    expect(env.episodeCount).toBe(3);
  });

  it('does not mutate the inner info object', () => {
    const inner = new CounterEnv();
    const info = { x: 1 };
    inner.step = () => [Float32Array.of(0, 0), 2, true, false, info];
    const env = new RecordEpisodeStatistics(inner, { now: () => 0 });
    void env.reset();
    const out = (env.step(Float32Array.of(0)) as StepResult<Float32Array>)[4];
    expect(out).toEqual({ x: 1, episode: { r: 2, l: 1, t: 0 } });
    expect(info).toEqual({ x: 1 });
  });

  it('works around an async env', async () => {
    const env = new RecordEpisodeStatistics(new AsyncEnv(new CounterEnv({ terminateAt: 2 })), { now: () => 0 });
    await env.reset({ seed: 0 });
    await env.step(Float32Array.of(0));
    const [, , , , info] = await env.step(Float32Array.of(0));
    expect(info['episode']).toEqual({ r: 3, l: 2, t: 0 });
  });

  it('rejects misuse', () => {
    expect(() => new RecordEpisodeStatistics(new CounterEnv(), { bufferLength: 0 })).toThrow(ConfigError);
    expect(() => new RecordEpisodeStatistics(new CounterEnv()).step(Float32Array.of(0))).toThrow(EnvError);
    const inner = new CounterEnv();
    inner.step = () => [Float32Array.of(0, 0), 0, true, false, { episode: 'mine' }];
    const env = new RecordEpisodeStatistics(inner);
    void env.reset();
    expect(() => env.step(Float32Array.of(0))).toThrow(/info.episode already set/);
  });
});
