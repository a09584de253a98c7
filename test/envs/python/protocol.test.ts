/**
 * The TypeScript half of the bridge protocol, without Python: framing across arbitrary chunk
 * boundaries, JSON with non-finite numbers, and the wire layout of each space.
 */
import { describe, expect, it } from '@jest/globals';
import { EnvError, ShapeError } from '../../../src/core/errors.js';
import { Box, Dict, Discrete } from '../../../src/core/spaces.js';
import {
  FrameReader,
  HEADER_BYTES,
  allocateFrame,
  decodeJson,
  encodeJson,
  readInfoSection,
} from '../../../src/envs/python/protocol.js';
import { wireCodec } from '../../../src/envs/python/wire-codec.js';

function frame(kind: number, body: number[]): Uint8Array {
  const { bytes } = allocateFrame(kind, body.length);
  bytes.set(body, HEADER_BYTES);
  return bytes;
}

describe('FrameReader', () => {
  it('reassembles frames split at every possible byte', () => {
    const stream = new Uint8Array([...frame(0x83, [1, 2, 3]), ...frame(0x84, []), ...frame(0x82, [9])]);
    for (let cut = 0; cut <= stream.length; cut++) {
      for (let cut2 = cut; cut2 <= stream.length; cut2++) {
        const reader = new FrameReader();
        const frames = [
          ...reader.push(stream.slice(0, cut)),
          ...reader.push(stream.slice(cut, cut2)),
          ...reader.push(stream.slice(cut2)),
        ];
        expect(frames.map((f) => [f.kind, Array.from(f.body)])).toEqual([
          [0x83, [1, 2, 3]],
          [0x84, []],
          [0x82, [9]],
        ]);
        expect(reader.bufferedBytes).toBe(0);
      }
    }
  });

  it('keeps a partial frame until the rest arrives, and reads a frame inside a larger buffer', () => {
    const reader = new FrameReader();
    const whole = frame(0x81, [7, 7]);
    const big = new Uint8Array(100);
    big.set(whole, 40);
    expect(reader.push(big.subarray(40, 44))).toEqual([]);
    expect(reader.bufferedBytes).toBe(4);
    const [f] = reader.push(big.subarray(44, 40 + whole.length));
    expect([f.kind, Array.from(f.body)]).toEqual([0x81, [7, 7]]);
  });

  it('rejects an impossible length as a corrupt stream', () => {
    const reader = new FrameReader();
    expect(() => reader.push(new Uint8Array([0, 0, 0, 0, 0x81]))).toThrow(EnvError);
    expect(() => new FrameReader().push(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x81]))).toThrow(
      /not a valid frame .* the stream is corrupt/,
    );
  });
});

describe('bridge JSON', () => {
  it('round-trips NaN and infinities as tagged objects, and typed arrays as arrays', () => {
    const bytes = encodeJson({ a: NaN, b: [Infinity, -Infinity, 1.5], c: Float32Array.of(0.5, 2) });
    expect(new TextDecoder().decode(bytes)).toBe(
      '{"a":{"__float__":"nan"},"b":[{"__float__":"inf"},{"__float__":"-inf"},1.5],"c":[0.5,2]}',
    );
    const back = decodeJson(bytes) as { a: number; b: number[]; c: number[] };
    expect(back.a).toBeNaN();
    expect(back.b).toEqual([Infinity, -Infinity, 1.5]);
    expect(decodeJson(new TextEncoder().encode('{"__float__":"x","other":1}'))).toEqual({ __float__: 'x', other: 1 });
  });

  it('reads info sections and refuses one that runs past the body', () => {
    const json = encodeJson([{ t: 1 }]);
    const body = new Uint8Array(4 + json.length);
    new DataView(body.buffer).setUint32(0, json.length, true);
    body.set(json, 4);
    expect(readInfoSection(body, 0)).toEqual({ value: [{ t: 1 }], end: body.length });
    expect(readInfoSection(new Uint8Array(4), 0)).toEqual({ value: undefined, end: 4 });
    expect(() => readInfoSection(body.subarray(0, body.length - 1), 0)).toThrow(/too short for its info section/);
  });
});

describe('wireCodec', () => {
  it('lays a Box out as little-endian values of its dtype', () => {
    const f32 = wireCodec(new Box({ low: -1, high: 1, shape: [2, 2] }));
    expect(f32.bytes).toBe(16);
    const { bytes, view } = allocateFrame(0x03, 16);
    f32.write([0.5, -0.25, 1, Math.PI], view, HEADER_BYTES, 'action');
    expect(Array.from(bytes.subarray(HEADER_BYTES, HEADER_BYTES + 4))).toEqual([0, 0, 0, 0x3f]); // 0.5f LE
    const back = f32.read(bytes, HEADER_BYTES) as Float32Array;
    expect(back).toEqual(Float32Array.of(0.5, -0.25, 1, Math.PI));
    expect(back.buffer).not.toBe(bytes.buffer); // a copy, never a view of the frame

    const f64 = wireCodec(new Box({ low: 0, high: 1, shape: [1], dtype: 'float64' }));
    const i32 = wireCodec(new Box({ low: -5, high: 5, shape: [2], dtype: 'int32' }));
    const frame64 = allocateFrame(0x03, 8 + 8);
    f64.write([Math.PI], frame64.view, HEADER_BYTES, 'a');
    i32.write(Int32Array.of(-3, 4), frame64.view, HEADER_BYTES + 8, 'b');
    expect(f64.read(frame64.bytes, HEADER_BYTES)).toEqual(Float64Array.of(Math.PI));
    expect(i32.read(frame64.bytes, HEADER_BYTES + 8)).toEqual(Int32Array.of(-3, 4));
    expect(() => i32.write([1.5, 0], frame64.view, HEADER_BYTES, 'b')).toThrow(/b\[0\] = 1.5 is not an integer/);
    expect(() => f32.write([1, 2, 3], view, HEADER_BYTES, 'action')).toThrow(ShapeError);
  });

  it('lays a Discrete out as one int32 and a Dict key by key', () => {
    const codec = wireCodec(new Dict({ pos: new Discrete(5, -2), goal: new Box({ low: 0, high: 4, shape: [2] }) }));
    expect(codec.bytes).toBe(8 + 4);
    const { bytes, view } = allocateFrame(0x03, codec.bytes);
    codec.write({ pos: -2, goal: [1, 3] }, view, HEADER_BYTES, 'obs');
    expect(view.getFloat32(HEADER_BYTES, true)).toBe(1); // 'goal' sorts before 'pos'
    expect(view.getInt32(HEADER_BYTES + 8, true)).toBe(-2);
    expect(codec.read(bytes, HEADER_BYTES)).toEqual({ goal: Float32Array.of(1, 3), pos: -2 });
    expect(() => codec.write({ goal: [1, 3] }, view, HEADER_BYTES, 'obs')).toThrow(/obs lacks the key "pos"/);
    expect(() => codec.write({ goal: [1, 3], pos: 0.5 }, view, HEADER_BYTES, 'obs')).toThrow(
      /obs.pos must be an integer in \{-2, \.\.\., 2\}/,
    );
  });
});
