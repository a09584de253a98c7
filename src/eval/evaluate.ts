/**
 * {@link evaluatePolicy}: run a policy for a fixed number of seeded episodes, one env after
 * another or N envs at once through {@link SyncVectorEnv}, and report returns, lengths, success
 * rate and the normalised score.
 *
 * @module
 */
import { ConfigError, NotFoundError, ShapeError } from '../core/errors.js';
import { describeValue } from '../core/spaces.js';
import { referenceScores, type ReferenceScores } from '../datasets/index.js';
import { unstackBatch, type BatchedInput } from '../envs/batching.js';
import type { Env, Info } from '../envs/env.js';
import { SyncVectorEnv } from '../envs/vector.js';
import {
  ProgressTicker,
  copyRow,
  envFactory,
  resolveEnv,
  rowDim,
  type EnvSource,
  type ProgressSetting,
} from './env-source.js';
import {
  resolvePolicyInput,
  toBatchedPolicy,
  type BatchedPolicy,
  type BatchedPolicyContext,
  type BatchedPolicyInput,
  type Policy,
  type PolicyInput,
} from './policy.js';
import { EpisodeStreams, checkRunSeed, type EpisodeStream } from './seeding.js';
import { checkReferenceScore, meanStd, normalizeScore, readSuccess } from './statistics.js';

/** Number of envs a vectorised evaluation runs when `numEnvs` is not given (fewer when there are fewer episodes). */
export const DEFAULT_EVAL_NUM_ENVS = 8;

/**
 * Options of {@link evaluatePolicy}.
 * @typeParam C - the context an agent's `policy(context)` takes (a multi-task agent's prompts).
 */
export interface EvaluateOptions<C = unknown> {
  /** Number of episodes to run, a positive integer. Exactly this many are counted. */
  readonly episodes: number;
  /**
   * Run seed (non-negative integer). Episode i is reset with the i-th seed derived from it and
   * the policy gets episode i's stream ({@link EpisodeStreams}), in both modes.
   */
  readonly seed: number;
  /**
   * Run `numEnvs` envs at once through a {@link SyncVectorEnv} and call the policy once per
   * vector step for all of them (a per-observation policy is adapted with
   * {@link toBatchedPolicy}). Needs a factory or an env id, not an env instance.
   * @defaultValue false
   */
  readonly vectorized?: boolean;
  /**
   * Number of envs of a vectorised evaluation (capped at `episodes`).
   * @defaultValue {@link DEFAULT_EVAL_NUM_ENVS}
   */
  readonly numEnvs?: number;
  /**
   * Passed to the policy as {@link PolicyContext.deterministic}.
   * @defaultValue true (as Stable-Baselines3's `evaluate_policy`)
   */
  readonly deterministic?: boolean;
  /**
   * Reference pair for the normalised score. Takes precedence over `datasetId`.
   */
  readonly referenceScore?: ReferenceScores;
  /**
   * A D4RL dataset id or env name (`hopper-medium-replay-v2`, `hopper`) whose reference scores
   * normalise the returns (see `referenceScores` in the datasets module). When neither this nor
   * `referenceScore` is given, the env's registered id (`env.spec.id`, e.g. `Hopper-v4`) is
   * looked up, and the score is left out when it has no reference.
   */
  readonly datasetId?: string;
  /**
   * Safety cut for envs without a time limit: an episode is ended (as truncated) after this
   * many steps.
   * @defaultValue no limit beyond the env's own
   */
  readonly maxEpisodeSteps?: number;
  /**
   * Progress reporting, one unit per finished episode.
   * @defaultValue `'off'` (evaluation usually runs inside a training loop with its own bar)
   */
  readonly progress?: ProgressSetting;
  /**
   * When `policy` is an agent: the context its `policy(context)` is bound to, e.g. an unseen
   * task's `{ textPrompt, trajectoryPrompt }` for LLMDPD. Ignored for other policies.
   */
  readonly context?: C;
}

