/**
 * Gymnasium-style spaces: {@link Box}, {@link Discrete} and {@link Dict}. They describe what an
 * env accepts and returns, and agents read their shapes and bounds. Values are plain typed
 * arrays and numbers, never tensors, so envs and buffers stay free of tfjs.
 *
 * @module
 */
import { ConfigError, ShapeError } from './errors.js';
import type { Rng } from './rng.js';

/** Element types a {@link Box} can hold. */
export type BoxDtype = 'float32' | 'float64' | 'int32';

/** The typed array that holds a {@link Box} value of the given dtype. */
export type BoxArray<D extends BoxDtype = BoxDtype> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : Int32Array;

/** JSON form of a {@link Box}. */
export interface BoxJSON {
  /** Discriminant. */
  readonly type: 'box';
  /** Shape of one value. */
  readonly shape: number[];
  /** Element type. */
  readonly dtype: BoxDtype;
  /** Lower bounds, `null` for −∞. */
  readonly low: (number | null)[];
  /** Upper bounds, `null` for +∞. */
  readonly high: (number | null)[];
}

/** JSON form of a {@link Discrete}. */
export interface DiscreteJSON {
  /** Discriminant. */
  readonly type: 'discrete';
  /** Number of elements. */
  readonly n: number;
  /** Smallest element. */
  readonly start: number;
}

/** JSON form of a {@link Dict}. */
export interface DictJSON {
  /** Discriminant. */
  readonly type: 'dict';
  /** Sub-spaces by key. */
  readonly spaces: Record<string, SpaceJSON>;
}

/** JSON form of a space, as written in checkpoints and dataset metadata. */
export type SpaceJSON = BoxJSON | DiscreteJSON | DictJSON;

/** Common interface of all spaces. */
export interface Space<T = unknown> {
  /** Discriminant of the space kind. */
  readonly type: SpaceJSON['type'];
  /** Shape of one value (`[]` for {@link Discrete} and {@link Dict}). */
  readonly shape: readonly number[];
  /** Draws a uniformly random element (Gymnasium's sampling rules for unbounded boxes). */
  sample(rng: Rng): T;
  /** True when `x` is an element of the space (type, shape, dtype and bounds). */
  contains(x: unknown): x is T;
  /**
   * Explains why `x` is not an element, or returns `null` when it is. Used by `checkEnv`
   * and input validation to produce messages that say what is wrong.
   */
  explainMismatch(x: unknown): string | null;
  /** JSON form, readable by {@link spaceFromJSON}. */
  toJSON(): SpaceJSON;
}

function productOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function typedArrayFor<D extends BoxDtype>(dtype: D, size: number): BoxArray<D> {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size) as BoxArray<D>;
    case 'float64':
      return new Float64Array(size) as BoxArray<D>;
    case 'int32':
      return new Int32Array(size) as BoxArray<D>;
    default:
      throw new ConfigError(`Unknown Box dtype ${JSON.stringify(dtype)}; use 'float32', 'float64' or 'int32'.`);
  }
}

function dtypeOf(x: unknown): BoxDtype | null {
  if (x instanceof Float32Array) return 'float32';
  if (x instanceof Float64Array) return 'float64';
  if (x instanceof Int32Array) return 'int32';
  return null;
}

/** Options of the {@link Box} constructor. */
export interface BoxOptions<D extends BoxDtype = 'float32'> {
  /** Lower bound: one number for every element, or one per element (`-Infinity` allowed). */
  readonly low: number | ArrayLike<number>;
  /** Upper bound: one number for every element, or one per element (`Infinity` allowed). */
  readonly high: number | ArrayLike<number>;
  /** Shape of a value; inferred from `low`/`high` when they are arrays. */
  readonly shape?: readonly number[];
  /** Element type. @defaultValue `'float32'` */
  readonly dtype?: D;
}

/**
 * A (possibly unbounded) box in R^n, stored row-major in a typed array.
 *
 * @example
 * ```ts
 * const actions = new Box({ low: -1, high: 1, shape: [3] });
 * actions.sample(new Rng(0)); // Float32Array(3) in [-1, 1]
 * ```
 */
