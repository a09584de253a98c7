/**
 * {@link SyncVectorEnv}: N copies of an env stepped one after another in the same thread, with
 * batched observations, rewards and flags, and Gymnasium's three autoreset modes.
 *
 * @module
 */
import { ConfigError, EnvError } from '../core/errors.js';
import { describeValue, type Space } from '../core/spaces.js';
import type { MaybePromise } from '../core/types.js';
import { batchSpace, stackBatch, unstackBatch, type Batched, type BatchedInput } from './batching.js';
import type { Env, Info, ResetOptions } from './env.js';
import { forEachMaybe, isPromiseLike, thenMaybe } from './maybe-promise.js';
import { validateSeed } from './seeding.js';

/**
 * What happens when a sub-env's episode ends during {@link SyncVectorEnv.step}:
 *
 * - `'next-step'` (default, Gymnasium `NEXT_STEP`): the step that ends the episode returns its
 *   real last observation, reward and flags. On the *next* `step()` call that sub-env ignores its
 *   action, is reset, and returns the reset observation with reward 0,
 *   `terminated = truncated = 0` and the reset's info. Data collectors must drop that
 *   transition (the previous flags tell you which rows are reset rows).
 * - `'same-step'` (Gymnasium `SAME_STEP`): the sub-env is reset within the step that ends the
 *   episode. The returned observation is the reset observation; the reward and flags are the
 *   last step's; `infos[i]` is the reset info plus `finalObservation` (the real last
 *   observation) and `finalInfo` (the last step's info).
 * - `'disabled'` (Gymnasium `DISABLED`): nothing is reset automatically. Stepping a finished
 *   sub-env throws an {@link EnvError}; reset it with `reset({ mask })`.
 */
export type AutoresetMode = 'next-step' | 'same-step' | 'disabled';

/** Options of {@link SyncVectorEnv}. */
export interface SyncVectorEnvOptions {
  /** See {@link AutoresetMode}. @defaultValue `'next-step'` */
  readonly autoresetMode?: AutoresetMode;
}

/** Arguments of {@link SyncVectorEnv.reset}. */
export interface VectorResetOptions {
  /**
   * One seed (sub-env `i` gets `seed + i`, as Gymnasium), one seed per sub-env (`undefined`
   * entries keep that env's stream), or `undefined` to keep every stream.
   */
  readonly seed?: number | readonly (number | undefined)[];
  /** Reset options passed to every sub-env. */
  readonly options?: Record<string, unknown>;
  /**
   * Which sub-envs to reset (truthy entries); the others keep their current observation in the
   * result. All of them when omitted.
   */
  readonly mask?: ArrayLike<boolean | number>;
}

/** What {@link SyncVectorEnv.reset} returns: batched observations and one info per sub-env. */
export type VectorResetResult<Obs> = [observations: Batched<Obs>, infos: Info[]];

/**
 * What {@link SyncVectorEnv.step} returns: batched observations, `Float32Array(N)` rewards,
 * `Uint8Array(N)` terminations and truncations (1 = set), and one info per sub-env.
 */
export type VectorStepResult<Obs> = [
  observations: Batched<Obs>,
  rewards: Float32Array,
  terminations: Uint8Array,
  truncations: Uint8Array,
  infos: Info[],
];

/** A factory for one sub-env. */
export type EnvThunk<Obs, Act> = () => Env<Obs, Act>;

/**
 * Runs N envs in lock-step in the current thread.
 *
 * Batch layout: for a Box observation space of `size` values, `observations` is one typed array
 * of the Box's dtype (a `Float32Array` for float32) with `N * size` values, row-major: sub-env
 * `i`'s observation is `observations.subarray(i * size, (i + 1) * size)`. Actions use the same
 * layout (any array-like of `N * size` numbers). Discrete values batch into an `Int32Array(N)`,
 * Dict values key by key. Every call returns new arrays, and each sub-env receives its own copy
 * of its action.
 *
 * Sync or async: sub-envs are called one at a time in index order. When all of them answer
 * synchronously, `reset` and `step` return plain values; when any returns a promise, the call
 * returns a promise. `await` works in both cases.
 *
 * @example
 * ```ts
 * const vec = new SyncVectorEnv(Array.from({ length: 4 }, () => () => makeEnv('Pendulum-v1')));
 * let [obs] = await vec.reset({ seed: 0 });             // Float32Array(4 * 3)
 * const [next, rewards, terms, truncs] = await vec.step(new Float32Array(4)); // zero torque
 * ```
 */
