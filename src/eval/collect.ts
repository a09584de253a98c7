/**
 * {@link collectDataset}: roll out any policy in an env and store the transitions in a
 * {@link ReplayBuffer} with exact episode, terminal and time-out bookkeeping.
 *
 * @module
 */
import { ConfigError } from '../core/errors.js';
import { describeValue } from '../core/spaces.js';
import { ReplayBuffer } from '../buffers/replay-buffer.js';
import { writeD4rl, type D4rlWriteOptions } from '../datasets/index.js';
import { ProgressTicker, copyRow, resolveEnv, rowDim, type EnvSource, type ProgressSetting } from './env-source.js';
import type { Policy, PolicyContext } from './policy.js';
import { EpisodeStreams, checkRunSeed } from './seeding.js';

/** How an episode of a collected dataset ended. */
export type EpisodeEnding =
  /** The env reported `terminated` (stored as a terminal). */
  | 'terminated'
  /** The env reported `truncated`, or `maxEpisodeSteps` was reached (stored as a timeout). */
  | 'truncated'
  /** The step budget ran out mid-episode (stored as an explicit episode end, neither terminal nor timeout). */
  | 'cut';

/** Options of {@link collectDataset}. */
export interface CollectOptions {
  /**
   * Number of transitions to collect. When it runs out mid-episode, the last stored step ends
   * its episode explicitly (ending `'cut'`: neither terminal nor timeout, as d3rlpy's
   * `clip_episode(False)`). At least one of `steps` and `episodes` is required.
   */
  readonly steps?: number;
  /**
   * Maximum number of episodes to collect; collection stops after this many episodes even if
   * `steps` is not used up. Alone (without `steps`), exactly this many whole episodes.
   */
  readonly episodes?: number;
  /**
   * Run seed (non-negative integer). Episode i is reset with a seed derived from it and the
   * policy gets episode i's own stream (see {@link EpisodeStreams}), so the same seed, env and
   * policy give the same dataset.
   */
  readonly seed: number;
  /**
   * Buffer to append to. Its dimensions must match the env's flat observation and action
   * sizes; an open last episode is ended first ({@link ReplayBuffer.endEpisode}) so collected
   * episodes never merge with earlier data.
   * @defaultValue a new unbounded buffer
   */
  readonly buffer?: ReplayBuffer;
  /**
   * Task index stored with every transition (multi-task datasets).
   * @defaultValue 0
   */
  readonly taskIndex?: number;
  /**
   * Passed to the policy as {@link PolicyContext.deterministic}.
   * @defaultValue false (data collection usually wants the exploring policy)
   */
  readonly deterministic?: boolean;
  /**
   * Safety cut for envs without a time limit: after this many steps an episode is ended as
   * truncated (stored as a timeout).
   * @defaultValue no limit beyond the env's own
   */
  readonly maxEpisodeSteps?: number;
  /**
   * When set, the buffer is also written to this path as a D4RL HDF5 file (`writeD4rl` of the
   * datasets module) after collection; `loadD4rl(path, { timeouts: 'keep' })` reads it back
   * exactly. With `buffer`, the whole buffer is written, earlier data included.
   */
  readonly d4rlPath?: string;
  /** Options of the D4RL writer (dataset id, metadata, compression, overwrite), used with `d4rlPath`. */
  readonly d4rlOptions?: D4rlWriteOptions;
  /**
   * Progress reporting (one unit per transition, or per episode when only `episodes` is given).
   * @defaultValue `'auto'`
   */
  readonly progress?: ProgressSetting;
}

/** Per-episode figures of a collection run, in episode order. */
export interface CollectSummary {
  /** Transitions added to the buffer by this run. */
  readonly transitions: number;
  /** Episodes started by this run (a cut last episode included). */
  readonly episodes: number;
  /** Episodes that ended by `terminated` or `truncated` (the cut one excluded). */
  readonly completedEpisodes: number;
  /** Undiscounted return of each episode (sum of float32-rounded rewards, as stored). */
  readonly returns: number[];
  /** Number of steps of each episode. */
  readonly lengths: number[];
  /** How each episode ended. */
  readonly endings: EpisodeEnding[];
  /** The seed each episode was reset with. */
  readonly resetSeeds: number[];
}