/** What {@link evaluatePolicy} returns. Per-episode arrays are in episode order (index = episode). */
export interface EvaluationResult {
  /** Number of episodes run. */
  readonly episodes: number;
  /**
   * Undiscounted return of each episode: the sum of its rewards, each rounded to float32 first (as vector envs report
   * them).
   */
  readonly returns: number[];
  /** Number of steps of each episode. */
  readonly lengths: number[];
  /** Mean of `returns`. */
  readonly meanReturn: number;
  /** Population standard deviation of `returns` (divides by n, as SB3's `evaluate_policy`). */
  readonly stdReturn: number;
  /** Mean of `lengths`. */
  readonly meanLength: number;
  /** Population standard deviation of `lengths`. */
  readonly stdLength: number;
  /** Whether each episode ended by `terminated` (true) or by truncation or `maxEpisodeSteps` (false). */
  readonly terminated: boolean[];
  /**
   * Per episode: did any step report `info.success` truthy? `null` when no step of any episode
   * reported an `info.success` key (the env does not report success).
   */
  readonly successes: boolean[] | null;
  /**
   * Fraction of episodes with a success at any step (the Meta-World convention: reaching the
   * goal once counts, even if the arm moves away later); `null` when the env does not report
   * success. Episodes in which no step reported the key count as failures.
   */
  readonly successRate: number | null;
  /** Fraction of episodes whose last step reported success (a stricter reading); `null` as `successRate`. */
  readonly finalSuccessRate: number | null;
  /** The reference pair used for normalisation, or `null` when none applied. */
  readonly referenceScore: ReferenceScores | null;
  /** `100 * (meanReturn - min) / (max - min)`, or `null` without a reference. */
  readonly normalizedScore: number | null;
  /**
   * `100 * stdReturn / (max - min)`, the standard deviation of the per-episode normalised scores; `null` without a
   * reference.
   */
  readonly normalizedScoreStd: number | null;
  /** The seed each episode was reset with. */
  readonly resetSeeds: number[];
  /** Number of policy calls made: one per step sequentially, one per vector step when vectorised. */
  readonly policyCalls: number;
  /** Number of envs run at once (1 when sequential). */
  readonly numEnvs: number;
}

/** Per-episode accumulators. */
interface EpisodeRecord {
  returns: number[];
  lengths: number[];
  terminated: boolean[];
  anySuccess: boolean[];
  finalSuccess: boolean[];
  reported: boolean;
  finished: number;
}

function positiveInteger(where: string, name: string, value: unknown, optional: boolean): number | undefined {
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(
      `${where}: ${name} must be a positive integer, got ${typeof value === 'number' ? String(value) : describeValue(value)}.`,
    );
  }
  return value;
}

/** Tracks the success flags of one running episode. */
class SuccessTracker {
  any = false;
  last = false;
  reported = false;

  observe(where: string, info: Info | undefined): void {
    const flag = readSuccess(where, info);
    if (flag === undefined) {
      this.last = false;
      return;
    }
    this.reported = true;
    this.any ||= flag;
    this.last = flag;
  }
}

/**
 * Runs `episodes` seeded episodes and reports their statistics.
 *
 * **Seeding.** Episode i is reset with `episodeStreams(seed, n)[i].resetSeed` and the policy
 * gets that episode's stream as `context.rng`, whichever env runs it. So a deterministic policy
 * (or a per-observation stochastic one, which draws only from `context.rng`) gives the same
 * per-episode returns sequentially and vectorised, for any `numEnvs`.
 *
 * **Vectorised runs.** N = `min(numEnvs, episodes)` envs are built from the factory and run in a
 * {@link SyncVectorEnv} with autoreset disabled. Episodes 0..N-1 start on envs 0..N-1; whenever
 * an env finishes, it is reset with the seed of the next episode not yet started (so episodes
 * start in index order, and an env that finished earlier picks up the next one). Once every
 * episode has started, envs that finish become idle: they keep stepping (with a placeholder
 * action sampled from the action space) so the batch keeps N rows, their results are ignored,
 * and the batched policy sees them with `episodes[i] = -1`. The run stops as soon as the last
 * episode ends. The policy is called exactly once per vector step.
 *
 * **Success.** An episode succeeds when any of its steps reports `info.success` truthy (true or
 * a non-zero number); `finalSuccessRate` uses the last step only.
 *
 * @param input - the policy, one of:
 *   - an agent of the library (anything with `policy(context)`, see {@link PolicyProvider}): its
 *     policy for `options.context` is evaluated;
 *   - a bound policy (`await agent.policy(context)`, anything with `act` and `actBatch`, see
 *     {@link ActingPolicy}): called through `actBatch` with float32 rows;
 *   - a per-observation {@link Policy} function;
 *   - `{ batched }` with a {@link BatchedPolicy}.
 *
 *   Sequentially, batched forms are called with one row; vectorised, a per-observation policy is
 *   adapted with {@link toBatchedPolicy} (it then sees float32 copies of the observations).
 *   Agents draw their sampling noise from their own random stream, not from the episode streams,
 *   so their results depend on the agent's state as well as on `seed`.
 * @param source - an env instance (sequential only; left open), a factory or a registered id
 *   (envs made here are closed).
 * @throws {@link ConfigError} on bad options, a vectorised run given an env instance, or an
 *   invalid reference pair.
 * @throws {@link NotFoundError} when `datasetId` has no reference scores.
 * @throws {@link ShapeError} when a batched policy returns the wrong number of values.
 * @throws {@link EnvError} when `info.success` is neither a boolean nor a number.
 * @example
 * ```ts
 * const result = await evaluatePolicy((obs: Float32Array) => Float32Array.of(-2 * obs[1]!), 'Pendulum-v1', { episodes: 10, seed: 0, vectorized: true });
 * console.log(result.meanReturn, result.stdReturn);
 *
 * const agent = new DiffusionQLAgent({ observationDim: 3, actionDim: 1 });   // any agent, trained or loaded
 * const scored = await evaluatePolicy(agent, 'Pendulum-v1', { episodes: 10, seed: 0, vectorized: true });
 * ```
 */
