/**
 * hdf5Section: every failure inside an HDF5 read becomes a DatasetError naming the file, and an
 * h5wasm instance that crashed or still holds files is replaced, so the next load works and no
 * descriptor leaks.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DatasetError } from '../../src/core/errors.js';
import { loadD4rl } from '../../src/datasets/index.js';
import { hdf5Section, loadH5 } from '../../src/datasets/hdf5.js';
import { scratchDir, writeValidD4rl } from '../support/valid-files.js';

let dir: string;
let cleanup: () => void;
let valid: string;
beforeAll(async () => {
  ({ dir, cleanup } = scratchDir('llmdpd-hdf5-section-'));
  valid = await writeValidD4rl(join(dir, 'valid.hdf5'));
});
afterAll(() => cleanup());

const fds = (): number | undefined => (existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : undefined);

/** Runs a section whose work throws `error` and returns what the section throws. */
async function sectionError(error: unknown): Promise<unknown> {
  const lib = await loadH5();
  try {
    hdf5Section(lib, 'test', 'x.hdf5', () => {
      throw error;
    });
  } catch (e) {
    return e;
  }
  throw new Error('the section did not throw');
}

test('a WebAssembly crash is a DatasetError, and the next load gets a fresh instance that works', async () => {
  const before = await loadH5();
  const crash = new Error('Aborted(native code called abort())');
  crash.name = 'RuntimeError';
  const e = await sectionError(crash);
  expect(e).toBeInstanceOf(DatasetError);
  expect((e as Error).message).toMatch(
    /^test: HDF5 crashed while reading x.hdf5 \(Aborted\(native code called abort\(\)\)\); its structure is damaged/,
  );
  const after = await loadH5();
  expect(after).not.toBe(before);
  expect(after.api.File).not.toBe(before.api.File);
  expect((await loadD4rl(valid)).buffer.size).toBe(11);
});

test('HDF5 diagnostics, allocation failures and other errors become DatasetErrors; library errors pass through', async () => {
  const diag = new Error(
    'HDF5-DIAG: Error detected in HDF5 (1.14.6):\n  #000: H5O.c line 1 in H5Oopen(): unable to open object\n    major: Object header\n  #001: H5Ocache.c line 2 in H5O__cache_deserialize(): bad object header version number',
  );
  expect(((await sectionError(diag)) as Error).message).toBe(
    'test: HDF5 cannot read x.hdf5: H5O__cache_deserialize(): bad object header version number. Fix: the file is damaged; fetch or write it again.',
  );
  const range = await sectionError(new RangeError('Invalid typed array length: 3000000000000'));
  expect(range).toBeInstanceOf(DatasetError);
  expect((range as Error).message).toMatch(
    /x.hdf5 declares more data than can be held in memory \(Invalid typed array length/,
  );
  const type = await sectionError(new TypeError("Cannot read properties of null (reading 'shape')"));
  expect(type).toBeInstanceOf(DatasetError);
  expect((type as Error).message).toMatch(
    /its HDF5 structure is not as expected \(TypeError: Cannot read properties of null/,
  );
  const own = new ConfigError('bad option');
  expect(await sectionError(own)).toBe(own);
});

test('a section that leaves a file open drops the instance and closes the descriptor', async () => {
  const lib = await loadH5();
  const before = fds();
  const result = hdf5Section(lib, 'test', valid, () => {
    new lib.api.File(valid, 'r'); // never closed, as after an error inside an h5wasm call
    return 'done';
  });
  expect(result).toBe('done');
  expect(await loadH5()).not.toBe(lib);
  const after = fds();
  if (before !== undefined && after !== undefined) expect(after).toBe(before);
  expect((await loadD4rl(valid)).buffer.size).toBe(11);
});
