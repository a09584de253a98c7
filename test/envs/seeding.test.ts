import { ConfigError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { entropySeed, resolveResetRng, validateSeed } from '../../src/envs/seeding.js';

describe('seeding', () => {
  it('makes a fresh stream from a seed, equal to new Rng(seed)', () => {
    const current = new Rng(1);
    const rng = resolveResetRng(current, 42);
    expect(rng).not.toBe(current);
    const ref = new Rng(42);
    expect([rng.nextUint32(), rng.nextUint32()]).toEqual([ref.nextUint32(), ref.nextUint32()]);
  });

  it('keeps the existing stream when no seed is given', () => {
    const current = new Rng(1);
    expect(resolveResetRng(current, undefined)).toBe(current);
  });

  it('seeds from entropy when there is neither a seed nor a stream', () => {
    const a = resolveResetRng(undefined, undefined);
    const b = resolveResetRng(undefined, undefined);
    const draws = (r: Rng) => [r.nextUint32(), r.nextUint32(), r.nextUint32()];
    expect(draws(a)).not.toEqual(draws(b));
    const s = entropySeed();
    expect(Number.isInteger(s) && s >= 0 && s < 2 ** 31).toBe(true);
  });

  it.each([-1, 1.5, Number.NaN, '3', 2 ** 60])('rejects the seed %p', (seed) => {
    expect(() => validateSeed(seed)).toThrow(ConfigError);
    expect(() => resolveResetRng(undefined, seed as number)).toThrow(/non-negative integer seed/);
  });
});