export async function evaluatePolicy<Obs, Act, C = unknown>(
  input: PolicyInput<Obs, Act, C>,
  source: EnvSource<Obs, Act>,
  options: EvaluateOptions<C>,
): Promise<EvaluationResult> {
  const where = 'evaluatePolicy';
  if (typeof options !== 'object' || options === null)
    throw new ConfigError(`${where}: options must be an object like { episodes: 10, seed: 0 }.`);
  const policy = await resolvePolicyInput(where, input, options.context);
  const episodes = positiveInteger(where, 'episodes', options.episodes, false)!;
  const streams = new EpisodeStreams(checkRunSeed(where, options.seed));
  const maxEpisodeSteps = positiveInteger(where, 'maxEpisodeSteps', options.maxEpisodeSteps, true);
  const numEnvsOption = positiveInteger(where, 'numEnvs', options.numEnvs, true);
  const deterministic = options.deterministic ?? true;
  const vectorized = options.vectorized ?? false;
  const explicitReference =
    options.referenceScore === undefined ? undefined : checkReferenceScore(where, options.referenceScore);
  const datasetReference =
    explicitReference === undefined && options.datasetId !== undefined
      ? requireReference(where, options.datasetId)
      : undefined;

  const record: EpisodeRecord = {
    returns: [],
    lengths: [],
    terminated: [],
    anySuccess: [],
    finalSuccess: [],
    reported: false,
    finished: 0,
  };
  const ticker = new ProgressTicker(options.progress, episodes, 'evaluate', 'off');
  const finish = (
    stream: EpisodeStream,
    episodeReturn: number,
    length: number,
    terminated: boolean,
    success: SuccessTracker,
  ): void => {
    const i = stream.episode;
    record.returns[i] = episodeReturn;
    record.lengths[i] = length;
    record.terminated[i] = terminated;
    record.anySuccess[i] = success.any;
    record.finalSuccess[i] = success.last;
    record.reported ||= success.reported;
    record.finished++;
    ticker.update(record.finished, () => ({ meanReturn: meanStd(record.returns.filter((r) => r !== undefined)).mean }));
  };

  let run: { policyCalls: number; numEnvs: number; specId: string | undefined };
  if (vectorized) {
    const factory = envFactory<Obs, Act>(where, source);
    if (factory === null) {
      throw new ConfigError(
        `${where}: vectorized evaluation builds its own envs, so it needs a factory () => env or an env id such as 'Pendulum-v1', not an env instance.`,
      );
    }
    const numEnvs = Math.min(numEnvsOption ?? DEFAULT_EVAL_NUM_ENVS, episodes);
    const batched =
      typeof policy === 'function'
        ? toBatchedPolicy(policy as unknown as Policy<Float32Array, Float32Array>)
        : policy.batched;
    run = await runVectorized({
      where,
      factory,
      numEnvs,
      episodes,
      batched,
      streams,
      deterministic,
      maxEpisodeSteps,
      finish,
    });
  } else {
    const { env, owned } = resolveEnv(where, source);
    try {
      run = await runSequential({ where, env, episodes, policy, streams, deterministic, maxEpisodeSteps, finish });
    } finally {
      if (owned) await env.close();
    }
  }
  ticker.done({ meanReturn: meanStd(record.returns).mean });

  const returns = meanStd(record.returns);
  const lengths = meanStd(record.lengths);
  const reference =
    explicitReference ??
    datasetReference ??
    (run.specId === undefined ? undefined : referenceScores(run.specId)) ??
    null;
  const fraction = (flags: boolean[]) => flags.filter(Boolean).length / episodes;
  return {
    episodes,
    returns: record.returns,
    lengths: record.lengths,
    meanReturn: returns.mean,
    stdReturn: returns.std,
    meanLength: lengths.mean,
    stdLength: lengths.std,
    terminated: record.terminated,
    successes: record.reported ? record.anySuccess : null,
    successRate: record.reported ? fraction(record.anySuccess) : null,
    finalSuccessRate: record.reported ? fraction(record.finalSuccess) : null,
    referenceScore: reference,
    normalizedScore: reference === null ? null : normalizeScore(returns.mean, reference),
    normalizedScoreStd: reference === null ? null : (100 * returns.std) / (reference.max - reference.min),
    resetSeeds: Array.from({ length: episodes }, (_, i) => streams.get(i).resetSeed),
    policyCalls: run.policyCalls,
    numEnvs: run.numEnvs,
  };
}