/** What {@link collectDataset} returns. */
export interface CollectResult {
  /** The buffer holding the collected transitions (`options.buffer` when given). */
  readonly buffer: ReplayBuffer;
  /** What was collected. */
  readonly summary: CollectSummary;
  /** The D4RL file written (`options.d4rlPath`), or `null` when none was asked for. */
  readonly d4rlPath: string | null;
}

/** Checks an optional positive-integer option. */
function positiveInteger(where: string, name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(
      `${where}: ${name} must be a positive integer, got ${typeof value === 'number' ? String(value) : describeValue(value)}.`,
    );
  }
  return value;
}

/**
 * Rolls out `policy` in an env and stores every transition in a {@link ReplayBuffer}.
 *
 * Bookkeeping, transition by transition:
 *
 * - `observation` is the observation the policy acted on, `nextObservation` the observation
 *   `step` returned, also on the last step of an episode (the real final observation, never the
 *   next episode's reset observation);
 * - `terminal` is the step's `terminated`, `timeout` its `truncated` (or reaching
 *   `maxEpisodeSteps`); when both are set the terminal wins, as in {@link ReplayBuffer.add};
 * - when `steps` runs out mid-episode, the last step ends its episode as an explicit end
 *   (neither terminal nor timeout).
 *
 * Rows are copied as soon as the env returns them, so an env that reuses its observation array
 * cannot corrupt the stored data. Env and policy may each be synchronous or return promises.
 * An env given as an instance is left open; one made from a factory or id is closed.
 *
 * @param source - the env: an instance, a factory or a registered id ({@link EnvSource}). Its
 *   observation and action spaces must be Box or Discrete.
 * @param policy - see {@link Policy}; it receives the env's own observation objects.
 * @throws {@link ConfigError} on bad options, a Dict space, or a `buffer` whose dimensions do
 *   not match the env.
 * @throws {@link ShapeError} when an observation or action has the wrong number of values.
 * @throws {@link DatasetError} (from the buffer) on a non-finite value or reward.
 * @throws {@link ConfigError} (from the D4RL writer) when `d4rlPath` exists and
 *   `d4rlOptions.overwrite` is false.
 * @example
 * ```ts
 * const { buffer, summary } = await collectDataset('Pendulum-v1', (obs, { rng }) => Float32Array.of(rng.uniform(-2, 2)), {
 *   steps: 10_000,
 *   seed: 0,
 * });
 * console.log(summary.episodes, buffer.size); // 50 10000
 * ```
 */