export class SyncVectorEnv<Obs = unknown, Act = unknown> {
  /** Number of sub-envs N. */
  readonly numEnvs: number;
  /** The sub-envs, in index order. */
  readonly envs: readonly Env<Obs, Act>[];
  /** The autoreset mode (see {@link AutoresetMode}). */
  readonly autoresetMode: AutoresetMode;
  /** Observation space of one sub-env. */
  readonly singleObservationSpace: Space<Obs>;
  /** Action space of one sub-env. */
  readonly singleActionSpace: Space<Act>;
  /** Space of batched observations (shape `[N, ...shape]` for a Box). */
  readonly observationSpace: Space;
  /** Space of batched actions (shape `[N, ...shape]` for a Box). */
  readonly actionSpace: Space;
  /** Gymnasium-style metadata; records the autoreset mode. */
  readonly metadata: Readonly<{
    /** How finished sub-envs are reset; see {@link AutoresetMode}. */
    autoresetMode: AutoresetMode;
  }>;
  private readonly observations: (Obs | undefined)[];
  private readonly pending: boolean[];
  private started = false;
  private closed = false;

  /**
   * @param factories - one factory per sub-env; each is called once, in order.
   * @throws {@link ConfigError} when there are no factories, a factory does not return an env
   * synchronously, the sub-envs' spaces differ, or the autoreset mode is unknown.
   */
  constructor(factories: readonly EnvThunk<Obs, Act>[], options: SyncVectorEnvOptions = {}) {
    const list: unknown = factories;
    if (!Array.isArray(list) || list.length === 0) {
      throw new ConfigError(
        `SyncVectorEnv needs a non-empty array of env factories, got ${describeValue(factories)}. Pass e.g. Array.from({ length: 4 }, () => () => makeEnv('Pendulum-v1')).`,
      );
    }
    const mode = options.autoresetMode ?? 'next-step';
    if (mode !== 'next-step' && mode !== 'same-step' && mode !== 'disabled') {
      throw new ConfigError(
        `SyncVectorEnv autoresetMode must be 'next-step', 'same-step' or 'disabled', got ${JSON.stringify(mode)}.`,
      );
    }
    const envs = factories.map((f, i) => {
      if (typeof f !== 'function')
        throw new ConfigError(
          `SyncVectorEnv factory ${i} is ${describeValue(f)}, not a function; pass () => env, not the env itself.`,
        );
      const env: unknown = f();
      if (isPromiseLike(env as Promise<unknown>))
        throw new ConfigError(
          `SyncVectorEnv factory ${i} returned a promise; factories must build the env synchronously.`,
        );
      if (
        typeof env !== 'object' ||
        env === null ||
        typeof (env as Env).step !== 'function' ||
        typeof (env as Env).reset !== 'function'
      ) {
        throw new ConfigError(
          `SyncVectorEnv factory ${i} returned ${describeValue(env)}, not an env with reset() and step().`,
        );
      }
      return env as Env<Obs, Act>;
    });
    const reference = [JSON.stringify(envs[0].observationSpace.toJSON()), JSON.stringify(envs[0].actionSpace.toJSON())];
    envs.forEach((e, i) => {
      if (
        JSON.stringify(e.observationSpace.toJSON()) !== reference[0] ||
        JSON.stringify(e.actionSpace.toJSON()) !== reference[1]
      ) {
        throw new ConfigError(
          `SyncVectorEnv sub-env ${i} has different spaces from sub-env 0; all sub-envs must share observation and action spaces.`,
        );
      }
    });
    this.numEnvs = envs.length;
    this.envs = Object.freeze(envs);
    this.autoresetMode = mode;
    this.singleObservationSpace = envs[0].observationSpace;
    this.singleActionSpace = envs[0].actionSpace;
    this.observationSpace = batchSpace(this.singleObservationSpace, this.numEnvs);
    this.actionSpace = batchSpace(this.singleActionSpace, this.numEnvs);
    this.metadata = Object.freeze({ autoresetMode: mode });
    this.observations = new Array<Obs | undefined>(this.numEnvs).fill(undefined);
    this.pending = new Array<boolean>(this.numEnvs).fill(false);
  }

  private seedFor(seed: VectorResetOptions['seed'], i: number): number | undefined {
    if (seed === undefined) return undefined;
    if (typeof seed === 'number') return validateSeed(seed, 'SyncVectorEnv.reset') === undefined ? undefined : seed + i;
    return validateSeed(seed[i], 'SyncVectorEnv.reset');
  }