export class Box<D extends BoxDtype = 'float32'> implements Space<BoxArray<D>> {
  /** Always `'box'`. */
  readonly type = 'box' as const;
  /** Shape of one value. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: D;
  /** Lower bounds, one per element. */
  readonly low: Float64Array;
  /** Upper bounds, one per element. */
  readonly high: Float64Array;
  /** Number of elements of one value (product of the shape). */
  readonly size: number;

  /** @throws {@link ConfigError} on inconsistent shape, bounds with low > high, or NaN bounds. */
  constructor(options: BoxOptions<D>) {
    const dtype = (options.dtype ?? 'float32') as D;
    typedArrayFor(dtype, 0); // validates the dtype
    let shape = options.shape;
    if (shape === undefined) {
      const arr =
        typeof options.low !== 'number' ? options.low : typeof options.high !== 'number' ? options.high : null;
      if (arr === null)
        throw new ConfigError(
          'Box needs a shape when low and high are both scalars, e.g. new Box({ low: -1, high: 1, shape: [3] }).',
        );
      shape = [arr.length];
    }
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new ConfigError(`Box shape must hold non-negative integers, got [${shape.join(', ')}].`);
    }
    this.shape = Object.freeze([...shape]);
    this.size = productOf(shape);
    this.dtype = dtype;
    this.low = Box.expand('low', options.low, this.size);
    this.high = Box.expand('high', options.high, this.size);
    for (let i = 0; i < this.size; i++) {
      if (this.low[i] > this.high[i]) {
        throw new ConfigError(
          `Box low[${i}] = ${this.low[i]} is above high[${i}] = ${this.high[i]}; swap them or fix the bounds.`,
        );
      }
    }
  }

  private static expand(name: string, bound: number | ArrayLike<number>, size: number): Float64Array {
    const out = new Float64Array(size);
    if (typeof bound === 'number') {
      out.fill(bound);
    } else {
      if (bound.length !== size) {
        throw new ConfigError(
          `Box ${name} has ${bound.length} elements but the shape holds ${size}; give one bound per element or a single number.`,
        );
      }
      for (let i = 0; i < size; i++) out[i] = bound[i]!;
    }
    for (let i = 0; i < size; i++) {
      if (Number.isNaN(out[i]))
        throw new ConfigError(`Box ${name}[${i}] is NaN; use -Infinity/Infinity for an unbounded side.`);
    }
    return out;
  }

  /** True when every element has finite low and high bounds. */
  isBounded(): boolean {
    for (let i = 0; i < this.size; i++)
      if (!Number.isFinite(this.low[i]) || !Number.isFinite(this.high[i])) return false;
    return true;
  }

  /**
   * Samples an element: uniform on bounded sides, exponential on half-bounded sides and
   * standard normal on unbounded ones (Gymnasium's rule). Integer boxes round down.
   */
  sample(rng: Rng): BoxArray<D> {
    const out = typedArrayFor(this.dtype, this.size);
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i];
      const hi = this.high[i];
      const loFinite = Number.isFinite(lo);
      const hiFinite = Number.isFinite(hi);
      let v: number;
      if (loFinite && hiFinite) v = this.dtype === 'int32' ? lo + rng.int(hi - lo + 1) : rng.uniform(lo, hi);
      else if (loFinite) v = lo - Math.log(1 - rng.float());
      else if (hiFinite) v = hi + Math.log(1 - rng.float());
      else v = rng.normal();
      out[i] = this.dtype === 'int32' ? Math.floor(v) : v;
    }
    // float32 rounding can push a value just past a bound; clamp it back.
    for (let i = 0; i < this.size; i++) {
      if (out[i] < this.low[i]) out[i] = this.low[i]!;
      if (out[i] > this.high[i]) out[i] = this.high[i]!;
    }
    return out;
  }

  /** True when `x` is a typed array of this dtype and size with every element inside the bounds. */
  contains(x: unknown): x is BoxArray<D> {
    return this.explainMismatch(x) === null;
  }

  /** Explains why `x` is not in the box, or `null`. */
  explainMismatch(x: unknown): string | null {
    const dt = dtypeOf(x);
    if (dt === null) return `expected a ${this.dtype} typed array of length ${this.size}, got ${describeValue(x)}`;
    if (dt !== this.dtype) return `expected dtype ${this.dtype}, got ${dt}`;
    const arr = x as BoxArray;
    if (arr.length !== this.size)
      return `expected ${this.size} elements (shape [${this.shape.join(', ')}]), got ${arr.length}`;
    // Bounds are compared in the value's own precision, so a float32 bound rounded from a
    // float64 one does not make a value fall outside.
    const fround = this.dtype === 'float32' ? Math.fround : (v: number) => v;
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i];
      if (Number.isNaN(v)) return `element ${i} is NaN`;
      if (v < fround(this.low[i]) || v > fround(this.high[i]))
        return `element ${i} = ${v} is outside [${this.low[i]}, ${this.high[i]}]`;
    }
    return null;
  }

  /** JSON form; infinite bounds become `null` so the result is valid JSON. */
  toJSON(): SpaceJSON {
    const enc = (a: Float64Array) => Array.from(a, (v) => (Number.isFinite(v) ? v : null));
    return { type: 'box', shape: [...this.shape], dtype: this.dtype, low: enc(this.low), high: enc(this.high) };
  }
}