export async function collectDataset<Obs, Act>(
  source: EnvSource<Obs, Act>,
  policy: Policy<Obs, Act>,
  options: CollectOptions,
): Promise<CollectResult> {
  const where = 'collectDataset';
  if (typeof options !== 'object' || options === null)
    throw new ConfigError(`${where}: options must be an object like { steps: 10000, seed: 0 }.`);
  if (typeof policy !== 'function')
    throw new ConfigError(
      `${where}: policy must be a function (observation, context) => action, got ${describeValue(policy)}.`,
    );
  const steps = positiveInteger(where, 'steps', options.steps);
  const maxEpisodes = positiveInteger(where, 'episodes', options.episodes);
  const maxEpisodeSteps = positiveInteger(where, 'maxEpisodeSteps', options.maxEpisodeSteps);
  if (steps === undefined && maxEpisodes === undefined) {
    throw new ConfigError(
      `${where}: give steps (transitions), episodes, or both, e.g. { steps: 10000, seed: 0 }; otherwise collection would never stop.`,
    );
  }
  const streams = new EpisodeStreams(checkRunSeed(where, options.seed));
  const deterministic = options.deterministic ?? false;
  const taskIndex = options.taskIndex ?? 0;
  if (options.d4rlPath !== undefined && (typeof options.d4rlPath !== 'string' || options.d4rlPath === '')) {
    throw new ConfigError(
      `${where}: d4rlPath must be a non-empty file path such as 'data/pendulum-random.hdf5', got ${describeValue(options.d4rlPath)}.`,
    );
  }

  const { env, owned } = resolveEnv(where, source);
  try {
    const observationDim = rowDim(where, 'observation', env.observationSpace);
    const actionDim = rowDim(where, 'action', env.actionSpace);
    const buffer = options.buffer ?? new ReplayBuffer({ observationDim, actionDim });
    if (!(buffer instanceof ReplayBuffer))
      throw new ConfigError(`${where}: buffer must be a ReplayBuffer, got ${describeValue(buffer)}.`);
    if (buffer.observationDim !== observationDim || buffer.actionDim !== actionDim) {
      throw new ConfigError(
        `${where}: the buffer holds observations of ${buffer.observationDim} and actions of ${buffer.actionDim} values, but the env's are ${observationDim} and ${actionDim}. Pass a buffer built for this env or none.`,
      );
    }
    buffer.endEpisode();

    const total = steps ?? maxEpisodes!;
    const ticker = new ProgressTicker(options.progress, total, 'collect', 'auto');
    const returns: number[] = [];
    const lengths: number[] = [];
    const endings: EpisodeEnding[] = [];
    const resetSeeds: number[] = [];
    let observationRow = new Float32Array(observationDim);
    let nextRow = new Float32Array(observationDim);
    const actionRow = new Float32Array(actionDim);
    let transitions = 0;
    const metrics = () => ({
      episodes: endings.length,
      lastReturn: returns.length > 0 ? returns[returns.length - 1] : 0,
    });

    while (
      (steps === undefined || transitions < steps) &&
      (maxEpisodes === undefined || endings.length < maxEpisodes)
    ) {
      const episode = endings.length;
      const stream = streams.get(episode);
      resetSeeds.push(stream.resetSeed);
      let [observation] = await env.reset({ seed: stream.resetSeed });
      copyRow(where, () => `reset observation of episode ${episode}`, observation, observationRow);
      let episodeReturn = 0;
      let t = 0;
      for (;;) {
        const context: PolicyContext = { rng: stream.rng, step: t, episode, deterministic };
        const action = await policy(observation, context);
        // TRY NOT TO MODIFY: copy the action before stepping, in case the env or policy reuses it.
        copyRow(where, () => `action at step ${t} of episode ${episode}`, action, actionRow);
        const [next, reward, terminated, truncated] = await env.step(action);
        copyRow(where, () => `observation after step ${t} of episode ${episode}`, next, nextRow);
        t++;
        transitions++;
        const timeout = truncated || (maxEpisodeSteps !== undefined && t >= maxEpisodeSteps);
        const cut = !terminated && !timeout && steps !== undefined && transitions >= steps;
        buffer.add({
          observation: observationRow,
          action: actionRow,
          reward,
          nextObservation: nextRow,
          terminal: terminated,
          timeout,
          taskIndex,
          episodeEnd: cut,
        });
        episodeReturn += Math.fround(reward);
        if (terminated || timeout || cut) {
          returns.push(episodeReturn);
          lengths.push(t);
          endings.push(terminated ? 'terminated' : timeout ? 'truncated' : 'cut');
          if (steps !== undefined) ticker.update(transitions, metrics);
          break;
        }
        if (steps !== undefined) ticker.update(transitions, metrics);
        // TRY NOT TO MODIFY: s_{t+1} becomes s_t (swap the rows, no copy).
        [observationRow, nextRow] = [nextRow, observationRow];
        observation = next;
      }
      if (steps === undefined) ticker.update(endings.length, metrics);
    }
    ticker.done(metrics());
    const summary: CollectSummary = {
      transitions,
      episodes: endings.length,
      completedEpisodes: endings.filter((e) => e !== 'cut').length,
      returns,
      lengths,
      endings,
      resetSeeds,
    };
    const d4rlPath =
      options.d4rlPath === undefined ? null : await writeD4rl(options.d4rlPath, buffer, options.d4rlOptions);
    return { buffer, summary, d4rlPath };
  } finally {
    if (owned) await env.close();
  }
}
