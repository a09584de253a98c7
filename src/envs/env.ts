/**
 * The Gymnasium-shaped environment contract: {@link Env} with `reset`/`step`/`close`, the
 * labelled result tuples, and the metadata and spec records.
 *
 * `step` returns `terminated` and `truncated` separately, as Gymnasium v1 does: `terminated`
 * is an MDP terminal state (do not bootstrap from it), `truncated` is an outside cut-off such
 * as a time limit (bootstrap as usual). Seeding happens through `reset({ seed })`; a reset
 * without a seed keeps the env's existing random stream.
 *
 * Methods return {@link MaybePromise}: a simulator written in JavaScript can stay synchronous
 * (no microtask per step), while an env backed by a worker or a remote process can return
 * promises. Callers that do not know which they hold simply `await` the result.
 *
 * @module
 */
import type { Space } from '../core/spaces.js';
import type { MaybePromise } from '../core/types.js';

/** Free-form diagnostic information returned by `reset` and `step` (Gymnasium's `info` dict). */
export type Info = Record<string, unknown>;

/** What `reset` returns: the first observation of the episode and an info object. */
export type ResetResult<Obs> = [observation: Obs, info: Info];

/**
 * What `step` returns, in Gymnasium's order.
 *
 * - `terminated`: the episode reached a terminal state of the MDP (no bootstrapping).
 * - `truncated`: the episode was cut from outside (time limit, out of bounds), bootstrap as usual.
 */
export type StepResult<Obs> = [observation: Obs, reward: number, terminated: boolean, truncated: boolean, info: Info];

/** Arguments of {@link Env.reset}. */
export interface ResetOptions {
  /**
   * Seed for the env's random stream. `undefined` keeps the existing stream (the first
   * unseeded reset seeds from system entropy), as in Gymnasium.
   */
  readonly seed?: number;
  /** Env-specific reset options (for example Pendulum's `xInit`/`yInit`). */
  readonly options?: Record<string, unknown>;
}

/** Static description of an env (Gymnasium's `metadata`). */
export interface EnvMetadata {
  /** Render modes the env supports; empty when it cannot render. */
  readonly renderModes?: readonly string[];
  /** Frames per second of rendered output, when it renders. */
  readonly renderFps?: number | undefined;
  /** Any other env-specific metadata. */
  readonly [key: string]: unknown;
}

/** How an env was created by the registry (Gymnasium's `EnvSpec`). */
export interface EnvSpec {
  /** The registered id, for example `Pendulum-v1` or `metaworld/pick-place-v3`. */
  readonly id: string;
  /** Step limit applied by the `TimeLimit` wrapper, or `undefined` for none. */
  readonly maxEpisodeSteps?: number;
  /** The options the factory was called with (defaults merged with the caller's). */
  readonly options?: Readonly<Record<string, unknown>>;
}

/**
 * A Gymnasium-style environment.
 *
 * @typeParam Obs - the observation type (for a `Box` space, its typed array).
 * @typeParam Act - the action type.
 *
 * @example
 * ```ts
 * const env = makeEnv('Pendulum-v1');
 * let [obs] = await env.reset({ seed: 0 });
 * for (let t = 0; t < 200; t++) {
 *   const [next, reward, terminated, truncated] = await env.step(env.actionSpace.sample(rng));
 *   obs = next;
 *   if (terminated || truncated) [obs] = await env.reset();
 * }
 * await env.close();
 * ```
 */
export interface Env<Obs = unknown, Act = unknown> {
  /** The space every observation belongs to. */
  readonly observationSpace: Space<Obs>;
  /** The space of valid actions. */
  readonly actionSpace: Space<Act>;
  /**
   * Render modes and other static information. (`| undefined` here and on `spec`: a wrapper
   * forwards its inner env's, which may be absent; without it a wrapper would not be an `Env`
   * for a consumer compiling with `exactOptionalPropertyTypes`.)
   */
  readonly metadata?: EnvMetadata | undefined;
  /** Set by the registry when the env was made with `makeEnv`. */
  readonly spec?: EnvSpec | undefined;
  /**
   * Starts a new episode and returns its first observation and an info object. With a
   * `seed`, the env's random stream is re-seeded first; without one it continues.
   */
  reset(options?: ResetOptions): MaybePromise<ResetResult<Obs>>;
  /** Applies one action and returns the next observation, reward, end flags and info. */
  step(action: Act): MaybePromise<StepResult<Obs>>;
  /** Releases resources (simulators, workers, handles). Safe to call more than once. */
  close(): MaybePromise<void>;
}