/**
 * A finite set of integers `{start, ..., start + n - 1}`.
 */
export class Discrete implements Space<number> {
  /** Always `'discrete'`. */
  readonly type = 'discrete' as const;
  /** Always `[]`: a value is one integer. */
  readonly shape: readonly number[] = Object.freeze([]);

  /**
   * @param n - number of elements (positive integer).
   * @param start - smallest element. @defaultValue 0
   * @throws {@link ConfigError} if n is not a positive integer or start is not an integer.
   */
  constructor(
    readonly n: number,
    readonly start = 0,
  ) {
    if (!Number.isInteger(n) || n <= 0)
      throw new ConfigError(`Discrete(n) needs a positive integer n, got ${String(n)}.`);
    if (!Number.isInteger(start)) throw new ConfigError(`Discrete start must be an integer, got ${String(start)}.`);
  }

  /** A uniformly random element. */
  sample(rng: Rng): number {
    return this.start + rng.int(this.n);
  }

  /** True when `x` is an integer in range. */
  contains(x: unknown): x is number {
    return this.explainMismatch(x) === null;
  }

  /** Explains why `x` is not an element, or `null`. */
  explainMismatch(x: unknown): string | null {
    if (typeof x !== 'number' || !Number.isInteger(x)) return `expected an integer, got ${describeValue(x)}`;
    if (x < this.start || x >= this.start + this.n)
      return `${x} is outside {${this.start}, ..., ${this.start + this.n - 1}}`;
    return null;
  }

  /** JSON form. */
  toJSON(): SpaceJSON {
    return { type: 'discrete', n: this.n, start: this.start };
  }
}

/** The value type of a {@link Dict} space with the given sub-spaces. */
export type DictValue<S extends Record<string, Space>> = { [K in keyof S]: S[K] extends Space<infer T> ? T : never };

/**
 * A named collection of sub-spaces; values are plain objects with the same keys.
 */
export class Dict<S extends Record<string, Space> = Record<string, Space>> implements Space<DictValue<S>> {
  /** Always `'dict'`. */
  readonly type = 'dict' as const;
  /** Always `[]`: a value is an object. */
  readonly shape: readonly number[] = Object.freeze([]);
  /** The sub-spaces, keys in sorted order (as Gymnasium sorts them). */
  readonly spaces: Readonly<S>;

