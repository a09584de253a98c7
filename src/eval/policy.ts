/**
 * The policy shapes that {@link collectDataset} and {@link evaluatePolicy} call: a
 * per-observation {@link Policy}, a {@link BatchedPolicy} that acts for N envs in one call, and
 * {@link toBatchedPolicy}, which turns the first into the second; and the shapes of the
 * library's agents ({@link PolicyProvider}) and bound policies ({@link ActingPolicy}), which
 * {@link evaluatePolicy} accepts directly. The last two are structural types, so this area does
 * not import the agents (nor tfjs).
 *
 * @module
 */
import { ConfigError, ShapeError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { describeValue } from '../core/spaces.js';
import type { MaybePromise } from '../core/types.js';
import { isPromiseLike } from '../envs/maybe-promise.js';

/** What a {@link Policy} receives next to the observation. */
export interface PolicyContext {
  /**
   * The episode's own random stream, derived from the run seed and the episode index (see
   * {@link episodeStreams}). Draw exploration noise or diffusion seeds from it, never from
   * `Math.random`, so a run is reproducible and an episode's actions do not depend on how many
   * other episodes ran before it or next to it.
   */
  readonly rng: Rng;
  /** 0-based time step within the current episode (0 for the observation returned by `reset`). */
  readonly step: number;
  /** 0-based index of the current episode in this run. */
  readonly episode: number;
  /**
   * True when the caller wants the policy's deterministic action (the mean or mode, no
   * exploration noise), as Stable-Baselines3's `deterministic` flag. Policies without a
   * deterministic mode may ignore it.
   */
  readonly deterministic: boolean;
}

/**
 * A per-observation policy: maps one observation to one action, synchronously or through a
 * promise (for example a network running on an async backend).
 *
 * The observation is what the env returned (for a float32 `Box`, a `Float32Array`; for a
 * `Discrete` space, a number) and may be reused by the env after the call, so copy it if you
 * keep it. The action must be a valid action of the env's action space (a typed array of its
 * size for a `Box`, an integer for `Discrete`).
 *
 * @typeParam Obs - observation type of the env.
 * @typeParam Act - action type of the env.
 * @example
 * ```ts
 * // A noisy linear controller for Pendulum-v1.
 * const policy: Policy<Float32Array, Float32Array> = (obs, { rng, deterministic }) =>
 *   Float32Array.of(-2 * obs[1]! - 0.5 * obs[2]! + (deterministic ? 0 : 0.3 * rng.normal()));
 * ```
 */
export type Policy<Obs = unknown, Act = unknown> = (observation: Obs, context: PolicyContext) => MaybePromise<Act>;

/** What a {@link BatchedPolicy} receives next to the batch of observations. */
export interface BatchedPolicyContext {
  /** Number of rows N in the batch (the number of envs stepped together). */
  readonly numEnvs: number;
  /** Length of one observation row. */
  readonly observationDim: number;
  /**
   * A stream for the whole batched call (for example one seed for a batched diffusion sampler).
   * It is shared by all rows, so results drawn from it depend on which episodes share a batch;
   * draw from `rngs[i]` when row i's actions must not depend on the batching.
   */
  readonly rng: Rng;
  /**
   * Each row's episode stream (the same stream a per-observation policy gets as
   * {@link PolicyContext.rng} for that episode), or `null` for an idle row.
   */
  readonly rngs: readonly (Rng | null)[];
  /** Episode index of each row, or -1 for an idle row (its env has no episode left to run). */
  readonly episodes: Int32Array;
  /** Time step within its episode of each row (0 right after a reset); 0 for an idle row. */
  readonly steps: Int32Array;
  /** 0-based count of batched calls made so far in this run. */
  readonly call: number;
  /** See {@link PolicyContext.deterministic}. */
  readonly deterministic: boolean;
}

/**
 * A policy acting for N envs in one call (one batched network call per vector step).
 *
 * `observations` holds N rows of `observationDim` float32 values, row-major: row i is
 * `observations.subarray(i * observationDim, (i + 1) * observationDim)`. The result must hold N
 * rows of `actionDim` values in the same layout (for a `Discrete` action space, `actionDim` is 1
 * and the value is the action index). Rows whose `context.episodes[i]` is -1 are idle: their
 * output is ignored (the caller replaces it with a valid action for the env's sake).
 *
 * @example
 * ```ts
 * const batched: BatchedPolicy = (obs, { numEnvs }) => {
 *   const out = new Float32Array(numEnvs);
 *   for (let i = 0; i < numEnvs; i++) out[i] = -2 * obs[i * 3 + 1]! - 0.5 * obs[i * 3 + 2]!;
 *   return out;
 * };
 * await evaluatePolicy({ batched }, () => makeEnv('Pendulum-v1'), { episodes: 10, seed: 0, vectorized: true });
 * ```
 */
export type BatchedPolicy = (observations: Float32Array, context: BatchedPolicyContext) => MaybePromise<Float32Array>;

/**
 * A {@link BatchedPolicy} wrapped in an object, which is how {@link evaluatePolicy} tells it from
 * a per-observation {@link Policy} (both are functions).
 */
export interface BatchedPolicyInput {
  /** The batched policy. */
  readonly batched: BatchedPolicy;
}

/** True when `x` is a {@link BatchedPolicyInput} (an object with a `batched` function). */
export function isBatchedPolicyInput(x: unknown): x is BatchedPolicyInput {
  return typeof x === 'object' && x !== null && typeof (x as { batched?: unknown }).batched === 'function';
}

/**
 * Adapts a per-observation policy to a {@link BatchedPolicy}: row i's observation (a new
 * `Float32Array`, so the policy may keep it) is passed to `policy` with row i's episode, step
 * and episode stream as its {@link PolicyContext}. Rows are processed in index order, one after
 * another (an async policy is awaited before the next row). Idle rows are not passed to the
 * policy and come back as zeros.
 *
 * Because each row sees its own episode stream, a stochastic per-observation policy gives the
 * same episodes whether it runs alone or batched.
 *
 * The action length is taken from the first action returned (1 for a number); every later
 * action must have the same length.
 *
 * @throws {@link ShapeError} (from the returned function) when an action is neither a number nor
 * an array-like of numbers, or its length changes between calls.
 */
export function toBatchedPolicy<Act extends ArrayLike<number> | number>(
  policy: Policy<Float32Array, Act>,
): BatchedPolicy {
  let actionDim: number | undefined;
  const write = (out: Float32Array, row: number, action: Act): void => {
    if (typeof action === 'number') {
      out[row * actionDim!] = action;
      return;
    }
    for (let j = 0; j < actionDim!; j++) out[row * actionDim! + j] = action[j]!;
  };
  const lengthOf = (action: unknown): number => {
    if (typeof action === 'number') return 1;
    if (typeof action === 'object' && action !== null && typeof (action as ArrayLike<number>).length === 'number')
      return (action as ArrayLike<number>).length;
    throw new ShapeError(
      `toBatchedPolicy: the policy returned ${describeValue(action)}; expected a number or an array-like of numbers (one action).`,
    );
  };
  return (observations, context) => {
    const n = context.numEnvs;
    const dim = context.observationDim;
    let out: Float32Array | undefined = actionDim === undefined ? undefined : new Float32Array(n * actionDim);
    const accept = (row: number, action: Act): void => {
      const length = lengthOf(action);
      if (actionDim === undefined) actionDim = length;
      if (length !== actionDim) {
        throw new ShapeError(
          `toBatchedPolicy: the policy returned an action of ${length} values for row ${row}, after ${actionDim} before; every action must have the same length.`,
        );
      }
      out ??= new Float32Array(n * actionDim);
      write(out, row, action);
    };
    const run = (start: number): MaybePromise<Float32Array> => {
      for (let i = start; i < n; i++) {
        const episode = context.episodes[i];
        if (episode < 0) continue;
        const ctx: PolicyContext = {
          rng: context.rngs[i]!,
          step: context.steps[i],
          episode,
          deterministic: context.deterministic,
        };
        const action = policy(observations.slice(i * dim, (i + 1) * dim), ctx);
        if (isPromiseLike(action)) {
          return Promise.resolve(action).then((a) => {
            accept(i, a);
            return run(i + 1);
          });
        }
        accept(i, action);
      }
      // Only idle rows and no action seen yet: one zero per row is the best guess of the layout.
      return out ?? new Float32Array(n * (actionDim ?? 1));
    };
    return run(0);
  };
}

/**
 * A policy object that acts on float32 rows: the library's bound policies (`agent.policy()`)
 * have this shape. Typed here by its shape, so the eval area does not depend on the agents.
 */
export interface ActingPolicy {
  /** One action for one observation. */
  act(observation: Float32Array): Float32Array;
  /** Actions for N observations given row-major as one array, in one call. */
  actBatch(observations: Float32Array): Float32Array;
}

/**
 * Anything that hands out an {@link ActingPolicy} for a context: the library's agents
 * (`agent.policy(context)`, where a multi-task agent's context holds the task's prompts).
 * @typeParam C - the context the provider takes.
 */
export interface PolicyProvider<C = unknown> {
  /** A policy bound to `context`. */
  policy(context?: C): Promise<ActingPolicy>;
}

/** True when `x` is an {@link ActingPolicy} (an object with `act` and `actBatch` methods). */
export function isActingPolicy(x: unknown): x is ActingPolicy {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as ActingPolicy).act === 'function' &&
    typeof (x as ActingPolicy).actBatch === 'function'
  );
}

