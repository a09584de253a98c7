/**
 * A seeded, splittable pseudo-random number generator used wherever the library needs
 * randomness: batch sampling, space sampling, env resets, diffusion noise and the seeds handed
 * to tfjs random ops.
 *
 * The generator is xoshiro128** (Blackman and Vigna, 2018): 128 bits of state, 32-bit outputs,
 * fast in JavaScript because every step is a handful of 32-bit integer operations. The state is
 * seeded from one integer with splitmix32, so nearby seeds give unrelated streams. `split()`
 * derives an independent child generator, so components (the sampler, the env, the network
 * initialiser) can each own a stream and adding draws to one never shifts another.
 *
 * @module
 */
import { ConfigError } from './errors.js';

/** Anything indexable and writable by position: plain arrays and typed arrays. */
export interface IndexedArray {
  /** Number of elements. */
  readonly length: number;
  /** Element at a position. */
  [index: number]: unknown;
}

/** The serialisable state of an {@link Rng}, for checkpoints. */
export interface RngState {
  /** The four 32-bit words of xoshiro128** state. */
  readonly words: readonly [number, number, number, number];
  /** A cached second normal deviate from Box-Muller, or `null`. */
  readonly spareNormal: number | null;
}

const TWO_POW_32 = 4294967296;
// Bound once: global lookups such as `Math.imul` are slow inside jest's VM contexts (about 30x),
// and these run for every random number.
const imul = Math.imul;
const isInteger = Number.isInteger;

/** splitmix32: a bijective 32-bit mixer used to expand one seed into a full state. */
function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = imul(z ^ (z >>> 16), 0x85ebca6b);
  z = imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Whether `value` is a valid {@link RngState}: `words` four integers in [0, 2^32), not all zero,
 * and `spareNormal` a finite number or null. Checkpoint readers use it on untrusted JSON.
 */
export function isRngState(value: unknown): value is RngState {
  if (value === null || typeof value !== 'object') return false;
  const { words: w, spareNormal: spare } = value as { words?: unknown; spareNormal?: unknown };
  return (
    Array.isArray(w) &&
    w.length === 4 &&
    w.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < TWO_POW_32) &&
    !w.every((v) => v === 0) &&
    (spare === null || (typeof spare === 'number' && Number.isFinite(spare)))
  );
}

/**
 * Seeded random number generator (xoshiro128**).
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * const u = rng.float();            // uniform in [0, 1)
 * const i = rng.int(10);            // integer in 0..9
 * const child = rng.split();        // independent stream
 * const seed = rng.tfSeed();        // non-zero seed for tf.randomNormal(..., seed)
 * ```
 */
export class Rng {
  /** xoshiro128** state, in a typed array so its words stay unboxed 32-bit integers (V8 keeps
   * number fields above 2^30 as heap doubles; measured: about 10% of a draw's time). */
  private readonly s = new Uint32Array(4);
  private spare: number | null = null;

