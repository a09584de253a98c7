/**
 * Seeding rules shared by envs: Gymnasium's `reset(seed=...)` semantics on top of the core
 * {@link Rng}.
 *
 * @module
 */
import { ConfigError } from '../core/errors.js';
import { Rng } from '../core/rng.js';

/** Largest seed accepted by {@link resolveResetRng} (seeds are non-negative safe integers). */
const MAX_SEED = Number.MAX_SAFE_INTEGER;

/** A seed drawn from system entropy (Web Crypto), for envs reset without any seed. */
export function entropySeed(): number {
  const words = new Uint32Array(1);
  globalThis.crypto.getRandomValues(words);
  return words[0] >>> 1;
}

/**
 * Checks a reset seed: `undefined` or a non-negative safe integer.
 * @throws {@link ConfigError} otherwise.
 */
export function validateSeed(seed: unknown, where = 'reset'): number | undefined {
  if (seed === undefined) return undefined;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new ConfigError(
      `${where}({ seed }) needs a non-negative integer seed or undefined, got ${typeof seed === 'number' ? seed : typeof seed}. Pass e.g. { seed: 42 }.`,
    );
  }
  return seed;
}

/**
 * The generator an env should use after `reset({ seed })`, following Gymnasium: a seed makes a
 * fresh stream from that seed; no seed keeps `current`; no seed and no stream yet seeds from
 * system entropy.
 *
 * @param current - the env's generator so far, or `undefined` before the first reset.
 * @param seed - the seed passed to `reset`, if any.
 * @throws {@link ConfigError} when the seed is not a non-negative integer.
 */
export function resolveResetRng(current: Rng | undefined, seed: number | undefined): Rng {
  const checked = validateSeed(seed);
  if (checked !== undefined) return new Rng(checked);
  return current ?? new Rng(entropySeed());
}