/** True when `x` is a {@link PolicyProvider} (an object with a `policy` method, such as an agent). */
export function isPolicyProvider(x: unknown): x is PolicyProvider {
  return typeof x === 'object' && x !== null && typeof (x as PolicyProvider).policy === 'function';
}

/** Every form of policy {@link evaluatePolicy} accepts. */
export type PolicyInput<Obs = unknown, Act = unknown, C = unknown> =
  Policy<Obs, Act> | BatchedPolicyInput | ActingPolicy | PolicyProvider<C>;

/**
 * Reduces any {@link PolicyInput} to a per-observation policy or a batched one: an agent is
 * asked for its policy (with `context`), a bound policy becomes a batched policy over its
 * `actBatch` (one network call per vector step).
 * @throws {@link ConfigError} when `policy` has none of the accepted shapes.
 */
export async function resolvePolicyInput<Obs, Act, C>(
  where: string,
  policy: PolicyInput<Obs, Act, C>,
  context: C | undefined,
): Promise<Policy<Obs, Act> | BatchedPolicyInput> {
  if (typeof policy === 'function' || isBatchedPolicyInput(policy)) return policy;
  let acting: unknown = policy;
  if (isPolicyProvider(policy)) {
    acting = await (context === undefined ? policy.policy() : policy.policy(context));
    if (!isActingPolicy(acting))
      throw new ConfigError(
        `${where}: policy.policy() returned ${describeValue(acting)}; expected an object with act(observation) and actBatch(observations).`,
      );
  }
  if (isActingPolicy(acting)) {
    const bound = acting;
    return { batched: (observations) => bound.actBatch(observations) };
  }
  throw new ConfigError(
    `${where}: policy must be an agent (with policy()), a bound policy (with act and actBatch), a function (observation, context) => action or { batched: (observations, context) => actions }; got ${describeValue(policy)}.`,
  );
}
