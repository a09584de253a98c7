/**
 * {@link RecordEpisodeStatistics}: adds the episode's return, length and duration to the `info`
 * of its last step.
 *
 * @module
 */
import { ConfigError, EnvError } from '../../core/errors.js';
import type { MaybePromise } from '../../core/types.js';
import type { Env, ResetOptions, ResetResult, StepResult } from '../env.js';
import { thenMaybe } from '../maybe-promise.js';
import { Wrapper } from './wrapper.js';

/** Statistics of one finished episode, as put in `info.episode` (Gymnasium's names). */
export interface EpisodeStatistics {
  /** Undiscounted return: the sum of the episode's rewards. */
  readonly r: number;
  /** Length: the number of steps in the episode. */
  readonly l: number;
  /** Wall-clock duration from `reset()` to the last step, in seconds (rounded to microseconds). */
  readonly t: number;
}

/** Options of {@link RecordEpisodeStatistics}. */
export interface RecordEpisodeStatisticsOptions {
  /** How many recent episodes the queues keep. @defaultValue 100 */
  readonly bufferLength?: number;
  /** Clock in milliseconds, replaceable for tests. @defaultValue `performance.now` */
  readonly now?: () => number;
}

/**
 * On the step where `terminated || truncated`, returns `info` with an added
 * `episode: { r, l, t }` (return, length, seconds), as Gymnasium's wrapper of the same name.
 * `info` of every other step passes through untouched. The last `bufferLength` episodes are
 * also kept in {@link RecordEpisodeStatistics.returnQueue} and friends.
 */
export class RecordEpisodeStatistics<Obs = unknown, Act = unknown> extends Wrapper<Obs, Act> {
  /** How many recent episodes the queues keep. */
  readonly bufferLength: number;
  private readonly now: () => number;
  private readonly returns: number[] = [];
  private readonly lengths: number[] = [];
  private readonly times: number[] = [];
  private episodes = 0;
  private episodeReturn = 0;
  private episodeLength = 0;
  private startTime: number | undefined;

  /** @throws {@link ConfigError} when `bufferLength` is not a positive integer. */
  constructor(env: Env<Obs, Act>, options: RecordEpisodeStatisticsOptions = {}) {
    super(env);
    const n = options.bufferLength ?? 100;
    if (!Number.isInteger(n) || n <= 0)
      throw new ConfigError(`RecordEpisodeStatistics bufferLength must be a positive integer, got ${String(n)}.`);
    this.bufferLength = n;
    this.now = options.now ?? (() => performance.now());
  }

  /** Returns of the most recent finished episodes, oldest first. */
  get returnQueue(): readonly number[] {
    return this.returns;
  }

  /** Lengths of the most recent finished episodes, oldest first. */
  get lengthQueue(): readonly number[] {
    return this.lengths;
  }

  /** Durations in seconds of the most recent finished episodes, oldest first. */
  get timeQueue(): readonly number[] {
    return this.times;
  }

  /** Number of episodes finished since the wrapper was created. */
  get episodeCount(): number {
    return this.episodes;
  }

  /** Resets the inner env and starts a new episode's counters. */
  override reset(options?: ResetOptions): MaybePromise<ResetResult<Obs>> {
    return thenMaybe(this.env.reset(options), (result) => {
      this.episodeReturn = 0;
      this.episodeLength = 0;
      this.startTime = this.now();
      return result;
    });
  }

  /**
   * Steps the inner env, accumulates return and length, and adds `info.episode` when the
   * episode ends.
   * @throws {@link EnvError} before `reset()`, or when the inner env already set `info.episode`.
   */
  override step(action: Act): MaybePromise<StepResult<Obs>> {
    if (this.startTime === undefined)
      throw new EnvError('RecordEpisodeStatistics.step() was called before reset(); call env.reset() first.');
    return thenMaybe(this.env.step(action), ([observation, reward, terminated, truncated, info]): StepResult<Obs> => {
      this.episodeReturn += reward;
      this.episodeLength += 1;
      if (!(terminated || truncated)) return [observation, reward, terminated, truncated, info];
      if (info !== null && typeof info === 'object' && 'episode' in info) {
        throw new EnvError(
          'RecordEpisodeStatistics found info.episode already set by the inner env; apply RecordEpisodeStatistics only once, or rename the inner key.',
        );
      }
      const seconds = Math.round((this.now() - (this.startTime ?? 0)) * 1000) / 1e6;
      const episode: EpisodeStatistics = { r: this.episodeReturn, l: this.episodeLength, t: seconds };
      this.push(episode);
      return [observation, reward, terminated, truncated, { ...info, episode }];
    });
  }

  private push(episode: EpisodeStatistics): void {
    this.episodes += 1;
    this.returns.push(episode.r);
    this.lengths.push(episode.l);
    this.times.push(episode.t);
    if (this.returns.length > this.bufferLength) {
      this.returns.shift();
      this.lengths.shift();
      this.times.shift();
    }
  }
}