  /** @throws {@link ConfigError} when there are no sub-spaces. */
  constructor(spaces: S) {
    const keys = Object.keys(spaces).sort();
    if (keys.length === 0) throw new ConfigError('Dict space needs at least one sub-space.');
    const sorted = {} as S;
    for (const k of keys) (sorted as Record<string, Space>)[k] = spaces[k]!;
    this.spaces = Object.freeze(sorted);
  }

  /** Samples every sub-space. */
  sample(rng: Rng): DictValue<S> {
    const out: Record<string, unknown> = {};
    for (const [k, space] of this.entries()) out[k] = space.sample(rng);
    return out as DictValue<S>;
  }

  /** True when `x` has exactly the same keys and every value is in its sub-space. */
  contains(x: unknown): x is DictValue<S> {
    return this.explainMismatch(x) === null;
  }

  /** Explains why `x` is not an element (naming the key), or `null`. */
  explainMismatch(x: unknown): string | null {
    if (typeof x !== 'object' || x === null || ArrayBuffer.isView(x) || Array.isArray(x))
      return `expected an object with keys ${Object.keys(this.spaces).join(', ')}, got ${describeValue(x)}`;
    const obj = x as Record<string, unknown>;
    for (const k of Object.keys(obj)) if (!(k in this.spaces)) return `unexpected key "${k}"`;
    for (const [k, space] of this.entries()) {
      if (!(k in obj)) return `missing key "${k}"`;
      const why = space.explainMismatch(obj[k]);
      if (why !== null) return `key "${k}": ${why}`;
    }
    return null;
  }

  /** JSON form. */
  toJSON(): SpaceJSON {
    const spaces: Record<string, SpaceJSON> = {};
    for (const [k, space] of this.entries()) spaces[k] = space.toJSON();
    return { type: 'dict', spaces };
  }

  /** The sub-spaces as `[key, space]` pairs, in sorted key order. */
  private entries(): [string, Space][] {
    const spaces: Readonly<Record<string, Space>> = this.spaces;
    return Object.entries(spaces);
  }
}

/**
 * Rebuilds a space from its JSON form.
 * @throws {@link ConfigError} on an unknown type or malformed fields.
 */
export function spaceFromJSON(json: SpaceJSON): Space {
  switch (json.type) {
    case 'box': {
      const dec = (a: (number | null)[], inf: number) => a.map((v) => (v === null ? inf : v));
      return new Box({
        low: dec(json.low, -Infinity),
        high: dec(json.high, Infinity),
        shape: json.shape,
        dtype: json.dtype,
      });
    }
    case 'discrete':
      return new Discrete(json.n, json.start);
    case 'dict': {
      const spaces: Record<string, Space> = {};
      for (const [k, v] of Object.entries(json.spaces)) spaces[k] = spaceFromJSON(v);
      return new Dict(spaces);
    }
    default:
      throw new ConfigError(
        `Unknown space type ${JSON.stringify((json as { type: unknown }).type)}; expected 'box', 'discrete' or 'dict'.`,
      );
  }
}

/**
 * Number of scalars in a flattened value: the box size, 1 for discrete (index form), the sum
 * over a dict's sub-spaces.
 */
export function flatDim(space: Space): number {
  if (space instanceof Box) return space.size;
  if (space instanceof Discrete) return 1;
  if (space instanceof Dict) {
    const spaces: Readonly<Record<string, Space>> = space.spaces;
    return Object.values(spaces).reduce((a, s) => a + flatDim(s), 0);
  }
  throw new ShapeError(`flatDim does not know the space type ${space.type}.`);
}

/** Short description of a value for error messages. */
export function describeValue(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (ArrayBuffer.isView(x)) return `${x.constructor.name}(${(x as unknown as ArrayLike<number>).length})`;
  if (Array.isArray(x)) return `Array(${x.length})`;
  if (typeof x === 'object') return `object with keys [${Object.keys(x).join(', ')}]`;
  if (typeof x === 'function') return `function ${x.name || '(anonymous)'}`;
  if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint')
    return `${typeof x} ${String(x)}`;
  if (typeof x === 'symbol') return `symbol ${String(x)}`;
  return typeof x;
}
