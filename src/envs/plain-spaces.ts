/**
 * {@link spaceFromPlain}: builds core spaces from the plain objects that JavaScript ports of
 * Gymnasium envs (and JSON dumps of Python spaces) use: `{ shape, low, high, dtype }` for a Box,
 * `{ n, start? }` for Discrete, `{ spaces }` for Dict, or a {@link SpaceJSON}.
 *
 * @module
 */
import { ConfigError } from '../core/errors.js';
import { Box, Dict, Discrete, describeValue, type BoxDtype, type Space, type SpaceJSON } from '../core/spaces.js';
import { isPlainObject } from './values.js';

/** A plain Box description: bounds as numbers, nested arrays (`null` for infinity) or typed arrays. */
export interface PlainBoxSpace {
  /** Shape of one value; inferred from array bounds when omitted. A number `n` means `[n]`. */
  readonly shape?: readonly number[] | number;
  /** Lower bound(s); `null` means `-Infinity`. */
  readonly low: number | null | ArrayLike<unknown>;
  /** Upper bound(s); `null` means `Infinity`. */
  readonly high: number | null | ArrayLike<unknown>;
  /** NumPy-style dtype name. @defaultValue `'float32'` */
  readonly dtype?: string;
}

/** A plain Discrete description. */
export interface PlainDiscreteSpace {
  /** Number of elements. */
  readonly n: number;
  /** Smallest element. @defaultValue 0 */
  readonly start?: number;
}

/** A plain Dict description. */
export interface PlainDictSpace {
  /** The sub-spaces, in any accepted form. */
  readonly spaces: Record<string, SpaceLike>;
}

/** Anything {@link spaceFromPlain} accepts. */
export type SpaceLike = Space | SpaceJSON | PlainBoxSpace | PlainDiscreteSpace | PlainDictSpace;

/** NumPy dtype names accepted for a Box, mapped to the core dtype that holds them. */
const DTYPES: Record<string, BoxDtype> = {
  float32: 'float32',
  float64: 'float64',
  float: 'float64',
  double: 'float64',
  int8: 'int32',
  uint8: 'int32',
  int16: 'int32',
  uint16: 'int32',
  int32: 'int32',
  int64: 'int32',
  uint32: 'int32',
  int: 'int32',
};

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** True for an instance of a core space class. */
export function isCoreSpace(x: unknown): x is Space {
  return x instanceof Box || x instanceof Discrete || x instanceof Dict;
}

/** Flattens a (possibly nested, rectangular) array of numbers, returning values and shape. */
function flatten(x: unknown, what: string): { values: number[]; shape: number[] } {
  if (x === null) return { values: [Number.NaN], shape: [] };
  if (typeof x === 'number') return { values: [x], shape: [] };
  if (ArrayBuffer.isView(x)) {
    const arr = x as unknown as ArrayLike<number>;
    return { values: Array.from(arr, Number), shape: [arr.length] };
  }
  if (Array.isArray(x)) {
    if (x.length === 0) return { values: [], shape: [0] };
    const parts = x.map((v, i) => flatten(v, `${what}[${i}]`));
    const inner = parts[0].shape;
    for (const [i, p] of parts.entries()) {
      if (p.shape.join(',') !== inner.join(','))
        throw new ConfigError(
          `${what} is a ragged array: element ${i} has shape [${p.shape.join(', ')}] but element 0 has [${inner.join(', ')}].`,
        );
    }
    return { values: parts.flatMap((p) => p.values), shape: [x.length, ...inner] };
  }
  throw new ConfigError(`${what} must be a number, null (infinite) or an array of them, got ${describeValue(x)}.`);
}

