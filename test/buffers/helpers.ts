/** Shared fixtures for the buffer tests: temporary directories and bit-level comparisons. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BufferColumns } from '../../src/buffers/index.js';

/** Creates a fresh temporary directory; remove it with {@link removeDir}. */
export function makeTempDir(prefix = 'llmdpd-buffers-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Removes a directory tree made by {@link makeTempDir}. */
export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** The raw bytes of a typed array (for bit-exact comparisons that see -0 and NaN payloads). */
export function bytesOf(a: Float32Array | Int32Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Asserts two column sets are bit-for-bit equal, naming the first differing column. */
export function expectColumnsBitEqual(actual: BufferColumns, expected: BufferColumns): void {
  expect([actual.size, actual.observationDim, actual.actionDim]).toEqual([
    expected.size,
    expected.observationDim,
    expected.actionDim,
  ]);
  for (const key of [
    'observations',
    'actions',
    'rewards',
    'nextObservations',
    'terminals',
    'timeouts',
    'episodeEnds',
    'taskIndices',
  ] as const) {
    const a = bytesOf(actual[key]);
    const e = bytesOf(expected[key]);
    if (Buffer.compare(Buffer.from(a), Buffer.from(e)) !== 0) throw new Error(`column ${key} differs bitwise`);
  }
}

/** The files in `dir`, sorted. */
export function listDir(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}