/** The reference scores of a dataset id; a {@link NotFoundError} when the table has none. */
function requireReference(where: string, datasetId: string): ReferenceScores {
  if (typeof datasetId !== 'string')
    throw new ConfigError(
      `${where}: datasetId must be a string such as 'hopper-medium-replay-v2', got ${describeValue(datasetId)}.`,
    );
  const reference = referenceScores(datasetId);
  if (reference === undefined) {
    throw new NotFoundError(
      `${where}: no D4RL reference scores for datasetId ${JSON.stringify(datasetId)}; use a D4RL locomotion id such as 'hopper-medium-replay-v2' or pass referenceScore: { min, max } directly.`,
    );
  }
  return reference;
}

/** Shared arguments of the two run modes. */
interface RunArgs {
  readonly where: string;
  readonly episodes: number;
  readonly streams: EpisodeStreams;
  readonly deterministic: boolean;
  readonly maxEpisodeSteps: number | undefined;
  readonly finish: (
    stream: EpisodeStream,
    episodeReturn: number,
    length: number,
    terminated: boolean,
    success: SuccessTracker,
  ) => void;
}

/** Checks that a batched policy returned an array-like of exactly `expected` numbers. */
function checkBatchOutput(
  where: string,
  out: unknown,
  expected: number,
  numEnvs: number,
  actionDim: number,
): ArrayLike<number> {
  const arr = out as ArrayLike<number> | null;
  if (typeof arr !== 'object' || arr === null || typeof arr.length !== 'number') {
    throw new ShapeError(
      `${where}: the batched policy returned ${describeValue(out)}; expected a Float32Array of ${expected} values (${numEnvs} rows x ${actionDim}).`,
    );
  }
  if (arr.length !== expected) {
    throw new ShapeError(
      `${where}: the batched policy returned ${arr.length} values; expected ${expected} (${numEnvs} rows x ${actionDim} action values, row-major).`,
    );
  }
  return arr;
}

async function runSequential<Obs, Act>(
  args: RunArgs & { readonly env: Env<Obs, Act>; readonly policy: Policy<Obs, Act> | BatchedPolicyInput },
): Promise<{ policyCalls: number; numEnvs: number; specId: string | undefined }> {
  const { where, env, episodes, streams, deterministic, maxEpisodeSteps } = args;
  let policyCalls = 0;
  let act: (observation: Obs, stream: EpisodeStream, t: number) => Promise<Act>;
  if (typeof args.policy === 'function') {
    const policy = args.policy;
    act = async (observation, stream, t) =>
      policy(observation, { rng: stream.rng, step: t, episode: stream.episode, deterministic });
  } else {
    // One-row calls of the batched policy.
    const batched = args.policy.batched;
    const observationDim = rowDim(where, 'observation', env.observationSpace);
    const actionDim = rowDim(where, 'action', env.actionSpace);
    act = async (observation, stream, t) => {
      const row = copyRow(where, 'observation', observation, new Float32Array(observationDim));
      const context: BatchedPolicyContext = {
        numEnvs: 1,
        observationDim,
        rng: streams.batchRng,
        rngs: [stream.rng],
        episodes: Int32Array.of(stream.episode),
        steps: Int32Array.of(t),
        call: policyCalls,
        deterministic,
      };
      const out = checkBatchOutput(where, await batched(row, context), actionDim, 1, actionDim);
      return unstackBatch(env.actionSpace, out, 1, `${where} action`)[0] as Act;
    };
  }
  for (let episode = 0; episode < episodes; episode++) {
    const stream = streams.get(episode);
    let [observation] = await env.reset({ seed: stream.resetSeed });
    const success = new SuccessTracker();
    let episodeReturn = 0;
    let t = 0;
    for (;;) {
      const action = await act(observation, stream, t);
      policyCalls++;
      const [next, reward, terminated, truncated, info] = await env.step(action);
      t++;
      episodeReturn += Math.fround(reward);
      success.observe(where, info);
      if (terminated || truncated || (maxEpisodeSteps !== undefined && t >= maxEpisodeSteps)) {
        args.finish(stream, episodeReturn, t, terminated, success);
        break;
      }
      observation = next;
    }
  }
  return { policyCalls, numEnvs: 1, specId: env.spec?.id };
}