  /**
   * Resets all sub-envs (or those in `mask`) and returns batched observations and per-env infos.
   * @throws {@link ConfigError} on a malformed seed list or mask; {@link EnvError} after close
   * or when a masked-out sub-env has never been reset.
   */
  reset(options: VectorResetOptions = {}): MaybePromise<VectorResetResult<Obs>> {
    if (this.closed) throw new EnvError('SyncVectorEnv.reset() was called after close(); build a new vector env.');
    const { seed, mask } = options;
    if (Array.isArray(seed) && seed.length !== this.numEnvs) {
      throw new ConfigError(
        `SyncVectorEnv.reset seed list has ${seed.length} entries for ${this.numEnvs} envs; give one per env or a single number.`,
      );
    }
    if (mask !== undefined && mask.length !== this.numEnvs) {
      throw new ConfigError(
        `SyncVectorEnv.reset mask has ${mask.length} entries for ${this.numEnvs} envs; give one boolean per env.`,
      );
    }
    const selected = (i: number): boolean => mask === undefined || Boolean(mask[i]);
    for (let i = 0; i < this.numEnvs; i++) {
      if (!selected(i) && this.observations[i] === undefined) {
        throw new EnvError(
          `SyncVectorEnv.reset: sub-env ${i} is masked out but has never been reset, so it has no observation; include it in the first reset.`,
        );
      }
    }
    const infos: Info[] = Array.from({ length: this.numEnvs }, () => ({}));
    const done = forEachMaybe(this.numEnvs, (i) => {
      if (!selected(i)) return undefined;
      const s = this.seedFor(seed, i);
      const args: ResetOptions = {
        ...(s === undefined ? {} : { seed: s }),
        ...(options.options === undefined ? {} : { options: options.options }),
      };
      return thenMaybe(this.envs[i].reset(args), ([obs, info]) => {
        this.observations[i] = obs;
        this.pending[i] = false;
        infos[i] = info;
      });
    });
    return thenMaybe(done, (): VectorResetResult<Obs> => {
      this.started = true;
      return [this.batch(), infos];
    });
  }

  /**
   * Steps every sub-env with its row of `actions` (see the class description for the layout)
   * and applies the autoreset mode.
   * @throws {@link ShapeError} when `actions` has the wrong layout; {@link EnvError} before the
   * first reset, after close, or (mode `'disabled'`) when a finished sub-env is stepped.
   */
  step(actions: BatchedInput<Act>): MaybePromise<VectorStepResult<Obs>> {
    if (this.closed) throw new EnvError('SyncVectorEnv.step() was called after close(); build a new vector env.');
    if (!this.started)
      throw new EnvError('SyncVectorEnv.step() was called before reset(); call vec.reset({ seed }) first.');
    if (this.autoresetMode === 'disabled') {
      const finished = this.pending.flatMap((p, i) => (p ? [i] : []));
      if (finished.length > 0) {
        throw new EnvError(
          `SyncVectorEnv (autoresetMode 'disabled'): sub-env${finished.length > 1 ? 's' : ''} ${finished.join(', ')} finished an episode and must be reset before stepping; call vec.reset({ mask }) with those entries set, or use autoresetMode 'next-step'.`,
        );
      }
    }
    const perEnv = unstackBatch(this.singleActionSpace, actions, this.numEnvs, 'SyncVectorEnv.step actions') as Act[];
    const rewards = new Float32Array(this.numEnvs);
    const terminations = new Uint8Array(this.numEnvs);
    const truncations = new Uint8Array(this.numEnvs);
    const infos: Info[] = Array.from({ length: this.numEnvs }, () => ({}));
    const done = forEachMaybe(this.numEnvs, (i) => {
      const env = this.envs[i];
      if (this.pending[i] && this.autoresetMode === 'next-step') {
        return thenMaybe(env.reset(), ([obs, info]) => {
          this.observations[i] = obs;
          this.pending[i] = false;
          infos[i] = info;
        });
      }
      return thenMaybe(env.step(perEnv[i]), ([obs, reward, terminated, truncated, info]) => {
        rewards[i] = reward;
        terminations[i] = terminated ? 1 : 0;
        truncations[i] = truncated ? 1 : 0;
        this.observations[i] = obs;
        infos[i] = info;
        if (!(terminated || truncated)) return undefined;
        if (this.autoresetMode !== 'same-step') {
          this.pending[i] = true;
          return undefined;
        }
        return thenMaybe(env.reset(), ([resetObs, resetInfo]) => {
          this.observations[i] = resetObs;
          infos[i] = { ...resetInfo, finalObservation: obs, finalInfo: info };
        });
      });
    });
    return thenMaybe(done, (): VectorStepResult<Obs> => [this.batch(), rewards, terminations, truncations, infos]);
  }

  /** Closes every sub-env once; later calls do nothing. */
  close(): MaybePromise<void> {
    if (this.closed) return undefined;
    this.closed = true;
    return forEachMaybe(this.numEnvs, (i) => thenMaybe(this.envs[i].close(), () => undefined));
  }

  private batch(): Batched<Obs> {
    return stackBatch(this.singleObservationSpace, this.observations) as Batched<Obs>;
  }
}
