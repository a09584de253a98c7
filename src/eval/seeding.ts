/**
 * How a run seed becomes per-episode seeds: {@link EpisodeStreams} and {@link episodeStreams}.
 *
 * Episode i of a run always gets the same reset seed and the same policy stream, whatever ran
 * before it or next to it, so sequential and vectorised evaluation agree episode by episode and
 * a collected dataset is a pure function of its seed.
 *
 * @module
 */
import { ConfigError } from '../core/errors.js';
import { Rng } from '../core/rng.js';

/** The randomness of one episode. */
export interface EpisodeStream {
  /** 0-based episode index in the run. */
  readonly episode: number;
  /** Seed passed to `env.reset({ seed })` at the start of the episode. */
  readonly resetSeed: number;
  /** The policy's stream for this episode ({@link PolicyContext.rng}). */
  readonly rng: Rng;
}

/**
 * Checks a run seed: a non-negative safe integer.
 * @throws {@link ConfigError} otherwise.
 */
export function checkRunSeed(where: string, seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new ConfigError(
      `${where}: seed must be a non-negative integer, got ${typeof seed === 'number' ? String(seed) : typeof seed}. Pass e.g. { seed: 0 }; the same seed gives the same run.`,
    );
  }
  return seed;
}

/**
 * The per-episode streams of a run, generated lazily in episode order and memoised.
 *
 * Derivation: `root = new Rng(seed)`; `episodesRoot = root.split()`, then for each episode in
 * order `resetSeed = episodesRoot.seed()` and `rng = episodesRoot.split()`. Two more children of
 * `root` ({@link EpisodeStreams.batchRng} and {@link EpisodeStreams.fillerRng}) serve batched
 * policy calls and idle envs, so neither shifts the episode streams.
 */
export class EpisodeStreams {
  /** Stream handed to every batched policy call as {@link BatchedPolicyContext.rng}. */
  readonly batchRng: Rng;
  /** Stream used to sample placeholder actions for idle envs of a vector env. */
  readonly fillerRng: Rng;
  private readonly episodesRoot: Rng;
  private readonly made: EpisodeStream[] = [];

  /**
   * @param seed - the run seed, a non-negative integer.
   * @throws {@link ConfigError} when the seed is not a non-negative integer.
   */
  constructor(seed: number) {
    const root = new Rng(checkRunSeed('EpisodeStreams', seed));
    this.episodesRoot = root.split();
    this.batchRng = root.split();
    this.fillerRng = root.split();
  }

  /** The stream of episode `index` (0-based), creating it and all earlier ones if needed. */
  get(index: number): EpisodeStream {
    while (this.made.length <= index) {
      const resetSeed = this.episodesRoot.seed();
      this.made.push({ episode: this.made.length, resetSeed, rng: this.episodesRoot.split() });
    }
    return this.made[index];
  }
}

/**
 * The first `count` episode streams of a run seeded with `seed`, as {@link collectDataset} and
 * {@link evaluatePolicy} use them: handy to replay one episode by hand
 * (`env.reset({ seed: episodeStreams(0, 5)[3].resetSeed })`).
 *
 * @throws {@link ConfigError} when the seed is not a non-negative integer.
 */
export function episodeStreams(seed: number, count: number): EpisodeStream[] {
  const streams = new EpisodeStreams(seed);
  return Array.from({ length: count }, (_, i) => streams.get(i));
}
