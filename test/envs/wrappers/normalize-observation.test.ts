import { ConfigError, ShapeError } from '../../../src/core/errors.js';
import { Rng } from '../../../src/core/rng.js';
import { Box } from '../../../src/core/spaces.js';
import type { Env, ResetResult, StepResult } from '../../../src/envs/env.js';
import { NormalizeObservation } from '../../../src/envs/wrappers/normalize-observation.js';
import { AsyncEnv, ChainEnv } from '../helpers/toy-envs.js';

/** Emits observations [x, 10 + 0.5 y] with x, y ~ N(0, 1) from a fixed stream; x is scaled to N(3, 2^2). */
class GaussianEnv implements Env<Float32Array, Float32Array> {
  readonly observationSpace = new Box({ low: -Infinity, high: Infinity, shape: [2] });
  readonly actionSpace = new Box({ low: -1, high: 1, shape: [1] });
  readonly emitted: number[][] = [];
  private rng = new Rng(123);
  private next(): Float32Array {
    const obs = Float32Array.of(3 + 2 * this.rng.normal(), 10 + 0.5 * this.rng.normal());
    this.emitted.push(Array.from(obs));
    return obs;
  }
  reset(): ResetResult<Float32Array> {
    return [this.next(), {}];
  }
  step(): StepResult<Float32Array> {
    return [this.next(), 0, false, false, {}];
  }
  close(): void {}
}

function twoPass(rows: number[][], k: number): { mean: number; variance: number } {
  const mean = rows.reduce((s, r) => s + r[k], 0) / rows.length;
  const variance = rows.reduce((s, r) => s + (r[k] - mean) ** 2, 0) / rows.length;
  return { mean, variance };
}

describe('NormalizeObservation', () => {
  it('keeps Welford statistics equal to the two-pass mean and population variance', () => {
    const inner = new GaussianEnv();
    const env = new NormalizeObservation(inner);
    void env.reset();
    for (let t = 0; t < 999; t++) void env.step(Float32Array.of(0));
    const stats = env.getStats();
    expect(stats.count).toBe(1000);
    for (const k of [0, 1]) {
      const ref = twoPass(inner.emitted, k);
      expect(stats.mean[k]).toBeCloseTo(ref.mean, 10);
      expect(stats.variance[k]).toBeCloseTo(ref.variance, 10);
    }
    expect(stats.mean[0]).toBeCloseTo(3, 0);
    expect(Math.sqrt(stats.variance[0])).toBeCloseTo(2, 0);
  });

  it('normalises the stream to mean 0 and variance 1 once the statistics settle', () => {
    const env = new NormalizeObservation(new GaussianEnv());
    void env.reset();
    const late: number[][] = [];
    for (let t = 0; t < 6000; t++) {
      const [obs] = env.step(Float32Array.of(0)) as StepResult<Float32Array>;
      expect(obs).toBeInstanceOf(Float32Array);
      if (t >= 3000) late.push(Array.from(obs));
    }
    for (const k of [0, 1]) {
      const { mean, variance } = twoPass(late, k);
      expect(Math.abs(mean)).toBeLessThan(0.05);
      expect(Math.abs(variance - 1)).toBeLessThan(0.08);
    }
  });

  it('computes (x - mean) / sqrt(var + 1e-8) with the updated statistics', () => {
    const inner = new GaussianEnv();
    const env = new NormalizeObservation(inner);
    const [first] = env.reset() as ResetResult<Float32Array>;
    expect(Array.from(first)).toEqual([0, 0]); // one sample: mean = x, var = 0
    const [second] = env.step(Float32Array.of(0)) as StepResult<Float32Array>;
    const [a, b] = inner.emitted.map((r) => r[0]);
    const mean = (a + b) / 2;
    const variance = ((a - mean) ** 2 + (b - mean) ** 2) / 2;
    expect(second[0]).toBeCloseTo((b - mean) / Math.sqrt(variance + 1e-8), 5);
    expect(env.epsilon).toBe(1e-8);
  });

  it('stops updating when frozen and resumes when unfrozen', () => {
    const env = new NormalizeObservation(new GaussianEnv());
    void env.reset();
    for (let t = 0; t < 50; t++) void env.step(Float32Array.of(0));
    env.freeze();
    expect(env.update).toBe(false);
    const frozen = env.getStats();
    const [obs] = env.step(Float32Array.of(0)) as StepResult<Float32Array>;
    for (let t = 0; t < 20; t++) void env.step(Float32Array.of(0));
    expect(env.getStats()).toEqual(frozen);
    const raw = (env.env as GaussianEnv).emitted[51];
    expect(obs[0]).toBeCloseTo((raw[0] - frozen.mean[0]) / Math.sqrt(frozen.variance[0] + 1e-8), 5);
    env.unfreeze();
    void env.step(Float32Array.of(0));
    expect(env.getStats().count).toBe(52);
  });

  it('round-trips statistics for checkpoints and evaluation envs', () => {
    const train = new NormalizeObservation(new GaussianEnv());
    void train.reset();
    for (let t = 0; t < 30; t++) void train.step(Float32Array.of(0));
    const evaluation = new NormalizeObservation(new GaussianEnv(), { update: false });
    evaluation.setStats(train.getStats());
    expect(evaluation.getStats()).toEqual(train.getStats());
    const before = evaluation.getStats();
    void evaluation.reset();
    expect(evaluation.getStats()).toEqual(before);
    // getStats returns copies
    train.getStats().mean[0] = 1e9;
    expect(train.getStats().mean[0]).not.toBe(1e9);
    expect(() => train.setStats({ mean: new Float64Array(3), variance: new Float64Array(3), count: 1 })).toThrow(
      ShapeError,
    );
    expect(() => train.setStats({ mean: new Float64Array(2), variance: Float64Array.of(-1, 1), count: 1 })).toThrow(
      ConfigError,
    );
    expect(() => train.setStats({ mean: new Float64Array(2), variance: new Float64Array(2), count: -1 })).toThrow(
      ConfigError,
    );
  });

  it('exposes an unbounded space, works around async envs and rejects non-float Boxes', async () => {
    const env = new NormalizeObservation(new AsyncEnv(new GaussianEnv()));
    expect((env.observationSpace as Box).isBounded()).toBe(false);
    await env.reset();
    const [obs] = await env.step(Float32Array.of(0));
    expect(obs).toHaveLength(2);
    expect(() => new NormalizeObservation(new ChainEnv() as never)).toThrow(/needs a Box observation space/);
    expect(() => new NormalizeObservation(new GaussianEnv(), { epsilon: 0 })).toThrow(ConfigError);
  });
});
