/**
 * The seeded random streams of an agent. One seed becomes five independent streams, each owned
 * by one job, so that adding draws to one job never shifts another (a new metric that samples
 * noise does not change which batches are drawn):
 *
 * | stream        | draws                                                              |
 * | ------------- | ------------------------------------------------------------------ |
 * | `init`        | initial weights of the agent's own networks                        |
 * | `sampler`     | the batches `fit` samples                                          |
 * | `noise`       | training-time randomness of the update (diffusion noise, coins, …) |
 * | `acting`      | randomness of `act` (candidate actions, the softmax draw)          |
 * | `conditioner` | the task conditioner's weights, prompt draws and dropout masks     |
 *
 * The first four are split from the root in this order, as the 0.1.0 agents did, so a seed gives
 * the same batches and noise as before; the conditioner's stream comes fifth. All but `init` are
 * saved in checkpoints (`init` is spent once the networks exist).
 *
 * @module
 */
import { ConfigError } from '../../core/errors.js';
import { Rng, type RngState } from '../../core/rng.js';

/** The streams every agent owns; see the module comment. */
export interface RandomStreams {
  /** Initial weights of the agent's networks. */
  readonly init: Rng;
  /** Batch sampling in `fit`. */
  readonly sampler: Rng;
  /** Randomness inside `update`. */
  readonly noise: Rng;
  /** Randomness of `act`. */
  readonly acting: Rng;
  /** The task conditioner's own stream (split further by the conditioner). */
  readonly conditioner: Rng;
}

/** What a checkpoint stores of {@link RandomStreams}: the states of the streams still in use. */
export interface RandomStreamStates {
  /** Batch sampling. */
  readonly sampler: RngState;
  /** Update noise. */
  readonly noise: RngState;
  /** Acting. */
  readonly acting: RngState;
}

/** Splits one seed into the agent's streams (see the module comment for the order). */
export function createRandomStreams(seed: number): RandomStreams {
  const root = new Rng(seed);
  const init = root.split();
  const sampler = root.split();
  const noise = root.split();
  const acting = root.split();
  const conditioner = root.split();
  return { init, sampler, noise, acting, conditioner };
}

/** The saved states of the sampler, noise and acting streams. */
export function randomStreamStates(streams: RandomStreams): RandomStreamStates {
  return { sampler: streams.sampler.getState(), noise: streams.noise.getState(), acting: streams.acting.getState() };
}

/**
 * Restores states saved by {@link randomStreamStates}.
 * @throws {@link ConfigError} when a state is missing or malformed (a damaged checkpoint header).
 */
export function restoreRandomStreams(streams: RandomStreams, states: unknown, where: string): void {
  const s = states as Partial<Record<keyof RandomStreamStates, RngState>> | null;
  for (const name of ['sampler', 'noise', 'acting'] as const) {
    const state = s?.[name];
    if (state === undefined || state === null)
      throw new ConfigError(`${where}: the checkpoint has no state for the '${name}' random stream; re-save it.`);
    streams[name].setState(state);
  }
}
