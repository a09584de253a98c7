/**
 * The wire protocol between {@link makePythonEnv} and the Python side of the bridge
 * (`assets/python/llmdpd_bridge.py`), spoken over the child's stdin and stdout. The full
 * description, with every frame's layout, is `docs/envs/python-bridge.md` ("Frames").
 *
 * Every frame, both ways: `u32 length` (little-endian; counts the kind byte and the body), `u8 kind`,
 * body. Observations and actions travel as raw little-endian rows (see `wire-codec.ts`); JSON is
 * used only for the handshake, reset options and info dicts that are not empty, so a step of an env
 * with empty infos costs no JSON at all.
 *
 * @module
 */
import { EnvError } from '../../core/errors.js';

/** Version of the protocol; the handshake refuses a bridge file that speaks another. */
export const PROTOCOL_VERSION = 1;

/** Frame kinds. Requests go from TypeScript to Python, replies (high bit set) come back. */
export const FrameKind = Object.freeze({
  /** Request: JSON `{ protocol, target, args, kwargs, numEnvs }`; makes the envs. */
  init: 0x01,
  /** Request: `u32 k`, then k × (`u32 index`, `u8 hasSeed`, `f64 seed`), then `u32 n` + n bytes of options JSON. */
  reset: 0x02,
  /** Request: one `u8` operation per env, then one action row per env. */
  step: 0x03,
  /** Request: empty; closes the envs, then the process exits. */
  close: 0x04,
  /** Reply to init: JSON with the spaces, metadata, spec and the interpreter's versions. */
  ready: 0x81,
  /** Reply to reset: one observation row per reset env, then the info section. */
  resetResult: 0x82,
  /** Reply to step: observation rows, rewards, flags, final observations, then the info section. */
  stepResult: 0x83,
  /** Reply to close: empty. */
  closed: 0x84,
  /** Reply to any request that raised in Python: JSON `{ type, module, message, traceback, where }`. */
  error: 0x85,
});

/** The per-env operations of a step request. */
export const StepOp = Object.freeze({
  /** Leave the env alone; its observation row in the reply is zeros. */
  skip: 0,
  /** `env.step(action)`. */
  step: 1,
  /** `env.step(action)`, then `env.reset()` in the same call when the episode ended. */
  stepSameStepReset: 2,
  /** `env.reset()` (the delayed autoreset of the `'next-step'` mode); the action is ignored. */
  reset: 3,
});

/** Bytes of a frame header: the `u32` length and the `u8` kind. */
export const HEADER_BYTES = 5;

/** Bytes of one entry of a reset request: `u32 index`, `u8 hasSeed`, `f64 seed`. */
export const RESET_ENTRY_BYTES = 13;

/** Largest frame accepted from Python (1 GiB); anything larger means the stream is corrupt. */
export const MAX_FRAME_BYTES = 1 << 30;

/** One decoded frame. `body` is a view into the received bytes; copy what must outlive the call. */
export interface Frame {
  /** The frame kind (see {@link FrameKind}). */
  readonly kind: number;
  /** The body, without the header. */
  readonly body: Uint8Array;
}

/**
 * Allocates a frame with its header written and `bodyBytes` bytes of body to fill, starting at
 * {@link HEADER_BYTES}. The returned view covers the whole frame.
 */
export function allocateFrame(kind: number, bodyBytes: number): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(HEADER_BYTES + bodyBytes);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, bodyBytes + 1, true);
  view.setUint8(4, kind);
  return { bytes, view };
}

/**
 * Splits the byte stream from Python into frames. Chunks may end anywhere, even inside a header.
 */
export class FrameReader {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  /**
   * Adds a chunk and returns every frame it completes, in order.
   * @throws {@link EnvError} when a frame announces an impossible length (a corrupt stream).
   */
  push(chunk: Uint8Array): Frame[] {
    let data: Uint8Array;
    if (this.pendingBytes === 0) data = chunk;
    else {
      data = new Uint8Array(this.pendingBytes + chunk.length);
      let at = 0;
      for (const part of this.pending) {
        data.set(part, at);
        at += part.length;
      }
      data.set(chunk, at);
      this.pending = [];
      this.pendingBytes = 0;
    }
    const frames: Frame[] = [];
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let at = 0;
    while (data.length - at >= HEADER_BYTES) {
      const length = view.getUint32(at, true);
      if (length < 1 || length > MAX_FRAME_BYTES) {
        throw new EnvError(
          `The Python bridge sent a frame of length ${length}, which is not a valid frame (1 to ${MAX_FRAME_BYTES} bytes); the stream is corrupt. Something other than the bridge wrote to its protocol pipe.`,
        );
      }
      if (data.length - at < 4 + length) break;
      frames.push({ kind: data[at + 4], body: data.subarray(at + HEADER_BYTES, at + 4 + length) });
      at += 4 + length;
    }
    if (at < data.length) {
      // Copy the tail: the chunk's buffer may be reused by the stream.
      this.pending.push(data.slice(at));
      this.pendingBytes = data.length - at;
    }
    return frames;
  }

  /** Bytes received that do not yet form a whole frame. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }
}

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

/**
 * JSON with non-finite numbers: they travel as `{"__float__": "nan" | "inf" | "-inf"}` (JSON has
 * no token for them), and typed arrays as plain arrays.
 */
export function encodeJson(value: unknown): Uint8Array {
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v))
      return { __float__: Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf' };
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
    return v;
  });
  return textEncoder.encode(text);
}

function untag(_key: string, v: unknown): unknown {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const tag = (v as Record<string, unknown>)['__float__'];
    if (typeof tag === 'string' && Object.keys(v).length === 1) return Number(tag.replace('inf', 'Infinity'));
  }
  return v;
}

/** Parses JSON written by the bridge, restoring tagged non-finite numbers. */
export function decodeJson(bytes: Uint8Array): unknown {
  return JSON.parse(textDecoder.decode(bytes), untag) as unknown;
}

/**
 * Reads an info section (`u32 n`, then n bytes of JSON, or nothing when n = 0) at `offset`.
 * @returns the parsed JSON (or `undefined` for n = 0) and the offset after the section.
 * @throws {@link EnvError} when the section runs past the body.
 */
export function readInfoSection(body: Uint8Array, offset: number): { value: unknown; end: number } {
  if (offset + 4 > body.length) throw truncated('info section', offset + 4, body.length);
  const length = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(offset, true);
  const end = offset + 4 + length;
  if (end > body.length) throw truncated('info section', end, body.length);
  return { value: length === 0 ? undefined : decodeJson(body.subarray(offset + 4, end)), end };
}

/** The error for a reply body shorter than its layout. */
export function truncated(what: string, needed: number, got: number): EnvError {
  return new EnvError(
    `The Python bridge's reply is too short for its ${what}: ${needed} bytes needed, ${got} received. The bridge file and the library do not match; reinstall llmdpd.`,
  );
}
