/**
 * How values of a space travel over the Python bridge: a Box as its elements in row-major order
 * in the Box's own dtype (little-endian float32, float64 or int32), a Discrete as one int32, a Dict
 * as its sub-values one after another in the Dict's key order. Both sides derive the same layout
 * from the space JSON of the handshake, so a row carries no header of its own. The Python side is
 * `BoxCodec`, `DiscreteCodec` and `DictCodec` in `assets/python/llmdpd_bridge.py`.
 *
 * @module
 */
import { ConfigError, ShapeError } from '../../core/errors.js';
import { Box, Dict, Discrete, describeValue, type BoxArray, type BoxDtype, type Space } from '../../core/spaces.js';
import { isPlainObject } from '../values.js';

/** Packs values of one space into wire bytes and unpacks them. */
export interface WireCodec {
  /** Bytes of one value. */
  readonly bytes: number;
  /**
   * Writes `value` at `offset`.
   * @throws {@link ShapeError} when `value` does not have the space's layout.
   */
  write(value: unknown, view: DataView, offset: number, what: string): void;
  /** Reads a new value (never a view of `bytes`) at `offset`. */
  read(bytes: Uint8Array, offset: number): unknown;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

const ELEMENT_BYTES: Record<BoxDtype, number> = { float32: 4, float64: 8, int32: 4 };

function boxCodec(box: Box<BoxDtype>): WireCodec {
  const { size, dtype } = box;
  const element = ELEMENT_BYTES[dtype];
  const bytes = size * element;
  const setters: Record<BoxDtype, (view: DataView, at: number, v: number) => void> = {
    float32: (view, at, v) => view.setFloat32(at, v, true),
    float64: (view, at, v) => view.setFloat64(at, v, true),
    int32: (view, at, v) => view.setInt32(at, v, true),
  };
  const getters: Record<BoxDtype, (view: DataView, at: number) => number> = {
    float32: (view, at) => view.getFloat32(at, true),
    float64: (view, at) => view.getFloat64(at, true),
    int32: (view, at) => view.getInt32(at, true),
  };
  const set = setters[dtype];
  const get = getters[dtype];
  const make = (buffer: ArrayBuffer): BoxArray =>
    dtype === 'float32'
      ? new Float32Array(buffer)
      : dtype === 'float64'
        ? new Float64Array(buffer)
        : new Int32Array(buffer);
  return {
    bytes,
    write(value, view, offset, what) {
      const isArrayLike = Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
      if (!isArrayLike) {
        throw new ShapeError(
          `${what} must be a typed array or number array of ${size} values (shape [${box.shape.join(', ')}]), got ${describeValue(value)}.`,
        );
      }
      const arr = value as ArrayLike<number>;
      if (arr.length !== size)
        throw new ShapeError(
          `${what} has ${arr.length} values, but the action space has shape [${box.shape.join(', ')}] (${size} values).`,
        );
      for (let i = 0; i < size; i++) {
        const v = arr[i];
        if (typeof v !== 'number') throw new ShapeError(`${what}[${i}] is ${describeValue(v)}, not a number.`);
        if (dtype === 'int32' && !Number.isInteger(v))
          throw new ShapeError(`${what}[${i}] = ${v} is not an integer, but the space's dtype is int32.`);
        set(view, offset + i * element, v);
      }
    },
    read(source, offset) {
      if (LITTLE_ENDIAN_HOST) {
        const start = source.byteOffset + offset;
        return make(source.buffer.slice(start, start + bytes) as ArrayBuffer);
      }
      const out = make(new ArrayBuffer(bytes));
      const view = new DataView(source.buffer, source.byteOffset, source.byteLength);
      for (let i = 0; i < size; i++) out[i] = get(view, offset + i * element);
      return out;
    },
  };
}

function discreteCodec(space: Discrete): WireCodec {
  return {
    bytes: 4,
    write(value, view, offset, what) {
      if (typeof value !== 'number' || !Number.isInteger(value))
        throw new ShapeError(
          `${what} must be an integer in {${space.start}, ..., ${space.start + space.n - 1}}, got ${describeValue(value)}.`,
        );
      view.setInt32(offset, value, true);
    },
    read(source, offset) {
      return new DataView(source.buffer, source.byteOffset, source.byteLength).getInt32(offset, true);
    },
  };
}

function dictCodec(space: Dict): WireCodec {
  const entries = Object.entries(space.spaces).map(([key, sub]) => ({ key, codec: wireCodec(sub) }));
  const bytes = entries.reduce((total, e) => total + e.codec.bytes, 0);
  return {
    bytes,
    write(value, view, offset, what) {
      if (!isPlainObject(value))
        throw new ShapeError(
          `${what} must be an object with keys [${entries.map((e) => e.key).join(', ')}], got ${describeValue(value)}.`,
        );
      let at = offset;
      for (const { key, codec } of entries) {
        if (!(key in value)) throw new ShapeError(`${what} lacks the key "${key}".`);
        codec.write(value[key], view, at, `${what}.${key}`);
        at += codec.bytes;
      }
    },
    read(source, offset) {
      const out: Record<string, unknown> = {};
      let at = offset;
      for (const { key, codec } of entries) {
        out[key] = codec.read(source, at);
        at += codec.bytes;
      }
      return out;
    },
  };
}

/**
 * The wire codec of a space.
 * @throws {@link ConfigError} for a space kind the bridge does not carry.
 */
export function wireCodec(space: Space): WireCodec {
  if (space instanceof Box) return boxCodec(space as Box<BoxDtype>);
  if (space instanceof Discrete) return discreteCodec(space);
  if (space instanceof Dict) return dictCodec(space as Dict);
  throw new ConfigError(
    `The Python bridge carries Box, Discrete and Dict spaces, not ${describeValue((space as { type?: unknown } | undefined)?.type)}.`,
  );
}