function boxFromPlain(spec: Record<string, unknown>, what: string): Box<BoxDtype> {
  const given = spec['dtype'];
  const dtypeName =
    given === undefined ? 'float32' : typeof given === 'string' ? given.replace(/^(?:np\.|numpy\.)/, '') : undefined;
  const dtype = dtypeName === undefined ? undefined : DTYPES[dtypeName];
  if (dtype === undefined) {
    throw new ConfigError(
      `${what} has dtype ${JSON.stringify(spec['dtype'])}, which a Box cannot hold; use one of ${Object.keys(DTYPES).join(', ')}.`,
    );
  }
  if (!('low' in spec) || !('high' in spec))
    throw new ConfigError(
      `${what} looks like a Box but lacks ${'low' in spec ? 'high' : 'low'}; give { low, high, shape?, dtype? }.`,
    );
  const low = flatten(spec['low'], `${what}.low`);
  const high = flatten(spec['high'], `${what}.high`);
  let shape: number[];
  const rawShape = spec['shape'];
  if (typeof rawShape === 'number') shape = [rawShape];
  else if (Array.isArray(rawShape)) shape = rawShape.map(Number);
  else if (rawShape === undefined || rawShape === null) {
    const fromBounds = low.shape.length > 0 ? low.shape : high.shape;
    if (fromBounds.length === 0)
      throw new ConfigError(`${what} has scalar low and high and no shape; add e.g. shape: [3].`);
    shape = fromBounds;
  } else throw new ConfigError(`${what}.shape must be an array of integers, got ${describeValue(rawShape)}.`);
  const size = shape.reduce((a, b) => a * b, 1);
  const expand = (b: { values: number[]; shape: number[] }, name: string, inf: number): number[] => {
    const vals = b.values.map((v) => (Number.isNaN(v) ? inf : v));
    if (b.shape.length === 0) return new Array<number>(size).fill(vals[0]);
    if (vals.length !== size)
      throw new ConfigError(
        `${what}.${name} has ${vals.length} elements but shape [${shape.join(', ')}] holds ${size}.`,
      );
    return vals;
  };
  const lowValues = expand(low, 'low', -Infinity);
  const highValues = expand(high, 'high', Infinity);
  if (dtype === 'int32') {
    for (const v of [...lowValues, ...highValues]) {
      if (Number.isFinite(v) && (v < INT32_MIN || v > INT32_MAX))
        throw new ConfigError(`${what} has integer bound ${v}, outside the int32 range an int32 Box can hold.`);
    }
  }
  return new Box({ low: lowValues, high: highValues, shape, dtype });
}

/**
 * Builds a core space from a plain description, or returns a core space unchanged.
 *
 * @param what - how to name the value in error messages.
 * @throws {@link ConfigError} when the description fits no space kind or is inconsistent.
 */
export function spaceFromPlain(x: unknown, what = 'space'): Space {
  if (isCoreSpace(x)) return x;
  if (!isPlainObject(x))
    throw new ConfigError(
      `${what} must be a Box/Discrete/Dict or a plain { low, high, shape, dtype } / { n } / { spaces } object, got ${describeValue(x)}.`,
    );
  const type = x['type'];
  if (type === 'dict' || (type === undefined && 'spaces' in x)) {
    const sub = x['spaces'];
    if (!isPlainObject(sub))
      throw new ConfigError(`${what}.spaces must be an object of sub-spaces, got ${describeValue(sub)}.`);
    const spaces: Record<string, Space> = {};
    for (const [k, v] of Object.entries(sub)) spaces[k] = spaceFromPlain(v, `${what}.spaces.${k}`);
    return new Dict(spaces);
  }
  if (type === 'discrete' || (type === undefined && 'n' in x)) {
    const n = x['n'];
    const start = x['start'] ?? 0;
    if (typeof n !== 'number' || typeof start !== 'number')
      throw new ConfigError(
        `${what} looks like a Discrete space but n = ${describeValue(n)}, start = ${describeValue(start)}; both must be integers.`,
      );
    return new Discrete(n, start);
  }
  if (type === 'box' || (type === undefined && ('low' in x || 'high' in x))) return boxFromPlain(x, what);
  throw new ConfigError(
    `${what} is not a recognised space: got an object with keys [${Object.keys(x).join(', ')}]; expected { low, high, shape?, dtype? }, { n, start? } or { spaces }.`,
  );
}
