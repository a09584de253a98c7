/**
 * The {@link Wrapper} base class: an env that holds another env and forwards everything to it.
 * Concrete wrappers override only what they change.
 *
 * Sync or async: a wrapper returns whatever its inner env returns. Around a synchronous env
 * every method stays synchronous (no promise, no microtask per step); around an asynchronous
 * env the same methods return promises. Subclasses keep this property by transforming results
 * with {@link thenMaybe} rather than `await`.
 *
 * @module
 */
import { ConfigError } from '../../core/errors.js';
import type { Space } from '../../core/spaces.js';
import type { MaybePromise } from '../../core/types.js';
import type { Env, EnvMetadata, EnvSpec, ResetOptions, ResetResult, StepResult } from '../env.js';
import { thenMaybe } from '../maybe-promise.js';

/**
 * Checks that `env` looks like an {@link Env} (has `reset`, `step` and both spaces).
 * @throws {@link ConfigError} naming what is missing.
 */
export function assertEnvLike(env: unknown, who: string): asserts env is Env {
  const missing: string[] = [];
  if (typeof env !== 'object' || env === null) {
    throw new ConfigError(
      `${who} needs an env object, got ${env === null ? 'null' : typeof env}. Pass an object with observationSpace, actionSpace, reset(), step() and close().`,
    );
  }
  const e = env as Record<string, unknown>;
  for (const m of ['reset', 'step'] as const) if (typeof e[m] !== 'function') missing.push(`${m}()`);
  for (const s of ['observationSpace', 'actionSpace'] as const)
    if (typeof e[s] !== 'object' || e[s] === null) missing.push(s);
  if (missing.length > 0) {
    throw new ConfigError(
      `${who} needs an env with ${missing.join(', ')}; the object given has keys [${Object.keys(e).join(', ')}]. For a Gymnasium-style object with snake_case fields, use fromGymnasiumLike(obj) first.`,
    );
  }
}

/**
 * An env that wraps another env and forwards every call to it.
 *
 * @typeParam InnerObs - observation type of the wrapped env.
 * @typeParam InnerAct - action type of the wrapped env.
 * @typeParam Obs - observation type this wrapper exposes (defaults to the inner one).
 * @typeParam Act - action type this wrapper exposes (defaults to the inner one).
 *
 * @remarks The forwarding defaults assume the outer and inner types agree; a subclass that
 * changes `Obs` or `Act` must override the matching space getter and `reset`/`step`.
 */
export class Wrapper<InnerObs = unknown, InnerAct = unknown, Obs = InnerObs, Act = InnerAct> implements Env<Obs, Act> {
  /** The wrapped env. */
  readonly env: Env<InnerObs, InnerAct>;
  private ownSpec: EnvSpec | undefined;

  /** @throws {@link ConfigError} when `env` is not env-like. */
  constructor(env: Env<InnerObs, InnerAct>) {
    assertEnvLike(env, new.target.name);
    this.env = env;
  }

  /** The observation space; the inner env's unless a subclass changes it. */
  get observationSpace(): Space<Obs> {
    return this.env.observationSpace as unknown as Space<Obs>;
  }

  /** The action space; the inner env's unless a subclass changes it. */
  get actionSpace(): Space<Act> {
    return this.env.actionSpace as unknown as Space<Act>;
  }

  /** The inner env's metadata. */
  get metadata(): EnvMetadata | undefined {
    return this.env.metadata;
  }

  /** The spec set on this wrapper (by the registry), else the inner env's. */
  get spec(): EnvSpec | undefined {
    return this.ownSpec ?? this.env.spec;
  }

  set spec(spec: EnvSpec | undefined) {
    this.ownSpec = spec;
  }

  /** The innermost env, below every wrapper. */
  get unwrapped(): Env {
    let e: Env = this.env;
    while (e instanceof Wrapper) e = e.env as Env;
    return e;
  }

  /** Forwards to the inner env's `reset`. */
  reset(options?: ResetOptions): MaybePromise<ResetResult<Obs>> {
    return this.env.reset(options) as unknown as MaybePromise<ResetResult<Obs>>;
  }

  /** Forwards to the inner env's `step`. */
  step(action: Act): MaybePromise<StepResult<Obs>> {
    return this.env.step(action as unknown as InnerAct) as unknown as MaybePromise<StepResult<Obs>>;
  }

  /** Forwards to the inner env's `close`. */
  close(): MaybePromise<void> {
    return thenMaybe(this.env.close(), () => undefined);
  }
}
