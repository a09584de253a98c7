/**
 * Small deterministic envs for the env tests: a counter whose rewards and end step are known in
 * advance, a promise-returning wrapper, and a configurable broken env for checkEnv.
 */
import { type Rng } from '../../../src/core/rng.js';
import { Box, Discrete, type Space } from '../../../src/core/spaces.js';
import type { Env, Info, ResetOptions, ResetResult, StepResult } from '../../../src/envs/env.js';
import { resolveResetRng } from '../../../src/envs/seeding.js';

/** Options of {@link CounterEnv}. */
export interface CounterOptions {
  /** Step at which `terminated` is set (never when undefined). */
  readonly terminateAt?: number;
  /** Step at which `truncated` is set by the env itself (never when undefined). */
  readonly truncateAt?: number;
}

/**
 * Observation `[t, offset]` where t counts steps since reset and offset is drawn from the
 * seeded stream at reset (a multiple of 0.25 in [0, 10)). Reward at step t is `t + action[0]`.
 * Info of step t is `{ t }`; reset info is `{ resets }`.
 */
export class CounterEnv implements Env<Float32Array, Float32Array> {
  readonly observationSpace = new Box({ low: [0, 0], high: [1000, 10] });
  readonly actionSpace = new Box({ low: -1, high: 1, shape: [1] });
  t = 0;
  offset = 0;
  resets = 0;
  closed = 0;
  readonly actions: Float32Array[] = [];
  private rng: Rng | undefined;

  constructor(readonly options: CounterOptions = {}) {}

  reset(options: ResetOptions = {}): ResetResult<Float32Array> {
    this.rng = resolveResetRng(this.rng, options.seed);
    this.offset = this.rng.int(40) / 4;
    this.t = 0;
    this.resets++;
    return [Float32Array.of(this.t, this.offset), { resets: this.resets }];
  }

  step(action: Float32Array): StepResult<Float32Array> {
    this.actions.push(Float32Array.from(action));
    this.t++;
    const terminated = this.options.terminateAt !== undefined && this.t >= this.options.terminateAt;
    const truncated = this.options.truncateAt !== undefined && this.t >= this.options.truncateAt;
    return [Float32Array.of(this.t, this.offset), this.t + action[0], terminated, truncated, { t: this.t }];
  }

  close(): void {
    this.closed++;
  }
}

/** The same env, every method returning a promise that resolves on a later macrotask. */
export class AsyncEnv<Obs, Act> implements Env<Obs, Act> {
  constructor(readonly inner: Env<Obs, Act>) {}
  get observationSpace(): Space<Obs> {
    return this.inner.observationSpace;
  }
  get actionSpace(): Space<Act> {
    return this.inner.actionSpace;
  }
  async reset(options?: ResetOptions): Promise<ResetResult<Obs>> {
    await new Promise((r) => setTimeout(r, 0));
    return this.inner.reset(options);
  }
  async step(action: Act): Promise<StepResult<Obs>> {
    await new Promise((r) => setTimeout(r, 0));
    return this.inner.step(action);
  }
  async close(): Promise<void> {
    await this.inner.close();
  }
}

/** Overrides for {@link scriptedEnv}: each returns the raw value a broken env would return. */
export interface Script {
  observationSpace?: unknown;
  actionSpace?: unknown;
  reset?: (seed: number | undefined, call: number) => unknown;
  step?: (t: number, action: unknown) => unknown;
  close?: false;
}

/**
 * A well-behaved 2-d float32 env (obs `[t/10, seed-offset]`, ends at step 5) whose pieces can
 * be replaced by broken ones. Typed loosely on purpose so tests can return anything.
 */
export function scriptedEnv(script: Script = {}): Env<Float32Array, Float32Array> {
  let rng: Rng | undefined;
  let t = 0;
  let offset = 0;
  let resetCalls = 0;
  const env: Record<string, unknown> = {
    observationSpace:
      'observationSpace' in script ? script.observationSpace : new Box({ low: -1, high: 1, shape: [2] }),
    actionSpace: 'actionSpace' in script ? script.actionSpace : new Box({ low: -1, high: 1, shape: [1] }),
    reset(options: ResetOptions = {}) {
      resetCalls++;
      rng = resolveResetRng(rng, options.seed);
      offset = rng.uniform(-1, 1);
      t = 0;
      if (script.reset) return script.reset(options.seed, resetCalls);
      return [Float32Array.of(0, offset), {}];
    },
    step(action: unknown) {
      t++;
      if (script.step) return script.step(t, action);
      const info: Info = {};
      return [Float32Array.of(t / 10, offset), 1, t >= 5, false, info];
    },
  };
  if (script.close !== false) env['close'] = () => undefined;
  return env as unknown as Env<Float32Array, Float32Array>;
}

/** A tiny Discrete-action env with a Discrete observation, for batching and checkEnv tests. */
export class ChainEnv implements Env<number, number> {
  readonly observationSpace = new Discrete(10);
  readonly actionSpace = new Discrete(2);
  private s = 0;
  reset(): ResetResult<number> {
    this.s = 0;
    return [this.s, {}];
  }
  step(action: number): StepResult<number> {
    this.s = Math.min(9, this.s + action);
    return [this.s, this.s === 9 ? 1 : 0, this.s === 9, false, {}];
  }
  close(): void {}
}