async function runVectorized<Obs, Act>(
  args: RunArgs & { readonly factory: () => Env<Obs, Act>; readonly numEnvs: number; readonly batched: BatchedPolicy },
): Promise<{ policyCalls: number; numEnvs: number; specId: string | undefined }> {
  const { where, factory, numEnvs: n, episodes, streams, deterministic, maxEpisodeSteps, batched } = args;
  const vec = new SyncVectorEnv<Obs, Act>(
    Array.from({ length: n }, () => factory),
    { autoresetMode: 'disabled' },
  );
  try {
    const observationDim = rowDim(where, 'observation', vec.singleObservationSpace);
    const actionDim = rowDim(where, 'action', vec.singleActionSpace);
    const running: (EpisodeStream | null)[] = Array.from({ length: n }, (_, i) => streams.get(i));
    let nextEpisode = n;
    const episodeIndex = Int32Array.from(running, (s) => s!.episode);
    const steps = new Int32Array(n);
    const returns = new Float64Array(n);
    const trackers = Array.from({ length: n }, () => new SuccessTracker());
    const actions = new Float32Array(n * actionDim);
    const filler = new Float32Array(actionDim);
    let [observations] = await vec.reset({ seed: running.map((s) => s!.resetSeed) });
    let policyCalls = 0;
    let finished = 0;
    while (finished < episodes) {
      const context: BatchedPolicyContext = {
        numEnvs: n,
        observationDim,
        rng: streams.batchRng,
        rngs: running.map((s) => (s === null ? null : s.rng)),
        episodes: episodeIndex.slice(),
        steps: steps.slice(),
        call: policyCalls,
        deterministic,
      };
      const obs =
        observations instanceof Float32Array ? observations : Float32Array.from(observations as ArrayLike<number>);
      // TRY NOT TO MODIFY: one batched policy call per vector step, for every env at once.
      const out = checkBatchOutput(where, await batched(obs, context), n * actionDim, n, actionDim);
      policyCalls++;
      actions.set(out);
      for (let i = 0; i < n; i++) {
        if (running[i] !== null) continue;
        // Idle env: any valid action keeps it stepping; its results are ignored.
        copyRow(where, 'placeholder action', vec.singleActionSpace.sample(streams.fillerRng), filler);
        actions.set(filler, i * actionDim);
      }
      const [nextObservations, rewards, terminations, truncations, infos] = await vec.step(
        actions as BatchedInput<Act>,
      );
      const resetMask = new Uint8Array(n);
      const resetSeeds: (number | undefined)[] = new Array<number | undefined>(n).fill(undefined);
      for (let i = 0; i < n; i++) {
        const ended = terminations[i] === 1 || truncations[i] === 1;
        const stream = running[i];
        if (stream === null) {
          if (ended) resetMask[i] = 1;
          continue;
        }
        steps[i] += 1;
        returns[i] += rewards[i];
        trackers[i].observe(where, infos[i]);
        if (!ended && !(maxEpisodeSteps !== undefined && steps[i] >= maxEpisodeSteps)) continue;
        args.finish(stream, returns[i], steps[i], terminations[i] === 1, trackers[i]);
        finished++;
        resetMask[i] = 1;
        steps[i] = 0;
        returns[i] = 0;
        trackers[i] = new SuccessTracker();
        if (nextEpisode < episodes) {
          const upcoming = streams.get(nextEpisode++);
          running[i] = upcoming;
          episodeIndex[i] = upcoming.episode;
          resetSeeds[i] = upcoming.resetSeed;
        } else {
          running[i] = null;
          episodeIndex[i] = -1;
        }
      }
      if (finished >= episodes) break;
      if (resetMask.some((m) => m === 1)) [observations] = await vec.reset({ seed: resetSeeds, mask: resetMask });
      else observations = nextObservations;
    }
    return { policyCalls, numEnvs: n, specId: vec.envs[0].spec?.id };
  } finally {
    await vec.close();
  }
}