  /**
   * @param seed - any finite integer (negative and large values are folded to 32 bits).
   * @throws {@link ConfigError} if the seed is not a finite integer.
   */
  constructor(seed: number) {
    if (!Number.isInteger(seed)) {
      throw new ConfigError(`Rng seed must be a finite integer, got ${String(seed)}. Pass e.g. new Rng(0).`);
    }
    // Fold to 32 bits without losing the high part of seeds above 2^32.
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_POW_32) >>> 0;
    let x = splitmix32(lo ^ splitmix32(hi));
    this.s[0] = x;
    x = splitmix32(x);
    this.s[1] = x;
    x = splitmix32(x);
    this.s[2] = x;
    x = splitmix32(x);
    this.s[3] = x;
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1; // all-zero state is a fixed point
  }

  /** Restores a generator from {@link Rng.getState}. */
  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.setState(state);
    return rng;
  }

  /** Returns the full state, so a checkpoint can resume the exact stream. */
  getState(): RngState {
    return { words: [this.s[0], this.s[1], this.s[2], this.s[3]], spareNormal: this.spare };
  }

  /**
   * Replaces the state with a saved one.
   * @throws {@link ConfigError} if the state is malformed (see {@link isRngState}).
   */
  setState(state: RngState): void {
    if (!isRngState(state)) {
      throw new ConfigError(
        `Rng state must be { words: four unsigned 32-bit integers, not all zero; spareNormal: a finite number or null } (as returned by getState()), got ${JSON.stringify(state) ?? String(state)}.`,
      );
    }
    this.s.set(state.words);
    this.spare = state.spareNormal;
  }

  /** Next raw output: a uniform unsigned 32-bit integer. */
  nextUint32(): number {
    const s = this.s;
    const s0 = s[0];
    const s1 = s[1];
    const s2 = s[2];
    const s3 = s[3];
    const m = imul(s1, 5);
    const result = imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    s[1] = s1 ^ n2;
    s[0] = s0 ^ n3;
    s[2] = n2 ^ t;
    s[3] = (n3 << 11) | (n3 >>> 21);
    return result;
  }

  /** A uniform float in [0, 1) with 53 bits of resolution. */
  float(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform float in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.float();
  }

  /**
   * A uniform integer in [0, n), without modulo bias.
   * @throws {@link ConfigError} if n is not a positive integer below 2^32.
   */
  int(n: number): number {
    if (!isInteger(n) || n <= 0 || n > TWO_POW_32) {
      throw new ConfigError(`Rng.int(n) needs a positive integer n <= 2^32, got ${String(n)}.`);
    }
    // Rejection on 32-bit draws: accept below the largest multiple of n, return the remainder.
    // Remainders by floor division (exact for operands below 2^53): V8 computes `%` on values
    // above 2^31 with a call to fmod, which made this several times slower.
    const limit = Math.floor(TWO_POW_32 / n) * n;
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x - Math.floor(x / n) * n;
    }
  }

  /** A standard normal deviate (Box-Muller, polar-free form; the second value is cached). */
  normal(): number {
    const spare = this.spare;
    if (spare !== null) {
      this.spare = null;
      return spare;
    }
    const r = this.boxMullerRadius();
    const theta = 2 * Math.PI * this.float();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /**
   * The radius of one Box-Muller pair, from the first of its two uniform draws; the angle is
   * `2π` times the second. Written without a pair object, so that filling a buffer allocates
   * nothing.
   */
  private boxMullerRadius(): number {
    // 1 - float() is in (0, 1], so the log is finite.
    return Math.sqrt(-2 * Math.log(1 - this.float()));
  }

  /** Fills `out` with uniform floats in [low, high) and returns it. */
  fillUniform<T extends Float32Array | Float64Array>(out: T, low = 0, high = 1): T {
    const span = high - low;
    for (let i = 0; i < out.length; i++) out[i] = low + span * this.float();
    return out;
  }

  /** Fills `out` with normal deviates of the given mean and standard deviation and returns it. */
  fillNormal<T extends Float32Array | Float64Array>(out: T, mean = 0, std = 1): T {
    // The same deviates, in the same order, as `out.length` calls of normal(), in one loop
    // whose every branch runs often. A separate path for a leftover spare ran rarely, so V8
    // compiled it without type feedback and deoptimised the function each time it ran: about
    // once per training step (`node --trace-deopt`: 1,112 deopts in 1,500 LLMDPD steps).
    const n = out.length;
    let spare = this.spare;
    for (let i = 0; i < n; i++) {
      let z: number;
      if (spare !== null) {
        z = spare;
        spare = null;
      } else {
        const r = this.boxMullerRadius();
        const theta = 2 * Math.PI * this.float();
        z = r * Math.cos(theta);
        spare = r * Math.sin(theta);
      }
      out[i] = mean + std * z;
    }
    this.spare = spare;
    return out;
  }

  /** Fisher-Yates shuffles `array` in place and returns it. */
  shuffle<T extends IndexedArray>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /**
   * A seed for tfjs random ops (`tf.randomNormal(shape, 0, 1, 'float32', seed)`).
   *
   * @remarks tfjs treats a seed of 0 as "no seed" and falls back to `Math.random()`, which
   * would silently break reproducibility, so this never returns 0.
   */
  tfSeed(): number {
    return (this.nextUint32() % 2147483646) + 1;
  }

  /** A fresh integer seed in [0, 2^31), for example for `env.reset({ seed })`. */
  seed(): number {
    return this.nextUint32() >>> 1;
  }

  /**
   * Derives an independent child generator. The parent advances by four draws, so calling
   * `split()` twice gives two different children.
   */
  split(): Rng {
    const child = new Rng(0);
    const words: [number, number, number, number] = [
      splitmix32(this.nextUint32() ^ 0x6a09e667),
      splitmix32(this.nextUint32() ^ 0xbb67ae85),
      splitmix32(this.nextUint32() ^ 0x3c6ef372),
      splitmix32(this.nextUint32() ^ 0xa54ff53a),
    ];
    if (words.every((w) => w === 0)) words[0] = 1;
    child.setState({ words, spareNormal: null });
    return child;
  }
}
